"""Payments and refunds of an order over the API, and the payment status they give it."""
from __future__ import annotations

from tests.payments.conftest import SAMPLE_TOTAL, new_order, pay, refund
from tests.platform.test_api_tokens import bearer


def money(client, headers, number):
    response = client.get(f"/api/v1/orders/{number}/payments", headers=headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_payment_status_follows_what_was_paid_and_refunded(client, staff):
    number = new_order(client, staff)
    start = money(client, staff, number)
    assert (start["payment_status"], start["total"], start["paid"], start["outstanding"]) == (
        "unpaid", SAMPLE_TOTAL, "0.00", SAMPLE_TOTAL)

    assert pay(client, staff, number, "1000", reference="ALI-1").status_code == 201
    assert money(client, staff, number)["payment_status"] == "partly_paid"

    answer = pay(client, staff, number, "1560.70", reference="ALI-2")
    assert answer.status_code == 201, answer.get_json()
    paid = answer.get_json()
    assert (paid["payment_status"], paid["paid"], paid["outstanding"]) == (
        "paid", SAMPLE_TOTAL, "0.00")
    assert [p["reference"] for p in paid["payments"]] == ["ALI-1", "ALI-2"]
    shown = client.get(f"/api/v1/orders/{number}", headers=staff).get_json()
    assert shown["payment_status"] == "paid"

    assert refund(client, staff, number, "500", reason="one cup broken").status_code == 201
    partly = money(client, staff, number)
    assert (partly["payment_status"], partly["refunded"], partly["refundable"]) == (
        "partly_refunded", "500.00", "2060.70")

    rest = refund(client, staff, number)  # no amount: the rest of what was paid
    assert rest.status_code == 201, rest.get_json()
    assert (rest.get_json()["payment_status"], rest.get_json()["refunded"]) == (
        "refunded", SAMPLE_TOTAL)
    timeline = client.get(f"/api/v1/orders/{number}/timeline", headers=staff).get_json()
    assert [e["kind"] for e in timeline].count("payment") == 2
    assert [e["kind"] for e in timeline].count("refund") == 2


def test_paying_more_than_the_total_is_overpaid(client, staff):
    number = new_order(client, staff)
    answer = pay(client, staff, number, "2600.00")
    assert answer.get_json()["payment_status"] == "overpaid"


def test_a_refund_larger_than_what_was_paid_is_refused_and_nothing_is_stored(client, staff):
    number = new_order(client, staff)
    pay(client, staff, number, "100.00")
    answer = refund(client, staff, number, "150.00")
    assert answer.status_code == 422
    problem = answer.get_json()
    assert answer.mimetype == "application/problem+json"
    (error,) = problem["errors"]
    assert error["pointer"] == "/amount"
    assert problem["detail"] == "/amount: " + error["detail"]
    assert "150.00 CNY is more than the 100.00 CNY that can still be refunded" in \
        error["detail"]
    after = money(client, staff, number)
    assert (after["refunded"], after["refunds"], after["payment_status"]) == (
        "0.00", [], "partly_paid")


def test_a_second_refund_beyond_the_first_is_refused(client, staff):
    number = new_order(client, staff)
    pay(client, staff, number, "100.00")
    assert refund(client, staff, number, "60").status_code == 201
    answer = refund(client, staff, number, "60")
    assert answer.status_code == 422
    assert "the 40.00 CNY that can still be refunded" in answer.get_json()["detail"]


def test_refunding_an_unpaid_order_says_nothing_is_left(client, staff):
    number = new_order(client, staff)
    answer = refund(client, staff, number)
    assert answer.status_code == 409
    assert "has nothing left to refund: paid 0.00 CNY" in answer.get_json()["detail"]


def test_bad_payments_are_refused_with_the_field_at_fault(client, staff):
    number = new_order(client, staff)
    cases = [
        ({"amount": "abc", "method": "cash"}, "/amount", "is not an amount"),
        ({"amount": "-5", "method": "cash"}, "/amount", "must be more than 0"),
        ({"amount": "1.001", "method": "cash"}, "/amount", "CNY has 2 decimal places"),
        ({"amount": "10", "method": "cash", "currency": "USD"}, "/currency", "is in CNY"),
        ({"amount": "10"}, "/method", "is required"),
        ({"amount": "10", "method": "cash", "received_at": "2026-11-25T10:00:00"},
         "/received_at", "with its zone"),
        ({"amount": "10", "method": "cash", "tip": 1}, "/tip", "not a known field"),
    ]
    for body, pointer, words in cases:
        answer = client.post(f"/api/v1/orders/{number}/payments", headers=staff, json=body)
        assert answer.status_code == 422, (body, answer.get_json())
        problem = answer.get_json()
        assert problem["errors"][0]["pointer"] == pointer, (body, problem)
        assert words in problem["errors"][0]["detail"], (body, problem)
    assert money(client, staff, number)["payments"] == []


def test_the_same_provider_reference_twice_is_a_conflict(client, staff):
    number = new_order(client, staff)
    assert pay(client, staff, number, "10", reference="TX-9").status_code == 201
    again = pay(client, staff, number, "10", reference="TX-9")
    assert again.status_code == 409
    assert again.get_json()["errors"][0]["pointer"] == "/reference"
    assert money(client, staff, number)["paid"] == "10.00"


def test_unknown_order_and_missing_permission(client, staff, token_for):
    assert pay(client, staff, "SO-999999", "10").status_code == 404
    number = new_order(client, staff)
    viewer = bearer(token_for("viewer"))
    assert pay(client, viewer, number, "10").status_code == 403
    assert client.get(f"/api/v1/orders/{number}/payments", headers=viewer).status_code == 200
    designer = bearer(token_for("designer"))
    assert client.get(f"/api/v1/orders/{number}/payments", headers=designer).status_code == 403


def test_payment_and_refund_are_in_the_audit_trail(client, staff, db):
    from sqlalchemy import select

    from orderloom.runtime.audit import AuditEvent

    number = new_order(client, staff)
    pay(client, staff, number, "100", reference="A-1")
    refund(client, staff, number, "30", reason="late")
    actions = db.scalars(select(AuditEvent.action).where(AuditEvent.subject_id == number)
                         .order_by(AuditEvent.id)).all()
    assert [a for a in actions if a in ("payment.recorded", "refund.issued")] == [
        "payment.recorded", "refund.issued"]


def test_orders_can_be_found_by_payment_status(client, staff):
    unpaid, partly, paid = (new_order(client, staff) for _ in range(3))
    pay(client, staff, partly, "10")
    pay(client, staff, paid, SAMPLE_TOTAL)

    def found(query):
        answer = client.get(f"/api/v1/orders?{query}", headers=staff)
        assert answer.status_code == 200, answer.get_json()
        return {o["number"] for o in answer.get_json()["orders"]}

    assert found("payment_status=paid") == {paid}
    assert found("payment_status=unpaid,partly_paid") == {unpaid, partly}

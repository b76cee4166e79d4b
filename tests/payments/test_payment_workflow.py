"""payment_status in the workflow: automatic moves and transition conditions read it,
and a refund action gives back what was paid when an order is cancelled."""
from __future__ import annotations

from tests.designer.samples import retail
from tests.payments.conftest import new_order, pay, staff_handle_money


def timeline_kinds(client, headers, number):
    return [e["kind"] for e in client.get(f"/api/v1/orders/{number}/timeline",
                                          headers=headers).get_json()]


def order(client, headers, number):
    return client.get(f"/api/v1/orders/{number}", headers=headers).get_json()


def test_a_fully_paid_order_moves_on_by_itself(client, staff, shop):
    number = new_order(client, staff, shop)
    pay(client, staff, number, "1000")
    assert order(client, staff, number)["state"] == "draft"  # partly paid: stays
    pay(client, staff, number, "1560.70")
    # paid: draft -> review by the automatic move, and the review approval (total under
    # 5000) lets it through to confirmed
    assert order(client, staff, number)["state"] == "confirmed"
    assert "automatic" in timeline_kinds(client, staff, number)


def test_shipping_waits_for_the_payment(client, staff, shop):
    number = new_order(client, staff, shop)
    assert client.post(f"/api/v1/orders/{number}/transitions/submit",
                       headers=staff).status_code == 200
    assert order(client, staff, number)["state"] == "confirmed"
    shown = {t["key"]: t for t in order(client, staff, number)["transitions"]}
    assert "payment_status" in shown["ship"]["blocked"]
    refused = client.post(f"/api/v1/orders/{number}/transitions/ship", headers=staff)
    assert refused.status_code == 422
    assert 'payment_status IN ["paid", "overpaid"]' in refused.get_json()["detail"]
    pay(client, staff, number, "2560.70")
    shipped = client.post(f"/api/v1/orders/{number}/transitions/ship", headers=staff)
    assert shipped.status_code == 200, shipped.get_json()
    assert shipped.get_json()["state"] == "shipped"


def test_cancelling_a_paid_order_refunds_what_was_paid(client, staff, shop):
    number = new_order(client, staff, shop)
    pay(client, staff, number, "500")
    answer = client.post(f"/api/v1/orders/{number}/transitions/cancel", headers=staff)
    assert answer.status_code == 200, answer.get_json()
    money = client.get(f"/api/v1/orders/{number}/payments", headers=staff).get_json()
    assert (money["payment_status"], money["refunded"]) == ("refunded", "500.00")
    assert [(r["source"], r["reason"]) for r in money["refunds"]] == [
        ("action", "order cancelled")]


def test_cancelling_an_unpaid_order_refunds_nothing_and_still_cancels(client, staff, shop):
    number = new_order(client, staff, shop)
    answer = client.post(f"/api/v1/orders/{number}/transitions/cancel", headers=staff)
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json()["state"] == "cancelled"
    money = client.get(f"/api/v1/orders/{number}/payments", headers=staff).get_json()
    assert money["refunds"] == []


def test_a_refund_action_asking_for_more_than_was_paid_refuses_the_transition(
        client, staff, published):
    definition = staff_handle_money(retail())
    definition["key"] = "greedy_order"
    definition["number_prefix"] = "GR"
    cancel = next(t for t in definition["workflow"]["transitions"] if t["key"] == "cancel")
    cancel["actions"].append({"type": "refund", "amount": "total"})
    assert client.post("/api/v1/import", headers=published, json={
        "format": "orderloom-package/1", "order_types": [definition]}).status_code == 201
    number = new_order(client, staff, "greedy_order")
    pay(client, staff, number, "100")
    answer = client.post(f"/api/v1/orders/{number}/transitions/cancel", headers=staff)
    assert answer.status_code == 422
    assert "the refund action asks for 2560.70" in answer.get_json()["detail"]
    assert order(client, staff, number)["state"] == "draft"
    money = client.get(f"/api/v1/orders/{number}/payments", headers=staff).get_json()
    assert money["refunds"] == []


def test_a_refund_amount_that_is_not_money_is_a_definition_problem(client, published):
    definition = retail()
    definition["key"] = "odd_order"
    cancel = next(t for t in definition["workflow"]["transitions"] if t["key"] == "cancel")
    cancel["actions"].append({"type": "refund", "amount": '"everything"'})
    answer = client.post("/api/v1/import", headers=published, json={
        "format": "orderloom-package/1", "order_types": [definition]})
    assert answer.status_code == 422
    pointers = [e["pointer"] for e in answer.get_json()["errors"]]
    assert any(p.endswith("/workflow/transitions/3/actions/1/amount") for p in pointers), \
        pointers


def test_conditions_read_payment_status_in_formulas(client, staff):
    from orderloom import dsl
    from orderloom.designer.form import ORDER_ATTRIBUTES

    check = dsl.compile('IF(payment_status = "paid", "ship", "wait")', ORDER_ATTRIBUTES, None)
    assert check({"payment_status": "paid"}, None) == "ship"
    assert check({"payment_status": "partly_paid"}, None) == "wait"

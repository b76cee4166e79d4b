"""Money follows the workflow: a person records a payment or refund only where the
order's definition gives it to one of their roles."""
from __future__ import annotations

import pytest

from tests.payments.conftest import SAMPLE_TOTAL, new_order, pay, refund
from tests.platform.test_api_tokens import assert_problem, bearer


def money(client, headers, number):
    return client.get(f"/api/v1/orders/{number}/payments", headers=headers).get_json()


def ship(client, headers, number):
    # paid: the shop's order moves to confirmed by itself; ship takes it on
    shipped = client.post(f"/api/v1/orders/{number}/transitions/ship", headers=headers)
    assert shipped.status_code == 200, shipped.get_json()


def test_regression_staff_refunded_any_paid_order_at_any_time(client, staff, shop):
    """Once: staff refunded a shipped order by POST /refunds, although only cancelling
    (which staff may do before shipping) refunds in the shop's workflow."""
    number = new_order(client, staff, shop)
    assert pay(client, staff, number, SAMPLE_TOTAL).status_code == 201
    ship(client, staff, number)
    body = assert_problem(refund(client, staff, number, "10.00"), 403)
    assert "state 'shipped'" in body["detail"] and "money.refund" in body["detail"]
    assert money(client, staff, number)["refunds"] == []


def test_a_refund_is_taken_where_a_transition_of_the_role_refunds(client, staff, shop):
    number = new_order(client, staff, shop)
    assert pay(client, staff, number, SAMPLE_TOTAL).status_code == 201
    # confirmed: staff may cancel from here, and cancelling refunds
    answer = refund(client, staff, number, "60.70", reason="a scratched box")
    assert answer.status_code == 201, answer.get_json()
    assert answer.get_json()["refunded"] == "60.70"


def test_administrators_refund_in_any_state(client, staff, shop, token_for):
    number = new_order(client, staff, shop)
    pay(client, staff, number, SAMPLE_TOTAL)
    ship(client, staff, number)
    admin = bearer(token_for("admin"))
    assert refund(client, admin, number, "10.00").status_code == 201
    assert refund(client, staff, number, "10.00").status_code == 403


def test_the_money_section_names_who_may_refund(client, published, token_for):
    from tests.payments.conftest import paid_shop

    definition = paid_shop()
    definition.update(key="kind_shop", number_prefix="KS")
    definition["money"] = {"payment": ["staff"], "refund": ["staff"]}
    assert client.post("/api/v1/import", headers=published, json={
        "format": "orderloom-package/1", "order_types": [definition]}).status_code == 201
    staff = bearer(token_for("staff"))
    number = new_order(client, staff, "kind_shop")
    pay(client, staff, number, SAMPLE_TOTAL)
    ship(client, staff, number)
    assert refund(client, staff, number, "10.00").status_code == 201


@pytest.mark.parametrize("declared", [None, ["viewer"]])
def test_a_payment_needs_the_definition_to_give_it(client, published, token_for, declared):
    from tests.designer.samples import retail

    definition = retail()
    definition.update(key="strict_order", number_prefix="ST")
    if declared is not None:
        definition["money"] = {"payment": declared}
    assert client.post("/api/v1/import", headers=published, json={
        "format": "orderloom-package/1", "order_types": [definition]}).status_code == 201
    staff = bearer(token_for("staff"))
    number = new_order(client, staff, "strict_order")
    body = assert_problem(pay(client, staff, number, "100.00"), 403)
    assert "record a payment" in body["detail"]
    assert money(client, staff, number)["payments"] == []


def test_the_order_page_offers_only_the_money_the_workflow_gives(client, staff, shop,
                                                                 actions):
    number = new_order(client, staff, shop)
    pay(client, staff, number, SAMPLE_TOTAL)
    actions.login_as("staff")
    page = client.get(f"/orders/{number}").get_data(as_text=True)
    assert 'id="refund-form"' in page and 'id="payment-form"' in page
    ship(client, staff, number)
    page = client.get(f"/orders/{number}").get_data(as_text=True)
    assert 'id="refund-form"' not in page and 'id="payment-form"' in page
    csrf = actions.csrf(f"/orders/{number}")
    client.post(f"/orders/{number}/refunds", data={"amount": "5.00", "reason": "x",
                                                   "csrf_token": csrf})
    assert money(client, staff, number)["refunds"] == []


def test_the_retail_template_gives_refunds_to_customer_service_only(client, token_for,
                                                                    db, make_user):
    from orderloom.platform import accounts
    from orderloom.platform.api.orders import ORDER_EXAMPLES
    from orderloom.runtime.audit import Actor

    admin = bearer(token_for("admin"))
    assert client.post("/api/v1/templates/retail/import", headers=admin,
                       json={}).status_code == 201
    staff = bearer(token_for("staff"))
    made = client.post("/api/v1/orders", headers=staff, json=ORDER_EXAMPLES["retail"])
    assert made.status_code == 201, made.get_json()
    number = made.get_json()["number"]
    assert pay(client, staff, number, "10.00").status_code == 201
    assert_problem(refund(client, staff, number, "5.00"), 403)
    service = make_user("customer_service")
    _token, secret = accounts.issue_token(db, Actor(service.id, service.username, "cli"),
                                          service, "test")
    db.commit()
    assert refund(client, bearer(secret), number, "5.00").status_code == 201

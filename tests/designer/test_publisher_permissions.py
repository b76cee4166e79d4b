"""A configured action never does more than its publisher may: publishing a definition
whose actions refund, or which names who may record money, needs payments.manage."""
from __future__ import annotations

from orderloom.designer import actions
from tests.designer.samples import retail
from tests.platform.test_api_tokens import assert_problem, bearer

PACKAGE = "orderloom-package/1"


def refunding_when_paid() -> dict:
    definition = retail()
    definition["workflow"]["automatic"].append({
        "key": "refund_when_paid", "from": "draft", "to": "cancelled",
        "when": 'payment_status = "paid"', "actions": [{"type": "refund"}]})
    return definition


def test_regression_a_designer_published_an_automatic_refund(client, token_for):
    """Once: a designer, holding no payment permission, published an automatic move
    that refunds every paid order."""
    designer = bearer(token_for("designer"))
    body = assert_problem(client.post("/api/v1/import", headers=designer, json={
        "format": PACKAGE, "order_types": [refunding_when_paid()]}), 422)
    assert {"pointer": "/order_types/0/workflow/automatic/1/actions/0",
            "detail": "publishing a refund action needs the permission payments.manage, "
                      "which you do not hold; ask someone who does to publish it"
            } in body["errors"]
    assert client.get("/api/v1/order-types/retail_order",
                      headers=designer).status_code == 404


def test_the_draft_shows_the_problem_and_publishing_it_is_refused(client, token_for):
    designer = bearer(token_for("designer"))
    created = client.post("/api/v1/order-types", headers=designer, json=refunding_when_paid())
    assert created.status_code == 201
    shown = client.get("/api/v1/order-types/retail_order", headers=designer).get_json()
    assert "/workflow/automatic/1/actions/0" in [e["pointer"] for e in shown["errors"]]
    body = assert_problem(client.post("/api/v1/order-types/retail_order/publish",
                                      headers=designer), 422)
    assert "/workflow/automatic/1/actions/0" in [e["pointer"] for e in body["errors"]]
    # Someone holding the permission publishes the same draft.
    admin = bearer(token_for("admin"))
    assert client.post("/api/v1/order-types/retail_order/publish",
                       headers=admin).status_code == 201


def test_naming_who_may_record_money_needs_the_permission_too(client, token_for):
    definition = retail()
    definition["money"] = {"refund": ["staff"], "payment": ["cashier"]}
    designer = bearer(token_for("designer"))
    body = assert_problem(client.post("/api/v1/import", headers=designer, json={
        "format": PACKAGE, "order_types": [definition]}), 422)
    pointers = [e["pointer"] for e in body["errors"]]
    assert "/order_types/0/money/refund" in pointers
    assert "/order_types/0/money/payment/0" in pointers  # no role 'cashier'
    admin = bearer(token_for("admin"))
    del definition["money"]["payment"]
    assert client.post("/api/v1/import", headers=admin, json={
        "format": PACKAGE, "order_types": [definition]}).status_code == 201


def test_the_designers_problems_list_shows_it(client, token_for, actions):
    designer = bearer(token_for("designer"))
    assert client.post("/api/v1/order-types", headers=designer,
                       json=refunding_when_paid()).status_code == 201
    actions.login_as("designer")
    page = client.get("/designer/retail_order").get_data(as_text=True)
    assert "publishing a refund action needs the permission payments.manage" in page


def test_each_action_type_says_what_it_needs_of_its_publisher():
    assert actions.TYPES["refund"].needs == {"payments.manage"}
    assert actions.TYPES["add_tag"].needs == frozenset()

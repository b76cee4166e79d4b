"""An order type whose workflow reads payment_status, and helpers to pay and refund
through the API."""
from __future__ import annotations

import pytest

from tests.designer.samples import retail
from tests.platform.test_api_tokens import bearer
from tests.runtime.support import SAMPLE

SAMPLE_TOTAL = "2560.70"  # 2 x 1250.50 + 3 x 19.90


def staff_handle_money(definition: dict) -> dict:
    """Let staff record payments and refunds in any state of ``definition`` (its
    ``money`` section), as the tests of amounts and statuses need."""
    definition["money"] = {"payment": ["staff"], "refund": ["staff"]}
    return definition


def paid_shop() -> dict:
    """The retail sample, where a paid draft goes to review by itself, shipping needs
    the order paid, and cancelling refunds what was paid."""
    definition = retail()
    definition["key"] = "shop_order"
    definition["number_prefix"] = "SP"
    workflow = definition["workflow"]
    workflow["automatic"].append({"key": "paid_goes_to_review", "from": "draft",
                                  "to": "review", "when": 'payment_status = "paid"'})
    for transition in workflow["transitions"]:
        if transition["key"] == "ship":
            transition["condition"] = 'payment_status IN ["paid", "overpaid"]'
        if transition["key"] == "cancel":
            transition["actions"].append({"type": "refund", "reason": "order cancelled"})
    # Staff take payments at any time; refunds only where they may cancel.
    definition["money"] = {"payment": ["staff"]}
    return definition


@pytest.fixture
def published(client, token_for):
    """The sample retail order type, with staff handling its money, published by an
    administrator: a definition that hands out money rights needs a publisher
    holding payments.manage. Answers the administrator's API headers, which import
    the other order types of these tests."""
    admin = bearer(token_for("admin"))
    response = client.post("/api/v1/import", headers=admin, json={
        "format": "orderloom-package/1", "order_types": [staff_handle_money(retail())]})
    assert response.status_code == 201, response.get_json()
    return admin


@pytest.fixture
def staff(client, token_for, published):
    return bearer(token_for("staff"))


@pytest.fixture
def shop(client, published):
    response = client.post("/api/v1/import", headers=published, json={
        "format": "orderloom-package/1", "order_types": [paid_shop()]})
    assert response.status_code == 201, response.get_json()
    return "shop_order"


def new_order(client, headers, order_type="retail_order", data=None) -> str:
    response = client.post("/api/v1/orders", headers=headers,
                           json={"order_type": order_type, "data": data or SAMPLE})
    assert response.status_code == 201, response.get_json()
    return response.get_json()["number"]


def pay(client, headers, number, amount, **extra):
    return client.post(f"/api/v1/orders/{number}/payments", headers=headers,
                       json={"amount": amount, "method": "alipay", **extra})


def refund(client, headers, number, amount=None, **extra):
    body = {**({"amount": amount} if amount is not None else {}), **extra}
    return client.post(f"/api/v1/orders/{number}/refunds", headers=headers, json=body)

"""Orders reserve, release and ship stock as their definition says."""
from __future__ import annotations

import pytest

from tests.designer.samples import retail
from tests.platform.test_api_tokens import assert_problem, bearer
from tests.runtime.support import SAMPLE, create


@pytest.fixture
def staff(client, token_for, shop):
    return bearer(token_for("staff"))


@pytest.fixture
def shop(client, token_for):
    admin = bearer(token_for("admin"))
    for sku in ("TEA-01", "CUP-02"):
        client.post("/api/v1/products", headers=admin, json={"sku": sku, "name": sku})
    for code, regions in (("HZ", ["Zhejiang"]), ("SH", ["Shanghai"])):
        client.post("/api/v1/warehouses", headers=admin,
                    json={"code": code, "name": code, "regions": regions})
    for sku, code, qty in (("TEA-01", "HZ", 3), ("CUP-02", "HZ", 10), ("TEA-01", "SH", 1)):
        client.post("/api/v1/stock/receipts", headers=admin,
                    json={"sku": sku, "warehouse": code, "quantity": qty})
    definition = retail()
    submit = definition["workflow"]["transitions"][0]
    submit["actions"] = [{"type": "reserve_stock"}]
    response = client.post("/api/v1/import", headers=admin, json={
        "format": "orderloom-package/1", "order_types": [definition]})
    assert response.status_code == 201, response.get_json()
    return admin


def levels(client, headers):
    return {(row["sku"], row["warehouse"]): (row["on_hand"], row["reserved"])
            for row in client.get("/api/v1/stock", headers=headers).get_json()}


def test_submit_reserves_cancel_releases(client, shop, staff):
    number = create(client, staff).get_json()["number"]
    submitted = client.post(f"/api/v1/orders/{number}/transitions/submit", headers=staff)
    assert submitted.status_code == 200, submitted.get_json()
    assert levels(client, shop)[("TEA-01", "HZ")] == (3, 2)
    assert levels(client, shop)[("CUP-02", "HZ")] == (10, 3)
    timeline = client.get(f"/api/v1/orders/{number}/timeline", headers=staff).get_json()
    submit = next(e for e in timeline if e["transition"] == "submit")
    assert submit["details"]["stock"]["allocation"]["reason"] == "HZ can ship every line"
    cancelled = client.post(f"/api/v1/orders/{number}/transitions/cancel", headers=staff)
    assert cancelled.status_code == 200, cancelled.get_json()
    assert levels(client, shop)[("TEA-01", "HZ")] == (3, 0)


def test_shipping_deducts_what_was_reserved(client, shop, staff):
    number = create(client, staff).get_json()["number"]
    client.post(f"/api/v1/orders/{number}/transitions/submit", headers=staff)
    order = client.get(f"/api/v1/orders/{number}", headers=staff).get_json()
    assert order["state"] == "confirmed"  # under 5000: approved automatically
    shipped = client.post(f"/api/v1/orders/{number}/transitions/ship", headers=staff)
    assert shipped.status_code == 200, shipped.get_json()
    assert levels(client, shop)[("TEA-01", "HZ")] == (1, 0)
    assert levels(client, shop)[("CUP-02", "HZ")] == (7, 0)


def test_not_enough_stock_refuses_the_transition_and_holds_nothing(client, shop, staff):
    number = create(client, staff, {**SAMPLE, "items": [
        {"sku": "TEA-01", "qty": 9, "price": "10"}]}).get_json()["number"]
    body = assert_problem(client.post(f"/api/v1/orders/{number}/transitions/submit",
                                      headers=staff), 409)
    assert "TEA-01" in body["detail"]
    assert client.get(f"/api/v1/orders/{number}", headers=staff).get_json()["state"] == "draft"
    assert levels(client, shop)[("TEA-01", "HZ")] == (3, 0)


def test_a_rejected_order_gives_its_stock_back(client, shop, staff, token_for):
    big = {**SAMPLE, "items": [{"sku": "CUP-02", "qty": 10, "price": "600"}]}  # 6000: review
    number = create(client, staff, big).get_json()["number"]
    assert client.post(f"/api/v1/orders/{number}/transitions/submit",
                       headers=staff).status_code == 200
    assert levels(client, shop)[("CUP-02", "HZ")] == (10, 10)
    admin = bearer(token_for("admin"))
    (task,) = client.get("/api/v1/approvals", headers=admin).get_json()
    rejected = client.post(f"/api/v1/approvals/{task['id']}/reject", headers=admin,
                           json={"comment": "too many cups"})
    assert rejected.status_code == 200, rejected.get_json()
    assert client.get(f"/api/v1/orders/{number}", headers=staff).get_json()["state"] == \
        "cancelled"
    assert levels(client, shop)[("CUP-02", "HZ")] == (10, 0)
    timeline = client.get(f"/api/v1/orders/{number}/timeline", headers=staff).get_json()
    assert timeline[-1]["kind"] == "stock_released"
    assert timeline[-1]["details"] == {"units": 10, "state": "cancelled"}


def test_returned_goods_go_back_on_the_shelf_as_a_return(client, shop):
    response = client.post("/api/v1/stock/returns", headers=shop, json={
        "sku": "TEA-01", "warehouse": "HZ", "quantity": 2, "reference": "RMA-7"})
    assert response.status_code == 201
    assert levels(client, shop)[("TEA-01", "HZ")] == (5, 0)
    (latest,) = client.get("/api/v1/stock/movements?limit=1", headers=shop).get_json()
    assert (latest["kind"], latest["on_hand_change"], latest["reference"]) == \
        ("return", 2, "RMA-7")

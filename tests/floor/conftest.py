"""A warehouse with zones walked B before A, binned products with barcodes, stock, and a
retail order type whose submit reserves stock and whose ship move deducts it."""
from __future__ import annotations

import pytest

from tests.designer.samples import retail
from tests.platform.test_api_tokens import bearer
from tests.runtime.support import SAMPLE

# sku, name, bin, barcode
PRODUCTS = (("TEA-01", "Longjing tea", "B-10", "6901001"),
            ("CUP-02", "Tea cup", "A-2", "6901002"),
            ("POT-03", "Tea pot", "A-10", "6901003"),
            ("MAT-04", "Tea mat", "B-3", "6901004"))


def floor_definition() -> dict:
    """The retail sample whose submitted orders are confirmed at once, holding their
    stock: ready for the floor."""
    definition = retail()
    workflow = definition["workflow"]
    workflow["states"] = [s for s in workflow["states"] if s["key"] != "review"]
    workflow["approvals"] = []
    definition["rules"] = [r for r in definition["rules"]
                           if all(a["type"] != "require_approval" for a in r["then"])]
    submit = workflow["transitions"][0]
    submit["to"] = "confirmed"
    submit["actions"] = [{"type": "reserve_stock"}]
    workflow["transitions"][-1]["from"] = ["draft", "confirmed"]
    return definition


@pytest.fixture
def admin(client, token_for):
    return bearer(token_for("admin"))


@pytest.fixture
def floor_shop(client, admin):
    for sku, name, bin_, barcode in PRODUCTS:
        assert client.post("/api/v1/products", headers=admin, json={
            "sku": sku, "name": name, "barcode": barcode,
            "attributes": {"bin": bin_}}).status_code == 201
    assert client.post("/api/v1/warehouses", headers=admin, json={
        "code": "HZ", "name": "Hangzhou", "regions": ["Zhejiang"],
        "zone_order": ["B", "A"]}).status_code == 201
    client.post("/api/v1/warehouses", headers=admin, json={"code": "SH", "name": "Shanghai"})
    for sku, *_rest in PRODUCTS:
        client.post("/api/v1/stock/receipts", headers=admin,
                    json={"sku": sku, "warehouse": "HZ", "quantity": 50})
    definition = floor_definition()
    response = client.post("/api/v1/import", headers=admin, json={
        "format": "orderloom-package/1", "order_types": [definition]})
    assert response.status_code == 201, response.get_json()
    return admin


@pytest.fixture
def staff(client, token_for, floor_shop):
    return bearer(token_for("staff"))


def place(client, headers, items=None) -> str:
    """A confirmed order holding its stock in HZ."""
    data = {**SAMPLE, "items": items or SAMPLE["items"]}
    response = client.post("/api/v1/orders", headers=headers,
                           json={"order_type": "retail_order", "data": data})
    assert response.status_code == 201, response.get_json()
    number = response.get_json()["number"]
    moved = client.post(f"/api/v1/orders/{number}/transitions/submit", headers=headers)
    assert moved.status_code == 200, moved.get_json()
    assert moved.get_json()["state"] == "confirmed"
    return number


def item(sku: str, qty: int) -> dict:
    return {"sku": sku, "qty": qty, "price": "10"}

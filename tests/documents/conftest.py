"""A shop with binned products, two warehouses, stock, and a published retail order
type whose submit reserves stock and makes a packing slip."""
from __future__ import annotations

import pytest

from tests.designer.samples import retail
from tests.platform.test_api_tokens import bearer
from tests.runtime.support import SAMPLE

PRODUCTS = (("TEA-01", "Longjing tea 龙井茶", "B-10", 5), ("CUP-02", "Tea cup", "A-2", None),
            ("POT-03", "Tea pot", "A-10", None))
BROKEN = "<p>{{ order.number }}</p>\n{{ order.__class__.__mro__ }}"


@pytest.fixture
def admin(client, token_for):
    return bearer(token_for("admin"))


@pytest.fixture
def shop(client, admin):
    for sku, name, bin_, threshold in PRODUCTS:
        body = {"sku": sku, "name": name, "attributes": {"bin": bin_}}
        if threshold is not None:
            body["low_stock_threshold"] = threshold
        assert client.post("/api/v1/products", headers=admin, json=body).status_code == 201
    for code, regions in (("HZ", ["Zhejiang"]), ("SH", ["Shanghai"])):
        client.post("/api/v1/warehouses", headers=admin,
                    json={"code": code, "name": f"{code} warehouse", "regions": regions})
    for sku, code, qty in (("TEA-01", "HZ", 20), ("CUP-02", "HZ", 30), ("POT-03", "HZ", 5),
                           ("TEA-01", "SH", 4)):
        client.post("/api/v1/stock/receipts", headers=admin,
                    json={"sku": sku, "warehouse": code, "quantity": qty})
    definition = retail()
    submit = definition["workflow"]["transitions"][0]
    submit["actions"] = [{"type": "reserve_stock"},
                         {"type": "create_document", "document": "packing_slip"}]
    definition["print_templates"].append(
        {"key": "broken_invoice", "document": "invoice", "template": BROKEN})
    response = client.post("/api/v1/import", headers=admin, json={
        "format": "orderloom-package/1", "order_types": [definition]})
    assert response.status_code == 201, response.get_json()
    return admin


@pytest.fixture
def staff(client, token_for, shop):
    return bearer(token_for("staff"))


def place(client, headers, items=None, submit=True) -> str:
    data = {**SAMPLE, "items": items or SAMPLE["items"]}
    response = client.post("/api/v1/orders", headers=headers,
                           json={"order_type": "retail_order", "data": data})
    assert response.status_code == 201, response.get_json()
    number = response.get_json()["number"]
    if submit:
        moved = client.post(f"/api/v1/orders/{number}/transitions/submit", headers=headers)
        assert moved.status_code == 200, moved.get_json()
    return number

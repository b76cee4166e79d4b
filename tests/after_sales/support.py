"""The sample retail type whose submit reserves and ship deducts stock, with stock of
three priced products, for the returns tests (tests/after_sales/conftest.py and the
browser test use them)."""
from __future__ import annotations

import pytest

from tests.designer.samples import retail
from tests.platform.test_api_tokens import bearer


@pytest.fixture
def shop(client, token_for):
    """The sample retail type whose submit reserves and ship deducts stock, two
    warehouses and stock of both products."""
    admin = bearer(token_for("admin"))
    for sku, price in (("TEA-01", "1250.50"), ("CUP-02", "19.90"), ("MUG-03", "25.00")):
        client.post("/api/v1/products", headers=admin,
                    json={"sku": sku, "name": sku, "attributes": {"price": price}})
    for code, regions in (("HZ", ["Zhejiang"]), ("SH", ["Shanghai"])):
        client.post("/api/v1/warehouses", headers=admin,
                    json={"code": code, "name": code, "regions": regions})
    for sku, code, qty in (("TEA-01", "HZ", 5), ("CUP-02", "HZ", 10), ("MUG-03", "HZ", 4)):
        client.post("/api/v1/stock/receipts", headers=admin,
                    json={"sku": sku, "warehouse": code, "quantity": qty})
    definition = retail()
    definition["workflow"]["transitions"][0]["actions"] = [{"type": "reserve_stock"}]
    response = client.post("/api/v1/import", headers=admin, json={
        "format": "orderloom-package/1", "order_types": [definition]})
    assert response.status_code == 201, response.get_json()
    return admin


@pytest.fixture
def staff(client, token_for, shop):
    return bearer(token_for("staff"))

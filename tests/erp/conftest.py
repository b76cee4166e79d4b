"""A shop with the retail sample order type, two products in stock at HZ, and a fake
Odoo and a fake ERPNext on 127.0.0.1 that know both products."""
from __future__ import annotations

from datetime import timedelta

import pytest

from orderloom.db import utcnow
from orderloom.platform.app import JOBS
from orderloom.runtime.jobs.sweeper import sweep
from tests.erp.fake_erp import (
    NEXT_KEY,
    NEXT_SECRET,
    ODOO_DB,
    ODOO_KEY,
    ODOO_LOGIN,
    FakeErpNext,
    FakeOdoo,
)
from tests.platform.test_api_tokens import bearer


@pytest.fixture
def admin(client, token_for, published, outbound_to_loopback):
    headers = bearer(token_for("admin"))
    for sku, name in (("TEA-01", "Longjing tea"), ("CUP-02", "Tea cup")):
        assert client.post("/api/v1/products", headers=headers,
                           json={"sku": sku, "name": name}).status_code == 201
    assert client.post("/api/v1/warehouses", headers=headers, json={
        "code": "HZ", "name": "Hangzhou", "regions": ["Zhejiang"]}).status_code == 201
    for sku, quantity in (("TEA-01", 20), ("CUP-02", 30)):
        assert client.post("/api/v1/stock/receipts", headers=headers, json={
            "sku": sku, "warehouse": "HZ", "quantity": quantity}).status_code == 201
    return headers


@pytest.fixture
def odoo():
    with FakeOdoo() as fake:
        fake.add_product("TEA-01", "Longjing tea", "1250.50")
        fake.add_product("CUP-02", "Tea cup", "19.90")
        yield fake


@pytest.fixture
def erpnext():
    with FakeErpNext() as fake:
        fake.add_item("TEA-01", "Longjing tea", "1250.50")
        fake.add_item("CUP-02", "Tea cup", "19.90")
        yield fake


def connect(client, headers, kind, fake, **extra):
    body = {"name": f"{kind} books", "kind": kind, "base_url": fake.url, "warehouse": "HZ"}
    if kind == "odoo":
        body.update(database=ODOO_DB, login=ODOO_LOGIN, api_key=ODOO_KEY,
                    erp_warehouse="WH/Stock")
    else:
        body.update(api_key=NEXT_KEY, api_secret=NEXT_SECRET,
                    erp_warehouse=FakeErpNext.WAREHOUSE)
    body.update(extra)
    return client.post("/api/v1/erp/connections", headers=headers, json=body)


def run_due_jobs(app, after: timedelta = timedelta(hours=2)) -> None:
    """What the sweeper does once the retries' backoff has passed."""
    sweep(app.extensions[JOBS].sessions, now=utcnow() + after,
          runner=app.extensions[JOBS].runner)

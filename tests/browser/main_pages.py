"""The main pages of the staff console with something on them, for the checks that
walk every one of them (narrow screens, accessibility)."""
from __future__ import annotations

from tests.designer.samples import retail
from tests.platform.test_api_tokens import bearer
from tests.runtime.support import SAMPLE, create


def main_pages(client, token_for) -> list[str]:
    """The retail sample with an order waiting for approval and a customer; the paths
    of the pages (the login page is looked at logged out)."""
    designer = bearer(token_for("designer"))
    assert client.post("/api/v1/import", headers=designer, json={
        "format": "orderloom-package/1", "order_types": [retail()]}).status_code == 201
    admin = bearer(token_for("admin"))
    assert client.post("/api/v1/customers", headers=admin, json={
        "code": "C1", "name": "Li Wei", "phone": "13800138001"}).status_code == 201
    big = {**SAMPLE, "items": [{"sku": "TEA-01", "qty": 5, "price": "1250.50"}]}
    created = create(client, admin, big)
    assert created.status_code == 201, created.get_json()
    number = created.get_json()["number"]
    assert client.post(f"/api/v1/orders/{number}/transitions/submit",
                       headers=bearer(token_for("staff"))).status_code == 200
    return ["/orders", f"/orders/{number}", "/orders/new/retail_order", "/dashboards",
            "/approvals", "/customers"]

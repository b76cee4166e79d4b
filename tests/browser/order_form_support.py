"""The order form with products and customers to pick, shared by the browser tests of
the pickers and of prices (a module, not a test file, so neither imports the other)."""
from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.test_staff_console import log_in
from tests.designer.samples import retail
from tests.platform.test_api_tokens import bearer


def picker_definition() -> dict:
    """The sample retail form, its price column and a receiver field carrying the
    meanings the form reads (their keys are the business's own)."""
    definition = retail()
    items = next(f for f in definition["form"]["fields"] if f["key"] == "items")
    next(c for c in items["fields"] if c["key"] == "price")["meaning"] = "unit_price"
    definition["form"]["fields"].append(
        {"key": "receiver", "type": "text", "label": {"en": "Receiver"},
         "meaning": "recipient_name"})
    return definition


def open_order_form(page, live_server, client, token_for, make_user) -> None:
    """The retail type with products and customers to pick, and its new order form
    open in ``page`` for a staff member."""
    designer = bearer(token_for("designer"))
    assert client.post("/api/v1/import", headers=designer, json={
        "format": "orderloom-package/1",
        "order_types": [picker_definition()]}).status_code == 201
    admin = bearer(token_for("admin"))
    for body in [{"sku": "TSHIRT-WHT-M", "name": "Cotton T-shirt white M",
                  "barcode": "6901234500011", "attributes": {"price": "1079.00"}},
                 {"sku": "JEANS-32", "name": "Slim jeans W32", "barcode": "6901234500035",
                  "attributes": {"price": "299.00"}},
                 {"sku": "SOCKS", "name": "Socks", "attributes": {}}]:
        assert client.post("/api/v1/products", headers=admin, json=body).status_code == 201
    for body in [{"code": "C-1001", "name": "Wang Fang", "phone": "13800138001",
                  "email": "wang.fang@example.com", "attributes": {"tier": "vip"}},
                 {"code": "C-1002", "name": "Li Ming", "phone": "13800138002"}]:
        assert client.post("/api/v1/customers", headers=admin, json=body).status_code == 201
    make_user("staff", username="wang.fang")
    log_in(page, live_server, "wang.fang")
    page.goto(f"{live_server}/orders/new/retail_order")
    expect(page.locator("h1")).to_have_text("New Retail order")

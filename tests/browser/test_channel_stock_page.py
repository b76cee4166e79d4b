"""An administrator sets a WooCommerce channel's stock on its page: which warehouse
feeds it and what share it gets; a refused share is shown at its input, and the
pushes the store took are listed."""
from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.test_staff_console import log_in
from tests.channels.fake_stores import WOO_KEY, WOO_SECRET, FakeStore
from tests.channels.store_payloads import WOOCOMMERCE_SECRET
from tests.platform.test_api_tokens import bearer


def test_an_admin_gives_a_store_half_of_one_warehouse(page, live_server, app, token_for,
                                                       make_user, outbound_to_loopback):
    api = app.test_client()
    admin = bearer(token_for("admin"))
    assert api.post("/api/v1/templates/retail/import", headers=admin).status_code == 201
    assert api.post("/api/v1/products", headers=admin,
                    json={"sku": "TEA-01", "name": "Tea"}).status_code == 201
    for code in ("EAST", "WEST"):
        assert api.post("/api/v1/warehouses", headers=admin, json={
            "code": code, "name": f"{code} warehouse"}).status_code == 201
    woo = FakeStore("woocommerce")
    try:
        woo.woo_product(794, "TEA-01")
        assert api.post("/api/v1/channels", headers=admin, json={
            "key": "woo", "name": "Woo", "kind": "woocommerce", "order_type": "retail_order",
            "webhook_secret": WOOCOMMERCE_SECRET, "store_url": woo.url,
            "push_interval_seconds": 0,
            "credentials": {"consumer_key": WOO_KEY, "consumer_secret": WOO_SECRET}}
        ).status_code == 201
        make_user("admin", username="boss")
        log_in(page, live_server, "boss")
        page.goto(f"{live_server}/admin/channels/woo")
        expect(page.locator("#stock-warehouses")).to_contain_text("EAST · EAST warehouse")
        expect(page.locator("#stock-warehouses input:checked")).to_have_count(0)
        expect(page.locator("#stock-pushes tbody")).to_contain_text("Nothing has been pushed")

        page.check('#stock-warehouses input[value="EAST"]')
        page.fill("#stock-share-value", "150")
        page.check("#stock-store-push")
        page.click("button:text-is('Save stock settings')")
        expect(page.locator("#stock-share-value-error")).to_contain_text("0 to 100")
        expect(page.locator("#stock-share-value")).to_have_attribute("aria-invalid", "true")
        assert api.get("/api/v1/channels/woo/stock", headers=admin).get_json()[
            "warehouses"] == []

        page.fill("#stock-share-value", "50")
        page.click("button:text-is('Save stock settings')")
        expect(page.locator("#stock-result")).to_have_text("Stock settings saved.")
        saved = api.get("/api/v1/channels/woo/stock", headers=admin).get_json()
        assert (saved["warehouses"], saved["share"], saved["store_push"]) == (
            ["EAST"], {"kind": "percent", "value": 50}, True)

        for code in ("EAST", "WEST"):
            assert api.post("/api/v1/stock/receipts", headers=admin, json={
                "sku": "TEA-01", "warehouse": code, "quantity": 9}).status_code == 201
        assert woo.woo_stock("TEA-01") == (True, 4)
        page.reload()
        row = page.locator('#stock-pushes tr[data-sku="TEA-01"]')
        expect(row).to_contain_text("pushed")
        expect(row).to_contain_text("4")
    finally:
        woo.close()

"""Promotions in a real browser: a manager writes a gift rule, is told beside the box
what is wrong with it, backtests the draft over the last days' orders, switches it on;
the next order shows its gift on the order page. The screenshots of
docs/order-desk.md (docs/img/desk-gifts-*.png) are taken here."""
from __future__ import annotations

from tests.browser.test_staff_console import log_in
from tests.browser.test_warehouse_floor import DOCS_IMG
from tests.designer.samples import retail
from tests.platform.test_api_tokens import bearer
from tests.runtime.support import SAMPLE


def test_a_manager_backtests_a_gift_rule_and_switches_it_on(page, live_server, client,
                                                            token_for, make_user):
    admin = bearer(token_for("admin"))
    assert client.post("/api/v1/import", headers=admin, json={
        "format": "orderloom-package/1", "order_types": [retail()]}).status_code == 201
    for sku, name, price in (("TEA-01", "Longjing tea", "1250.50"),
                             ("CUP-02", "Tea cup", "19.90"), ("GIFT-FAN", "Paper fan", "12.00")):
        assert client.post("/api/v1/products", headers=admin, json={
            "sku": sku, "name": name, "attributes": {"price": price}}).status_code == 201
    client.post("/api/v1/warehouses", headers=admin, json={"code": "HZ", "name": "Hangzhou"})
    client.post("/api/v1/stock/receipts", headers=admin, json={
        "sku": "GIFT-FAN", "warehouse": "HZ", "quantity": 100})
    for _ in range(3):
        assert client.post("/api/v1/orders", headers=admin, json={
            "order_type": "retail_order", "data": SAMPLE}).status_code == 201
    make_user("admin", username="zhou.min")

    log_in(page, live_server, "zhou.min")
    page.goto(f"{live_server}/admin/promotions")
    page.fill("#code", "fan-for-tea")
    page.fill("#name", "A fan with tea")
    page.fill("#skus", "TEA-01")
    page.fill("#gift_sku", "GIFT-FANS")
    page.click("#backtest")
    assert "there is no product 'GIFT-FANS'" in page.locator("#gift_sku-error").inner_text()
    page.fill("#gift_sku", "GIFT-FAN")
    page.fill("#min_amount", "500")
    page.click("#backtest")
    assert page.locator("#backtest-hits").inner_text() == "3 of 3 orders would have qualified."
    assert "36.00" in page.locator(".backtest-cost").inner_text()
    DOCS_IMG.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": 1100, "height": 900})
    page.screenshot(path=str(DOCS_IMG / "desk-gifts-backtest.png"), full_page=True)
    # Nothing was saved by the backtest: now switch it on.
    assert page.locator("#promotions").count() == 0
    page.check("input[name=active]")
    page.click("button[value=save]")
    assert "Promotion fan-for-tea is saved." in page.locator("p.notice").inner_text()

    number = client.post("/api/v1/orders", headers=admin, json={
        "order_type": "retail_order", "data": SAMPLE}).get_json()["number"]
    page.goto(f"{live_server}/orders/{number}")
    assert page.locator("#promotions li").inner_text() == \
        "Gift: 1 × GIFT-FAN from HZ (A fan with tea)"
    assert "Promotion A fan with tea gave a gift: 1 x GIFT-FAN, reserved in HZ." in \
        page.locator("#timeline").inner_text()
    page.locator("#promotions").screenshot(path=str(DOCS_IMG / "desk-gifts-order.png"))


def test_a_pre_sale_order_shows_why_it_waits(page, live_server, client, token_for,
                                             make_user):
    import datetime as dt

    from orderloom.db import utcnow
    from orderloom.runtime import business_calendar

    admin = bearer(token_for("admin"))
    assert client.post("/api/v1/import", headers=admin, json={
        "format": "orderloom-package/1", "order_types": [retail()]}).status_code == 201
    release = (business_calendar.instance_date(utcnow()) + dt.timedelta(days=12)).isoformat()
    client.post("/api/v1/products", headers=admin, json={"sku": "TEA-NEW",
                                                          "name": "New season tea"})
    client.post("/api/v1/warehouses", headers=admin, json={"code": "HZ", "name": "Hangzhou"})
    make_user("admin", username="zhou.min")
    log_in(page, live_server, "zhou.min")
    page.goto(f"{live_server}/stock/pre-sale")
    page.fill("#pre-sale-sku", "TEA-NEW")
    page.fill("#pre-sale-release", release)
    page.click("#release-date button[type=submit]")
    page.fill("#receipt-sku", "TEA-NEW")
    page.fill("#receipt-day", release)
    page.fill("#receipt-quantity", "300")
    page.click("#expected-receipt button[type=submit]")
    assert page.locator("#expected-receipts td.number").first.inner_text() == "300"

    number = client.post("/api/v1/orders", headers=admin, json={
        "order_type": "retail_order", "data": {**SAMPLE, "items": [
            {"sku": "TEA-NEW", "qty": 2, "price": "88.00"}]}}).get_json()["number"]
    page.goto(f"{live_server}/orders/{number}")
    timeline = page.locator("#timeline").inner_text()
    assert f"The order waits for the release on {release}; its units are reserved" in timeline
    assert f"pre-sale: waits for the release on {release}" in timeline
    page.set_viewport_size({"width": 1100, "height": 900})
    page.locator("#timeline").screenshot(path=str(DOCS_IMG / "desk-gifts-pre-sale.png"))

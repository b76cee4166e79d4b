"""The order form's preview in Chromium reads the clock where the instance is: in an
instance set to Asia/Shanghai, 01:30 UTC shows as hour 9 as the server computes it,
and a product look-up waits for the server, saying so."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.test_staff_console import go_to, log_in
from tests.designer.samples import retail
from tests.platform.test_api_tokens import bearer


@pytest.fixture
def instance_time_zone():
    # Eight hours from UTC, so a time shown in UTC could not pass for Shanghai time.
    return "Asia/Shanghai"


def test_the_preview_shows_shanghais_hour_and_leaves_look_ups_to_the_server(
        page, live_server, client, token_for, make_user):
    definition = retail()
    definition["form"]["fields"] += [
        {"key": "paid_hour", "type": "computed", "label": {"en": "Paid at hour"},
         "formula": "HOUR(DATETIME(2024, 5, 3, 1, 30, 0))", "result_type": "integer"},
        {"key": "paid_minute", "type": "computed", "label": {"en": "Paid at minute"},
         "formula": "MINUTE(DATETIME(2024, 5, 3, 1, 30, 0))", "result_type": "integer"},
        {"key": "tea_weight", "type": "computed", "label": {"en": "Tea weight"},
         "formula": 'PRODUCTINFO("TEA-01", "weight_grams")', "result_type": "integer"}]
    definition["form"]["layout"][1]["fields"] += ["paid_hour", "paid_minute", "tea_weight"]
    assert client.post("/api/v1/import", headers=bearer(token_for("designer")), json={
        "format": "orderloom-package/1", "order_types": [definition]}).status_code == 201
    make_user("staff", username="wang.fang")
    log_in(page, live_server, "wang.fang")
    go_to(page, "Orders")
    page.click("#new-order")
    expect(page.locator("h1")).to_have_text("New Retail order")
    expect(page.locator("output[data-computed=paid_hour]")).to_have_attribute("data-value", "9")
    expect(page.locator("output[data-computed=paid_minute]")).to_have_attribute(
        "data-value", "30")
    weight = page.locator("output[data-computed=tea_weight]")
    expect(weight).to_have_attribute("data-value", "")
    expect(weight).to_have_attribute(
        "title", "PRODUCTINFO is worked out by the server; its value shows once the order is "
                 "saved")


def _waiting_for_the_server():
    """Conditions and checks that read the catalogue, which stays on the server."""
    definition = retail()
    fields = definition["form"]["fields"]
    note = next(f for f in fields if f["key"] == "note")
    note["visible_when"] = 'PRODUCTINFO("TEA-01", "weight_grams") > 100'
    fields += [
        {"key": "po_number", "type": "text", "label": {"en": "PO number"},
         "validation": {"formula": 'CUSTOMERINFO(customer.code, "tier") <> "blocked"',
                        "message": {"en": "This customer may not order"}}},
        {"key": "tea_weight", "type": "computed", "label": {"en": "Tea weight"},
         "formula": 'IFERROR(PRODUCTINFO("TEA-01", "weight_grams"), 0)',
         "result_type": "integer"}]
    definition["form"]["layout"][1]["fields"] += ["po_number", "tea_weight"]
    return definition


def test_what_waits_for_the_server_neither_hides_a_field_nor_stops_the_save(
        page, live_server, client, token_for, make_user):
    admin = bearer(token_for("admin"))
    assert client.post("/api/v1/import", headers=admin, json={
        "format": "orderloom-package/1",
        "order_types": [_waiting_for_the_server()]}).status_code == 201
    assert client.post("/api/v1/customers", headers=admin, json={
        "code": "C7", "name": "Li Wei", "attributes": {"tier": "gold"}}).status_code == 201
    assert client.post("/api/v1/products", headers=admin, json={
        "sku": "TEA-01", "name": "Longjing tea", "weight_grams": 250}).status_code == 201
    make_user("staff", username="wang.fang")
    log_in(page, live_server, "wang.fang")
    go_to(page, "Orders")
    page.click("#new-order")
    customer = page.locator(".form-field[data-key=customer]")
    customer.locator("[data-part=code]").fill("C7")
    customer.locator("[data-part=name]").fill("Li Wei")
    ship_to = page.locator(".form-field[data-key=ship_to]")
    ship_to.locator("[data-part=country]").fill("CN")
    ship_to.locator("[data-part=province]").fill("Zhejiang")
    lines = page.locator(".lines[data-key=items] tbody tr[data-line] >> nth=0")
    lines.locator('[data-column="sku"] input').fill("TEA-01")
    lines.locator('[data-column="qty"] input').fill("2")
    lines.locator('[data-column="price"] input').fill("10")
    # The note's condition waits for the catalogue: the field stays to be filled in.
    expect(page.locator(".form-field[data-key=note]")).to_be_visible()
    page.fill("#field-note", "Before noon")
    # The check waits for the customer's records: no message, and the order saves.
    page.fill("#field-po_number", "PO-7")
    expect(page.locator(".form-field[data-key=po_number] .field-error")).to_have_text("")
    # IFERROR does not turn "not known here" into its fallback: it shows as unknown.
    weight = page.locator("output[data-computed=tea_weight]")
    expect(weight).to_have_text("—")
    page.click("#save-order")
    expect(page.locator("h1")).to_contain_text("SO-", timeout=15000)
    order = client.get("/api/v1/orders", headers=admin).get_json()["orders"][0]
    stored = client.get(f"/api/v1/orders/{order['number']}", headers=admin).get_json()["data"]
    assert (stored["note"], stored["po_number"], stored["tea_weight"]) == (
        "Before noon", "PO-7", 250)


def test_what_waits_for_the_server_says_so_in_chinese(
        browser, live_server, client, token_for, make_user):
    assert client.post("/api/v1/import", headers=bearer(token_for("admin")), json={
        "format": "orderloom-package/1",
        "order_types": [_waiting_for_the_server()]}).status_code == 201
    make_user("staff", username="wang.fang")
    context = browser.new_context(locale="zh-CN")
    try:
        page = context.new_page()
        log_in(page, live_server, "wang.fang")
        page.goto(f"{live_server}/orders/new/retail_order")
        expect(page.locator("output[data-computed=tea_weight]")).to_have_attribute(
            "title", "PRODUCTINFO 由服务器计算；订单保存后显示其值")
    finally:
        context.close()

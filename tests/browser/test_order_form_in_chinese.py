"""The order form in Chinese, in Chromium: its date boxes read yyyy-mm-dd, a date and
time is the instance's wall clock, and what its script says when a save is refused is
Chinese, the server's problems included."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.test_staff_console import log_in
from tests.designer.samples import retail
from tests.platform.test_api_tokens import bearer


@pytest.fixture
def instance_time_zone() -> str:
    return "Asia/Shanghai"


def dated_retail() -> dict:
    definition = retail()
    definition["form"]["fields"] += [
        {"key": "deliver_on", "type": "date", "label": {"en": "Deliver on", "zh": "送达日期"}},
        {"key": "call_at", "type": "datetime", "label": {"en": "Call at", "zh": "致电时间"}}]
    definition["form"]["layout"][0]["fields"] += ["deliver_on", "call_at"]
    return definition


def test_the_order_form_speaks_chinese_when_a_save_is_refused(
        page, live_server, client, token_for, make_user):
    designer = bearer(token_for("designer"))
    imported = client.post("/api/v1/import", headers=designer, json={
        "format": "orderloom-package/1", "order_types": [dated_retail()]})
    assert imported.status_code == 201, imported.get_json()
    make_user("staff", username="wang.fang")
    log_in(page, live_server, "wang.fang")
    page.goto(f"{live_server}/orders/new/retail_order?lang=zh")
    deliver_on = page.locator(".form-field[data-key=deliver_on] [data-input]")
    assert deliver_on.get_attribute("type") == "text"
    assert deliver_on.get_attribute("placeholder") == "yyyy-mm-dd"

    # Nothing entered: the script's own words.
    page.click("#save-order")
    expect(page.locator("#save-status")).to_have_text("请更正上面标出的字段。")
    expect(page.locator(".form-field[data-key=customer] > .field-error")).to_have_text(
        "为必填项")

    customer = page.locator(".form-field[data-key=customer]")
    customer.locator("[data-part=code]").fill("C1")
    customer.locator("[data-part=name]").fill("Li Wei")
    customer.locator("[data-part=tier]").fill("gold")
    ship_to = page.locator(".form-field[data-key=ship_to]")
    ship_to.locator("[data-part=country]").fill("CN")
    ship_to.locator("[data-part=province]").fill("Zhejiang")
    items = page.locator(".lines[data-key=items] tbody tr[data-line] >> nth=0")
    items.locator('[data-column="sku"] input').fill("TEA-01")
    items.locator('[data-column="qty"] input').fill("1")
    items.locator('[data-column="price"] input').fill("100")
    # A date written the way an English browser's picker would: the server refuses it,
    # in Chinese, beside its box.
    deliver_on.fill("12/07/2026")
    page.locator(".form-field[data-key=call_at] [data-input]").fill("2026-12-07 18:05")
    page.click("#save-order")
    expect(page.locator(".form-field[data-key=deliver_on] > .field-error")).to_have_text(
        "必须是日期，如 2026-11-25")

    deliver_on.fill("2026-12-08")
    page.click("#save-order")
    page.wait_for_url("**/orders/SO-*")
    number = page.url.rsplit("/", 1)[1].split("?")[0]
    stored = client.get(f"/api/v1/orders/{number}", headers=bearer(token_for("staff")))
    data = stored.get_json()["data"]
    assert data["deliver_on"] == "2026-12-08"
    # 18:05 on Shanghai's clock is 10:05 UTC.
    assert data["call_at"].startswith("2026-12-07T10:05:00")


def test_editing_in_chinese_shows_the_stored_time_as_the_box_asks_for_it(
        page, live_server, client, token_for, make_user):
    """The edit form once wrote "2026-12-07T18:05:00" into the Chinese date-and-time
    box, whose placeholder and pattern ask for yyyy-mm-dd hh:mm."""
    designer = bearer(token_for("designer"))
    assert client.post("/api/v1/import", headers=designer, json={
        "format": "orderloom-package/1", "order_types": [dated_retail()]}).status_code == 201
    created = client.post("/api/v1/orders", headers=bearer(token_for("staff")), json={
        "order_type": "retail_order", "data": {
            "customer": {"code": "C1", "name": "Li Wei", "tier": "gold"},
            "ship_to": {"country": "CN", "province": "Zhejiang"},
            "items": [{"sku": "TEA-01", "qty": 1, "price": "100"}],
            "call_at": "2026-12-07T10:05:00Z"}})
    assert created.status_code == 201, created.get_json()
    number = created.get_json()["number"]
    make_user("staff", username="wang.fang")
    log_in(page, live_server, "wang.fang")
    page.goto(f"{live_server}/orders/{number}/edit?lang=zh")
    call_at = page.locator(".form-field[data-key=call_at] [data-input]")
    # 10:05 UTC is 18:05 on Shanghai's clock; no seconds, since there are none.
    expect(call_at).to_have_value("2026-12-07 18:05")
    assert call_at.evaluate("box => box.checkValidity()")

"""A staff member raises a quantity on an order that is paid and holds its stock: the
order page shows what the edit left to collect, and recording it settles the order.
The screenshots of docs/order-desk.md (docs/img/desk-edits-*.png) are taken here."""
from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.test_designer_acceptance import DOCS_IMG
from tests.browser.test_order_form import cell
from tests.browser.test_staff_console import log_in
from tests.platform.test_api_tokens import bearer
from tests.runtime.support import create
from tests.runtime.test_stock_actions import levels, shop  # noqa: F401


def test_staff_raise_a_quantity_and_collect_the_difference(
        page, live_server, client, shop, token_for, make_user):  # noqa: F811
    staff = bearer(token_for("staff"))
    number = create(client, staff).get_json()["number"]
    assert client.post(f"/api/v1/orders/{number}/transitions/submit",
                       headers=staff).status_code == 200
    assert client.post(f"/api/v1/orders/{number}/payments", headers=shop,
                       json={"amount": "2560.70", "method": "alipay"}).status_code == 201
    make_user("admin", username="chen.jing")
    log_in(page, live_server, "chen.jing")
    page.goto(f"{live_server}/orders/{number}")
    page.click("#edit-order")
    expect(cell(page, 1, "qty").locator("input")).to_have_value("3")
    cell(page, 1, "qty").locator("input").fill("5")
    expect(page.locator("output[data-computed=total]")).to_have_text("2,600.50")
    DOCS_IMG.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(DOCS_IMG / "desk-edits-form.png"), full_page=True)
    page.click("#save-order")
    page.wait_for_url(f"{live_server}/orders/{number}")

    box = page.locator("#edit-difference")
    expect(box.locator("#edit-to-collect")).to_have_text(
        "The customer owes 39.80 CNY more.")
    assert "the total went from 2,560.70 CNY to 2,600.50 CNY (+39.80 CNY)" in box.inner_text()
    timeline = page.locator("#timeline ol").inner_text()
    assert ("line 2: SKU CUP-02, Quantity 3, Unit price 19.90 CNY → SKU CUP-02, Quantity 5, "
            "Unit price 19.90 CNY") in timeline
    assert "2 × CUP-02 more held in HZ" in timeline
    assert levels(client, shop)[("CUP-02", "HZ")] == (10, 5)
    box.scroll_into_view_if_needed()
    box.screenshot(path=str(DOCS_IMG / "desk-edits-difference.png"))

    box.locator("#edit-payment-method").fill("wechat_pay")
    box.locator("button", has_text="Record 39.80 CNY received").click()
    expect(page.locator("#edit-settled")).to_have_text("Nothing is owed either way.")
    assert client.get(f"/api/v1/orders/{number}", headers=staff).get_json()[
        "payment_status"] == "paid"


def test_a_quantity_beyond_stock_is_refused_beside_its_box(
        page, live_server, client, shop, token_for, make_user):  # noqa: F811
    staff = bearer(token_for("staff"))
    number = create(client, staff).get_json()["number"]
    client.post(f"/api/v1/orders/{number}/transitions/submit", headers=staff)
    make_user("staff", username="wang.fang")
    log_in(page, live_server, "wang.fang")
    page.goto(f"{live_server}/orders/{number}/edit")
    cell(page, 0, "qty").locator("input").fill("6")
    page.click("#save-order")
    error = cell(page, 0, "qty").locator(".field-error")
    expect(error).to_have_text("TEA-01: 4 more wanted but only 1 available in HZ; 3 short")
    assert levels(client, shop)[("TEA-01", "HZ")] == (3, 2)

"""Merging and splitting in Chromium, as staff do it on the order page: the buyer's
other open order is offered ticked and merges with one click; an order split by hand
ships its first part and shows partly shipped; neither section has a serious
accessibility violation. The screenshots of docs/order-desk.md are taken here."""
from __future__ import annotations

from pathlib import Path

from playwright.sync_api import expect

from tests.browser.test_accessibility import checked, violations  # noqa: F401
from tests.browser.test_staff_console import log_in
from tests.consolidation.conftest import buyer, place_for
from tests.floor.conftest import admin, floor_shop, item, staff  # noqa: F401

DOCS_IMG = Path(__file__).resolve().parents[2] / "docs" / "img"


def test_staff_merge_the_buyers_orders_into_one_parcel(
        checked, live_server, client, staff, make_user):  # noqa: F811
    first = place_for(client, staff, buyer(), [item("TEA-01", 1)])
    second = place_for(client, staff, buyer(), [item("CUP-02", 2)], channel="manual")
    make_user("staff", username="li.wei")
    log_in(checked, live_server, "li.wei")
    checked.goto(f"{live_server}/orders/{first}#order-desk")
    desk = checked.locator("#order-desk")
    expect(desk.locator(f'input[name="orders"][value="{second}"]')).to_be_checked()
    assert violations(checked) == []
    DOCS_IMG.mkdir(parents=True, exist_ok=True)
    desk.screenshot(path=str(DOCS_IMG / "desk-merge-candidates.png"))
    checked.click("#merge-button")
    expect(checked.locator("#merged-with")).to_contain_text(second)
    checked.goto(f"{live_server}/orders/{second}")
    expect(checked.locator("#merged-with")).to_contain_text(first)
    expect(checked.locator("#timeline li[data-kind=merged]")).to_have_count(1)


def test_staff_split_an_order_by_hand_and_ship_its_first_part(
        checked, live_server, client, staff, make_user):  # noqa: F811
    number = place_for(client, staff, buyer(), [item("TEA-01", 1), item("CUP-02", 3)])
    make_user("staff", username="li.wei")
    log_in(checked, live_server, "li.wei")
    checked.goto(f"{live_server}/orders/{number}#order-desk")
    checked.click("text=Split the order")
    checked.fill("#qty-CUP-02", "1")
    checked.click("#split-hand-button")
    expect(checked.locator("#order-parts tbody tr")).to_have_count(2)
    first = checked.locator('#order-parts tr[data-part="1"]')
    first.locator('input[name="tracking_number"]').fill("LC-0001")
    first.locator("button").click()
    expect(checked.locator("#shipping-progress")).to_have_text("Partly shipped")
    expect(checked.locator('#order-parts tr[data-part="1"]')).to_contain_text("LC-0001")
    assert violations(checked) == []
    checked.locator("#order-desk").screenshot(path=str(DOCS_IMG / "desk-split-parts.png"))

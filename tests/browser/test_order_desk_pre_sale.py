"""Splitting off pre-sale lines in Chromium, as staff do it on the order page: the
pre-sale line waits in a held part showing its release date, the rest ships with its
own tracking number and the order shows partly shipped. The screenshot of
docs/order-desk.md's pre-sale section is taken here."""
from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.test_accessibility import checked, violations  # noqa: F401
from tests.browser.test_order_desk_merge_split import DOCS_IMG
from tests.browser.test_staff_console import log_in
from tests.consolidation.conftest import item
from tests.consolidation.test_pre_sale_split import RELEASE, arrive, desk, shop, submit  # noqa: F401


def test_staff_split_off_a_pre_sale_line_and_ship_the_rest(
        checked, live_server, client, desk, make_user):  # noqa: F811
    number = arrive(client, desk, [item("TEA-NEW", 2), item("CUP-02", 1)])
    make_user("staff", username="li.wei")
    log_in(checked, live_server, "li.wei")
    checked.goto(f"{live_server}/orders/{number}#order-desk")
    checked.click("text=Split the order")
    checked.click("#split-pre_sale")
    held = checked.locator('#order-parts tr[data-part="2"]')
    expect(held).to_contain_text(f"pre-sale until {RELEASE.isoformat()}")
    expect(held).to_have_attribute("data-status", "held")
    submit(client, desk, number)  # the order flows on: its workflow holds the cup
    checked.reload()
    first = checked.locator('#order-parts tr[data-part="1"]')
    first.locator('input[name="tracking_number"]').fill("SF-0001")
    first.locator("button").click()
    expect(checked.locator("#shipping-progress")).to_have_text("Partly shipped")
    expect(checked.locator('#order-parts tr[data-part="1"]')).to_contain_text("SF-0001")
    assert violations(checked) == []
    checked.locator("#order-desk").screenshot(path=str(DOCS_IMG / "desk-pre-sale-split.png"))

"""Customer service takes a return of a damaged cup from the order page to an exchange:
the steps' forms, the list with its counts, the new order linked back. The screenshots
of docs/order-desk.md (docs/img/desk-returns-*.png) are taken here."""
from __future__ import annotations

from tests.after_sales.support import shop, staff  # noqa: F401 (fixtures)
from tests.after_sales.test_returns import levels, shipped_order
from tests.browser.test_designer_acceptance import DOCS_IMG
from tests.browser.test_staff_console import go_to, log_in


def test_a_damaged_cup_is_exchanged_from_the_pages(
        page, live_server, client, shop, staff, make_user):  # noqa: F811
    order = shipped_order(client, staff, paid=False)
    make_user("staff", username="chen.jing")
    log_in(page, live_server, "chen.jing")
    page.goto(f"{live_server}/orders/{order}")
    page.click("text=Return or exchange")
    page.select_option("#return-reason", "damaged")
    page.locator("tr[data-sku=CUP-02] input").fill("1")
    page.fill("#return-note", "handle broken in transit")
    page.click("text=Open the return")
    page.wait_for_selector("#return-state[data-state=requested]")
    number = page.inner_text("h1").split()[1]
    page.click("#approve-form button")
    page.wait_for_selector("#return-state[data-state=approved]")
    page.click("#receive-form button")
    page.wait_for_selector("#return-state[data-state=received]")
    page.locator("fieldset[data-sku=CUP-02] input[value=restock]").check()
    page.click("#inspect-form button")
    page.wait_for_selector("#return-state[data-state=inspected]")
    page.select_option("#close-outcome", "exchange")
    page.fill("#close-lines", "MUG-03 1")
    DOCS_IMG.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(DOCS_IMG / "desk-returns-close.png"), full_page=True)
    page.click("text=Close the return")
    page.wait_for_selector("#return-state[data-state=closed]")
    replacement = page.locator("#return-outcome a").inner_text()
    assert replacement != order
    assert levels(client, shop)[("MUG-03", "HZ")] == (4, 1)
    assert levels(client, shop)[("CUP-02", "HZ")] == (8, 0)
    page.click("#return-outcome a")
    page.wait_for_selector("#order-returns")
    assert f"Exchange order for return {number} of {order}." in page.inner_text("body")
    go_to(page, "Returns")
    page.wait_for_selector("#returns")
    assert page.locator("#return-states tr[data-state=closed] td").inner_text() == "1"
    page.screenshot(path=str(DOCS_IMG / "desk-returns-list.png"), full_page=True)

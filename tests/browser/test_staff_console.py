"""The staff console in a real browser: find an order, submit it, have it approved
from the inbox in another browser, ship it."""
from __future__ import annotations

from tests.browser.navigation import follow
from tests.channels.support import create_channel
from tests.conftest import TEST_PASSWORD
from tests.designer.samples import retail
from tests.platform.test_api_tokens import bearer
from tests.runtime.support import SAMPLE

BIG = {**SAMPLE, "items": [{"sku": "TEA-01", "qty": 5, "price": "1250.50"}]}  # 6252.50
SCREENSHOTS = "/tmp/orderloom-staff-console"


def log_in(page, live_server, username: str) -> None:
    page.goto(f"{live_server}/login")
    page.fill("#username", username)
    page.fill("#password", TEST_PASSWORD)
    follow(page, "button.primary")


def go_to(page, link: str) -> None:
    """Follow a link of the top bar as a person would: on a phone-wide screen its links
    are behind the Menu button."""
    # The bar folds when its deferred script has run, which is before the page's
    # DOMContentLoaded: wait for the page that has the bar to get there.
    page.locator("#main-nav").wait_for(state="attached")
    page.wait_for_load_state("domcontentloaded")
    menu = page.locator("#menu-button")
    if menu.is_visible() and menu.get_attribute("aria-expanded") != "true":
        menu.click()
    follow(page, f"nav >> text={link}")


def test_staff_submits_an_admin_approves_from_the_inbox_and_staff_ships(
        page, browser, live_server, client, token_for, make_user):
    designer = bearer(token_for("designer"))
    assert client.post("/api/v1/import", headers=designer, json={
        "format": "orderloom-package/1", "order_types": [retail()]}).status_code == 201
    # Orders typed in from the web desk: a channel people enter orders for by hand.
    create_channel(client, bearer(token_for("admin")), key="web", kind="manual")
    staff_api = bearer(token_for("staff"))
    small = client.post("/api/v1/orders", headers=staff_api, json={
        "order_type": "retail_order", "data": SAMPLE}).get_json()["number"]
    big = client.post("/api/v1/orders", headers=staff_api, json={
        "order_type": "retail_order", "data": BIG, "channel": "web"}).get_json()["number"]
    make_user("staff", username="zhao.lei")
    make_user("admin", username="boss")
    make_user("viewer", username="manager")

    # A manager keeps the dashboard open: nothing has shipped yet.
    managing = browser.new_context(viewport={"width": 1280, "height": 800})
    dashboard = managing.new_page()
    dashboard.set_default_timeout(10_000)
    log_in(dashboard, live_server, "manager")
    dashboard.goto(f"{live_server}/dashboards")
    by_state = "table[data-chart=orders_by_state] tr[data-state={}] [data-figure=orders]"
    assert dashboard.locator(by_state.format("draft")).inner_text() == "2"
    assert dashboard.locator(by_state.format("shipped")).count() == 0
    assert client.post("/api/v1/warehouses", headers=bearer(token_for("admin")), json={
        "code": "HZ", "name": "Hangzhou", "regions": ["Zhejiang"]}).status_code == 201

    log_in(page, live_server, "zhao.lei")
    go_to(page, "Orders")
    assert page.locator("table.orders tbody tr").count() == 2
    page.fill("#f-channel", "web")
    follow(page, "form.filters button[type=submit]")
    rows = page.locator("table.orders tbody tr")
    assert rows.count() == 1 and small not in rows.inner_text()
    page.screenshot(path=f"{SCREENSHOTS}-list-1280.png", full_page=True)
    page.click(f"table.orders >> text={big}")

    assert page.locator("#order-state").inner_text() == "Draft"
    assert "6,252.50 CNY" in page.locator("[data-field=total]").inner_text()
    page.click("button[data-transition=submit]")
    assert page.locator("p.notice").inner_text() == (
        f"“Submit” done: order {big} is now In review.")
    assert page.locator("#order-state").inner_text() == "In review"

    # The administrator, in a browser of their own, approves it from the inbox.
    other = browser.new_context(viewport={"width": 768, "height": 1024})
    try:
        admin = other.new_page()
        admin.set_default_timeout(10_000)
        log_in(admin, live_server, "boss")
        go_to(admin, "Approvals")
        task = admin.locator("section.task", has_text=big)
        assert "Manager review" in task.inner_text()
        admin.screenshot(path=f"{SCREENSHOTS}-inbox-768.png", full_page=True)
        task.locator("textarea").fill("Good customer, go ahead.")
        task.locator("button.approve").click()
        assert admin.locator("p.notice").inner_text() == (
            f"You approved “Manager review” on order {big}; it is now Confirmed.")
        admin.goto(f"{live_server}/orders/{big}")
        admin.screenshot(path=f"{SCREENSHOTS}-detail-768.png", full_page=True)
    finally:
        other.close()

    page.reload()
    assert page.locator("#order-state").inner_text() == "Confirmed"

    # The warehouse's pick list for the confirmed orders, printed from the list.
    go_to(page, "Orders")
    page.check(f"input[name=numbers][value={big}]")
    with page.context.expect_page() as opened:
        page.click("#print-pick-lists")
    pick_list = opened.value
    pick_list.wait_for_load_state()
    assert "/orders/pick-lists/print" in pick_list.url
    text = pick_list.locator("body").inner_text()
    assert "HZ" in text and big in text and "TEA-01" in text
    assert "5 units" in text
    pick_list.screenshot(path=f"{SCREENSHOTS}-pick-list.png", full_page=True)
    pick_list.close()
    page.click(f"table.orders >> text={big}")
    page.click("button[data-transition=ship]")
    assert page.locator("#order-state").inner_text() == "Shipped"
    timeline = page.locator("#timeline ol").inner_text()
    assert "zhao.lei took “Submit”: Draft → In review." in timeline
    assert "boss approved “Manager review”. The order moved from In review to Confirmed." \
        in timeline
    assert "Good customer, go ahead." in timeline
    assert "zhao.lei took “Ship”: Confirmed → Shipped." in timeline
    page.screenshot(path=f"{SCREENSHOTS}-detail-1280.png", full_page=True)

    # The manager's dashboard, reloaded, shows the order shipped.
    dashboard.reload()
    assert dashboard.locator(by_state.format("shipped")).inner_text() == "1"
    assert dashboard.locator(by_state.format("draft")).inner_text() == "1"
    managing.close()

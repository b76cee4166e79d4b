"""The dashboard in a real browser: the charts are drawn, the figures match the orders,
and after an order is shipped through the API the dashboard shows the change."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from playwright.sync_api import expect

from tests.browser.test_staff_console import go_to, log_in
from tests.channels.support import create_channel
from tests.designer.samples import retail
from tests.platform.test_api_tokens import bearer
from tests.runtime.support import SAMPLE

SCREENSHOT = "/tmp/orderloom-dashboard"


def state_count(page, state: str) -> str:
    row = page.locator(f"table[data-chart=orders_by_state] tr[data-state={state}]")
    return row.locator("[data-figure=orders]").inner_text() if row.count() else "0"


def test_the_dashboard_shows_an_order_shipped_through_the_api(
        page, live_server, client, token_for, make_user):
    designer = bearer(token_for("designer"))
    assert client.post("/api/v1/import", headers=designer, json={
        "format": "orderloom-package/1", "order_types": [retail()]}).status_code == 201
    # Orders typed in from the web desk: a channel people enter orders for by hand.
    create_channel(client, bearer(token_for("admin")), key="web", kind="manual")
    staff = bearer(token_for("staff"))
    numbers = []
    for channel in ("web", "manual"):
        created = client.post("/api/v1/orders", headers=staff, json={
            "order_type": "retail_order", "data": SAMPLE, "channel": channel}).get_json()
        submitted = client.post(f"/api/v1/orders/{created['number']}/transitions/submit",
                                headers={**staff, "If-Match": f'"{created["revision"]}"'})
        assert submitted.status_code == 200, submitted.get_json()
        # 2,560.70 needs no manager: the order goes straight on to Confirmed.
        assert submitted.get_json()["state"] == "confirmed"
        numbers.append((created["number"], submitted.get_json()["revision"]))
    make_user("viewer", username="analyst.wu")

    log_in(page, live_server, "analyst.wu")
    go_to(page, "Dashboards")
    assert page.locator("h1").inner_text() == "Dashboards"
    assert state_count(page, "confirmed") == "2"
    assert state_count(page, "shipped") == "0"
    # Chart.js (vendored) drew every chart from the page's figures.
    for chart in ("sales_over_time", "orders_by_state", "orders_by_channel", "top_products",
                  "fulfilment_time", "customer_value"):
        # Drawn once Chart.js has loaded, which may be a moment after the page.
        expect(page.locator(f"canvas[data-chart={chart}]")).to_have_attribute("data-drawn", "true")
    products = page.locator("table[data-chart=top_products] tbody").inner_text()
    assert "TEA-01\t4\t5,002.00\t2" in products  # with thousands separators

    number, revision = numbers[0]
    shipped = client.post(f"/api/v1/orders/{number}/transitions/ship",
                          headers={**staff, "If-Match": f'"{revision}"'})
    assert shipped.status_code == 200, shipped.get_json()
    page.reload()
    assert state_count(page, "confirmed") == "1"
    assert state_count(page, "shipped") == "1"
    page.screenshot(path=f"{SCREENSHOT}-1280.png", full_page=True)

    # Filtering by channel narrows every chart; the CSV link carries the filter.
    page.fill("#d-channel", "manual")
    page.click("form.filters button[type=submit]")
    assert state_count(page, "shipped") == "0"
    assert state_count(page, "confirmed") == "1"
    link = page.locator("#chart-orders_by_state a.csv").get_attribute("href")
    # The form shows the last 30 days it covers by default, and keeps them.
    since = (datetime.now(UTC).date() - timedelta(days=29)).isoformat()
    assert page.locator("#d-from").input_value() == since
    assert link == (f"/api/v1/dashboards/orders_by_state.csv?created_from={since}"
                    "&channel=manual&sla_hours=48&grain=day")
    download = page.request.get(f"{live_server}{link}")
    assert download.ok
    assert download.text().lstrip("\ufeff").splitlines() == [
        "state,orders,value,currency", "confirmed,1,2560.70,CNY"]


def test_a_bad_filter_is_explained_on_the_page(page, live_server, published, make_user):
    make_user("viewer", username="analyst.li")
    log_in(page, live_server, "analyst.li")
    page.goto(f"{live_server}/dashboards?created_from=yesterday")
    assert page.locator("p.error").inner_text() == (
        "Created from: “yesterday” is not a date; use the form 2026-11-25. "
        "Showing the last 30 days instead.")
    assert page.locator("canvas[data-chart=orders_by_state]").count() == 1

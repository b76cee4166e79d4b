"""A customer's profile in a real browser: find the customer, read their value and
segment, and follow their order history to an order."""
from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.test_staff_console import go_to, log_in
from tests.designer.samples import retail
from tests.platform.test_api_tokens import bearer
from tests.runtime.support import SAMPLE

SCREENSHOTS = "/tmp/orderloom-customers"


def test_staff_open_a_profile_and_see_history_and_value(page, live_server, client,
                                                          token_for, make_user):
    designer = bearer(token_for("designer"))
    assert client.post("/api/v1/import", headers=designer, json={
        "format": "orderloom-package/1", "order_types": [retail()]}).status_code == 201
    staff_api = bearer(token_for("staff"))
    numbers = []
    for customer in ({"code": "C-1001", "name": "王芳 Wang Fang", "tier": "gold"},
                     {"code": "C-1001", "name": "Wang Fang"},
                     {"code": "C-2002", "name": "Zhao Lei"}):
        response = client.post("/api/v1/orders", headers=staff_api, json={
            "order_type": "retail_order", "data": {**SAMPLE, "customer": customer}})
        assert response.status_code == 201, response.get_json()
        numbers.append(response.get_json()["number"])
    make_user("staff", username="zhao.lei")

    log_in(page, live_server, "zhao.lei")
    go_to(page, "Customers")
    expect(page.locator("table.customers tbody tr")).to_have_count(2)
    page.screenshot(path=f"{SCREENSHOTS}-list-1280.png", full_page=True)
    page.fill("#c-q", "wang")
    page.click("form.filters button[type=submit]")
    page.wait_for_url("**/customers?q=wang**")
    rows = page.locator("table.customers tbody tr")
    expect(rows).to_have_count(1)
    assert "Loyal" in rows.inner_text()
    page.click("table.customers >> text=C-1001")
    page.wait_for_url("**/customers/C-1001")

    assert page.locator("h1").inner_text() == "王芳 Wang Fang"
    assert page.locator("#lifetime-value").inner_text() == "5,121.40 CNY"
    assert page.locator("#segment").inner_text() == "Loyal"
    assert "2,560.70 CNY" in page.locator("#order-history").inner_text()
    history = page.locator("#order-history tbody tr")
    assert history.count() == 2
    assert numbers[2] not in page.locator("#order-history").inner_text()
    page.screenshot(path=f"{SCREENSHOTS}-profile-1280.png", full_page=True)
    page.click(f"#order-history >> text={numbers[0]}")
    page.wait_for_url(f"**/orders/{numbers[0]}")

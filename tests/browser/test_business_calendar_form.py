"""The order form previews WORKDAY with the instance's business calendar, so the date
shown while typing is the date the server stores."""
from __future__ import annotations

from tests.browser.test_staff_console import go_to, log_in
from tests.platform.test_api_tokens import bearer
from tests.runtime.test_business_calendar import NATIONAL_DAY_2024, retail_with_a_ship_by_date


def test_the_ship_by_date_shown_skips_the_national_day_as_the_server_does(
        page, live_server, client, token_for, make_user):
    assert client.post("/api/v1/import", headers=bearer(token_for("designer")), json={
        "format": "orderloom-package/1",
        "order_types": [retail_with_a_ship_by_date()]}).status_code == 201
    assert client.put("/api/v1/business-calendar", headers=bearer(token_for("admin")),
                      json=NATIONAL_DAY_2024).status_code == 200
    make_user("staff", username="zhao.lei")
    log_in(page, live_server, "zhao.lei")
    go_to(page, "Orders")
    page.click("#new-order")
    page.fill("#field-paid_on", "2024-09-30")
    page.locator("#field-paid_on").press("Tab")
    ship_by = page.locator("output[data-computed=ship_by]")
    excel = page.locator("output[data-computed=ship_by_excel]")
    page.wait_for_function(
        "() => document.querySelector('output[data-computed=ship_by]').dataset.value")
    assert ship_by.get_attribute("data-value") == "2024-10-08"
    assert excel.get_attribute("data-value") == "2024-10-01"
    page.fill("#field-paid_on", "2024-09-27")
    page.locator("#field-paid_on").press("Tab")
    page.wait_for_function(
        "() => document.querySelector('output[data-computed=ship_by]').dataset.value"
        " === '2024-09-29'")

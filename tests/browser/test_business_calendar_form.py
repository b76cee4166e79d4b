"""The order form previews WORKDAY with the instance's business calendar, so the date
shown while typing is the date the server stores; the calendar page sets the working
hours that timers counting business hours count."""
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


def test_an_administrator_sets_shorter_friday_hours_on_the_calendar_page(
        page, live_server, client, token_for, make_user):
    from playwright.sync_api import expect
    make_user("admin", username="an.admin")
    log_in(page, live_server, "an.admin")
    go_to(page, "Calendar")
    friday_end = page.get_by_label("Friday to")
    expect(friday_end).to_have_value("18:00")
    friday_end.fill("15:30")
    page.get_by_label("Monday from").fill("10:00")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("The business calendar is saved.")).to_be_visible()
    expect(page.get_by_label("Friday to")).to_have_value("15:30")
    hours = client.get("/api/v1/business-calendar",
                       headers=bearer(token_for("viewer"))).get_json()["hours"]
    assert (hours["friday"], hours["monday"]["start"]) == (
        {"start": "09:00", "end": "15:30"}, "10:00")

"""Choosing the order list's columns and saving the view, in Chromium."""
from __future__ import annotations

from tests.browser.navigation import follow
from tests.browser.test_staff_console import go_to, log_in
from tests.designer.samples import retail
from tests.platform.test_api_tokens import bearer
from tests.runtime.support import SAMPLE


def test_staff_choose_form_fields_as_columns_and_come_back_to_the_saved_view(
        page, live_server, client, token_for, make_user):
    designer = bearer(token_for("designer"))
    assert client.post("/api/v1/import", headers=designer, json={
        "format": "orderloom-package/1", "order_types": [retail()]}).status_code == 201
    staff = bearer(token_for("staff"))
    for priority in ("normal", "rush"):
        assert client.post("/api/v1/orders", headers=staff, json={
            "order_type": "retail_order",
            "data": {**SAMPLE, "priority": priority}}).status_code == 201
    make_user("staff", username="sun.li")
    log_in(page, live_server, "sun.li")
    go_to(page, "Orders")
    page.select_option("#f-type", "retail_order")
    follow(page, "form.filters button[type=submit]")
    page.click("details.column-choice summary")
    for key in ("order_type", "customer", "channel", "created"):
        page.uncheck(f"input[name=columns][value={key}]")
    page.check("input[name=columns][value='field:priority']")
    page.check("input[name=columns][value='field:discount']")
    follow(page, "form.filters button[type=submit]")
    headers = page.locator("table.orders thead th[data-column]").all_inner_texts()
    assert headers == ["Number", "State", "Total", "Priority", "Discount"]
    assert page.locator("table.orders tbody tr").first.locator("td").nth(4).inner_text() \
        == "Rush"

    page.click("details.save-view summary")
    page.fill("#view-name", "Retail with priority")
    page.click("#save-view button[type=submit]")
    assert "Saved the view “Retail with priority”." in page.locator("p.notice").inner_text()

    follow(page, "text=Clear")
    assert page.locator("table.orders thead th[data-column]").count() == 7
    follow(page, "section.saved-views >> text=Retail with priority")
    assert page.locator("table.orders thead th[data-column]").all_inner_texts() == headers
    page.screenshot(path="/tmp/orderloom-saved-view-1280.png", full_page=True)

"""The order form's preview in Chromium reads the clock where the instance is: in an
instance set to Asia/Shanghai, 01:30 UTC shows as hour 9 as the server computes it,
and a product look-up waits for the server, saying so."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from orderloom.platform.settings import load_settings
from orderloom.runtime import business_calendar
from tests.browser.test_staff_console import go_to, log_in
from tests.designer.samples import retail
from tests.platform.test_api_tokens import bearer


@pytest.fixture
def settings(tmp_path, database_url):
    from tests.conftest import TEST_SECRET
    yield load_settings({}, overrides={
        "instance_path": tmp_path / "instance", "database_url": database_url,
        "secret_key": TEST_SECRET, "time_zone": "Asia/Shanghai"})
    business_calendar.use_time_zone("UTC")  # the zone is the process's: leave it as found


def test_the_preview_shows_shanghais_hour_and_leaves_look_ups_to_the_server(
        page, live_server, client, token_for, make_user):
    definition = retail()
    definition["form"]["fields"] += [
        {"key": "paid_hour", "type": "computed", "label": {"en": "Paid at hour"},
         "formula": "HOUR(DATETIME(2024, 5, 3, 1, 30, 0))", "result_type": "integer"},
        {"key": "paid_minute", "type": "computed", "label": {"en": "Paid at minute"},
         "formula": "MINUTE(DATETIME(2024, 5, 3, 1, 30, 0))", "result_type": "integer"},
        {"key": "tea_weight", "type": "computed", "label": {"en": "Tea weight"},
         "formula": 'PRODUCTINFO("TEA-01", "weight_grams")', "result_type": "integer"}]
    definition["form"]["layout"][1]["fields"] += ["paid_hour", "paid_minute", "tea_weight"]
    assert client.post("/api/v1/import", headers=bearer(token_for("designer")), json={
        "format": "orderloom-package/1", "order_types": [definition]}).status_code == 201
    make_user("staff", username="wang.fang")
    log_in(page, live_server, "wang.fang")
    go_to(page, "Orders")
    page.click("#new-order")
    expect(page.locator("h1")).to_have_text("New Retail order")
    expect(page.locator("output[data-computed=paid_hour]")).to_have_attribute("data-value", "9")
    expect(page.locator("output[data-computed=paid_minute]")).to_have_attribute(
        "data-value", "30")
    weight = page.locator("output[data-computed=tea_weight]")
    expect(weight).to_have_attribute("data-value", "")
    expect(weight).to_have_attribute(
        "title", "Cannot be calculated yet: PRODUCTINFO is worked out by the server; its "
                 "value shows once the order is saved")

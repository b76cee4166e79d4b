"""Formulas read the clock in the instance's time zone (ORDERLOOM_TIME_ZONE), not UTC:
an order paid at 09:30 in Shanghai (01:30 UTC) was paid in the morning, on the
server and in the order form's preview alike."""
from __future__ import annotations

import json
import re

import pytest

from tests.platform.test_api_tokens import bearer
from tests.runtime.support import SAMPLE


@pytest.fixture
def instance_time_zone():
    # Eight hours from UTC, so a time shown in UTC could not pass for Shanghai time.
    return "Asia/Shanghai"


def retail_with_a_paid_hour():
    from tests.designer.samples import retail
    definition = retail()
    definition["form"]["fields"] += [
        {"key": "paid_at", "type": "datetime", "label": {"en": "Paid at"}},
        {"key": "paid_hour", "type": "computed", "label": {"en": "Paid at hour"},
         "formula": "HOUR(paid_at)", "result_type": "integer"},
        {"key": "paid_minute", "type": "computed", "label": {"en": "Paid at minute"},
         "formula": "MINUTE(paid_at)", "result_type": "integer"},
        {"key": "shift", "type": "computed", "label": {"en": "Shift"},
         "formula": 'IF(HOUR(paid_at) < 12, "morning", "afternoon")', "result_type": "text"},
    ]
    definition["form"]["layout"][1]["fields"] += ["paid_at", "paid_hour", "paid_minute",
                                                  "shift"]
    return definition


def test_an_order_computes_hours_and_minutes_on_shanghais_clocks(client, token_for):
    assert client.post("/api/v1/import", headers=bearer(token_for("designer")), json={
        "format": "orderloom-package/1",
        "order_types": [retail_with_a_paid_hour()]}).status_code == 201
    created = client.post("/api/v1/orders", headers=bearer(token_for("staff")), json={
        "order_type": "retail_order", "data": {**SAMPLE, "paid_at": "2024-05-03T01:45:00Z"}})
    assert created.status_code == 201, created.get_json()
    data = created.get_json()["data"]
    assert (data["paid_hour"], data["paid_minute"], data["shift"]) == (9, 45, "morning")


def test_the_calendar_names_the_zone_the_pages_preview_with(client, token_for, actions):
    answer = client.get("/api/v1/business-calendar", headers=bearer(token_for("viewer")))
    assert answer.get_json()["time_zone"] == "Asia/Shanghai"
    assert client.post("/api/v1/import", headers=bearer(token_for("designer")), json={
        "format": "orderloom-package/1",
        "order_types": [retail_with_a_paid_hour()]}).status_code == 201
    actions.login_as("staff")
    page = client.get("/orders/new/retail_order").get_data(as_text=True)
    embedded = re.search(r'<script type="application/json" id="order-form-spec">(.*?)</script>',
                         page, re.S)
    assert embedded, "the order form embeds no spec"
    assert json.loads(embedded.group(1))["calendar"]["time_zone"] == "Asia/Shanghai"

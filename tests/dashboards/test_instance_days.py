"""Date filters and per-day figures count the days of the instance's time zone, not
UTC's: in Shanghai, an order placed at 23:30 on 1 March is on 1 March, and one placed
at 07:30 on 2 March (23:30 on 1 March in UTC) is on 2 March, in the order list, its
export, the dashboards and the finance summary alike."""
from __future__ import annotations

import csv
import io
import re
from datetime import date

import pytest

from orderloom.runtime import business_calendar


@pytest.fixture
def instance_time_zone():
    return "Asia/Shanghai"


@pytest.fixture
def around_midnight(plant, db):
    """Three orders at Shanghai's clocks (UTC in brackets):

    T-0001  1 March 23:30 (1 March 15:30)
    T-0002  2 March 07:30 (1 March 23:30): UTC would count it on 1 March
    T-0003  1 March 00:30 (28 February 16:30): UTC would count it on 28 February
    """
    plant.order("2026-03-01T15:30:00", "confirmed", "web", "C1", [("A", 1, "10.00")])
    plant.order("2026-03-01T23:30:00", "confirmed", "web", "C1", [("A", 1, "20.00")])
    plant.order("2026-02-28T16:30:00", "confirmed", "web", "C1", [("A", 1, "40.00")])
    db.commit()
    return plant


FIRST_OF_MARCH = "created_from=2026-03-01&created_to=2026-03-01"


def _numbers(text: str) -> list[str]:
    return sorted(set(re.findall(r"T-000\d", text)))


def test_the_order_list_filters_by_shanghai_days(client, actions, around_midnight):
    actions.login_as("admin")
    page = client.get(f"/orders?{FIRST_OF_MARCH}")
    assert page.status_code == 200
    assert _numbers(page.get_data(as_text=True)) == ["T-0001", "T-0003"]
    second = client.get("/orders?created_from=2026-03-02&created_to=2026-03-02")
    assert _numbers(second.get_data(as_text=True)) == ["T-0002"]


def test_the_orders_api_and_its_export_filter_by_shanghai_days(client, token_for,
                                                               around_midnight):
    admin = {"Authorization": f"Bearer {token_for('admin')}"}
    listed = client.get(f"/api/v1/orders?{FIRST_OF_MARCH}", headers=admin).get_json()
    assert sorted(o["number"] for o in listed["orders"]) == ["T-0001", "T-0003"]
    exported = client.get(f"/api/v1/orders/export?{FIRST_OF_MARCH}", headers=admin)
    assert exported.status_code == 200
    assert _numbers(exported.get_data(as_text=True)) == ["T-0001", "T-0003"]
    # A date and time keeps the zone it was given with.
    exact = client.get("/api/v1/orders?created_from=2026-03-01T23:00:00%2B08:00",
                       headers=admin).get_json()
    assert sorted(o["number"] for o in exact["orders"]) == ["T-0001", "T-0002"]


def test_the_dashboard_counts_sales_per_shanghai_day(client, token_for, around_midnight):
    viewer = {"Authorization": f"Bearer {token_for('viewer')}"}
    days = client.get("/api/v1/dashboards/sales_over_time?created_from=2026-02-01",
                      headers=viewer).get_json()
    assert days["rows"] == [
        {"period": "2026-03-01", "orders": 2, "sales": "50.00", "currency": "CNY"},
        {"period": "2026-03-02", "orders": 1, "sales": "20.00", "currency": "CNY"}]
    one_day = client.get(f"/api/v1/dashboards/sales_over_time?{FIRST_OF_MARCH}",
                         headers=viewer).get_json()
    assert one_day["period"] == {"from": "2026-03-01", "to": "2026-03-01"}
    assert one_day["rows"] == [days["rows"][0]]
    exported = client.get(f"/api/v1/dashboards/sales_over_time.csv?{FIRST_OF_MARCH}",
                          headers=viewer).get_data(as_text=True).lstrip("\ufeff")
    assert list(csv.reader(io.StringIO(exported)))[1:] == [["2026-03-01", "2", "50.00", "CNY"]]


def test_the_dashboard_page_shows_the_shanghai_day(client, actions, around_midnight):
    actions.login_as("admin")
    page = client.get(f"/dashboards?{FIRST_OF_MARCH}").get_data(as_text=True)
    assert re.search(r"<td>2026-03-01</td><td class=\"num\">2</td>", page)
    assert "2026-03-02</td>" not in page and "2026-02-28</td>" not in page


def test_finance_counts_the_orders_of_a_shanghai_day(client, token_for, around_midnight):
    finance = {"Authorization": f"Bearer {token_for('admin')}"}
    summary = client.get("/api/v1/finance/summary?from=2026-02-28&to=2026-03-02",
                         headers=finance).get_json()
    taken = {row["date"]: (row["orders"], row["order_value"])
             for row in summary["rows"] if row["orders"]}
    assert taken == {"2026-03-01": (2, "50.00"), "2026-03-02": (1, "20.00")}
    as_csv = client.get("/api/v1/finance/summary?from=2026-03-01&to=2026-03-01&format=csv",
                        headers=finance).get_data(as_text=True).lstrip("\ufeff")
    (header, *rows) = list(csv.reader(io.StringIO(as_csv)))
    row = dict(zip(header, rows[0], strict=True))
    assert (row["date"], row["orders"], row["order_value"]) == ("2026-03-01", "2", "50.00")


def test_a_day_starts_at_midnight_on_the_instance_clocks(settings):
    business_calendar.use_time_zone(settings.time_zone)
    start, end = business_calendar.day_range(date(2026, 3, 1))
    assert (start.isoformat(), end.isoformat()) == (
        "2026-02-28T16:00:00+00:00", "2026-03-01T16:00:00+00:00")


def test_summer_time_changes_the_offset_at_its_minute():
    """SQLite knows no zones: its per-day figures shift each stretch by its offset, so
    the moment the clocks change must be found exactly (in Berlin, 01:00 UTC on 29 March
    2026 and on 25 October 2026)."""
    from datetime import UTC, datetime

    business_calendar.use_time_zone("Europe/Berlin")
    try:
        changes = business_calendar.clock_changes(datetime(2026, 3, 1, tzinfo=UTC),
                                                  datetime(2026, 12, 1, tzinfo=UTC))
    finally:
        business_calendar.use_time_zone("UTC")
    assert [(moment.isoformat(), minutes) for moment, minutes in changes] == [
        ("2026-03-01T00:00:00+00:00", 60), ("2026-03-29T01:00:00+00:00", 120),
        ("2026-10-25T01:00:00+00:00", 60)]

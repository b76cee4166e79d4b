"""Each chart's numbers over planted orders with known answers, on SQLite and PostgreSQL."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from orderloom.runtime.reports import dashboards
from orderloom.runtime.reports.dashboards import DashboardFilter, bucket_width
from tests.dashboards.conftest import at


def test_sales_per_day_leave_out_cancelled_orders_and_other_currencies(planted, db):
    rows = dashboards.sales_over_time(db, DashboardFilter(), "day")
    assert [(r["period"], r["orders"], r["sales"]) for r in rows] == [
        (date(2026, 3, 2), 1, Decimal("25.50")),
        (date(2026, 3, 3), 1, Decimal("10.00")),
        # Two orders that day; the USD one counts as an order, not in the CNY sales.
        (date(2026, 4, 1), 2, Decimal("300.00")),
    ]
    assert {r["currency"] for r in rows} == {"CNY"}


def test_sales_per_week_start_on_monday_and_per_month_on_the_first(planted, db):
    weeks = dashboards.sales_over_time(db, DashboardFilter(), "week")
    assert [(r["period"], r["orders"], r["sales"]) for r in weeks] == [
        (date(2026, 3, 2), 2, Decimal("35.50")), (date(2026, 3, 30), 2, Decimal("300.00"))]
    months = dashboards.sales_over_time(db, DashboardFilter(), "month")
    assert [(r["period"], r["orders"], r["sales"]) for r in months] == [
        (date(2026, 3, 1), 2, Decimal("35.50")), (date(2026, 4, 1), 2, Decimal("300.00"))]


def test_sales_in_another_currency_when_asked(planted, db):
    rows = dashboards.sales_over_time(db, DashboardFilter(currency="USD"), "month")
    assert [(r["period"], r["sales"], r["currency"]) for r in rows] == [
        (date(2026, 3, 1), Decimal("0.00"), "USD"), (date(2026, 4, 1), Decimal("50.00"), "USD")]


def test_orders_by_state_count_every_order_with_its_value(planted, db):
    rows = dashboards.orders_by_state(db, DashboardFilter())
    assert {r["state"]: (r["orders"], r["value"]) for r in rows} == {
        "shipped": (1, Decimal("25.50")), "confirmed": (1, Decimal("10.00")),
        "cancelled": (1, Decimal("55.00")), "delivered": (1, Decimal("300.00")),
        "draft": (1, Decimal("0.00"))}


def test_orders_by_channel_most_first(planted, db):
    rows = dashboards.orders_by_channel(db, DashboardFilter())
    assert [(r["channel"], r["orders"], r["value"]) for r in rows] == [
        ("web", 4, Decimal("380.50")), ("manual", 1, Decimal("10.00"))]


def test_top_products_add_up_the_lines_of_sold_orders(planted, db):
    rows = dashboards.top_products(db, DashboardFilter())
    assert [(r["sku"], r["units"], r["sales"], r["lines"]) for r in rows] == [
        ("C", 3, Decimal("300.00"), 1),
        ("A", 3, Decimal("30.00"), 2),
        ("B", 1, Decimal("5.50"), 1),  # the cancelled order's ten B are not sales
    ]
    assert [r["sku"] for r in dashboards.top_products(db, DashboardFilter(), limit=1)] == ["C"]


def test_top_products_count_qty_times_price_where_a_line_has_no_amount(plant, db):
    order = plant.order("2026-05-05T10:00:00", "confirmed", "web", "C9", [("P", 4, "8.00")])
    order.data = {**order.data, "items": [{"sku": "P", "qty": 4, "price": "2.25"}]}
    db.commit()
    rows = dashboards.top_products(db, DashboardFilter())
    assert [(r["sku"], r["units"], r["sales"]) for r in rows] == [("P", 4, Decimal("9.00"))]


def test_filters_narrow_every_chart(planted, db):
    manual = DashboardFilter(channel="manual")
    assert [r["orders"] for r in dashboards.sales_over_time(db, manual)] == [1]
    assert [r["sku"] for r in dashboards.top_products(db, manual)] == ["A"]
    april = DashboardFilter(created_from=at("2026-04-01T00:00:00"))
    assert {r["state"] for r in dashboards.orders_by_state(db, april)} == {"delivered", "draft"}
    march = DashboardFilter(created_from=at("2026-03-01T00:00:00"),
                            created_to=at("2026-04-01T00:00:00"))
    assert [(r["channel"], r["orders"]) for r in dashboards.orders_by_channel(db, march)] == [
        ("web", 2), ("manual", 1)]
    other_type = DashboardFilter(order_type_id=planted.order_type.id + 1000)
    assert dashboards.orders_by_state(db, other_type) == []
    assert dashboards.sales_over_time(db, other_type) == []


def test_customer_value_is_a_histogram_of_each_customers_sales(planted, db):
    rows = dashboards.customer_value(db, DashboardFilter())
    # C1 bought 35.50, C2 300.00 (their cancelled order is not a sale): width 50.
    assert [(r["from"], r["to"], r["customers"], r["value"]) for r in rows] == [
        (Decimal("0.00"), Decimal("50.00"), 1, Decimal("35.50")),
        (Decimal("50.00"), Decimal("100.00"), 0, Decimal("0.00")),
        (Decimal("100.00"), Decimal("150.00"), 0, Decimal("0.00")),
        (Decimal("150.00"), Decimal("200.00"), 0, Decimal("0.00")),
        (Decimal("200.00"), Decimal("250.00"), 0, Decimal("0.00")),
        (Decimal("250.00"), Decimal("300.00"), 0, Decimal("0.00")),
        (Decimal("300.00"), Decimal("350.00"), 1, Decimal("300.00")),
    ]
    assert dashboards.customer_value(db, DashboardFilter(channel="nowhere")) == []


@pytest.mark.parametrize(("largest", "width"), [
    ("300", "50"), ("35.5", "5"), ("1000", "100"), ("999", "100"), ("12", "2"),
    ("0.5", "0.05"), ("2400", "250"), ("0", "1")])
def test_bucket_widths_are_round_numbers(largest, width):
    assert bucket_width(Decimal(largest)) == Decimal(width)


@pytest.mark.parametrize(("largest", "unit", "width"), [
    ("25", "1", "5"), ("24000", "1", "2500"), ("0.05", "0.01", "0.01"), ("20", "1", "2")])
def test_bucket_widths_are_whole_units_of_the_currency(largest, unit, width):
    assert bucket_width(Decimal(largest), 10, Decimal(unit)) == Decimal(width)


def test_yen_figures_have_no_decimal_places(plant, db):
    """The yen has no minor unit: 2500 yen is shown as 2500, never 2500.00."""
    plant.order("2026-03-02T10:00:00", "shipped", "web", "J1", [("A", 2, "2500")],
                currency="JPY")
    plant.order("2026-03-03T10:00:00", "shipped", "web", "J2", [("B", 1, "24000")],
                currency="JPY")
    db.commit()
    spec = DashboardFilter(currency="JPY")
    [month] = dashboards.sales_over_time(db, spec, "month")
    assert (month["sales"], month["currency"]) == (Decimal("26500"), "JPY")
    assert str(month["sales"]) == "26500"
    assert {r["state"]: str(r["value"]) for r in dashboards.orders_by_state(db, spec)} == {
        "shipped": "26500"}
    assert [(r["sku"], str(r["sales"])) for r in dashboards.top_products(db, spec)] == [
        ("B", "24000"), ("A", "2500")]
    buckets = dashboards.customer_value(db, spec)
    assert (str(buckets[0]["from"]), str(buckets[0]["to"]), str(buckets[0]["value"])) == (
        "0", "2500", "0")
    assert (str(buckets[1]["from"]), buckets[1]["customers"], str(buckets[1]["value"])) == (
        "2500", 1, "2500")
    assert (str(buckets[-1]["to"]), buckets[-1]["customers"]) == ("25000", 1)

"""The dashboards API: JSON per chart, the same rows as CSV, filters, permissions and
a precise error for every bad filter."""
from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest


@pytest.fixture
def viewer(token_for):
    return {"Authorization": f"Bearer {token_for('viewer')}"}


SPRING = "created_from=2026-01-01"  # the planted orders are from March and April 2026


def rows_of_csv(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))


def test_a_chart_as_json_with_money_as_exact_text(client, planted, viewer):
    response = client.get(f"/api/v1/dashboards/sales_over_time?grain=month&{SPRING}",
                          headers=viewer)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["rows"] == [
        {"period": "2026-03-01", "orders": 2, "sales": "35.50", "currency": "CNY"},
        {"period": "2026-04-01", "orders": 2, "sales": "300.00", "currency": "CNY"}]
    assert body["filter"] == {"created_from": "2026-01-01", "grain": "month"}
    assert body["period"] == {"from": "2026-01-01", "to": None}
    assert body["csv"] == ("/api/v1/dashboards/sales_over_time.csv?"
                           "created_from=2026-01-01&grain=month")


def test_every_chart_downloads_as_csv_with_its_header(client, planted, viewer):
    listed = client.get("/api/v1/dashboards", headers=viewer).get_json()["charts"]
    assert [c["chart"] for c in listed] == [
        "sales_over_time", "orders_by_state", "orders_by_channel", "top_products",
        "fulfilment_time", "shipped_within_sla", "customer_value"]
    for chart in listed:
        response = client.get(f"{chart['csv']}?{SPRING}", headers=viewer)
        assert response.status_code == 200
        assert response.mimetype == "text/csv"
        assert response.headers["Content-Disposition"] == (
            f'attachment; filename="{chart["chart"]}.csv"')
        header, *rows = rows_of_csv(response)
        json_rows = client.get(f"{chart['data']}?{SPRING}", headers=viewer).get_json()["rows"]
        assert header == list(json_rows[0])
        assert len(rows) == len(json_rows)


def test_csv_holds_the_charts_numbers(client, planted, viewer):
    response = client.get(f"/api/v1/dashboards/top_products.csv?{SPRING}", headers=viewer)
    assert rows_of_csv(response) == [
        ["sku", "units", "sales", "lines", "currency"],
        ["C", "3", "300.00", "1", "CNY"], ["A", "3", "30.00", "2", "CNY"],
        ["B", "1", "5.50", "1", "CNY"]]
    by_channel = client.get("/api/v1/dashboards/orders_by_channel.csv?"
                            f"{SPRING}&created_to=2026-03-31",
                            headers=viewer)
    assert rows_of_csv(by_channel)[1:] == [["web", "2", "80.50", "CNY"],
                                           ["manual", "1", "10.00", "CNY"]]


def test_an_empty_chart_still_has_its_header(client, published, viewer):
    response = client.get("/api/v1/dashboards/fulfilment_time.csv?channel=none",
                          headers=viewer)
    assert rows_of_csv(response)[0] == ["stage", "orders", "median_hours", "p90_hours"]
    response = client.get("/api/v1/dashboards/customer_value.csv", headers=viewer)
    assert rows_of_csv(response) == [["from", "to", "customers", "value", "currency"]]


def test_text_that_a_spreadsheet_would_run_stays_text(client, plant, db, viewer):
    plant.order("2026-03-02T10:00:00", "confirmed", "=HYPERLINK(1)", "C1",
                [("@SUM(A1)", 1, "1.00")])
    db.commit()
    channels = rows_of_csv(client.get(f"/api/v1/dashboards/orders_by_channel.csv?{SPRING}",
                                      headers=viewer))
    assert channels[1][0] == "'=HYPERLINK(1)"
    products = rows_of_csv(client.get(f"/api/v1/dashboards/top_products.csv?{SPRING}",
                                      headers=viewer))
    assert products[1][0] == "'@SUM(A1)"


def test_filters_by_days_channel_and_order_type(client, planted, viewer):
    def states(query: str) -> dict[str, int]:
        response = client.get(f"/api/v1/dashboards/orders_by_state?{query}", headers=viewer)
        assert response.status_code == 200, response.get_json()
        return {r["state"]: r["orders"] for r in response.get_json()["rows"]}

    # Both days included: the 1st of April's two orders count.
    assert states("created_from=2026-03-09&created_to=2026-04-01") == {
        "cancelled": 1, "delivered": 1, "draft": 1}
    assert states(f"{SPRING}&channel=manual") == {"confirmed": 1}
    assert states(f"{SPRING}&order_type=retail_order") == {
        "shipped": 1, "confirmed": 1, "cancelled": 1, "delivered": 1, "draft": 1}


@pytest.mark.parametrize(("query", "pointer", "detail"), [
    ("created_from=March", "/created_from", "“March” is not a date; use the form 2026-11-25"),
    ("created_from=2026-04-02&created_to=2026-04-01", "/created_to",
     "must not be before created_from"),
    ("order_type=nope", "/order_type", "there is no order type “nope”"),
    ("grain=year", "/grain", "must be one of day, week, month"),
    ("sla_hours=soon", "/sla_hours", "must be a whole number from 1 to 8760"),
    ("sla_hours=0", "/sla_hours", "must be a whole number from 1 to 8760"),
    ("currency=yuan", "/currency", "must be a three-letter currency code such as CNY"),
])
def test_a_bad_filter_is_a_422_naming_it(client, published, viewer, query, pointer, detail):
    response = client.get(f"/api/v1/dashboards/orders_by_state?{query}", headers=viewer)
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["errors"] == [
        {"parameter": pointer[1:], "pointer": pointer, "detail": detail}]


def test_an_unknown_chart_is_a_404_listing_the_charts(client, published, viewer):
    response = client.get("/api/v1/dashboards/profit", headers=viewer)
    assert response.status_code == 404
    assert "sales_over_time" in response.get_json()["detail"]
    assert client.get("/api/v1/dashboards/profit.csv", headers=viewer).status_code == 404


def test_dashboards_need_the_reports_permission(client, published, token_for):
    staff = {"Authorization": f"Bearer {token_for('staff')}"}
    assert client.get("/api/v1/dashboards/orders_by_state", headers=staff).status_code == 403
    assert client.get("/api/v1/dashboards/orders_by_state").status_code == 401


def test_without_dates_the_charts_cover_the_last_30_days(client, plant, db, viewer):
    today = datetime.now(UTC).replace(microsecond=0)
    for days_ago, state in ((0, "confirmed"), (29, "shipped"), (30, "cancelled")):
        moment = (today - timedelta(days=days_ago)).replace(tzinfo=None).isoformat()
        plant.order(moment, state, "web", "C1", [("A", 1, "1.00")])
    db.commit()
    body = client.get("/api/v1/dashboards/orders_by_state", headers=viewer).get_json()
    assert {r["state"] for r in body["rows"]} == {"confirmed", "shipped"}
    assert body["period"] == {"from": (today - timedelta(days=29)).date().isoformat(),
                              "to": None}

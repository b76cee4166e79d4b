"""The dashboard page as served: figures in tables, CSV links, the nav link, who may
see it. Drawing the charts is tested in Chromium (tests/browser)."""
from __future__ import annotations

import re


def test_the_page_shows_each_charts_figures_and_its_csv_link(client, actions, planted):
    actions.login_as("viewer")
    page = client.get("/dashboards?created_from=2026-03-01&created_to=2026-04-30"
                      "&grain=month").get_data(as_text=True)
    assert '<a href="/dashboards">Dashboards</a>' in page
    states = re.findall(r'<tr data-state="(\w+)"><td>([^<]+)</td><td class="num" '
                        r'data-figure="orders">(\d+)</td>', page)
    assert sorted(states) == [("cancelled", "Cancelled", "1"), ("confirmed", "Confirmed", "1"),
                              ("delivered", "Delivered", "1"), ("draft", "Draft", "1"),
                              ("shipped", "Shipped", "1")]
    assert "<td>2026-03-01</td><td class=\"num\">2</td><td class=\"num\">35.50</td>" in page
    assert ('href="/api/v1/dashboards/top_products.csv?created_from=2026-03-01&amp;'
            'created_to=2026-04-30&amp;grain=month"') in page
    assert "Money figures are in CNY" in page


def test_people_without_the_reports_permission_get_no_dashboard(client, actions, published):
    actions.login_as("staff")
    assert client.get("/dashboards").status_code == 403
    assert "Dashboards</a>" not in client.get("/").get_data(as_text=True)


def test_visitors_are_sent_to_log_in(client, published):
    response = client.get("/dashboards")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def kpi(page: str, name: str) -> str:
    return re.search(rf'data-kpi="{name}">.*?<p class="kpi-value">([^<]*)</p>', page,
                     re.S).group(1)


def test_the_headline_figures_add_up_the_period_with_thousands_separators(
        client, actions, planted, db):
    planted.order("2026-04-02T08:00:00", "confirmed", "store_pos", "C4",
                  [("C", 1000, "12345.00")])
    db.commit()
    actions.login_as("viewer")
    page = client.get("/dashboards?created_from=2026-03-01&created_to=2026-04-30"
                      ).get_data(as_text=True)
    # Sales: 25.50 + 10.00 + 300.00 + 12,345.00; the cancelled order is no sale and the
    # USD order is in another currency, so neither is in the sales nor in the average.
    assert kpi(page, "sales") == "12,680.50 CNY"
    assert kpi(page, "orders") == "4"
    assert kpi(page, "average_order_value") == "3,170.13 CNY"
    late = re.search(r'data-figure="late">(\d+)<', page).group(1)
    assert kpi(page, "late_shipments") == late
    # Top products: C was sold 3 for 300.00 before.
    assert '<td>C</td><td class="num">1,003</td><td class="num">12,645.00</td>' in page
    # Only the period: before it there was nothing.
    empty = client.get("/dashboards?created_from=2025-01-01&created_to=2025-01-31"
                       ).get_data(as_text=True)
    assert (kpi(empty, "sales"), kpi(empty, "orders"), kpi(empty, "average_order_value")) \
        == ("0.00 CNY", "0", "–")


def test_an_empty_dashboard_says_how_figures_arrive(client, actions, published):
    actions.login_as("admin")
    page = client.get("/dashboards").get_data(as_text=True)
    assert 'id="dashboard-empty"' in page and 'href="/orders/new"' in page


def test_an_empty_dashboard_offers_no_order_entry_to_a_viewer(client, actions, published):
    actions.login_as("viewer")
    page = client.get("/dashboards").get_data(as_text=True)
    assert 'id="dashboard-empty"' in page and 'href="/orders/new"' not in page


def test_money_hidden_from_the_reader_is_left_out_of_their_figures(
        app, client, actions, plant, db, token_for, make_user):
    # Once a viewer to whom an order type's total and line prices were hidden read
    # them off the sales, the average order value and the top products.
    from sqlalchemy import select

    from orderloom.designer.models import DefinitionVersion, OrderType
    from tests.conftest import Actions
    from tests.designer.samples import retail
    from tests.platform.test_api_tokens import bearer

    definition = {**retail(), "key": "secret_order"}
    fields = definition["form"]["fields"]
    next(f for f in fields if f["key"] == "total")["access"] = {"see": ["admin"]}
    items = next(f for f in fields if f["key"] == "items")
    for column in items["fields"]:
        if column["key"] in ("price", "amount"):
            column["access"] = {"see": ["admin"]}
    assert client.post("/api/v1/import", headers=bearer(token_for("designer")), json={
        "format": "orderloom-package/1", "order_types": [definition]}).status_code == 201
    plant.order_type = db.scalar(select(OrderType).where(OrderType.key == "secret_order"))
    plant.version = db.scalar(select(DefinitionVersion).where(
        DefinitionVersion.order_type_id == plant.order_type.id))
    plant.order("2026-03-02T10:00:00", "confirmed", "web", "C1", [("A", 2, "20.00")])
    plant.order("2026-03-03T10:00:00", "confirmed", "web", "C2", [("B", 1, "7.00")])
    db.commit()
    url = "/dashboards?created_from=2026-03-01&created_to=2026-03-31&grain=month"
    charts = "/api/v1/dashboards/{}?created_from=2026-03-01&created_to=2026-03-31"
    for role, sales, average, a_sales in (("viewer", "0.00", "–", "0.00"),
                                          ("admin", "27.00", "13.50 CNY", "20.00")):
        browser = Actions(app.test_client(), make_user)
        browser.login_as(role)
        page = browser.client.get(url).get_data(as_text=True)
        assert (kpi(page, "sales"), kpi(page, "orders"), kpi(page, "average_order_value")
                ) == (f"{sales} CNY", "2", average), role
        headers = bearer(token_for(role))
        top = client.get(charts.format("top_products"), headers=headers).get_json()["rows"]
        assert [(r["sku"], r["units"], r["sales"]) for r in top][0] == ("A", 2, a_sales), role
        value = client.get(charts.format("customer_value"), headers=headers).get_json()
        assert (value["rows"] == []) == (role == "viewer"), role
        by_channel = client.get(charts.format("orders_by_channel"),
                                headers=headers).get_json()["rows"]
        assert [(r["channel"], r["orders"], r["value"]) for r in by_channel] == [
            ("web", 2, sales)], role

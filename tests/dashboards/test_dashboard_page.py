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

"""Saved views of the order list and the columns chosen per order type: from the list
page and over the API, each person's own and shared ones."""
from __future__ import annotations

import html
import re

from tests.pages.conftest import errors, notices
from tests.platform.test_api_tokens import bearer
from tests.runtime.support import SAMPLE

CHEN = {**SAMPLE, "customer": {"code": "C2", "name": "Chen Jing", "tier": "silver"},
        "priority": "rush"}


def headers_of(page: str) -> list[str]:
    table = page.split('<table class="orders">', 1)[1].split("</thead>", 1)[0]
    return [html.unescape(h) for h in re.findall(r'<th[^>]*data-column="[^"]+">([^<]*)</th>',
                                                 table)]


def rows_of(page: str) -> list[list[str]]:
    body = page.split('<table class="orders">', 1)[1].split("<tbody>", 1)[1].split(
        "</tbody>", 1)[0]
    rows = []
    for row in re.findall(r"<tr>(.*?)</tr>", body, re.S):
        cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)[1:]  # after the checkbox
        rows.append([html.unescape(re.sub(r"<[^>]+>|\s+", " ", c)).strip() for c in cells])
    return rows


def test_columns_chosen_for_an_order_type_show_its_form_fields_formatted(console, actions):
    first = console.order()
    second = console.order(CHEN)
    actions.login_as("staff")
    page = console.page("/orders", query_string={
        "order_type": "retail_order",
        "columns": ["number", "field:priority", "field:discount", "field:items", "state"]})
    assert headers_of(page) == ["Number", "Priority", "Discount", "Items", "State"]
    assert rows_of(page) == [[second, "Rush", "0.00 CNY", "2 lines", "Draft"],
                             [first, "Normal", "128.04 CNY", "2 lines", "Draft"]]
    # Without an order type, its fields are not offered, and the usual columns show.
    page = console.page("/orders", query_string={"columns": ["number", "field:priority"]})
    assert headers_of(page) == ["Number", "Order type", "State", "Customer", "Total",
                                "Channel", "Created"]
    assert any("form field column needs the view's order type" in e for e in
               [html.unescape(m) for m in re.findall(r'<p class="error"[^>]*>(.*?)</p>', page)])


def test_a_view_saved_from_the_list_brings_back_its_filters_and_columns(console, actions):
    console.order()
    rush = console.order(CHEN)
    actions.login_as("staff")
    query = ("order_type=retail_order&q=chen&columns=number&columns=field%3Apriority"
             "&columns=total")
    response = console.post("/orders/views", {"name": "Rush for Chen", "query": query},
                            page="/orders")
    assert response.status_code == 302
    opened = console.client.get(response.location)
    assert opened.status_code == 302
    page = console.page(opened.location)
    assert "Saved the view “Rush for Chen”." in notices(page)
    assert headers_of(page) == ["Number", "Priority", "Total"]
    assert rows_of(page) == [[rush, "Rush", "2,560.70 CNY"]]
    assert 'aria-current="true">Rush for Chen' in page

    # A second view of the same name is refused, and says why.
    again = console.post("/orders/views", {"name": "Rush for Chen", "query": query},
                         page="/orders")
    follow = console.page(again.location)
    assert "The view was not saved: Name: your views already have one named " \
           "'Rush for Chen'." in errors(follow)

    view_id = int(re.search(r"/orders/views/(\d+)", response.location).group(1))
    updated = console.post(f"/orders/views/{view_id}/update",
                           {"query": "order_type=retail_order&columns=number&columns=state"},
                           page="/orders")
    page = console.page(console.client.get(updated.location).location)
    assert headers_of(page) == ["Number", "State"] and len(rows_of(page)) == 2
    deleted = console.post(f"/orders/views/{view_id}/delete", {}, page="/orders")
    assert "Deleted the view “Rush for Chen”." in notices(console.page(deleted.location))
    assert console.client.get(f"/orders/views/{view_id}").status_code == 404


def test_views_over_the_api_are_private_unless_shared(client, token_for, published):
    staff = bearer(token_for("staff"))
    other = bearer(token_for("staff"))
    admin = bearer(token_for("admin"))
    mine = client.post("/api/v1/saved-views", headers=staff, json={
        "name": "Gold", "order_type": "retail_order", "filters": {"customer": "C1"},
        "columns": ["number", "field:total"]})
    assert mine.status_code == 201, mine.get_json()
    assert mine.get_json()["shared"] is False
    shared = client.post("/api/v1/saved-views", headers=admin, json={
        "name": "Everything", "columns": ["number", "state"], "shared": True})
    assert shared.status_code == 201
    assert [v["name"] for v in client.get("/api/v1/saved-views", headers=staff).get_json()] \
        == ["Everything", "Gold"]
    assert [v["name"] for v in client.get("/api/v1/saved-views", headers=other).get_json()] \
        == ["Everything"]
    view_id = mine.get_json()["id"]
    assert client.get(f"/api/v1/saved-views/{view_id}", headers=other).status_code == 404
    assert client.delete(f"/api/v1/saved-views/{shared.get_json()['id']}",
                         headers=staff).status_code == 403
    refused = client.post("/api/v1/saved-views", headers=staff, json={
        "name": "Mine too", "columns": ["number"], "shared": True})
    assert refused.status_code == 403 and refused.get_json()["errors"][0]["pointer"] == "/shared"
    changed = client.patch(f"/api/v1/saved-views/{view_id}", headers=staff,
                           json={"columns": ["number", "field:priority"]})
    assert changed.status_code == 200 and changed.get_json()["columns"] == [
        "number", "field:priority"]
    assert client.delete(f"/api/v1/saved-views/{view_id}", headers=staff).status_code == 204


def test_a_view_that_cannot_work_is_refused_with_a_pointer(client, token_for, published):
    staff = bearer(token_for("staff"))

    def refused(body: dict, status: int = 422) -> dict[str, str]:
        response = client.post("/api/v1/saved-views", headers=staff, json=body)
        assert response.status_code == status, response.get_json()
        assert response.content_type == "application/problem+json"
        return {e["pointer"]: e["detail"] for e in response.get_json()["errors"]}

    base = {"name": "V", "order_type": "retail_order", "columns": ["number"]}
    assert refused({**base, "columns": ["number", "field:totl"]}) == {
        "/columns/1": "'field:totl' is not a column of this view; did you mean 'field:total'?"}
    assert refused({**base, "order_type": None, "columns": ["field:total"]}) == {
        "/columns/0": "a form field column needs the view's order type"}
    assert refused({**base, "filters": {"stat": "draft"}}) == {
        "/filters/stat": "is not a filter of the order list; did you mean 'state'?"}
    assert refused({**base, "filters": {"created_from": "25/11/2026"}}) == {
        "/filters/created_from": "must be a date like 2026-11-25"}
    assert refused({**base, "name": "  "}) == {"/name": "give the view a name"}
    assert refused({**base, "columns": []}) == {"/columns": "choose at least one column"}
    assert refused({**base, "order_type": "nope"}) == {
        "/order_type": "there is no order type 'nope'"}
    assert client.get("/api/v1/saved-views", headers=staff).get_json() == []

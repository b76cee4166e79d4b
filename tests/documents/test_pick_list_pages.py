"""Pick lists printed from the order list for the orders a person selected: one per
warehouse, straight to the document when they all pick from one."""
from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

from tests.conftest import csrf_from
from tests.documents.conftest import place


def select_and_print(client, numbers: list[str]):
    token = csrf_from(client.get("/orders").get_data(as_text=True))
    return client.post("/orders/pick-lists", data={"csrf_token": token, "numbers": numbers,
                                                   "back": "/orders?state=review"})


def picked(html: str) -> list[tuple[str, str, str, str]]:
    return re.findall(r"<tr><td><b>([^<]*)</b></td><td>([^<]*)</td>\s*<td>[^<]*</td>"
                      r"<td class=\"qty\">(\d+)</td><td>([^<]*)</td>", html)


def test_orders_picked_in_one_warehouse_open_their_batched_pick_list(client, staff, actions):
    first = place(client, staff)  # holds 2 x TEA-01 and 3 x CUP-02 in HZ
    second = place(client, staff, items=[{"sku": "POT-03", "qty": 1, "price": "80"}])
    actions.login_as("staff")
    assert 'id="print-pick-lists"' in client.get("/orders").get_data(as_text=True)
    response = select_and_print(client, [first, second])
    assert response.status_code == 302
    target = urlsplit(response.location)
    assert target.path == "/orders/pick-lists/print"
    assert parse_qs(target.query) == {"warehouse": ["HZ"], "numbers": [first, second]}
    document = client.get(response.location)
    assert document.status_code == 200
    assert "script-src" not in document.headers["Content-Security-Policy"]
    assert picked(document.get_data(as_text=True)) == [
        ("A-2", "CUP-02", "3", first), ("A-10", "POT-03", "1", second),
        ("B-10", "TEA-01", "2", first)]
    pdf = client.get(response.location + "&format=pdf")
    assert pdf.content_type == "application/pdf"


def test_orders_in_several_warehouses_get_one_pick_list_each(client, staff, actions):
    in_hz = place(client, staff)
    # Shanghai stock is reserved for an order shipping to Shanghai.
    shanghai = {"country": "CN", "province": "Shanghai", "city": "Shanghai"}
    response = client.post("/api/v1/orders", headers=staff, json={
        "order_type": "retail_order", "data": {
            "customer": {"code": "C9", "name": "Wu"}, "ship_to": shanghai,
            "items": [{"sku": "TEA-01", "qty": 1, "price": "10"}]}})
    in_sh = response.get_json()["number"]
    moved = client.post(f"/api/v1/orders/{in_sh}/transitions/submit", headers=staff)
    assert moved.status_code == 200, moved.get_json()
    draft = place(client, staff, submit=False)  # holds nothing, routed nowhere
    actions.login_as("staff")
    page = select_and_print(client, [in_hz, in_sh, draft, "SO-999999"])
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    links = dict(re.findall(r'<li data-warehouse="(\w+)">\s*<a class="button primary"[^>]*'
                            r'href="([^"]+)"', html))
    assert set(links) == {"HZ", "SH"}
    assert "Not found, so left out: SO-999999." in html
    assert f"{draft} hold no stock anywhere yet" in html
    sh_list = client.get(links["SH"].replace("&amp;", "&")).get_data(as_text=True)
    assert [row[3] for row in picked(sh_list)] == [in_sh]
    chosen = client.get("/orders/pick-lists/print", query_string={
        "warehouse": "HZ", "numbers": [draft]})
    assert [row[3] for row in picked(chosen.get_data(as_text=True))] == [draft, draft]


def test_nothing_selected_or_a_wrong_warehouse_is_said_plainly(client, staff, actions):
    number = place(client, staff)
    actions.login_as("staff")
    response = select_and_print(client, [])
    assert response.status_code == 302 and response.location.endswith("/orders?state=review")
    assert "Select the orders to print pick lists for." in client.get(
        "/orders").get_data(as_text=True)
    refused = client.get("/orders/pick-lists/print", query_string={
        "warehouse": "SH", "numbers": [number]})
    assert refused.status_code == 422
    assert "holds no stock in SH" in refused.get_data(as_text=True)


def test_a_viewer_may_print_pick_lists_but_not_take_transitions(client, staff, actions):
    number = place(client, staff)
    actions.login_as("viewer")
    page = client.get("/orders").get_data(as_text=True)
    assert 'id="print-pick-lists"' in page and 'id="bulk-submit"' not in page
    assert select_and_print(client, [number]).status_code == 302


def test_a_format_the_pick_list_cannot_make_is_named(client, staff, actions):
    number = place(client, staff)
    actions.login_as("staff")
    refused = client.get("/orders/pick-lists/print", query_string={
        "warehouse": "HZ", "numbers": [number], "format": "docx"})
    assert refused.status_code == 422
    assert "Format: must be html or pdf." in refused.get_data(as_text=True)


def test_the_print_address_without_a_warehouse_asks_for_one(client, staff, actions):
    # Once it said "The pick list for was not made: there is no warehouse ''".
    number = place(client, staff)
    actions.login_as("staff")
    asked = client.get("/orders/pick-lists/print")
    assert asked.status_code == 200
    html = asked.get_data(as_text=True)
    assert "Which warehouse?" in html and "was not made" not in html
    form = re.search(r'<section class="card" id="ask-warehouse">.*?</section>', html, re.S)
    assert re.findall(r'<option value="(\w+)">', form.group(0)) == ["HZ", "SH"]
    chosen = client.get("/orders/pick-lists/print", query_string={"warehouse": "HZ"})
    assert chosen.status_code == 200
    assert number in [row[3] for row in picked(chosen.get_data(as_text=True))]

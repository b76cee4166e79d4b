"""Entering and editing orders through the configured form: the page, and the API calls
its script makes with the person's session (JSON, X-CSRF-Token, If-Match)."""
from __future__ import annotations

import html
import json
import re

from tests.pages.conftest import errors
from tests.runtime.support import SAMPLE

FORM_SPEC = re.compile(r'<script type="application/json" id="order-form-spec">(.*?)</script>',
                       re.S)


def spec_of(page: str) -> dict:
    match = FORM_SPEC.search(page)
    assert match, "the page has no form description for its script"
    return json.loads(match.group(1).replace("<\\/", "</"))


def send(client, spec: dict, data: dict, method: str = "POST", **headers):
    body = {"data": data} if method == "PATCH" else {"order_type": spec["order_type"],
                                                      "data": data}
    return client.open(spec["save_url"], method=method, json=body,
                       headers={"X-CSRF-Token": spec["csrf"], **headers})


def test_the_new_order_page_describes_each_field_and_its_checked_formulas(console, actions):
    actions.login_as("staff")
    choice = console.client.get("/orders/new")  # one published type: straight to its form
    assert choice.status_code == 302 and choice.location.endswith("/orders/new/retail_order")
    page = console.page("/orders/new/retail_order")
    spec = spec_of(page)
    by_key = {f["key"]: f for f in spec["fields"]}
    assert spec["mode"] == "create" and spec["save_url"] == "/api/v1/orders"
    assert spec["computed_order"] == ["total", "discount"]
    assert by_key["total"]["formula"]["ast"]["k"] == "call"
    assert by_key["total"]["formula"]["money_places"] == 2
    assert by_key["note"]["visible"]["formula"] == 'priority = "rush"'
    amount = next(c for c in by_key["items"]["columns"] if c["key"] == "amount")
    assert amount["formula"]["formula"] == "qty * price"
    qty = next(c for c in by_key["items"]["columns"] if c["key"] == "qty")
    assert qty["validation"]["message"] == "At most 1000 per line"
    assert spec["data"] == {"priority": "normal"}  # the form's default
    assert 'src="/static/formula.js"' in page and 'src="/static/order_form.js"' in page
    assert "Unit price" in page and "Add a line" in page


def test_staff_create_an_order_from_the_page_and_the_server_computes_it(console, actions):
    actions.login_as("staff")
    spec = spec_of(console.page("/orders/new/retail_order"))
    data = {**SAMPLE, "priority": "normal",
            "items": [{"sku": "TEA-01", "qty": 2, "price": "1250.50", "amount": "1.00"}],
            "total": "5.00"}  # computed values sent by a client are ignored
    response = send(console.client, spec, data)
    assert response.status_code == 201, response.get_json()
    order = response.get_json()
    assert order["data"]["items"][0]["amount"] == "2501.00"
    assert order["data"]["total"] == "2501.00" and order["data"]["discount"] == "125.05"
    page = console.page(f"/orders/{order['number']}")
    assert 'id="edit-order"' in page


def test_bad_input_is_answered_with_a_pointer_to_each_field_and_nothing_is_stored(
        console, actions):
    actions.login_as("staff")
    spec = spec_of(console.page("/orders/new/retail_order"))
    data = {**SAMPLE, "items": [{"sku": "TEA-01", "qty": 1001, "price": "abc"}],
            "prioritee": "rush"}
    response = send(console.client, spec, data)
    assert response.status_code == 422
    assert response.content_type == "application/problem+json"
    assert {e["pointer"]: e["detail"] for e in response.get_json()["errors"]} == {
        "/data/prioritee": "is not a field of this order type; did you mean 'priority'?"}
    response = send(console.client, spec, {k: v for k, v in data.items() if k != "prioritee"})
    assert response.status_code == 422
    problems = {e["pointer"]: e["detail"] for e in response.get_json()["errors"]}
    assert problems["/data/items/0/price"] == "must be a number"
    listed = console.client.get("/api/v1/orders", headers=console.staff).get_json()
    assert listed["orders"] == []


def test_editing_recomputes_on_the_server_and_records_each_change_on_the_timeline(
        console, actions):
    number = console.order()
    actions.login_as("staff")
    page = console.page(f"/orders/{number}/edit")
    spec = spec_of(page)
    assert spec["mode"] == "edit" and spec["number"] == number
    assert spec["data"]["total"] == "2560.70"
    lines = [{"sku": "TEA-01", "qty": 4, "price": "1250.50"}]
    response = send(console.client, spec, {"items": lines, "priority": "rush",
                                           "note": "Before noon"},
                    method="PATCH", **{"If-Match": f'"{spec["revision"]}"'})
    assert response.status_code == 200, response.get_json()
    order = response.get_json()
    assert order["data"]["total"] == "5002.00" and order["data"]["discount"] == "250.10"
    assert order["total"] == "5002.00"  # the stored total follows (lists, reports)
    assert order["data"]["customer"] == SAMPLE["customer"]  # left out: kept
    assert order["revision"] == spec["revision"] + 1
    assert response.headers["ETag"] == f'"{order["revision"]}"'
    detail = console.page(f"/orders/{number}")
    timeline = html.unescape(detail.split('id="timeline"', 1)[1])
    assert "edited the order (5 fields changed)" in timeline
    assert "total: 2560.70 → 5002.00" in timeline
    assert "priority: normal → rush" in timeline

    # The page was read at the old revision: a second save from it is refused.
    stale = send(console.client, spec, {"priority": "normal"}, method="PATCH",
                 **{"If-Match": f'"{spec["revision"]}"'})
    assert stale.status_code == 409
    assert stale.get_json()["current"]["revision"] == order["revision"]
    assert console.read(number)["data"]["priority"] == "rush"


def test_an_edit_with_bad_values_changes_nothing(console, actions):
    number = console.order()
    actions.login_as("staff")
    spec = spec_of(console.page(f"/orders/{number}/edit"))
    response = send(console.client, spec, {"items": [{"sku": "TEA-01", "qty": 0,
                                                      "price": "1"}], "customer": None},
                    method="PATCH")
    assert response.status_code == 422
    problems = {e["pointer"]: e["detail"] for e in response.get_json()["errors"]}
    assert problems == {"/data/customer": "is required",
                        "/data/items/0/qty": "must be at least 1"}
    after = console.read(number)
    assert after["revision"] == spec["revision"] and after["data"]["total"] == "2560.70"
    not_json = console.client.patch(spec["save_url"], data="x",
                                    headers={"X-CSRF-Token": spec["csrf"]})
    assert not_json.status_code == 415


def test_a_finished_order_cannot_be_edited(console, actions):
    number = console.order()
    assert console.client.post(f"/api/v1/orders/{number}/transitions/cancel",
                               headers=console.staff).status_code == 200
    actions.login_as("staff")
    page = console.client.get(f"/orders/{number}/edit", follow_redirects=True)
    assert (f"This order can no longer be edited: order {number} is finished (Cancelled); "
            "it can no longer be changed.") in errors(page.get_data(as_text=True))
    response = console.client.patch(f"/api/v1/orders/{number}", headers=console.staff,
                                    json={"data": {"priority": "rush"}})
    assert response.status_code == 409
    assert "can no longer be changed" in response.get_json()["detail"]


def test_a_viewer_may_not_edit(console, actions):
    number = console.order()
    actions.login_as("viewer")
    assert console.client.get(f"/orders/{number}/edit").status_code == 403
    assert 'id="edit-order"' not in console.page(f"/orders/{number}")
    assert 'id="new-order"' not in console.page("/orders")


def test_with_several_order_types_staff_choose_which_one_to_enter(console, actions,
                                                                   published):
    from tests.designer.samples import retail

    wholesale = retail()
    wholesale["key"], wholesale["name"] = "wholesale_order", {"en": "Wholesale order"}
    assert console.client.post("/api/v1/import", headers=published, json={
        "format": "orderloom-package/1", "order_types": [wholesale]}).status_code == 201
    actions.login_as("staff")
    page = console.page("/orders/new")
    assert re.findall(r'href="/orders/new/(\w+)">([^<]+)</a>', page) == [
        ("retail_order", "Retail order"), ("wholesale_order", "Wholesale order")]
    assert console.client.get("/orders/new/nothing_here").status_code == 404


def test_the_form_speaks_chinese_to_a_browser_that_prefers_it(console, actions):
    actions.login_as("staff")
    page = console.page("/orders/new/retail_order", headers={"Accept-Language": "zh-CN"})
    assert "客户" in page and "收货地址" in page and "省份" in page and "数量" in page
    by_key = {f["key"]: f for f in spec_of(page)["fields"]}
    assert by_key["priority"]["options"] == [{"value": "normal", "label": "普通"},
                                             {"value": "rush", "label": "加急"}]

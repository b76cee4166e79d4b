"""The returns pages as staff use them, in English and Chinese: opening a return from
the order page, each step's form, a refusal beside its box, the list with its counts
and filters, and the time limit in the admin pages."""
from __future__ import annotations

import re

from tests.after_sales.test_returns import levels, shipped_order
from tests.designer.samples import retail
from tests.pages.test_no_english_left import _labels, _pieces, english_left

CHINESE = {"Accept-Language": "zh-CN,zh;q=0.9"}


def count_of(page: str, attribute: str, key: str) -> str:
    return re.search(rf'<tr data-{attribute}="{key}">.*?<td>(?:<span[^>]*>)?(\d+)', page,
                     re.S).group(1)


def test_a_return_from_the_order_page_to_an_exchange(client, shop, staff, actions):
    order = shipped_order(client, staff, paid=False)
    actions.login_as("staff")
    page = client.get(f"/orders/{order}").get_data(as_text=True)
    assert f"/orders/{order}/returns/new" in page and "Return or exchange" in page
    csrf = actions.csrf(f"/orders/{order}/returns/new")
    too_many = client.post(f"/orders/{order}/returns/new", data={
        "csrf_token": csrf, "reason": "wrong_item", "quantity:CUP-02": "4"})
    assert too_many.status_code == 200
    said = too_many.get_data(as_text=True)
    assert 'id="quantity-1-error"' in said and "can return 3 of CUP-02" in said
    opened = client.post(f"/orders/{order}/returns/new", follow_redirects=True, data={
        "csrf_token": csrf, "reason": "wrong_item", "quantity:CUP-02": "1"})
    page = opened.get_data(as_text=True)
    number = re.search(r"Return (AS-\d+)", page).group(1)
    assert 'data-state="requested"' in page
    for step, data in (("approve", {}), ("receive", {"received:CUP-02": "1"}),
                       ("inspect", {"disposition:CUP-02": "restock",
                                    "warehouse:CUP-02": "HZ"})):
        moved = client.post(f"/returns/{number}/{step}", follow_redirects=True,
                            data={"csrf_token": csrf, **data})
        assert moved.status_code == 200, moved.get_data(as_text=True)
    assert levels(client, shop)[("CUP-02", "HZ")] == (8, 0)
    short = client.post(f"/returns/{number}/close", data={
        "csrf_token": csrf, "outcome": "exchange", "lines": "MUG-03 9", "warehouse": "HZ"})
    assert short.status_code == 422
    assert "only 4 of MUG-03 available in HZ" in short.get_data(as_text=True)
    closed = client.post(f"/returns/{number}/close", follow_redirects=True, data={
        "csrf_token": csrf, "outcome": "exchange", "lines": "MUG-03 1", "warehouse": "HZ"})
    page = closed.get_data(as_text=True)
    assert 'data-state="closed"' in page and "Exchange" in page
    replacement = re.search(r'id="return-outcome">.*?>(SO-\d+)</a>', page, re.S).group(1)
    linked = client.get(f"/orders/{replacement}").get_data(as_text=True)
    assert f"Exchange order for return {number} of {order}." in linked
    assert "Made for return" in linked
    original = client.get(f"/orders/{order}").get_data(as_text=True)
    assert f"Return {number} was closed with exchange order {replacement}." in original


def test_the_list_counts_and_filters_in_both_languages(client, shop, staff, actions):
    order = shipped_order(client, staff, paid=False)
    for reason, sku in (("damaged", "TEA-01"), ("changed_mind", "CUP-02")):
        client.post("/api/v1/returns", headers=staff, json={
            "order": order, "reason": reason, "lines": [{"sku": sku, "quantity": 1}]})
    actions.login_as("viewer")
    page = client.get("/returns").get_data(as_text=True)
    assert count_of(page, "state", "requested") == "2"
    assert count_of(page, "reason", "damaged") == "1"
    assert count_of(page, "state", "late") == "0"
    only = client.get("/returns?reason=changed_mind").get_data(as_text=True)
    assert only.count('<tr data-return="') == 1
    chinese = client.get("/returns", headers=CHINESE).get_data(as_text=True)
    assert "七天无理由" in chinese and "售后" in chinese
    assert "/orders/" + order + "/returns/new" not in client.get(
        f"/orders/{order}").get_data(as_text=True)  # a viewer may not open one


def test_the_time_limit_is_set_in_the_admin_pages(client, shop, actions):
    actions.login_as("admin")
    csrf = actions.csrf("/admin/returns")
    bad = client.post("/admin/returns", data={"csrf_token": csrf, "sla_hours": "0"})
    assert bad.status_code == 422 and 'id="sla-hours-error"' in bad.get_data(as_text=True)
    saved = client.post("/admin/returns", data={"csrf_token": csrf, "sla_hours": "48"})
    assert saved.status_code == 200 and 'value="48"' in saved.get_data(as_text=True)
    assert "within 48 hours" in client.get("/returns").get_data(as_text=True)


def test_a_return_and_its_forms_show_no_english_in_chinese(client, shop, staff, actions):
    order = shipped_order(client, staff, paid=False)
    number = client.post("/api/v1/returns", headers=staff, json={
        "order": order, "reason": "damaged", "lines": [{"sku": "TEA-01", "quantity": 1}]}
    ).get_json()["number"]
    actions.login_as("staff")
    theirs = _labels(retail()) | {"TEA-01", "CUP-02", "HZ", "SH"}
    csrf = actions.csrf(f"/returns/{number}")
    for step in ("approve", "receive", "inspect"):
        page = client.get(f"/returns/{number}", headers=CHINESE).get_data(as_text=True)
        assert english_left(_pieces(page), theirs) == [], step
        client.post(f"/returns/{number}/{step}", data={
            "csrf_token": csrf, "received:TEA-01": "1", "disposition:TEA-01": "write_off"})
    late = client.post(f"/returns/{number}/receive", headers=CHINESE,
                       data={"csrf_token": csrf, "received:TEA-01": "1"})
    said = late.get_data(as_text=True)
    assert late.status_code == 422 and "当前为已质检，现在不能收货" in said
    new = client.get(f"/orders/{order}/returns/new", headers=CHINESE).get_data(as_text=True)
    assert english_left(_pieces(new), theirs) == []

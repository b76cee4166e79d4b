"""Merging and splitting on the order page, as staff click it: the candidates with the
merge button, the merge on every order's page, undo; the split buttons, the parts with
their parcels and the order shown partly shipped; the settings page's refusals."""
from __future__ import annotations

import html
import re

from tests.conftest import csrf_from
from tests.consolidation.conftest import buyer, item, place_for


def page(client, path, **kwargs) -> str:
    response = client.get(path, **kwargs)
    assert response.status_code == 200, response.get_data(as_text=True)[:2000]
    return response.get_data(as_text=True)


def post(client, path, data, back):
    token = csrf_from(page(client, back))
    return client.post(path, data={**data, "csrf_token": token}, follow_redirects=True)


def said(body: str) -> list[str]:
    return [html.unescape(re.sub(r"\s+", " ", m).strip())
            for m in re.findall(r'<p class="(?:notice|error)[^"]*"[^>]*>(.*?)</p>', body, re.S)]


def test_staff_merge_from_the_order_page_and_undo(client, staff, actions):
    first = place_for(client, staff, buyer(), [item("CUP-02", 1)])
    second = place_for(client, staff, buyer(), [item("TEA-01", 1)])
    actions.login_as("staff")
    shown = page(client, f"/orders/{first}")
    assert 'id="merge-form"' in shown and f'value="{second}"' in shown
    merged = post(client, f"/orders/{first}/merge", {"orders": [second]}, f"/orders/{first}")
    body = merged.get_data(as_text=True)
    assert f"Merged into one parcel: {first}, {second}." in said(body)
    other = page(client, f"/orders/{second}")
    assert 'id="merged-with"' in other and first in other
    undone = post(client, f"/orders/{second}/merge/undo", {}, f"/orders/{second}")
    assert "The merge is undone; each order ships on its own." in \
        said(undone.get_data(as_text=True))


def test_a_refused_merge_says_why_beside_the_buttons_in_chinese(client, staff, actions):
    first = place_for(client, staff, buyer(), [item("CUP-02", 1)])
    stranger = place_for(client, staff, buyer(code="C2", name="Wang Fang"),
                         [item("CUP-02", 1)])
    actions.login_as("staff")
    zh = {"Accept-Language": "zh-CN"}
    token = csrf_from(page(client, f"/orders/{first}", headers=zh))
    refused = client.post(f"/orders/{first}/merge", headers=zh, follow_redirects=True,
                          data={"orders": [stranger], "csrf_token": token})
    assert refused.status_code == 200
    assert f"无法合单：订单 {stranger} 与 {first} 不是同一买家。" in \
        said(refused.get_data(as_text=True))


def test_split_by_hand_then_ship_a_part_shows_partly_shipped(client, staff, actions):
    number = place_for(client, staff, buyer(), [item("CUP-02", 3), item("TEA-01", 1)])
    actions.login_as("staff")
    split = post(client, f"/orders/{number}/split", {"basis": "hand", "qty-CUP-02": "1"},
                 f"/orders/{number}")
    assert "Split into 2 parts." in said(split.get_data(as_text=True))
    shipped = post(client, f"/orders/{number}/parts/1/shipment",
                   {"carrier": "local", "tracking_number": "LC-1"}, f"/orders/{number}")
    body = shipped.get_data(as_text=True)
    assert "Part 1 is shipped." in said(body)
    assert 'id="shipping-progress" data-progress="partly_shipped">Partly shipped<' in body
    chinese = page(client, f"/orders/{number}", headers={"Accept-Language": "zh-CN"})
    assert 'data-progress="partly_shipped">部分发货<' in chinese
    refused = post(client, f"/orders/{number}/split", {"basis": "stock"}, f"/orders/{number}")
    assert said(refused.get_data(as_text=True))[0].startswith("Could not split")


def test_the_settings_page_refuses_a_bad_window_beside_its_box(client, actions):
    actions.login_as("admin")
    token = csrf_from(page(client, "/admin/merge-split"))
    refused = client.post("/admin/merge-split", data={
        "csrf_token": token, "merge_window_hours": "0", "parcel_units": "2"})
    assert refused.status_code == 422
    body = refused.get_data(as_text=True)
    assert 'id="merge_window_hours-error">A whole number of hours from 1 to 720.' in body
    saved = client.post("/admin/merge-split", data={
        "csrf_token": token, "merge_window_hours": "48", "merge_by_rule": "on",
        "parcel_units": "2", "split_pre_sale": "on"}, follow_redirects=True)
    assert "Merge and split settings saved." in said(saved.get_data(as_text=True))
    assert client.get("/api/v1/consolidation-settings").get_json() == {
        "merge_window_hours": 48, "merge_by_rule": True, "parcel_weight_grams": None,
        "parcel_units": 2, "split_pre_sale": True}


def test_staff_merge_the_ticked_orders_from_the_order_list(client, staff, actions):
    first = place_for(client, staff, buyer(), [item("CUP-02", 1)])
    second = place_for(client, staff, buyer(), [item("TEA-01", 1)])
    actions.login_as("staff")
    listed = page(client, "/orders")
    assert 'id="merge-selected"' in listed
    merged = post(client, "/orders/merge-selected",
                  {"numbers": [first, second], "back": "/orders"}, "/orders")
    assert f"Merged into one parcel: {first}, {second}." in said(merged.get_data(as_text=True))
    alone = post(client, "/orders/merge-selected", {"numbers": [first], "back": "/orders"},
                 "/orders")
    assert "Could not merge: a merge needs at least two orders." in \
        said(alone.get_data(as_text=True))


def test_a_clerk_of_one_channel_cannot_undo_a_merge_with_an_order_hidden_from_them(
        client, staff, admin, db, actions):
    from sqlalchemy import update

    from orderloom.runtime.orders.models import Order
    from tests.channels.support import create_channel
    from tests.security.test_data_permissions import add_role, scope

    first = place_for(client, staff, buyer(), [item("CUP-02", 1)])
    second = place_for(client, staff, buyer(), [item("TEA-01", 1)])
    assert client.post("/api/v1/merges", headers=staff,
                       json={"orders": [first, second]}).status_code == 201
    db.execute(update(Order).where(Order.number == first).values(channel="shop"))
    db.execute(update(Order).where(Order.number == second).values(channel="pos"))
    db.commit()
    create_channel(client, admin)
    add_role(client, admin, "shop_desk", "my_channels")
    clerk = actions.login_as("shop_desk")
    scope(client, admin, clerk, channels=["shop"])
    shown = page(client, f"/orders/{first}")
    listed = re.search(r'<p id="merged-with">(.*?)</p>', shown, re.S).group(1)
    assert first in listed and second not in listed
    token = csrf_from(shown)
    undone = client.post(f"/orders/{first}/merge/undo", data={"csrf_token": token})
    assert undone.status_code == 404


def test_refusals_in_chinese_name_the_state_and_the_parts_status_in_chinese(
        client, staff, admin, actions):
    # The Chinese refusal showed the raw keys "cancelled" and "backordered".
    from tests.consolidation.test_splitting import backordered_order
    from tests.floor.conftest import floor_definition

    place_for(client, staff, buyer(code="C9"), [item("CUP-02", 48)])
    number = backordered_order(client, staff, admin)
    assert client.post(f"/api/v1/orders/{number}/split", headers=staff,
                       json={"basis": "stock"}).status_code == 201
    actions.login_as("staff")
    zh = {"headers": {"Accept-Language": "zh-CN"}}
    token = csrf_from(page(client, f"/orders/{number}", **zh))
    refused = client.post(f"/orders/{number}/parts/2/shipment", follow_redirects=True,
                          data={"carrier": "local", "tracking_number": "LC-9",
                                "csrf_token": token}, **zh)
    assert f"无法发出第 2 部分：订单 {number} 的第 2 部分为 缺货待发，还不能发货。" in \
        said(refused.get_data(as_text=True))
    definition = floor_definition()
    for state in definition["workflow"]["states"]:
        if state["key"] == "cancelled":
            state["label"] = {"en": "Cancelled", "zh": "已取消"}
    imported = client.post("/api/v1/import?on_conflict=replace", headers=admin, json={
        "format": "orderloom-package/1", "order_types": [definition]})
    assert imported.status_code in (200, 201), imported.get_json()
    other = place_for(client, staff, buyer(code="C8"), [item("TEA-01", 1)])
    client.post(f"/api/v1/orders/{other}/transitions/cancel", headers=staff)
    token = csrf_from(page(client, f"/orders/{other}", **zh))
    refused = client.post(f"/orders/{other}/split", follow_redirects=True,
                          data={"basis": "stock", "csrf_token": token}, **zh)
    assert f"订单 {other} 处于 已取消，不是未完成状态" in said(refused.get_data(as_text=True))[0]


def test_after_a_part_shipped_the_hand_split_offers_only_what_has_not_shipped(
        client, staff, actions):
    number = place_for(client, staff, buyer(), [item("CUP-02", 3), item("TEA-01", 1)])
    actions.login_as("staff")
    post(client, f"/orders/{number}/split", {"basis": "hand", "qty-CUP-02": "1"},
         f"/orders/{number}")
    post(client, f"/orders/{number}/parts/1/shipment",
         {"carrier": "local", "tracking_number": "LC-7"}, f"/orders/{number}")
    shown = page(client, f"/orders/{number}")
    assert "CUP-02 (of 2)" in shown and 'max="2"' in shown
    again = post(client, f"/orders/{number}/split", {"basis": "hand", "qty-TEA-01": "1"},
                 f"/orders/{number}")
    assert "Split into 3 parts." in said(again.get_data(as_text=True))

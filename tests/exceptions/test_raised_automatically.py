"""Each reason the system finds by itself is raised by the path that finds it: a
channel's order with an SKU the catalog lacks, an incomplete address, a price below
its floor, a suspected duplicate or a buyer's note; routing that finds no stock; a
store's cancellation. Resolving moves the order on, and a person sees only the
exceptions of orders their row rules show."""
from __future__ import annotations

import copy

from sqlalchemy import select

from orderloom.runtime.engine.actions import standing_notes
from orderloom.runtime.orders.models import Order
from tests.channels.store_payloads import shopify_delivery, shopify_order
from tests.channels.support import SIMPLE_ORDER, create_channel, deliver
from tests.channels.test_stores import connect_shopify
from tests.platform.test_api_tokens import bearer
from tests.runtime.support import SAMPLE, create
from tests.runtime.test_approvals import publish, state
from tests.security.test_data_permissions import add_role, headers_of, scope

FLOWING = {"key": "fast_track", "from": "draft", "to": "review", "when": "total > 0"}
COMPLETE = {**SIMPLE_ORDER, "city": "Hangzhou", "street": "文三路 90 号"}
MAPPING_WITH_ADDRESS = {
    "external_id": "$.id",
    "fields": {"customer.code": "$.buyer.id", "customer.name": "$.buyer.name",
               "ship_to.country": {"formula": "\"CN\""}, "ship_to.province": "$.province",
               "ship_to.city": "$.city", "ship_to.street": "$.street"},
    "lines": {"items": {"from": "$.lines[*]",
                        "fields": {"sku": "$.sku", "qty": "$.n", "price": "$.price"}}},
}


def flowing(definition):
    definition["workflow"]["automatic"].append(copy.deepcopy(FLOWING))


def exceptions_of(client, headers, number, status="open"):
    response = client.get(f"/api/v1/exceptions?status={status}", headers=headers)
    assert response.status_code == 200, response.get_json()
    return [e for e in response.get_json()["exceptions"] if e["order"] == number]


def product(client, admin, sku):
    answer = client.post("/api/v1/products", headers=admin, json={"sku": sku, "name": sku})
    assert answer.status_code == 201, answer.get_json()


def channel_order(client, admin, payload, mapping=MAPPING_WITH_ADDRESS):
    secret = create_channel(client, admin, mapping=mapping)["secret"]
    taken = deliver(client, "shop", payload, secret)
    assert taken.status_code == 201, taken.get_json()
    return taken.get_json()["order"], secret


def test_an_unknown_sku_waits_until_it_is_fixed_then_flows_on(client, token_for):
    admin = bearer(token_for("admin"))
    publish(client, token_for, flowing)
    product(client, admin, "TEA-02")
    number, _secret = channel_order(client, admin, COMPLETE)
    [found] = exceptions_of(client, admin, number)
    assert (found["reason"], found["message"]["en"]) == (
        "unknown_sku", "the catalog has no product TEA-01")
    assert found["resolutions"] == ["fix_sku", "hold", "cancel"]
    assert state(client, admin, number) == "draft"
    release = client.post(f"/api/v1/exceptions/{found['id']}/resolve", headers=admin,
                          json={"resolution": "release"})
    assert release.status_code == 422  # the line must name a product first
    wrong = client.post(f"/api/v1/exceptions/{found['id']}/resolve", headers=admin,
                        json={"resolution": "fix_sku", "fixes": {"TEA-01": "TEA-99"}})
    assert wrong.status_code == 422
    assert wrong.get_json()["errors"][0] == {"pointer": "/fixes/TEA-01",
                                             "detail": "the catalog has no product 'TEA-99'"}
    fixed = client.post(f"/api/v1/exceptions/{found['id']}/resolve", headers=admin,
                        json={"resolution": "fix_sku", "fixes": {"TEA-01": "TEA-02"}})
    assert fixed.status_code == 200, fixed.get_json()
    order = client.get(f"/api/v1/orders/{number}", headers=admin).get_json()
    assert [line["sku"] for line in order["data"]["items"]] == ["TEA-02"]
    assert order["state"] == "confirmed"  # fast_track, then the approval waved through


def test_an_incomplete_address_from_a_channel_is_raised(client, token_for, published):
    admin = bearer(token_for("admin"))
    number, _secret = channel_order(client, admin, SIMPLE_ORDER, mapping=None)
    [found] = exceptions_of(client, admin, number)
    assert (found["reason"], found["message"]) == ("address", {
        "en": "the address Ship to has no city, street",
        "zh": "地址「收货地址」缺少城市、街道地址"})  # once: the field's key, English parts


def test_a_price_below_its_floor_is_raised(client, token_for):
    def priced(definition):
        definition["form"]["fields"][3]["fields"][2]["meaning"] = "unit_price"

    admin = bearer(token_for("admin"))
    publish(client, token_for, priced)
    assert client.put("/api/v1/exception-settings", headers=admin,
                      json={"floors": {"TEA-01": "12.00"}}).status_code == 200
    number, _secret = channel_order(client, admin, COMPLETE)
    [found] = exceptions_of(client, admin, number)
    assert (found["reason"], found["message"]["en"]) == (
        "price", "TEA-01 at 10.50 is below its floor 12.00")


def test_the_same_buyer_address_and_amount_again_is_a_suspected_duplicate(
        client, token_for, published):
    admin = bearer(token_for("admin"))
    first, secret = channel_order(client, admin, COMPLETE)
    again = deliver(client, "shop", {**COMPLETE, "id": "A-1002"}, secret)
    second = again.get_json()["order"]
    other = deliver(client, "shop", {**COMPLETE, "id": "A-1003", "street": "南山路 1 号"},
                    secret).get_json()["order"]
    assert exceptions_of(client, admin, first) == []
    [found] = exceptions_of(client, admin, second)
    assert (found["reason"], found["message"]["en"]) == (
        "duplicate", f"{first} has the same buyer, address and amount")
    assert exceptions_of(client, admin, other) == []


def test_routing_without_stock_raises_out_of_stock_and_release_moves_on(client, token_for):
    admin = bearer(token_for("admin"))

    def reserving(definition):
        definition["workflow"]["automatic"].append(
            {**FLOWING, "actions": [{"type": "reserve_stock"}]})

    publish(client, token_for, reserving)
    for sku in ("TEA-01", "CUP-02"):
        product(client, admin, sku)
    client.post("/api/v1/warehouses", headers=admin,
                json={"code": "HZ", "name": "HZ", "regions": ["Zhejiang"]})
    for sku, qty in (("TEA-01", 1), ("CUP-02", 10)):
        client.post("/api/v1/stock/receipts", headers=admin,
                    json={"sku": sku, "warehouse": "HZ", "quantity": qty})
    number = create(client, admin, SAMPLE).get_json()["number"]  # wants 2 TEA-01
    [found] = exceptions_of(client, admin, number)
    assert found["reason"] == "out_of_stock"
    assert "TEA-01" in found["message"]["en"]
    # Once, the Chinese text was the English one behind a Chinese prefix.
    assert found["message"]["zh"] == "库存不足：TEA-01 需要 2 件，任一仓库仅有 1 件"
    assert state(client, admin, number) == "draft"
    client.post("/api/v1/stock/receipts", headers=admin,
                json={"sku": "TEA-01", "warehouse": "HZ", "quantity": 5})
    released = client.post(f"/api/v1/exceptions/{found['id']}/resolve", headers=admin,
                           json={"resolution": "release"})
    assert released.status_code == 200, released.get_json()
    assert released.get_json()["order_state"] == "confirmed"  # reserved, approved
    stock = {row["sku"]: row for row in client.get("/api/v1/stock", headers=admin).get_json()}
    assert stock["TEA-01"]["reserved"] == 2


def test_a_buyer_note_from_a_store_is_raised_once_the_check_is_on(client, token_for):
    merchant = bearer(token_for("admin"))
    assert client.post("/api/v1/templates/retail/import", headers=merchant).status_code == 201
    connect_shopify(client, merchant)
    quiet = shopify_delivery(client, "shopify_cn", shopify_order()).get_json()["order"]
    assert exceptions_of(client, merchant, quiet) == []  # the check starts off
    assert client.put("/api/v1/exception-settings", headers=merchant,
                      json={"checks": {"buyer_note": True}}).status_code == 200
    number = shopify_delivery(client, "shopify_cn", shopify_order(id=5823761042,
                                                                  name="#1043"),
                              webhook_id="second-order").get_json()["order"]
    # The same buyer, address and amount as the first order: a duplicate too.
    found = {e["reason"]: e for e in exceptions_of(client, merchant, number)}
    assert set(found) == {"buyer_note", "duplicate"}
    assert found["buyer_note"]["message"]["zh"] == "请工作日送货"


def test_a_store_cancellation_is_in_the_queue_and_release_lifts_its_hold(
        client, db, token_for):
    merchant = bearer(token_for("admin"))
    assert client.post("/api/v1/templates/retail/import", headers=merchant).status_code == 201
    connect_shopify(client, merchant)
    number = shopify_delivery(client, "shopify_cn", shopify_order()).get_json()["order"]
    shopify_delivery(client, "shopify_cn",
                     shopify_order(cancelled_at="2026-12-06T12:00:00+08:00"),
                     topic="orders/cancelled", webhook_id="cancel-1")
    [found] = exceptions_of(client, merchant, number)
    assert found["reason"] == "refund_request"
    assert "stop it before it ships" in found["message"]["en"]
    order = db.scalar(select(Order).where(Order.number == number))
    [note] = standing_notes(db, [order])[order.id]  # the hold's note, once
    assert note.type == "hold"
    db.rollback()
    released = client.post(f"/api/v1/exceptions/{found['id']}/resolve", headers=merchant,
                           json={"resolution": "release", "note": "buyer changed mind"})
    assert released.status_code == 200, released.get_json()
    order = db.scalar(select(Order).where(Order.number == number))
    assert standing_notes(db, [order]).get(order.id, []) == []
    db.rollback()


def test_a_person_sees_only_exceptions_of_orders_they_may_see(
        client, db, token_for, make_user):
    admin = bearer(token_for("admin"))
    publish(client, token_for)
    shop_order, _secret = channel_order(client, admin, SIMPLE_ORDER, mapping=None)
    by_hand = create(client, admin, SAMPLE).get_json()["number"]
    hand_exception = client.post("/api/v1/exceptions", headers=admin,
                                 json={"order": by_hand, "reason": "rule"}).get_json()
    add_role(client, admin, "shop_desk", "my_channels")
    clerk = make_user("shop_desk", username="shop.clerk")
    scope(client, admin, clerk, channels=["shop"])
    headers = headers_of(db, clerk)
    listed = client.get("/api/v1/exceptions", headers=headers).get_json()["exceptions"]
    assert {e["order"] for e in listed} == {shop_order}
    counts = client.get("/api/v1/exceptions/counts", headers=headers).get_json()
    assert counts["rule"]["open"] == 0 and counts["address"]["open"] == 1
    hidden = client.get(f"/api/v1/exceptions/{hand_exception['id']}", headers=headers)
    assert hidden.status_code == 404
    resolve = client.post(f"/api/v1/exceptions/{hand_exception['id']}/resolve",
                          headers=headers, json={"resolution": "release"})
    assert resolve.status_code == 404
    # Nor can the hidden order be handed to a person who may not see it.
    shop_exception = listed[0]["id"]
    handed = client.post(f"/api/v1/exceptions/{hand_exception['id']}/assign", headers=admin,
                         json={"assignee": "shop.clerk"})
    assert handed.status_code == 422
    assert "may not see order" in handed.get_json()["errors"][0]["detail"]
    assert client.post(f"/api/v1/exceptions/{shop_exception}/assign", headers=admin,
                       json={"assignee": "shop.clerk"}).status_code == 200


def test_releasing_a_store_cancellation_keeps_a_hold_a_person_chose_since(
        client, db, token_for):
    """Once, releasing the store's request lifted whatever hold was latest, also one a
    person had put on the order after it."""
    merchant = bearer(token_for("admin"))
    assert client.post("/api/v1/templates/retail/import", headers=merchant).status_code == 201
    connect_shopify(client, merchant)
    number = shopify_delivery(client, "shopify_cn", shopify_order()).get_json()["order"]
    shopify_delivery(client, "shopify_cn",
                     shopify_order(cancelled_at="2026-12-06T12:00:00+08:00"),
                     topic="orders/cancelled", webhook_id="cancel-1")
    [store] = exceptions_of(client, merchant, number)
    mine = client.post("/api/v1/exceptions", headers=merchant,
                       json={"order": number, "reason": "rule", "message": "check stock"})
    assert mine.status_code == 201, mine.get_json()
    held = client.post(f"/api/v1/exceptions/{mine.get_json()['id']}/resolve",
                       headers=merchant, json={"resolution": "hold"})
    assert held.status_code == 200, held.get_json()
    released = client.post(f"/api/v1/exceptions/{store['id']}/resolve", headers=merchant,
                           json={"resolution": "release"})
    assert released.status_code == 200, released.get_json()
    order = db.scalar(select(Order).where(Order.number == number))
    [note] = standing_notes(db, [order])[order.id]
    assert note.text["en"] == "On hold: held after the exception Raised by a rule"
    db.rollback()


def test_a_price_exception_shows_no_price_to_whom_the_price_is_hidden(
        client, token_for, actions):
    """Once, the queue, its page and the order's timeline quoted unit prices and
    floors to a person whose field access hides the unit price."""
    def priced_for_admins(definition):
        column = definition["form"]["fields"][3]["fields"][2]
        column.update(meaning="unit_price", access={"see": ["admin"]})

    admin = bearer(token_for("admin"))
    publish(client, token_for, priced_for_admins)
    assert client.put("/api/v1/exception-settings", headers=admin,
                      json={"floors": {"TEA-01": "12.00"}}).status_code == 200
    number, _secret = channel_order(client, admin, COMPLETE)
    [seen] = exceptions_of(client, admin, number)
    assert seen["message"]["en"] == "TEA-01 at 10.50 is below its floor 12.00"
    [unseen] = exceptions_of(client, bearer(token_for("staff")), number)
    assert (unseen["reason"], unseen["message"], unseen["details"]) == ("price", {}, {})
    actions.login_as("staff")
    queue_page = client.get("/exceptions").get_data(as_text=True)
    order_page = client.get(f"/orders/{number}").get_data(as_text=True)
    assert number in queue_page
    assert "10.50" not in queue_page and "12.00" not in queue_page
    assert "below its floor" not in order_page


def test_a_duplicate_does_not_name_an_earlier_order_hidden_by_row_rules(
        client, db, token_for, make_user, published):
    """Once, a suspected duplicate named the earlier order to a person who may not
    see it."""
    from sqlalchemy import update

    admin = bearer(token_for("admin"))
    first, secret = channel_order(client, admin, COMPLETE)
    second = deliver(client, "shop", {**COMPLETE, "id": "A-1002"}, secret).get_json()["order"]
    # The first came by another channel, as far as row rules go.
    db.execute(update(Order).where(Order.number == first).values(channel="pos"))
    db.commit()
    add_role(client, admin, "shop_desk", "my_channels")
    clerk = make_user("shop_desk", username="shop.clerk")
    scope(client, admin, clerk, channels=["shop"])
    [found] = exceptions_of(client, admin, second)
    assert found["details"]["earlier"] == first
    [hidden] = exceptions_of(client, headers_of(db, clerk), second)
    assert (hidden["reason"], hidden["message"]) == ("duplicate", {})
    assert "earlier" not in hidden["details"]


def test_a_suspected_duplicate_names_the_nearest_earlier_order(
        client, token_for, published):
    """Once, the check read 50 candidates of every buyer, the oldest first: the third
    order of a buyer named the first, not the one just before it."""
    admin = bearer(token_for("admin"))
    _first, secret = channel_order(client, admin, COMPLETE)
    second = deliver(client, "shop", {**COMPLETE, "id": "A-1002"}, secret).get_json()["order"]
    third = deliver(client, "shop", {**COMPLETE, "id": "A-1003"}, secret).get_json()["order"]
    [found] = exceptions_of(client, admin, third)
    assert found["details"]["earlier"] == second

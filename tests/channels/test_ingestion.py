"""Orders pushed by channels: signed, kept, created once, dead letters retried."""
from __future__ import annotations

import copy

from orderloom.runtime.channels.models import DEAD_LETTER, DUPLICATE, InboundOrder
from orderloom.runtime.orders.models import Order
from tests.channels.support import (
    SIMPLE_MAPPING,
    SIMPLE_ORDER,
    count,
    create_channel,
    deliver,
)
from tests.platform.test_api_tokens import assert_problem, bearer


def test_a_signed_delivery_creates_the_order_once(client, db, admin):
    secret = create_channel(client, admin)["secret"]
    first = deliver(client, "shop", SIMPLE_ORDER, secret)
    assert first.status_code == 201, first.get_json()
    number = first.get_json()["order"]
    order = client.get(f"/api/v1/orders/{number}", headers=admin).get_json()
    assert order["channel"] == "shop"
    assert order["data"]["customer"] == {"code": "C9", "name": "Chen Jing"}
    assert order["data"]["items"][0]["amount"] == "21.00"
    again = deliver(client, "shop", SIMPLE_ORDER, secret)
    assert again.status_code == 200
    assert again.get_json()["duplicate"] is True and again.get_json()["order"] == number
    # The same bytes again are not stored again: the answer names the kept delivery.
    assert again.get_json()["id"] == first.get_json()["id"]
    assert count(db, Order) == 1
    assert count(db, InboundOrder) == 1
    # The same order in other bytes (the shop sent it once more, a field changed) is
    # kept, as a duplicate.
    changed = deliver(client, "shop", {**SIMPLE_ORDER, "note": "sent again"}, secret)
    assert changed.status_code == 200 and changed.get_json()["duplicate"] is True
    assert count(db, Order) == 1
    assert count(db, InboundOrder, InboundOrder.status == DUPLICATE) == 1


def test_a_missing_or_wrong_signature_is_refused_and_nothing_is_stored(client, db, admin,
                                                                       caplog):
    secret = create_channel(client, admin)["secret"]
    assert_problem(deliver(client, "shop", SIMPLE_ORDER), 401)
    assert_problem(deliver(client, "shop", SIMPLE_ORDER, secret + "x"), 401)
    forged = deliver(client, "shop", SIMPLE_ORDER,
                     headers={"X-Orderloom-Signature": "sha256=" + "0" * 64})
    assert_problem(forged, 401)
    assert count(db, InboundOrder) == 0 and count(db, Order) == 0
    assert "Chen Jing" not in caplog.text and secret not in caplog.text


def test_the_secret_is_shown_once(client, admin):
    created = create_channel(client, admin)
    assert created["secret"].startswith("olwh_")
    shown = client.get("/api/v1/channels/shop", headers=admin).get_json()
    assert "secret" not in shown
    assert all("secret" not in c for c in client.get("/api/v1/channels",
                                                      headers=admin).get_json())


def test_a_payload_breaking_the_mapping_waits_as_a_dead_letter_until_fixed(client, db,
                                                                          admin):
    secret = create_channel(client, admin)["secret"]
    payload = copy.deepcopy(SIMPLE_ORDER)
    payload["lines"] = [{"code": "TEA-01", "n": 2, "price": "10.50"}]  # sku is called code
    kept = deliver(client, "shop", payload, secret)
    assert kept.status_code == 202
    dead = kept.get_json()
    assert dead["status"] == DEAD_LETTER and dead["order"] is None
    assert {"pointer": "/order/items/0/sku", "detail": "is required"} in dead["error"]["errors"]
    assert count(db, Order) == 0
    letters = client.get("/api/v1/channels/shop/dead-letters", headers=admin).get_json()
    assert [d["id"] for d in letters["dead_letters"]] == [dead["id"]]
    still = client.post(f"/api/v1/inbound/{dead['id']}/retry", headers=admin)
    assert_problem(still, 422)

    mapping = copy.deepcopy(SIMPLE_MAPPING)
    mapping["lines"]["items"]["fields"]["sku"] = "$.code"
    fixed = client.patch("/api/v1/channels/shop", headers=admin, json={"mapping": mapping})
    assert fixed.status_code == 200, fixed.get_json()
    retried = client.post(f"/api/v1/inbound/{dead['id']}/retry", headers=admin)
    assert retried.status_code == 201, retried.get_json()
    assert retried.get_json()["attempts"] == 3
    number = retried.get_json()["order"]
    assert client.get(f"/api/v1/orders/{number}", headers=admin).get_json()["channel"] == "shop"
    assert client.get("/api/v1/channels/shop/dead-letters",
                      headers=admin).get_json()["dead_letters"] == []
    assert_problem(client.post(f"/api/v1/inbound/{dead['id']}/retry", headers=admin), 409)
    assert count(db, Order) == 1


def test_regression_each_replay_of_a_signed_dead_letter_stored_another_copy(client, db,
                                                                            admin):
    # Once, every replay of a signed body that became a dead letter stored a new row.
    secret = create_channel(client, admin)["secret"]
    payload = copy.deepcopy(SIMPLE_ORDER)
    payload["lines"] = [{"code": "TEA-01", "n": 2, "price": "10.50"}]
    first = deliver(client, "shop", payload, secret)
    assert first.status_code == 202
    for attempt in (2, 3):
        replay = deliver(client, "shop", payload, secret)
        assert replay.status_code == 202
        assert replay.get_json()["id"] == first.get_json()["id"]
        assert replay.get_json()["attempts"] == attempt
    letters = client.get("/api/v1/channels/shop/dead-letters", headers=admin).get_json()
    assert [(d["id"], d["attempts"]) for d in letters["dead_letters"]] == [
        (first.get_json()["id"], 3)]
    assert count(db, InboundOrder) == 1

    # Once the mapping is fixed, replaying the same bytes twice creates the order once.
    mapping = copy.deepcopy(SIMPLE_MAPPING)
    mapping["lines"]["items"]["fields"]["sku"] = "$.code"
    assert client.patch("/api/v1/channels/shop", headers=admin,
                        json={"mapping": mapping}).status_code == 200
    created = deliver(client, "shop", payload, secret)
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["attempts"] == 4
    again = deliver(client, "shop", payload, secret)
    assert again.status_code == 200 and again.get_json()["duplicate"] is True
    assert again.get_json()["order"] == created.get_json()["order"]
    assert count(db, Order) == 1 and count(db, InboundOrder) == 1
    assert client.get("/api/v1/channels/shop/dead-letters",
                      headers=admin).get_json()["dead_letters"] == []


def test_a_body_that_is_not_json_is_kept_as_a_dead_letter(client, db, admin):
    secret = create_channel(client, admin)["secret"]
    kept = deliver(client, "shop", None, secret, raw=b"{not json")
    assert kept.status_code == 202
    assert "not valid" in kept.get_json()["error"]["detail"]
    inbound = client.get(f"/api/v1/inbound/{kept.get_json()['id']}", headers=admin).get_json()
    assert inbound["body"] == "{not json"


def test_a_rest_channel_takes_an_api_token_with_orders_create(client, db, admin, token_for):
    create_channel(client, admin, key="erp", kind="rest")
    assert_problem(deliver(client, "erp", SIMPLE_ORDER), 401)
    viewer = bearer(token_for("viewer"))
    assert_problem(deliver(client, "erp", SIMPLE_ORDER, headers=viewer), 403)
    staff = bearer(token_for("staff"))
    created = deliver(client, "erp", SIMPLE_ORDER, headers=staff)
    assert created.status_code == 201, created.get_json()
    assert count(db, Order) == 1


def test_a_payload_over_the_size_limit_is_413(app, client, db, admin):
    secret = create_channel(client, admin)["secret"]
    app.config["MAX_CONTENT_LENGTH"] = 1000
    payload = {**SIMPLE_ORDER, "note": "x" * 2000}
    body = assert_problem(deliver(client, "shop", payload, secret), 413)
    assert "larger" in body["detail"]
    assert count(db, InboundOrder) == 0


def test_a_switched_off_channel_stores_nothing(client, db, admin):
    secret = create_channel(client, admin)["secret"]
    client.patch("/api/v1/channels/shop", headers=admin, json={"active": False})
    assert_problem(deliver(client, "shop", SIMPLE_ORDER, secret), 409)
    assert count(db, InboundOrder) == 0


def test_a_store_order_whose_sku_the_catalog_lacks_is_taken(client, db, admin):
    # Staff typing a SKU the catalog lacks are stopped at the line; a store has sold
    # the product already, so its order is taken, not left as a dead letter.
    assert client.post("/api/v1/products", headers=admin,
                       json={"sku": "CUP-01", "name": "Tea cup"}).status_code == 201
    secret = create_channel(client, admin)["secret"]
    taken = deliver(client, "shop", SIMPLE_ORDER, secret)
    assert taken.status_code == 201, taken.get_json()
    order = client.get(f"/api/v1/orders/{taken.get_json()['order']}", headers=admin).get_json()
    assert [line["sku"] for line in order["data"]["items"]] == [
        line["sku"] for line in SIMPLE_ORDER["lines"]]
    assert count(db, InboundOrder, InboundOrder.status == DEAD_LETTER) == 0

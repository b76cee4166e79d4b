"""A marketplace's cancellation or refund request, read from the order's own status by
the pull setting's ``statuses``: the order is held before it ships (售后拦截) and a
return is opened after, as the store channels do, against the local fake Taobao of
tests/channels/fake_marketplace.py."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from orderloom.db import utcnow
from orderloom.runtime.engine.actions import standing_notes
from orderloom.runtime.orders.models import Order, OrderEvent
from tests.channels.fake_marketplace import APP_KEY, APP_SECRET, SESSION, FakeTaobao, trade
from tests.channels.test_marketplace_api import KEY, connect, poll
from tests.channels.test_stores import store_order_type
from tests.platform.test_api_tokens import bearer


@pytest.fixture
def merchant(token_for):
    return bearer(token_for("admin"))


@pytest.fixture
def retail(client, merchant):
    response = client.post("/api/v1/templates/retail/import", headers=merchant)
    assert response.status_code == 201, response.get_json()
    return merchant


@pytest.fixture
def taobao():
    fake = FakeTaobao()
    yield fake
    fake.close()


def the_order(db) -> tuple[Order, list[str]]:
    order = db.scalar(select(Order))
    notes = [note.text["en"] for note in standing_notes(db, [order]).get(order.id, [])]
    return order, notes


def holds(db, order: Order) -> int:
    return db.scalar(select(func.count()).select_from(OrderEvent).where(
        OrderEvent.order_id == order.id, OrderEvent.kind == "held"))


def test_a_paid_order_cancelled_on_the_next_poll_is_held_with_the_reason(
        client, db, retail, taobao, token_for):
    taobao.trades = [trade(8001, utcnow() - timedelta(minutes=20))]
    connect(client, retail, taobao.url)
    assert poll(client, retail)["created"] == ["8001"]
    state = db.scalar(select(Order)).state
    db.rollback()

    taobao.trades = [trade(8001, utcnow() - timedelta(minutes=2), status="TRADE_CLOSED")]
    second = poll(client, retail)
    assert second["ok"] and second["updated"] == [], second
    assert any("8001: held for staff" in p for p in second["problems"]), second
    order, notes = the_order(db)
    assert order.state == state  # held where it is, for staff to stop and cancel
    [note] = notes
    assert "cancelled this order" in note and "TRADE_CLOSED" in note
    assert "stop it before it ships" in note
    assert holds(db, order) == 1
    number = order.number
    db.rollback()
    told = client.get("/api/v1/notifications", headers=bearer(token_for("customer_service")))
    assert any(number in n["title"] for n in told.get_json())

    # A later version that still says closed is the same news: not held a second time.
    taobao.trades = [trade(8001, utcnow(), status="TRADE_CLOSED", buyer_message="退了")]
    poll(client, retail)
    order, _ = the_order(db)
    assert holds(db, order) == 1
    db.rollback()


def test_an_order_first_seen_cancelled_is_created_and_held_at_once(client, db, retail,
                                                                   taobao):
    taobao.trades = [trade(8101, utcnow() - timedelta(minutes=5),
                           status="TRADE_CLOSED_BY_TAOBAO")]
    connect(client, retail, taobao.url)
    result = poll(client, retail)
    assert result["created"] == ["8101"], result
    order, [note] = the_order(db)
    assert "TRADE_CLOSED_BY_TAOBAO" in note and holds(db, order) == 1
    db.rollback()


def test_an_ordinary_change_is_still_a_change(client, db, retail, taobao):
    taobao.trades = [trade(8201, utcnow() - timedelta(minutes=20))]
    connect(client, retail, taobao.url)
    poll(client, retail)
    taobao.trades = [trade(8201, utcnow(), status="WAIT_BUYER_CONFIRM_GOODS",
                           receiver_address="文一西路 969 号")]
    assert poll(client, retail)["updated"] == ["8201"]
    order, notes = the_order(db)
    assert notes == [] and order.data["ship_to"]["street"] == "文一西路 969 号"
    db.rollback()


def test_a_custom_setting_names_its_own_statuses(client, db, retail, taobao):
    taobao.trades = [trade(8301, utcnow() - timedelta(minutes=5), status="BUYER_GAVE_UP")]
    connect(client, retail, taobao.url, statuses=[
        {"at": "/status", "cancelled": ["BUYER_GAVE_UP"], "refund_requested": []}])
    poll(client, retail)
    _, [note] = the_order(db)
    assert "BUYER_GAVE_UP" in note
    db.rollback()
    # The preset's own values no longer mean cancelled on this channel.
    taobao.trades = [trade(8301, utcnow(), status="TRADE_CLOSED")]
    poll(client, retail)
    assert len(the_order(db)[1]) == 1
    db.rollback()


def shipped_channel(client, token_for, merchant, taobao, with_return):
    imported = client.post("/api/v1/import", headers=bearer(token_for("designer")), json={
        "format": "orderloom-package/1", "order_types": [store_order_type(with_return)]})
    assert imported.status_code == 201, imported.get_json()
    response = client.post("/api/v1/marketplace-channels", headers=merchant, json={
        "key": KEY, "name": "Tmall", "preset": "taobao", "api_address": taobao.url,
        "order_type": "web_return" if with_return else "web_final",
        "credentials": {"app_key": APP_KEY, "app_secret": APP_SECRET,
                        "access_token": SESSION},
        "mapping": {"external_id": "$.tid", "fields": {
            "channel_order_no": "$.tid", "ship_to.country": {"formula": "\"CN\""},
            "ship_to.province": "$.receiver_state", "ship_to.city": "$.receiver_city",
            "ship_to.street": "$.receiver_address", "shipping_fee": "$.post_fee"},
            "lines": {"items": {"from": "$.orders.order[*]", "fields": {
                "sku": "$.outer_iid", "qty": "$.num", "price": "$.price"}}}}})
    assert response.status_code == 201, response.get_json()


@pytest.mark.parametrize("with_return", [True, False])
def test_a_refund_request_after_shipment_opens_a_return_or_holds_without_one(
        client, db, merchant, token_for, taobao, with_return):
    shipped_channel(client, token_for, merchant, taobao, with_return)
    taobao.trades = [trade(8401, utcnow() - timedelta(minutes=20))]
    assert poll(client, merchant)["created"] == ["8401"]
    order = db.scalar(select(Order))
    number, revision = order.number, order.revision
    db.rollback()
    moved = client.post(f"/api/v1/orders/{number}/transitions/dispatch", headers=merchant,
                        json={"revision": revision})
    assert moved.status_code == 200, moved.get_json()

    asked = trade(8401, utcnow(), status="WAIT_BUYER_CONFIRM_GOODS")
    asked["orders"]["order"][0]["refund_status"] = "WAIT_SELLER_AGREE"
    taobao.trades = [asked]
    result = poll(client, merchant)
    order, notes = the_order(db)
    if with_return:
        assert result["updated"] == ["8401"], result
        assert order.state == "given_back"
    else:
        assert result["updated"] == [] and order.state == "on_its_way"
        [note] = notes
        assert "no return path" in note and "WAIT_SELLER_AGREE" in note
    db.rollback()


@pytest.mark.parametrize("statuses, pointer, words", [
    ([{"at": "status", "cancelled": ["X"], "refund_requested": []}],
     "/settings/statuses/0/at", "not a JSON Pointer"),
    ([{"at": "/status", "cancelled": [], "refund_requested": []}],
     "/settings/statuses/0", "names no value"),
    ([{"at": "/status", "cancelled": ["CLOSED"], "refund_requested": ["CLOSED"]}],
     "/settings/statuses/0/refund_requested", "both cancelled and refund requested"),
    ([{"at": "/status", "cancelled": ["X"]}], "/settings/statuses/0", "is required"),
    ("TRADE_CLOSED", "/settings/statuses", "is not of type 'array'"),
])
def test_bad_statuses_are_refused_at_their_pointer(client, retail, taobao, statuses,
                                                   pointer, words):
    response = client.post("/api/v1/marketplace-channels", headers=retail, json={
        "key": KEY, "name": "Tmall", "order_type": "retail_order", "preset": "taobao",
        "api_address": taobao.url,
        "credentials": {"app_key": APP_KEY, "app_secret": APP_SECRET},
        "settings": {"statuses": statuses}})
    assert response.status_code == 422, response.get_json()
    errors = response.get_json()["errors"]
    assert any(e["pointer"] == pointer and words in e["detail"] for e in errors), errors
    assert client.get(f"/api/v1/channels/{KEY}", headers=retail).status_code == 404

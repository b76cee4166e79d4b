"""A marketplace that does not push: Taobao's open platform polled by modified-time
windows with signed, paged requests and its rate limit honoured, against the local
fake of tests/channels/fake_marketplace.py (which checks every signature itself)."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from orderloom.db import utcnow
from orderloom.platform.app import JOBS, create_app
from orderloom.runtime.channels import request_signing
from orderloom.runtime.channels.marketplace_api_presets import MARKETPLACE_API_PRESETS
from orderloom.runtime.channels.marketplace_pull import poll_due
from orderloom.runtime.channels.store_sync import StoreCursor
from orderloom.runtime.orders.models import Order
from tests.channels.fake_marketplace import (
    APP_KEY,
    APP_SECRET,
    DOUYIN_KEY,
    DOUYIN_SECRET,
    SESSION,
    FakeDouyin,
    FakeTaobao,
    douyin_order,
    trade,
)

KEY = "tmall_flagship"


@pytest.fixture
def taobao():
    fake = FakeTaobao()
    yield fake
    fake.close()


def connect(client, headers, url, secret=APP_SECRET, **settings):
    response = client.post("/api/v1/marketplace-channels", headers=headers, json={
        "key": KEY, "name": "Tmall flagship store", "order_type": "retail_order",
        "preset": "taobao", "api_address": url,
        "credentials": {"app_key": APP_KEY, "app_secret": secret, "access_token": SESSION},
        "settings": {"pages": {"size": 2}, **settings}})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def poll(client, headers):
    response = client.post(f"/api/v1/marketplace-channels/{KEY}/poll", headers=headers)
    assert response.status_code == 202, response.get_json()
    return client.get(response.headers["Location"], headers=headers).get_json()["polls"][0]


def orders_here(db):
    count = db.scalar(select(func.count()).select_from(Order))
    db.rollback()
    return count


def test_every_order_arrives_once_across_a_restart(settings, client, db, retail, taobao):
    now = utcnow()
    taobao.trades = [trade(1001, now - timedelta(hours=2)),
                     trade(1002, now - timedelta(minutes=50)),
                     trade(1003, now - timedelta(minutes=10)),
                     trade(1005, now - timedelta(minutes=30))]
    answer = connect(client, retail, taobao.url, first_pull_hours=3,
                     window={"longest_minutes": 60})
    assert "app_secret" in answer["credentials"] and APP_SECRET not in str(answer)
    taobao.throttle = "1"  # the first request is answered 429 once
    first = poll(client, retail)
    assert first["ok"], first
    assert sorted(first["created"]) == ["1001", "1002", "1003", "1005"]
    # Three hours in windows of an hour, each overlapping the one before by two minutes.
    assert first["windows"] == 4 and first["waited_seconds"] >= 1
    assert orders_here(db) == 4
    # A window's trades in pages of two.
    asked = [r for r in taobao.requests if r.get("sign")]
    assert {r["page_no"] for r in asked} == {"1", "2"}
    assert all(r["session"] == SESSION and r["sign_method"] == "md5" for r in asked)
    cursor = db.get(StoreCursor, KEY).changed_since
    db.rollback()
    assert now - timedelta(minutes=3) < cursor < now
    # A new process on the same database carries on from the cursor: the trades read
    # before are read again in the overlap, and none is created twice.
    taobao.trades.append(trade(1004, utcnow()))
    again = create_app(settings)
    try:
        second = poll(again.test_client(), retail)
    finally:
        again.extensions["orderloom.db"].engine.dispose()
    assert second["ok"] and second["created"] == ["1004"] and second["windows"] == 1
    assert orders_here(db) == 5
    windows = [r["start_modified"] for r in taobao.requests if r.get("sign")]
    assert windows[-1] > windows[0]


def test_a_modified_order_updates_the_order_here(client, db, retail, taobao):
    now = utcnow()
    taobao.trades = [trade(2001, now - timedelta(minutes=30))]
    connect(client, retail, taobao.url)
    assert poll(client, retail)["created"] == ["2001"]
    taobao.trades = [trade(2001, utcnow(), receiver_address="文一西路 969 号")]
    second = poll(client, retail)
    assert second["updated"] == ["2001"] and second["created"] == [], second
    order = db.scalar(select(Order))
    assert order.data["ship_to"]["street"] == "文一西路 969 号"
    db.rollback()
    assert orders_here(db) == 1
    # Read once more unchanged: nothing is created or changed.
    third = poll(client, retail)
    assert third["created"] == [] and third["updated"] == []
    # A version older than the one read last (a lagging replica) does not undo it.
    taobao.trades = [trade(2001, now - timedelta(minutes=20), receiver_address="旧地址")]
    assert poll(client, retail)["updated"] == []
    assert db.scalar(select(Order)).data["ship_to"]["street"] == "文一西路 969 号"
    db.rollback()
    tested = client.post(f"/api/v1/marketplace-channels/{KEY}/test", headers=retail)
    assert tested.get_json()["ok"] is True, tested.get_json()


def test_the_channels_page_connects_a_marketplace_and_shows_the_last_poll(
        client, retail, taobao, actions):
    actions.login_as("admin")
    listing = client.get("/admin/channels").get_data(as_text=True)
    assert 'id="marketplace-form"' in listing
    for preset in MARKETPLACE_API_PRESETS.values():
        assert preset["name"] in listing
    taobao.trades = [trade(5001, utcnow() - timedelta(minutes=3)),
                     trade(5002, utcnow() - timedelta(minutes=2))]
    connect(client, retail, taobao.url)
    page = client.get(f"/admin/channels/{KEY}").get_data(as_text=True)
    assert "Not polled yet." in page
    poll(client, retail)
    page = client.get(f"/admin/channels/{KEY}").get_data(as_text=True)
    assert "2 read, 2 created, 0 updated" in page and APP_SECRET not in page
    switched_off = client.patch(f"/api/v1/marketplace-channels/{KEY}", headers=retail,
                                json={"active": False})
    assert switched_off.status_code == 200
    refused = client.post(f"/api/v1/marketplace-channels/{KEY}/poll", headers=retail)
    assert refused.status_code == 409 and "switched off" in refused.get_json()["detail"]


def test_a_change_to_the_setting_is_checked_like_a_new_one(client, retail, taobao):
    connect(client, retail, taobao.url)
    response = client.patch(f"/api/v1/marketplace-channels/{KEY}", headers=retail,
                            json={"settings": {"order": {"id": "tid"}}})
    assert response.status_code == 422
    assert response.get_json()["errors"][0]["pointer"] == "/settings/order/id"
    saved = client.get(f"/api/v1/marketplace-channels/{KEY}", headers=retail).get_json()
    assert saved["settings"]["order"]["id"] == "/tid"


def test_a_wrong_secret_is_named_and_the_cursor_stays(client, db, retail, taobao, actions):
    taobao.trades = [trade(3001, utcnow() - timedelta(minutes=5))]
    connect(client, retail, taobao.url, secret="not-the-secret")
    tested = client.post(f"/api/v1/marketplace-channels/{KEY}/test", headers=retail).get_json()
    assert tested["ok"] is False and "Invalid signature" in tested["detail"]
    assert tested["fix"] == "/credentials/app_secret"
    result = poll(client, retail)
    assert not result["ok"] and "error 25: Invalid signature" in result["error"]
    assert result["fix"] == "/credentials/app_secret" and result["created"] == []
    assert db.get(StoreCursor, KEY).changed_since is None
    db.rollback()
    assert orders_here(db) == 0
    actions.login_as("admin")
    page = client.get(f"/admin/channels/{KEY}").get_data(as_text=True)
    assert "Invalid signature" in page and "not-the-secret" not in page
    # The right secret, and the next poll takes the order.
    fixed = client.patch(f"/api/v1/marketplace-channels/{KEY}", headers=retail,
                         json={"credentials": {"app_secret": APP_SECRET}})
    assert fixed.status_code == 200, fixed.get_json()
    assert poll(client, retail)["created"] == ["3001"]


@pytest.mark.parametrize("change, pointer, words", [
    ({"preset": "aliexpress"}, "/preset", "must be one of"),
    ({"settings": {"signing": {"algorithm": "sha1"}}}, "/settings/signing/algorithm",
     "is not one of"),
    ({"settings": {"answer": {"orders": "trades.trade"}}}, "/settings/answer/orders",
     "not a JSON Pointer"),
    ({"settings": {"window": {"longest_minutes": 2880}}}, "/settings/window/longest_minutes",
     "at most 1440 minutes"),
    ({"settings": {"window": {"overlap_seconds": 3600, "longest_minutes": 30}}},
     "/settings/window/overlap_seconds", "shorter than the longest window"),
    ({"credentials": {"app_key": APP_KEY}}, "/credentials/app_secret", "is required"),
    ({"preset": "custom", "settings": {"http_method": "GET"}}, "/settings", "is required"),
    ({"mapping": {"fields": {}}}, "/mapping/external_id", "is required"),
])
def test_every_bad_setting_is_refused_at_its_pointer(client, retail, taobao, change,
                                                     pointer, words):
    body = {"key": KEY, "name": "Tmall", "order_type": "retail_order", "preset": "taobao",
            "api_address": taobao.url,
            "credentials": {"app_key": APP_KEY, "app_secret": APP_SECRET}, **change}
    response = client.post("/api/v1/marketplace-channels", headers=retail, json=body)
    assert response.status_code == 422, response.get_json()
    errors = response.get_json()["errors"]
    assert any(e["pointer"].startswith(pointer) and words in e["detail"] for e in errors), \
        errors
    assert client.get(f"/api/v1/channels/{KEY}", headers=retail).status_code == 404


@pytest.mark.parametrize("preset", sorted(MARKETPLACE_API_PRESETS))
def test_each_preset_connects_to_the_retail_form_as_it_is(client, retail, preset):
    response = client.post("/api/v1/marketplace-channels", headers=retail, json={
        "key": f"{preset}_shop", "name": preset, "order_type": "retail_order",
        "preset": preset, "credentials": {"app_key": "k", "app_secret": "s"}})
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["api_address"].startswith("https://")


def test_douyin_signs_with_hmac_sha256_over_the_secret_wrapped_chosen_parameters():
    scheme = MARKETPLACE_API_PRESETS["douyin"]["settings"]["signing"]
    parameters = {"app_key": "7001", "method": "order.searchList", "param_json": "{}",
                  "timestamp": "2026-12-06 20:00:00", "v": "2", "access_token": "t"}
    import hashlib
    import hmac
    text = "s3cret" + "app_key7001methodorder.searchListparam_json{}" \
                      "timestamp2026-12-06 20:00:00v2" + "s3cret"
    expected = hmac.new(b"s3cret", text.encode(), hashlib.sha256).hexdigest()
    assert request_signing.signature(scheme, parameters, "s3cret") == expected


def test_the_sweeper_polls_each_marketplace_channel_at_its_interval(app, client, db,
                                                                    retail, taobao):
    taobao.trades = [trade(4001, utcnow() - timedelta(minutes=1))]
    connect(client, retail, taobao.url)
    sessions = app.extensions[JOBS].sessions
    assert poll_due(sessions) == [KEY]  # the job runs in this process at once
    assert orders_here(db) == 1
    assert poll_due(sessions) == []  # not again within five minutes
    assert poll_due(sessions, now=utcnow() + timedelta(minutes=6)) == [KEY]
    assert orders_here(db) == 1


def test_a_marketplace_channel_is_not_made_as_a_plain_channel(client, retail):
    response = client.post("/api/v1/channels", headers=retail, json={
        "key": KEY, "name": "x", "kind": "marketplace", "order_type": "retail_order"})
    assert response.status_code == 422
    assert response.get_json()["errors"][0]["pointer"] == "/kind"


def test_the_marketplaces_own_call_limit_is_waited_out(client, db, retail, taobao):
    taobao.trades = [trade(6001, utcnow() - timedelta(minutes=3))]
    connect(client, retail, taobao.url, rate_limit_wait_seconds=0.2)
    taobao.limited = True
    result = poll(client, retail)
    assert result["ok"] and result["created"] == ["6001"] and result["waited_seconds"] >= 1


def test_a_rate_limit_longer_than_a_poll_waits_ends_it_and_the_cursor_stays(
        client, db, retail, taobao):
    taobao.trades = [trade(7001, utcnow() - timedelta(minutes=3))]
    connect(client, retail, taobao.url)
    taobao.throttle = "3600"
    result = poll(client, retail)
    assert not result["ok"] and "429" in result["error"] and result["created"] == []
    assert db.get(StoreCursor, KEY).changed_since is None
    db.rollback()
    assert poll(client, retail)["created"] == ["7001"]  # the next poll takes it


def test_douyin_is_asked_with_its_json_body_and_hmac_signature(client, db, retail):
    douyin = FakeDouyin()
    try:
        douyin.orders = [douyin_order("6920000000000000001", utcnow() - timedelta(minutes=5))]
        response = client.post("/api/v1/marketplace-channels", headers=retail, json={
            "key": "douyin_shop", "name": "抖店", "order_type": "retail_order",
            "preset": "douyin", "api_address": douyin.url,
            "credentials": {"app_key": DOUYIN_KEY, "app_secret": DOUYIN_SECRET,
                            "access_token": "dy-token"}})
        assert response.status_code == 201, response.get_json()
        started = client.post("/api/v1/marketplace-channels/douyin_shop/poll", headers=retail)
        result = client.get(started.headers["Location"], headers=retail).get_json()["polls"][0]
        assert result["ok"] and result["created"] == ["6920000000000000001"], result
        query, business = douyin.requests[0]
        assert query["access_token"] == "dy-token" and business["page"] == 0
        order = db.scalar(select(Order))
        # Fen become yuan through the preset's mapping.
        assert Decimal(order.data["shipping_fee"]) == Decimal("10")
        assert Decimal(order.data["items"][0]["price"]) == Decimal("259")
        db.rollback()
    finally:
        douyin.close()

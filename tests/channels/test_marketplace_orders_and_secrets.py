"""A marketplace pull that misses no order, brings each order's money as the buyer paid
it, and never lets the channel's credentials reach another host or a message, against
the local fake of tests/channels/fake_marketplace.py."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from orderloom.db import utcnow
from orderloom.runtime.channels.marketplace_api import MarketplaceCallFailed, api_url
from orderloom.runtime.channels.models import InboundOrder
from orderloom.runtime.orders.models import Order
from tests.channels import test_marketplace_api
from tests.channels.fake_marketplace import (
    APP_KEY,
    APP_SECRET,
    DOUYIN_KEY,
    DOUYIN_SECRET,
    SESSION,
    FakeDouyin,
    douyin_order,
    top_sign,
    trade,
)
from tests.channels.test_marketplace_api import KEY, connect, poll

# The merchant with the retail template, and the fake Taobao, as the pull's own tests.
taobao = test_marketplace_api.taobao


def order_data(client, db, headers, marketplace_id) -> dict:
    """The order as staff read it over the API, by the marketplace's order id."""
    number = db.scalar(select(Order.number).join(InboundOrder, InboundOrder.order_id == Order.id)
                       .where(InboundOrder.external_id == str(marketplace_id)).limit(1))
    db.rollback()
    return client.get(f"/api/v1/orders/{number}", headers=headers).get_json()


def payments_of(client, headers, order) -> dict:
    return client.get(f"/api/v1/orders/{order['number']}/payments", headers=headers).get_json()


def test_an_order_changed_while_a_window_is_paged_does_not_hide_the_next_one(
        client, retail, taobao):
    # Once, a buyer changed the first trade while page 2 was being asked for: every
    # later trade moved up a place, 1003 slid onto page 1, was never read, and the
    # cursor moved past it.
    now = utcnow()
    taobao.trades = [trade(1000 + n, now - timedelta(minutes=50 - 10 * n)) for n in range(1, 6)]
    changed = []

    def buyer_changes_the_first_trade(form):
        if form.get("page_no") == "1" and not changed:
            changed.append(form)
            taobao.trades[0] = trade(1001, utcnow() + timedelta(seconds=5),
                                     buyer_message="改地址")

    taobao.after_page = buyer_changes_the_first_trade
    connect(client, retail, taobao.url, first_pull_hours=1, window={"longest_minutes": 60})
    result = poll(client, retail)
    assert result["ok"], result
    assert sorted(result["created"]) == ["1001", "1002", "1003", "1004", "1005"]


def test_a_discounted_paid_order_totals_what_the_buyer_paid_and_has_its_payment(
        client, db, retail, taobao):
    now = utcnow()
    # Two pairs of jeans at 99.00 and 10.00 postage; the buyer paid 188.00 after a
    # 20.00 shop coupon.
    taobao.trades = [trade(8001, now - timedelta(minutes=5), payment="188.00"),
                     trade(8002, now - timedelta(minutes=4), payment="208.00",
                           status="WAIT_BUYER_PAY", pay_time=None)]
    connect(client, retail, taobao.url)
    assert sorted(poll(client, retail)["created"]) == ["8001", "8002"]
    paid = order_data(client, db, retail, 8001)
    money = tuple(Decimal(paid["data"][k]) for k in ("shipping_fee", "discount", "total"))
    assert money == (Decimal("10.00"), Decimal("20.00"), Decimal("188.00"))
    payments = payments_of(client, retail, paid)
    assert payments["payment_status"] == "paid"
    [payment] = payments["payments"]
    assert (payment["amount"], payment["currency"]) == ("188.00", "CNY")
    unpaid = order_data(client, db, retail, 8002)
    assert Decimal(unpaid["data"]["total"]) == Decimal("208.00")
    assert payments_of(client, retail, unpaid)["payments"] == []


def test_an_order_whose_money_is_no_amount_is_named_and_not_taken(client, retail, taobao):
    taobao.trades = [trade(8101, utcnow() - timedelta(minutes=5), payment="一百")]
    connect(client, retail, taobao.url)
    result = poll(client, retail)
    assert result["created"] == []
    assert any("8101" in p and "一百" in p for p in result["problems"]), result


def test_the_pulled_versions_record_when_the_marketplace_changed_the_order(
        client, db, retail, taobao):
    modified = utcnow().replace(microsecond=0) - timedelta(minutes=7)
    taobao.trades = [trade(8201, modified)]
    connect(client, retail, taobao.url)
    poll(client, retail)
    stamped = db.scalars(select(InboundOrder.changed_at)
                         .where(InboundOrder.source == KEY)).all()
    db.rollback()
    assert stamped == [modified]


@pytest.mark.parametrize("path", ["@evil.example/router/rest", "//evil.example/router",
                                  "/router/rest?x=1", "router/rest", "/a\\b"])
def test_a_path_that_could_lead_elsewhere_is_refused(client, retail, taobao, path):
    body = {"key": KEY, "name": "Tmall", "order_type": "retail_order", "preset": "taobao",
            "api_address": taobao.url,
            "credentials": {"app_key": APP_KEY, "app_secret": APP_SECRET},
            "settings": {"path": path}}
    response = client.post("/api/v1/marketplace-channels", headers=retail, json=body)
    assert response.status_code == 422, response.get_json()
    [error] = response.get_json()["errors"]
    assert error["pointer"] == "/settings/path" and "plain path" in error["detail"]
    connect(client, retail, taobao.url)
    changed = client.patch(f"/api/v1/marketplace-channels/{KEY}", headers=retail,
                           json={"settings": {"path": path}})
    assert changed.status_code == 422
    assert changed.get_json()["errors"][0]["pointer"] == "/settings/path"


def test_a_call_is_never_made_to_another_host_than_the_api_address():
    assert api_url("https://eco.taobao.com/", "/router/rest") == \
        "https://eco.taobao.com/router/rest"
    with pytest.raises(MarketplaceCallFailed) as refused:
        api_url("https://eco.taobao.com", "@evil.example/router/rest")
    assert refused.value.fix == "/settings/path"


def test_a_new_api_host_needs_the_credentials_again(client, retail, taobao):
    connect(client, retail, taobao.url)
    port = int(taobao.url.rpartition(":")[2])
    elsewhere = f"http://127.0.0.1:{port + 1}"  # another server may listen there
    moved = client.patch(f"/api/v1/marketplace-channels/{KEY}", headers=retail,
                         json={"api_address": elsewhere})
    assert moved.status_code == 422, moved.get_json()
    [error] = moved.get_json()["errors"]
    assert error["pointer"] == "/credentials" and "given again" in error["detail"]
    saved = client.get(f"/api/v1/marketplace-channels/{KEY}", headers=retail).get_json()
    assert saved["api_address"] == taobao.url
    # Given with the new host, they replace the saved ones whole: the access token
    # given for the old host does not travel along.
    given = client.patch(f"/api/v1/marketplace-channels/{KEY}", headers=retail, json={
        "api_address": elsewhere,
        "credentials": {"app_key": APP_KEY, "app_secret": APP_SECRET}})
    assert given.status_code == 200, given.get_json()
    assert sorted(given.get_json()["credentials"]) == ["app_key", "app_secret"]


def test_an_api_address_in_plain_http_is_refused_as_a_stores_is(client, retail):
    response = client.post("/api/v1/marketplace-channels", headers=retail, json={
        "key": KEY, "name": "JD", "order_type": "retail_order", "preset": "jd",
        "api_address": "http://api.jd.com",
        "credentials": {"app_key": "k", "app_secret": "s"}})
    assert response.status_code == 422
    [error] = response.get_json()["errors"]
    assert error["pointer"] == "/api_address" and "https://" in error["detail"]


@pytest.mark.parametrize("status", [200, 502])
def test_a_marketplace_error_quoting_the_request_shows_no_credential(
        client, retail, taobao, actions, status):
    taobao.trades = [trade(9001, utcnow() - timedelta(minutes=5))]
    connect(client, retail, taobao.url)
    taobao.echo = status
    result = poll(client, retail)
    assert not result["ok"] and "***" in result["error"], result
    signs = [r["sign"] for r in taobao.requests if r.get("sign")]
    assert signs and all(top_sign(r, APP_SECRET) == r["sign"] for r in taobao.requests)
    for secret in (SESSION, APP_KEY, *signs):
        assert secret not in result["error"]
    taobao.echo = status
    tested = client.post(f"/api/v1/marketplace-channels/{KEY}/test", headers=retail)
    assert tested.get_json()["ok"] is False and SESSION not in tested.get_json()["detail"]
    actions.login_as("admin")
    page = client.get(f"/admin/channels/{KEY}").get_data(as_text=True)
    assert SESSION not in page


def test_a_douyin_order_in_fen_totals_what_the_buyer_paid(client, db, retail):
    douyin = FakeDouyin()
    try:
        # One hoodie at 259.00 and 10.00 postage; the buyer paid 249.00 (20.00 off).
        found = douyin_order("6920000000000000002", utcnow() - timedelta(minutes=5))
        douyin.orders = [{**found, "pay_amount": 24900}]
        response = client.post("/api/v1/marketplace-channels", headers=retail, json={
            "key": "douyin_shop", "name": "抖店", "order_type": "retail_order",
            "preset": "douyin", "api_address": douyin.url,
            "credentials": {"app_key": DOUYIN_KEY, "app_secret": DOUYIN_SECRET}})
        assert response.status_code == 201, response.get_json()
        client.post("/api/v1/marketplace-channels/douyin_shop/poll", headers=retail)
        order = order_data(client, db, retail, "6920000000000000002")
        money = tuple(Decimal(order["data"][k]) for k in ("shipping_fee", "discount", "total"))
        assert money == (Decimal("10.00"), Decimal("20.00"), Decimal("249.00"))
        [payment] = payments_of(client, retail, order)["payments"]
        assert payment["amount"] == "249.00"
        assert payment["received_at"].startswith(
            datetime.fromtimestamp(found["pay_time"], UTC).strftime("%Y-%m-%dT%H:%M:%S"))
    finally:
        douyin.close()

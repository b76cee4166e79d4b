"""A store's or marketplace's address saved over plain http before addresses were
checked on saving: every call refuses it (the credentials would cross the network
readable), says so where the call's result is shown, and is not retried; the local
fakes never hear from it. A host the operator allows (the tests allow 127.0.0.1) may
still be called over http."""
from __future__ import annotations

import pytest
from sqlalchemy import select, update

from orderloom.db import utcnow
from orderloom.runtime.channels.models import Channel
from orderloom.runtime.jobs.models import DONE, Job
from tests.channels.fake_marketplace import FakeTaobao, trade
from tests.channels.test_marketplace_api import KEY, poll
from tests.channels.test_marketplace_api import connect as connect_marketplace
from tests.channels.test_store_sync import (
    attempts,
    connect,
    received,
    reconcile,
    ship,
    shopify_at,
)
from tests.platform.test_api_tokens import assert_problem


@pytest.fixture
def taobao():
    fake = FakeTaobao()
    yield fake
    fake.close()


def saved_long_ago(db, key: str, url: str) -> str:
    """The channel's address as an older release saved it: plain http to a host the
    operator does not allow (``localhost`` is not ``127.0.0.1`` to the allowance)."""
    address = url.replace("127.0.0.1", "localhost")
    db.execute(update(Channel).where(Channel.key == key).values(store_url=address))
    db.commit()
    return address


def test_every_call_to_a_store_over_plain_http_is_refused_and_says_why(
        client, db, retail, shopify):
    key = connect(client, retail, "shopify", shopify.url)
    shopify.orders = [shopify_at(450789469, 1)]
    number = received(client, key, shopify.orders[0])
    saved_long_ago(db, key, shopify.url)
    heard = len(shopify.requests)

    tested = client.post(f"/api/v1/channels/{key}/test", headers=retail).get_json()
    assert tested["ok"] is False and tested["fix"] == "/store_url"
    assert "https://" in tested["detail"] and "ORDERLOOM_OUTBOUND_ALLOW" in tested["detail"]

    ship(client, retail, number)
    job = db.scalar(select(Job).where(Job.kind == "store_writeback"))
    assert job.status == DONE and job.attempts == 1  # not retried: it cannot succeed
    db.rollback()
    [attempt] = attempts(client, retail, number)
    assert attempt["outcome"] == "refused" and "https://" in attempt["detail"]

    result = reconcile(client, retail, key, since="2026-12-06T00:00:00+00:00")
    assert result["fetched"] == [] and "https://" in result["errors"][0]
    assert len(shopify.requests) == heard


def test_every_call_to_a_marketplace_over_plain_http_is_refused_and_says_why(
        client, db, retail, taobao):
    connect_marketplace(client, retail, taobao.url)
    saved_long_ago(db, KEY, taobao.url)
    taobao.trades = [trade(9001, utcnow())]
    tested = client.post(f"/api/v1/marketplace-channels/{KEY}/test",
                         headers=retail).get_json()
    assert tested["ok"] is False and tested["fix"] == "/api_address"
    assert "https://" in tested["detail"]
    result = poll(client, retail)
    assert not result["ok"] and result["fix"] == "/api_address"
    assert "https://" in result["error"] and result["created"] == []
    assert taobao.requests == []


def test_a_marketplace_address_over_plain_http_is_refused_when_saved(client, retail,
                                                                     taobao):
    body = {"key": KEY, "name": "Tmall", "order_type": "retail_order", "preset": "taobao",
            "api_address": "http://eco.taobao.com",
            "credentials": {"app_key": "k", "app_secret": "s"}}
    refused = client.post("/api/v1/marketplace-channels", headers=retail, json=body)
    [error] = assert_problem(refused, 422)["errors"]
    assert error["pointer"] == "/api_address" and "https://" in error["detail"]
    connect_marketplace(client, retail, taobao.url)
    changed = client.patch(f"/api/v1/marketplace-channels/{KEY}", headers=retail,
                           json={"api_address": "http://eco.taobao.com"})
    assert assert_problem(changed, 422)["errors"][0]["pointer"] == "/api_address"

"""A store's address: only https carries its credentials, unless the operator allows a
host inside, and an address on another host must come with that store's credentials,
so that nobody who can edit a channel can send the saved ones elsewhere."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from orderloom.runtime import sealing
from orderloom.runtime.channels.models import Channel
from tests.channels.fake_stores import SHOPIFY_TOKEN, FakeStore
from tests.channels.store_payloads import SHOPIFY_SECRET
from tests.platform.test_api_tokens import assert_problem


@pytest.fixture
def store():
    """The merchant's own store."""
    shop = FakeStore("shopify")
    yield shop
    shop.close()


@pytest.fixture
def elsewhere():
    """Another server, which must never see the merchant's credentials."""
    shop = FakeStore("shopify")
    yield shop
    shop.close()


def new_shopify(url: str, **more) -> dict:
    return {"key": "shop", "name": "Our Shopify store", "kind": "shopify",
            "order_type": "retail_order", "webhook_secret": SHOPIFY_SECRET,
            "store_url": url, **more}


def test_a_store_address_over_plain_http_is_refused_and_says_what_the_operator_can_set(
        client, retail, monkeypatch):
    monkeypatch.delenv("ORDERLOOM_OUTBOUND_ALLOW")
    refused = client.post("/api/v1/channels", headers=retail, json=new_shopify(
        "http://our-store.myshopify.com", credentials={"access_token": SHOPIFY_TOKEN}))
    [error] = assert_problem(refused, 422)["errors"]
    assert error["pointer"] == "/store_url"
    assert "https://" in error["detail"] and "ORDERLOOM_OUTBOUND_ALLOW" in error["detail"]
    assert client.get("/api/v1/channels/shop", headers=retail).status_code == 404
    made = client.post("/api/v1/channels", headers=retail,
                       json=new_shopify("https://our-store.myshopify.com"))
    assert made.status_code == 201, made.get_json()
    changed = client.patch("/api/v1/channels/shop", headers=retail,
                           json={"store_url": "http://our-store.myshopify.com"})
    assert assert_problem(changed, 422)["errors"][0]["pointer"] == "/store_url"
    assert client.get("/api/v1/channels/shop", headers=retail).get_json()[
        "store_url"] == "https://our-store.myshopify.com"


def test_a_host_the_operator_allows_may_be_called_over_http(client, retail, store,
                                                            monkeypatch):
    # The tests' stores listen on http://127.0.0.1, allowed as an operator allows an
    # internal shop (tests/conftest.py outbound_to_loopback).
    made = client.post("/api/v1/channels", headers=retail, json=new_shopify(
        store.url, credentials={"access_token": SHOPIFY_TOKEN}))
    assert made.status_code == 201, made.get_json()
    assert client.post("/api/v1/channels/shop/test", headers=retail).get_json()["ok"]
    monkeypatch.setenv("ORDERLOOM_OUTBOUND_ALLOW", "erp.internal")
    again = client.post("/api/v1/channels", headers=retail, json={
        **new_shopify(store.url), "key": "shop_two"})
    assert "https://" in assert_problem(again, 422)["errors"][0]["detail"]


def test_moving_the_store_to_another_host_asks_for_its_credentials_again(
        client, db, app, retail, store, elsewhere):
    made = client.post("/api/v1/channels", headers=retail, json=new_shopify(
        store.url, credentials={"access_token": SHOPIFY_TOKEN}))
    assert made.status_code == 201, made.get_json()

    moved = client.patch("/api/v1/channels/shop", headers=retail,
                         json={"store_url": elsewhere.url, "name": "Renamed"})
    [error] = assert_problem(moved, 422)["errors"]
    assert error["pointer"] == "/credentials"
    assert "given again for the new store" in error["detail"]
    # Nothing of the change was kept, and the saved token never left for the other host.
    shown = client.get("/api/v1/channels/shop", headers=retail).get_json()
    assert (shown["store_url"], shown["name"]) == (store.url, "Our Shopify store")
    assert client.post("/api/v1/channels/shop/test", headers=retail).get_json()["ok"]
    assert elsewhere.requests == [] and len(store.requests) == 1

    given = client.patch("/api/v1/channels/shop", headers=retail, json={
        "store_url": elsewhere.url, "credentials": {"access_token": SHOPIFY_TOKEN}})
    assert given.status_code == 200, given.get_json()
    assert client.post("/api/v1/channels/shop/test", headers=retail).get_json()["ok"]
    assert len(elsewhere.requests) == 1 and len(store.requests) == 1


def test_a_credential_saved_for_the_old_host_is_not_carried_to_the_new_one(
        client, db, app, retail, store, elsewhere):
    made = client.post("/api/v1/channels", headers=retail, json=new_shopify(
        store.url, credentials={"access_token": SHOPIFY_TOKEN, "api_key": "key_of_old"}))
    assert made.status_code == 201, made.get_json()
    moved = client.patch("/api/v1/channels/shop", headers=retail, json={
        "store_url": elsewhere.url, "credentials": {"access_token": SHOPIFY_TOKEN}})
    assert moved.status_code == 200, moved.get_json()
    assert sorted(moved.get_json()["credentials"]) == ["access_token"]
    stored = db.scalar(select(Channel).where(Channel.key == "shop"))
    assert sealing.unseal_json(app.config["SECRET_KEY"], stored.credentials) == {
        "access_token": SHOPIFY_TOKEN}
    db.rollback()


def test_the_same_host_keeps_its_credentials(client, retail, store):
    made = client.post("/api/v1/channels", headers=retail, json=new_shopify(
        store.url, credentials={"access_token": SHOPIFY_TOKEN}))
    assert made.status_code == 201, made.get_json()
    same = client.patch("/api/v1/channels/shop", headers=retail,
                        json={"store_url": store.url + "/"})
    assert same.status_code == 200, same.get_json()
    assert client.post("/api/v1/channels/shop/test", headers=retail).get_json()["ok"]


def test_a_store_given_credentials_before_its_address_needs_them_again_with_it(
        client, retail, store):
    made = client.post("/api/v1/channels", headers=retail, json=new_shopify(
        None, credentials={"access_token": SHOPIFY_TOKEN}))
    assert made.status_code == 201, made.get_json()
    addressed = client.patch("/api/v1/channels/shop", headers=retail,
                             json={"store_url": store.url})
    assert assert_problem(addressed, 422)["errors"][0]["pointer"] == "/credentials"
    assert store.requests == []

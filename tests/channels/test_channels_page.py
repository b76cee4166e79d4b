"""The Channels page: an administrator sets up a store with only what the merchant has,
sees the address to paste into the store, its deliveries and dead letters; the
secrets never reach the page."""
from __future__ import annotations

import re

import pytest

from tests.channels.store_payloads import SHOPIFY_SECRET, shopify_delivery, shopify_order

ACCESS_TOKEN = "shpat_4f3c2b1a0987654321fedcba"


@pytest.fixture
def boss(actions, retail):
    """An administrator logged in to the pages; answers the headers the page's script
    sends with its API calls."""
    actions.login_as("admin")
    page = actions.client.get("/admin/channels").get_data(as_text=True)
    return {"X-CSRF-Token": re.search(r'name="csrf_token" value="([^"]+)"', page).group(1),
            "Accept": "application/json"}


def create_shopify(client, boss, **more):
    # What static/channels.js sends for the form of a Shopify store.
    return client.post("/api/v1/channels", headers=boss, json={
        "name": "Our Shopify store", "key": "shop", "kind": "shopify",
        "order_type": "retail_order", "store_url": "https://our-store.myshopify.com",
        "webhook_secret": SHOPIFY_SECRET, "store_update_policy": "hold",
        "credentials": {"access_token": ACCESS_TOKEN}, **more})


def pointers(page: str) -> set[str]:
    return set(re.findall(r'data-pointer="([^"]+)"', page))


@pytest.mark.parametrize("role", ["staff", "viewer"])
def test_only_those_who_manage_channels_see_the_page(client, actions, retail, role):
    actions.login_as(role)
    assert client.get("/admin/channels").status_code == 403
    assert client.get("/admin/channels/shop").status_code == 403
    assert "/admin/channels" not in client.get("/").get_data(as_text=True)


def test_the_form_asks_per_kind_only_for_what_the_merchant_has(client, boss):
    page = client.get("/admin/channels").get_data(as_text=True)
    kinds = dict(re.findall(r'<option value="(\w+)">([^<]+)</option>',
                            page.split('id="channel-kind"')[1].split("</select>")[0]))
    assert kinds == {"shopify": "Shopify store", "woocommerce": "WooCommerce store",
                     "webhook": "Webhook", "file": "File import"}
    assert '<option value="retail_order"' in page
    for secret in ("shopify-webhook-secret", "shopify-credential-access_token",
                   "woocommerce-credential-consumer_secret"):
        assert re.search(rf'id="{secret}"[^>]*type="password"', page), secret
    for preset in ("tmall_orders", "tmall_orders_baobei", "jd_orders"):
        assert f'<option value="{preset}">' in page.split('id="file-preset"')[1]
    assert "Hold every change for staff to make" in page
    # Every input has its label.
    for input_id in re.findall(r'<(?:input|select) id="([^"]+)"', page):
        assert f'for="{input_id}"' in page or f'id="{input_id}"' in page.split(
            '<label class="check">')[-1], input_id


def test_a_shopify_store_is_set_up_and_its_secrets_never_reach_the_page(client, boss):
    response = create_shopify(client, boss)
    assert response.status_code == 201, response.get_json()
    listed = client.get("/admin/channels").get_data(as_text=True)
    row = listed.split('data-channel="shop"')[1].split("</tr>")[0]
    assert "Our Shopify store" in row and "Shopify store" in row and "retail_order" in row
    assert 'data-copy="http://localhost/api/v1/channels/shop/orders"' in row
    assert 'href="/admin/channels/shop"' in row
    page = client.get("/admin/channels/shop").get_data(as_text=True)
    for text in (listed, page):
        assert SHOPIFY_SECRET not in text and ACCESS_TOKEN not in text
    assert "http://localhost/api/v1/channels/shop/orders" in page
    assert "Settings › Notifications › Webhooks" in page
    assert 'id="test-button"' in page and "/api/v1/channels/shop/test" in page
    # Which credentials are set shows; blank leaves them unchanged.
    assert re.search(r'id="shopify-credential-access_token"[^>]*placeholder="set, unchanged"',
                     page, re.S)
    assert re.search(r'id="shopify-credential-api_key"[^>]*placeholder="not set"', page, re.S)
    assert re.search(r'<option value="hold" selected>', page)
    assert 'value="https://our-store.myshopify.com"' in page
    assert client.get("/admin/channels/no_such_channel").status_code == 404


def test_every_refusal_of_the_api_has_an_input_to_stand_beside(client, boss):
    refused = client.post("/api/v1/channels", headers=boss, json={
        "name": "", "key": "Bad Key", "kind": "woocommerce", "order_type": "retail_order",
        "store_url": "ftp://shop", "webhook_secret": "s",
        "credentials": {"access_token": "x"}})
    assert refused.status_code == 422
    errors = {e["pointer"] for e in refused.get_json()["errors"]}
    assert {"/name", "/key", "/store_url"} <= errors
    page = client.get("/admin/channels").get_data(as_text=True)
    assert errors <= pointers(page)
    wrong_credential = client.post("/api/v1/channels", headers=boss, json={
        "name": "Woo", "key": "woo", "kind": "woocommerce", "order_type": "retail_order",
        "webhook_secret": "s", "credentials": {"access_token": "x"}})
    assert wrong_credential.get_json()["errors"][0]["pointer"] == "/credentials/access_token"
    # Not an input of the WooCommerce form: the page shows it above the form instead.
    assert 'id="woocommerce-credential-access_token"' not in page
    no_preset = client.post("/api/v1/channels", headers=boss, json={
        "name": "Feed", "key": "feed", "kind": "webhook", "order_type": "retail_order"})
    assert no_preset.get_json()["errors"][0]["pointer"].startswith("/mapping")
    assert re.search(r'id="webhook-preset"[^>]*data-pointer="/mapping"', page)


def test_deliveries_and_dead_letters_are_counted_and_listed(app, client, boss):
    assert create_shopify(client, boss).status_code == 201
    store = app.test_client()  # the store sends no cookie of the logged-in administrator
    assert shopify_delivery(store, "shop", shopify_order(currency="USD")).status_code == 202
    listed = client.get("/admin/channels").get_data(as_text=True)
    row = listed.split('data-channel="shop"')[1].split("</tr>")[0]
    assert re.findall(r"<td>(\d+)</td>|>(\d+)</a>", row) == [("0", ""), ("", "1")]
    page = client.get("/admin/channels/shop").get_data(as_text=True)
    dead = page.split('id="dead-letter-table"')[1].split("</table>")[0]
    inbound = re.search(r'data-inbound="(\d+)"', dead).group(1)
    assert "USD" in dead and f"/api/v1/inbound/{inbound}/retry" in dead and "Replay" in dead
    assert "dead letter" in page.split('id="delivery-table"')[1]

    assert shopify_delivery(store, "shop", shopify_order(),
                            webhook_id="another-delivery").status_code == 201
    listed = client.get("/admin/channels").get_data(as_text=True)
    row = listed.split('data-channel="shop"')[1].split("</tr>")[0]
    assert re.findall(r"<td>(\d+)</td>|>(\d+)</a>", row) == [("1", ""), ("", "1")]


def test_the_page_speaks_chinese(client, boss):
    assert create_shopify(client, boss).status_code == 201
    zh = {"Accept-Language": "zh-CN,zh;q=0.9"}
    listed = client.get("/admin/channels", headers=zh).get_data(as_text=True)
    assert "Shopify 店铺" in listed and "新建渠道" in listed
    page = client.get("/admin/channels/shop", headers=zh).get_data(as_text=True)
    assert "测试连接" in page and "死信" in page

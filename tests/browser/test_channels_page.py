"""An administrator connects a WooCommerce store on the Channels page on a phone-wide
screen: a refused store address is shown at its input, the endpoint to paste into
WooCommerce is on the channel's page, and a dead letter is replayed once its cause is
fixed."""
from __future__ import annotations

import copy
import re

from playwright.sync_api import expect

from tests.browser.layout import page_width
from tests.browser.test_staff_console import go_to, log_in
from tests.channels.store_payloads import woocommerce_delivery, woocommerce_order
from tests.channels.test_store_fields import dianpu_order
from tests.platform.test_api_tokens import bearer

SECRET = "wc-secret-typed-on-the-page-7f3a"
SCREENSHOT = "/tmp/orderloom-channels.png"


def test_an_admin_connects_woocommerce_and_replays_a_dead_letter(page, live_server, app,
                                                                 token_for, make_user):
    store, api = app.test_client(), app.test_client()
    admin = bearer(token_for("admin"))
    assert api.post("/api/v1/templates/retail/import", headers=admin).status_code == 201
    make_user("admin", username="boss")
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, live_server, "boss")
    go_to(page, "Channels")

    page.select_option("#channel-kind", "woocommerce")
    expect(page.locator("#shopify-store-url")).to_be_hidden()
    page.fill("#channel-name", "Our WooCommerce shop")
    page.fill("#channel-key", "woo")
    page.select_option("#channel-order-type", "retail_order")
    page.fill("#woocommerce-store-url", "ftp://shop.example.cn")
    page.fill("#woocommerce-webhook-secret", SECRET)
    page.fill("#woocommerce-credential-consumer_key", "ck_6a1b2c3d4e5f")
    page.fill("#woocommerce-credential-consumer_secret", "cs_9f8e7d6c5b4a")
    page.select_option("#woocommerce-policy", "hold")
    page.keyboard.press("Enter")  # submits from the keyboard, as a person would
    expect(page.locator("#woocommerce-store-url-error")).to_contain_text("https?://")
    expect(page.locator("#woocommerce-store-url")).to_have_attribute("aria-invalid", "true")

    page.fill("#woocommerce-store-url", "https://shop.example.cn")
    page.click("button.primary:text-is('Create channel')")
    expect(page).to_have_url(f"{live_server}/admin/channels/woo")
    endpoint = f"{live_server}/api/v1/channels/woo/orders"
    expect(page.locator("#endpoint code")).to_have_text(endpoint)
    assert SECRET not in page.content() and "cs_9f8e7d6c5b4a" not in page.content()
    assert page_width(page) <= 390

    # A server without the connection test says so plainly; with it, this store (not
    # reachable from a test) is a failed connection, never a success.
    page.click("#test-button")
    expect(page.locator("#test-result")).to_have_text(
        re.compile(r"^(The connection test is not available on this server yet\.|"
                   r"The connection failed: .+)$"))

    # Changed with the webhook secret and one credential left blank: they stay as they
    # were (the delivery below is signed with the first secret), and the one typed in
    # replaces its saved value alone.
    page.fill("#woocommerce-credential-consumer_key", "ck_new_key")
    page.fill("#channel-name", "WooCommerce 旗舰店")
    page.click("button.primary:text-is('Save')")
    expect(page.locator("#channel-form-saved")).to_have_text("Saved.")
    saved = api.get("/api/v1/channels/woo", headers=admin).get_json()
    assert saved["name"] == "WooCommerce 旗舰店"
    assert sorted(saved["credentials"]) == ["consumer_key", "consumer_secret"]

    # The mapping is broken for a while: the store's order becomes a dead letter.
    mapping = api.get("/api/v1/channels/woo", headers=admin).get_json()["mapping"]
    broken = copy.deepcopy(mapping)
    for lines in broken["lines"].values():
        lines["from"] = "$.no_such_lines[*]"
    assert api.patch("/api/v1/channels/woo", headers=admin,
                     json={"mapping": broken}).status_code == 200
    assert woocommerce_delivery(store, "woo", woocommerce_order(),
                                secret=SECRET).status_code == 202
    assert api.patch("/api/v1/channels/woo", headers=admin,
                     json={"mapping": mapping}).status_code == 200

    page.reload()
    dead = page.locator("#dead-letter-table tbody tr")
    expect(dead).to_have_count(1)
    expect(page.locator("#delivery-table")).to_contain_text("dead letter")
    page.screenshot(path=SCREENSHOT, full_page=True)
    dead.locator("button", has_text="Replay").click()
    expect(dead.locator(".replay-result")).to_contain_text("it became order")
    page.goto(f"{live_server}/admin/channels")
    row = page.locator("tr[data-channel=woo]")
    expect(row).to_contain_text("WooCommerce 旗舰店")
    expect(row).to_contain_text("WooCommerce store")
    expect(row.locator("td").nth(6)).to_have_text("1")
    expect(row.locator("td").nth(7)).to_have_text("0")


def test_a_webhook_channel_shows_its_own_secret_once(page, live_server, app, token_for,
                                                     make_user):
    admin = bearer(token_for("admin"))
    assert app.test_client().post("/api/v1/templates/retail/import",
                                  headers=admin).status_code == 201
    make_user("admin", username="boss")
    log_in(page, live_server, "boss")
    page.goto(f"{live_server}/admin/channels")
    page.select_option("#channel-kind", "webhook")
    page.fill("#channel-name", "Our own shop")
    page.fill("#channel-key", "own_shop")
    page.select_option("#webhook-preset", "woocommerce")
    page.click("button.primary:text-is('Create channel')")
    expect(page.locator("#secret")).to_have_text(re.compile(r"^olwh_\S+$"))
    page.click("#new-channel-link")
    expect(page).to_have_url(f"{live_server}/admin/channels/own_shop")
    expect(page.locator("#endpoint code")).to_have_text(
        f"{live_server}/api/v1/channels/own_shop/orders")
    assert page.locator("#secret").count() == 0 and page.locator("#test-button").count() == 0
    # The preset's mapping was copied into the channel.
    mapping = app.test_client().get("/api/v1/channels/own_shop", headers=admin).get_json()
    assert mapping["mapping"]["external_id"] == "$.id"


def test_a_store_is_told_what_it_will_not_carry_and_a_new_address_asks_for_credentials(
        page, live_server, app, token_for, make_user):
    api = app.test_client()
    admin, designer = bearer(token_for("admin")), bearer(token_for("designer"))
    assert api.post("/api/v1/import", headers=designer, json={
        "format": "orderloom-package/1",
        "order_types": [dianpu_order()]}).status_code == 201
    make_user("admin", username="boss")
    log_in(page, live_server, "boss")
    page.goto(f"{live_server}/admin/channels")
    page.select_option("#channel-kind", "shopify")
    page.fill("#channel-name", "淘宝外的独立站")
    page.fill("#channel-key", "shop")
    page.select_option("#channel-order-type", "dianpu_dingdan")
    page.fill("#shopify-store-url", "https://our-store.myshopify.com")
    page.fill("#shopify-webhook-secret", "shpss_typed_on_the_page")
    page.fill("#shopify-credential-access_token", "shpat_of_our_store")
    page.click("button.primary:text-is('Create channel')")
    told = page.locator("#not-carried-list li")
    expect(told).to_have_count(3)
    expect(page.locator("#not-carried")).to_contain_text("the tax added to the prices")
    page.click("#not-carried-link")
    expect(page).to_have_url(f"{live_server}/admin/channels/shop")

    # Another store address with the saved token kept: refused at the token's input,
    # and nothing is saved.
    page.fill("#shopify-store-url", "https://someone-else.myshopify.com")
    page.click("button.primary:text-is('Save')")
    expect(page.locator("#shopify-credential-access_token-error")).to_contain_text(
        "must be given again for the new store")
    expect(page.locator("#shopify-credential-access_token")).to_have_attribute(
        "aria-invalid", "true")
    assert api.get("/api/v1/channels/shop", headers=admin).get_json()[
        "store_url"] == "https://our-store.myshopify.com"
    page.fill("#shopify-credential-access_token", "shpat_of_the_new_store")
    page.click("button.primary:text-is('Save')")
    expect(page.locator("#channel-form-saved")).to_have_text("Saved.")
    assert api.get("/api/v1/channels/shop", headers=admin).get_json()[
        "store_url"] == "https://someone-else.myshopify.com"

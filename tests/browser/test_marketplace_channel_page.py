"""An administrator connects a Tmall shop's open-platform API on the Channels page: a
missing credential is refused at its own input, the channel is saved, and its page
tests the connection against the marketplace (a local fake that checks signatures)."""
from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.test_staff_console import log_in
from tests.channels.fake_marketplace import APP_KEY, APP_SECRET, SESSION, FakeTaobao
from tests.platform.test_api_tokens import bearer


def test_an_admin_connects_a_tmall_shop_and_tests_it(page, live_server, app, token_for,
                                                     make_user, outbound_to_loopback):
    api = app.test_client()
    assert api.post("/api/v1/templates/retail/import",
                    headers=bearer(token_for("admin"))).status_code == 201
    taobao = FakeTaobao()
    try:
        make_user("admin", username="boss")
        log_in(page, live_server, "boss")
        page.goto(f"{live_server}/admin/channels")
        page.select_option("#marketplace-preset", "taobao")
        page.fill("#marketplace-name", "Tmall flagship store")
        page.fill("#marketplace-key", "tmall_api")
        page.fill("#marketplace-address", taobao.url)
        page.fill("#marketplace-app-key", APP_KEY)
        page.fill("#marketplace-access-token", SESSION)
        page.click("button:text-is('Connect marketplace')")
        expect(page.locator("#marketplace-form-error")).to_be_visible()
        expect(page.locator("#marketplace-app-secret + .field-error")).to_be_visible()
        assert page.url == f"{live_server}/admin/channels"

        page.fill("#marketplace-app-secret", APP_SECRET)
        page.click("button:text-is('Connect marketplace')")
        page.wait_for_url(f"{live_server}/admin/channels/tmall_api")
        expect(page.locator("#marketplace-last-poll")).to_have_text("Not polled yet.")
        page.click("#marketplace-test")
        expect(page.locator("#marketplace-test-result")).to_have_class("notice")
        assert taobao.requests, "the connection test never reached the marketplace"
    finally:
        taobao.close()

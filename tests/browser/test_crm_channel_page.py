"""An administrator connects HubSpot on the Channels page: a refused setting is shown
at its input, the connection is saved and tested, and the page gives the address to
put in HubSpot."""
from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.test_staff_console import log_in
from tests.channels.fake_hubspot import CLIENT_SECRET, HUBSPOT_TOKEN, FakeHubSpot
from tests.platform.test_api_tokens import bearer


def test_an_admin_connects_hubspot_and_tests_it(page, live_server, app, token_for, make_user,
                                                outbound_to_loopback):
    api = app.test_client()
    admin = bearer(token_for("admin"))
    assert api.post("/api/v1/templates/retail/import", headers=admin).status_code == 201
    crm = FakeHubSpot()
    try:
        crm.won_deal()
        make_user("admin", username="boss")
        log_in(page, live_server, "boss")
        page.goto(f"{live_server}/admin/channels")
        page.fill("#crm-name", "Sales CRM")
        page.fill("#crm-key", "hubspot")
        page.fill("#crm-won-stages", "")
        page.fill("#crm-api-url", crm.url)
        page.fill("#crm-client-secret", CLIENT_SECRET)
        page.fill("#crm-access-token", HUBSPOT_TOKEN)
        page.click("button:text-is('Connect HubSpot')")
        expect(page.locator("#crm-form-error")).to_be_visible()
        expect(page.locator("#crm-won-stages + .field-error")).to_be_visible()

        page.fill("#crm-won-stages", "closedwon, 1043875")
        page.click("button:text-is('Connect HubSpot')")
        page.wait_for_url(f"{live_server}/admin/channels/hubspot")
        expect(page.locator("#crm-webhook-url")).to_contain_text(
            "/api/v1/crm-channels/hubspot/deals")
        expect(page.locator("#crm-won-stages")).to_have_text("closedwon 1043875")
        page.click("#crm-test")
        expect(page.locator("#crm-test-result")).to_have_text(
            "HubSpot answered; the token reads deals")
        assert HUBSPOT_TOKEN not in page.content() and CLIENT_SECRET not in page.content()
    finally:
        crm.close()

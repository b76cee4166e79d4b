"""The public tracking page in a real browser: a customer without an account looks
up the parcel, the carrier's webhook delivers it, and the page shows it delivered
with only masked personal data; staff see the shipment on the order page."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect

from tests.browser.test_staff_console import log_in
from tests.logistics.conftest import carrier_server, setup  # noqa: F401 (fixtures)
from tests.logistics.support import PHONE, post_webhook, route

# The outbound client calls 127.0.0.1 only when allowed: the carrier of this test
# listens there.
pytestmark = pytest.mark.usefixtures("outbound_to_loopback")

SCREENSHOTS = "/tmp/orderloom-tracking"


def test_a_customer_follows_the_parcel_to_delivered_on_the_public_page(
        page, browser, live_server, client, setup, make_user):  # noqa: F811
    number = setup.order(client)
    shipment = setup.ship(client, number)
    tracking_number = shipment["tracking_number"]
    token = shipment["tracking_url"].rsplit("/", 1)[-1]
    picked = datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=1)
    assert post_webhook(client, "sf", setup.secret, route(
        "50", picked.isoformat(), "Hangzhou", "Collected", tracking_number)).status_code == 200

    # On a phone, without logging in: the code of the link in the shop's message typed
    # into the lookup form, then the parcel.
    phone = browser.new_context(viewport={"width": 390, "height": 844})
    try:
        customer = phone.new_page()
        customer.set_default_timeout(10_000)
        customer.goto(f"{live_server}/track")
        customer.fill("#track-code", token)
        customer.click("button.primary")
        status = customer.locator(".shipment-status")
        expect(status).to_have_text("Picked up")
        expect(customer.locator(".tracking-events li")).to_have_count(2)  # booked, picked up

        delivered = route("80", (picked + timedelta(hours=5)).isoformat(),
                          "Hangzhou, left with Zhang Wei 13812345678",
                          "Signed for at the door by Zhang Wei", tracking_number)
        assert post_webhook(client, "sf", setup.secret, delivered).status_code == 200
        customer.reload()
        expect(status).to_have_text("Delivered")
        newest = customer.locator(".tracking-events li").first
        # The normalised status and the place, masked; not the carrier's own words.
        expect(newest).to_contain_text("Delivered")
        expect(newest).to_contain_text("Hangzhou, left with Z*** W*** *********78")
        expect(newest).not_to_contain_text("Signed for at the door")
        expect(customer.locator(".recipient")).to_have_text("Z*** W***")
        expect(customer.locator(".place")).to_have_text("Zhejiang, Hangzhou")
        expect(customer.locator(".phone")).to_have_count(0)
        text = customer.locator("main").inner_text()
        assert "Delivered" in text and number in text
        for private in ("Zhang Wei", PHONE, "Wensan Road"):
            assert private not in customer.content()
        customer.screenshot(path=f"{SCREENSHOTS}-delivered-390.png", full_page=True)

        # The tracking number is no way in: the same answer as a code that never was.
        customer.goto(f"{live_server}/track")
        customer.fill("#track-code", tracking_number)
        customer.click("button.primary")
        expect(customer.locator("[role=alert]")).to_contain_text(
            "We found no parcel for this code")
        expect(customer.locator("#track-code")).to_have_value("")
    finally:
        phone.close()

    # Staff see the shipment, its status and the order moved to Delivered by the carrier.
    make_user("staff", username="li.na")
    log_in(page, live_server, "li.na")
    page.goto(f"{live_server}/orders/{number}")
    assert page.locator("#order-state").inner_text() == "Delivered"
    row = page.locator("#shipments tbody tr")
    assert tracking_number in row.inner_text() and "Delivered" in row.inner_text()
    # Staff read the carrier's place as it came (plain text).
    assert "Parcel " + tracking_number + ": Delivered in Hangzhou, left with Zhang Wei " \
        "13812345678." in page.locator("#timeline").inner_text()
    page.screenshot(path=f"{SCREENSHOTS}-staff-1280.png", full_page=True)


def test_staff_ship_with_the_local_courier_and_record_the_delivery_on_the_order_page(
        page, live_server, client, setup, make_user):  # noqa: F811
    number = setup.order(client)
    client.post(f"/api/v1/orders/{number}/shipments", headers=setup.staff,
                json={"carrier": "sf", "tracking_number": "SF555"})
    client.post(f"/api/v1/orders/{number}/transitions/ship", headers=setup.staff)
    make_user("staff", username="wu.hao")
    log_in(page, live_server, "wu.hao")
    page.goto(f"{live_server}/orders/{number}")
    page.select_option("#shipment-carrier", "local")
    page.click("form.add-shipment button")
    assert "Shipment LC" in page.locator("p.notice").inner_text()
    local = page.locator("#shipments tbody tr", has_text="Local courier")
    tracking_number = local.locator("a").inner_text()

    page.click(f"details.tracking-event >> text={tracking_number}")
    page.select_option("details.tracking-event select", "delivered")
    page.fill("details.tracking-event input[name=location]", "Front desk")
    page.screenshot(path=f"{SCREENSHOTS}-local-1280.png", full_page=True)
    page.click("details.tracking-event button")
    assert page.locator("p.notice").inner_text() == (
        f"Delivered recorded for {tracking_number}. The order moved on: deliver.")
    assert page.locator("#order-state").inner_text() == "Delivered"
    row = page.locator("#shipments tbody tr", has_text=tracking_number)
    assert "Delivered" in row.inner_text() and "Front desk" in row.inner_text()
    # Its link is the customer's page.
    with page.expect_popup() as popup:
        row.locator("a").click()
    assert popup.value.locator(".shipment-status").inner_text() == "Delivered"

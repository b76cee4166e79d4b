"""Acceptance: an order goes from shipped to delivered through the carrier's webhook,
and the public page shows it (on SQLite and PostgreSQL)."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from tests.logistics.support import API_KEY, PHONE, local_time, post_webhook, route


def test_the_carriers_webhook_delivers_the_order_and_the_public_page_shows_it(client, setup):
    number = setup.order(client)
    shipment = setup.ship(client, number)

    # Shipping booked the parcel with the carrier, with its key and the recipient.
    booking = [r for r in setup.server.requests if r["method"] == "POST"]
    assert len(booking) == 1
    assert booking[0]["headers"]["X-Api-Key"] == API_KEY
    assert booking[0]["body"]["order_number"] == number
    assert booking[0]["body"]["recipient"]["phone"] == PHONE
    tracking_number = shipment["tracking_number"]
    assert tracking_number.startswith("SF")
    assert shipment["status"] == "label_created"
    assert shipment["label"]["carrier_label"]["data"] == f"^XA{tracking_number}^XZ"

    # The carrier speaks Beijing time, without a zone (utc_offset +08:00 in its config).
    start = datetime.now(UTC).replace(microsecond=0)
    picked, hub, signed = (start + timedelta(minutes=m) for m in (1, 30, 90))
    answer = post_webhook(client, "sf", setup.secret, {"routes": [
        route("50", local_time(picked), "Hangzhou", "Collected", tracking_number),
        route("30", local_time(hub), "Shanghai hub", "Left the hub", tracking_number),
    ]})
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json()["recorded"] == 2
    order = client.get(f"/api/v1/orders/{number}", headers=setup.staff).get_json()
    assert order["state"] == "shipped"

    delivered = {"waybill": tracking_number, "opCode": "80", "time": signed.isoformat(),
                 "city": "Hangzhou", "remark": "Signed for at the door"}
    answer = post_webhook(client, "sf", setup.secret, delivered)
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json()["transitions"] == ["deliver"]

    order = client.get(f"/api/v1/orders/{number}", headers=setup.staff).get_json()
    assert order["state"] == "delivered"
    shipment = client.get(f"/api/v1/shipments/{shipment['id']}", headers=setup.staff).get_json()
    assert shipment["status"] == "delivered"
    assert shipment["shipped_at"] == picked.isoformat()
    assert shipment["delivered_at"] == signed.isoformat()
    assert [e["status"] for e in shipment["events"]] == [
        "label_created", "picked_up", "in_transit", "delivered"]

    # The carrier sends the same event again: nothing changes.
    again = post_webhook(client, "sf", setup.secret, delivered)
    assert again.status_code == 200
    assert again.get_json() == {"recorded": 0, "duplicates": 1, "unknown": [],
                                "transitions": []}

    timeline = client.get(f"/api/v1/orders/{number}/timeline", headers=setup.staff).get_json()
    tracked = [e["details"]["status"] for e in timeline if e["kind"] == "tracking"]
    assert tracked == ["picked_up", "in_transit", "delivered"]
    moved = [e for e in timeline if e["kind"] == "transition" and e["transition"] == "deliver"]
    assert len(moved) == 1 and moved[0]["actor"] == "system"

    # The customer opens the public page without logging in.
    page = client.get(urlsplit(shipment["tracking_url"]).path)
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Delivered" in html and "Z*** W***" in html and "Zhejiang, Hangzhou" in html
    # The carrier's own words and the recipient's phone stay on the staff side.
    for private in ("Zhang Wei", PHONE, "138****5678", "Wensan Road", "Xihu",
                    "Signed for at the door"):
        assert private not in html
    assert page.headers["Cache-Control"] == "no-store"

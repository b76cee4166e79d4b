"""Subscribers hear of every change of a shipment's status as ``shipment.updated``."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.logistics.support import post_webhook, route


def test_a_subscriber_hears_each_status_change_once(client, setup):
    subscribed = client.post("/api/v1/webhooks", headers=setup.admin, json={
        "name": "ERP", "url": f"{setup.server.url}/hooks", "events": ["shipment.updated"]})
    assert subscribed.status_code == 201, subscribed.get_json()
    number = setup.order(client)
    tracking_number = setup.ship(client, number)["tracking_number"]
    moment = (datetime.now(UTC) + timedelta(minutes=3)).isoformat()
    for _ in range(2):  # the second is a re-delivery: no news
        post_webhook(client, "sf", setup.secret, route("80", moment, waybill=tracking_number))

    heard = [r["body"] for r in setup.server.requests if r["path"] == "/hooks"]
    assert [(h["type"], h["data"]["status"], h["data"]["previous_status"]) for h in heard] == [
        ("shipment.updated", "label_created", None),
        ("shipment.updated", "delivered", "label_created")]
    assert heard[1]["data"]["order"] == number
    assert heard[1]["data"]["tracking_number"] == tracking_number

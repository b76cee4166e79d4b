"""The carrier's news of a merged parcel reaches every order of the merge: each order's
timeline, its own workflow and the webhooks of each, not the first order alone."""
from __future__ import annotations

from tests.consolidation.conftest import buyer, item, place_for
from tests.floor.conftest import floor_definition


def carrier_moves_orders(client, admin) -> None:
    """The shop's orders are shipped when the carrier has the parcel under way and
    delivered when it hands it over."""
    definition = floor_definition()
    definition["tracking"] = {"in_transit": "ship", "delivered": "deliver"}
    imported = client.post("/api/v1/import?on_conflict=replace", headers=admin, json={
        "format": "orderloom-package/1", "order_types": [definition]})
    assert imported.status_code in (200, 201), imported.get_json()


def merged_parcel(client, staff, tracking_number):
    first = place_for(client, staff, buyer(), [item("CUP-02", 1)])
    second = place_for(client, staff, buyer(), [item("TEA-01", 2)])
    third = place_for(client, staff, buyer(), [item("POT-03", 1)])
    merged = client.post("/api/v1/merges", headers=staff,
                         json={"orders": [first, second, third]})
    assert merged.status_code == 201, merged.get_json()
    shipped = client.post(f"/api/v1/merges/{merged.get_json()['id']}/shipment",
                          headers=staff, json={"carrier": "sf",
                                               "tracking_number": tracking_number})
    assert shipped.status_code == 201, shipped.get_json()
    return [first, second, third], shipped.get_json()["id"]


def news(client, staff, shipment, status, at):
    return client.post(f"/api/v1/shipments/{shipment}/events", headers=staff,
                       json={"status": status, "occurred_at": at,
                             "description": f"parcel {status}"})


def tracking_entries(client, staff, number):
    entries = client.get(f"/api/v1/orders/{number}/timeline", headers=staff).get_json()
    return [(e["details"]["status"], e["details"].get("transition"))
            for e in entries if e["kind"] == "tracking"]


def state(client, staff, number):
    return client.get(f"/api/v1/orders/{number}", headers=staff).get_json()["state"]


def test_every_order_of_a_merged_parcel_moves_with_the_carriers_news(client, staff, admin):
    # Once only the first order of the merge was shipped and delivered; the others
    # stayed confirmed with nothing on their timelines.
    carrier_moves_orders(client, admin)
    orders, shipment = merged_parcel(client, staff, "SF300400500")
    assert news(client, staff, shipment, "in_transit",
                "2026-01-05T09:00:00+08:00").status_code == 201
    assert [state(client, staff, n) for n in orders] == ["shipped"] * 3
    assert news(client, staff, shipment, "delivered",
                "2026-01-06T15:30:00+08:00").status_code == 201
    assert [state(client, staff, n) for n in orders] == ["delivered"] * 3
    for number in orders:
        assert tracking_entries(client, staff, number) == [
            ("in_transit", "ship"), ("delivered", "deliver")], number


def test_a_carrier_exception_of_a_merged_parcel_is_on_every_timeline(client, staff, admin):
    carrier_moves_orders(client, admin)
    orders, shipment = merged_parcel(client, staff, "SF300400501")
    assert news(client, staff, shipment, "exception",
                "2026-01-05T09:00:00+08:00").status_code == 201
    for number in orders:
        assert tracking_entries(client, staff, number) == [("exception", None)], number
        assert state(client, staff, number) == "confirmed"
    # The same news again records nothing more on any order.
    assert news(client, staff, shipment, "exception",
                "2026-01-05T09:00:00+08:00").status_code == 200
    assert all(len(tracking_entries(client, staff, n)) == 1 for n in orders)


def test_each_order_of_a_merged_parcel_sends_its_own_shipment_webhook(client, staff, admin,
                                                                      db):
    from sqlalchemy import select

    from orderloom.runtime.notify.webhooks import WebhookDelivery

    created = client.post("/api/v1/webhooks", headers=admin, json={
        "name": "erp", "url": "https://erp.example/hook", "events": ["shipment.updated"]})
    assert created.status_code == 201, created.get_json()
    carrier_moves_orders(client, admin)
    orders, shipment = merged_parcel(client, staff, "SF300400502")
    news(client, staff, shipment, "delivered", "2026-01-06T15:30:00+08:00")
    db.rollback()
    told = [(d.payload["data"]["order"], d.payload["data"]["status"])
            for d in db.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id))]
    assert sorted(told) == sorted([(n, "label_created") for n in orders]
                                  + [(n, "delivered") for n in orders])

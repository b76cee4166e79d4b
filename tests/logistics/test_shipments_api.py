"""Shipments over the API: the local courier, numbers given by hand, and a carrier
that fails (nothing stored)."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from tests.logistics.support import SAMPLE
from tests.platform.test_api_tokens import assert_problem, bearer


def test_staff_ship_with_the_local_courier_and_enter_its_events(client, setup):
    number = setup.order(client)
    created = client.post(f"/api/v1/orders/{number}/shipments", headers=setup.staff,
                          json={"carrier": "local", "warehouse": "HZ"})
    assert created.status_code == 201, created.get_json()
    shipment = created.get_json()
    assert shipment["tracking_number"].startswith("LC")
    assert shipment["warehouse"] == "HZ" and shipment["status"] == "label_created"
    assert shipment["label"]["recipient"]["name"] == "Zhang Wei"
    events = f"/api/v1/shipments/{shipment['id']}/events"
    moment = datetime.now(UTC)
    out = client.post(events, headers=setup.staff, json={
        "status": "out_for_delivery", "location": "Xihu depot",
        "occurred_at": moment.astimezone(timezone(timedelta(hours=8))).isoformat()})
    assert out.status_code == 201, out.get_json()
    assert out.get_json()["status"] == "out_for_delivery"
    again = client.post(events, headers=setup.staff, json={
        "status": "out_for_delivery", "location": "Xihu depot",
        "occurred_at": moment.isoformat().replace("+00:00", "Z")})
    assert again.status_code == 200  # the same moment: already recorded
    assert len(again.get_json()["events"]) == 2


def test_a_tracking_number_given_is_recorded_without_calling_the_carrier(client, setup):
    number = setup.order(client)
    created = client.post(f"/api/v1/orders/{number}/shipments", headers=setup.staff,
                          json={"carrier": "sf", "tracking_number": " SF123 "})
    assert created.status_code == 201
    assert created.get_json()["tracking_number"] == "SF123"
    assert setup.server.requests == []
    other = setup.order(client)
    taken = assert_problem(client.post(f"/api/v1/orders/{other}/shipments",
                                       headers=setup.staff,
                                       json={"carrier": "sf", "tracking_number": "SF123"}),
                           409)
    assert taken["errors"][0]["pointer"] == "/tracking_number"


def test_a_carrier_that_fails_gets_502_and_nothing_is_stored(client, setup):
    number = setup.order(client)
    setup.server.fail_with = 503
    body = assert_problem(client.post(f"/api/v1/orders/{number}/shipments",
                                      headers=setup.staff, json={"carrier": "sf"}), 502)
    assert "answered 503" in body["detail"]
    assert client.get(f"/api/v1/orders/{number}/shipments",
                      headers=setup.staff).get_json() == {"shipments": []}


def test_bad_shipment_input_is_refused_with_pointers(client, setup):
    number = setup.order(client)
    unknown = assert_problem(client.post(f"/api/v1/orders/{number}/shipments",
                                         headers=setup.staff, json={"carrier": "ems"}), 422)
    assert unknown["errors"] == [{"pointer": "/carrier", "detail": "there is no carrier 'ems'"}]
    local = client.post(f"/api/v1/orders/{number}/shipments", headers=setup.staff,
                        json={"carrier": "local"}).get_json()
    events = f"/api/v1/shipments/{local['id']}/events"
    assert assert_problem(client.post(events, headers=setup.staff, json={
        "status": "lost"}), 422)["errors"][0]["pointer"] == "/status"
    assert assert_problem(client.post(events, headers=setup.staff, json={
        "status": "delivered", "occurred_at": "2026-11-25 10:00"}), 422)["errors"][0][
        "pointer"] == "/occurred_at"
    assert_problem(client.post("/api/v1/orders/PO-999999/shipments", headers=setup.staff,
                               json={"carrier": "local"}), 404)
    sf = client.post(f"/api/v1/orders/{number}/shipments", headers=setup.staff,
                     json={"carrier": "sf"}).get_json()
    assert "from the carrier" in assert_problem(client.post(
        f"/api/v1/shipments/{sf['id']}/events", headers=setup.staff,
        json={"status": "delivered"}), 409)["detail"]


def test_a_viewer_sees_shipments_but_cannot_create_them(client, setup, token_for):
    number = setup.order(client)
    viewer = bearer(token_for("viewer"))
    assert client.get(f"/api/v1/orders/{number}/shipments", headers=viewer).status_code == 200
    assert_problem(client.post(f"/api/v1/orders/{number}/shipments", headers=viewer,
                               json={"carrier": "local"}), 403)


def test_a_tracking_no_entered_in_the_form_is_the_shipments_number(client, setup):
    number = setup.order(client, {**SAMPLE, "tracking_no": "SF777"})
    shipment = setup.ship(client, number)
    assert shipment["tracking_number"] == "SF777"
    assert setup.server.requests == []  # already booked: the carrier is not called


def test_a_carrier_without_a_booking_url_needs_the_number(client, setup):
    client.post("/api/v1/carriers", headers=setup.admin, json={"code": "dhl", "name": "DHL"})
    number = setup.order(client)
    body = assert_problem(client.post(f"/api/v1/orders/{number}/shipments",
                                      headers=setup.staff, json={"carrier": "dhl"}), 422)
    assert body["errors"][0]["pointer"] == "/tracking_number"
    given = client.post(f"/api/v1/orders/{number}/shipments", headers=setup.staff,
                        json={"carrier": "dhl", "tracking_number": "1Z999"})
    assert given.status_code == 201
    assert given.get_json()["events"][0]["description"] == \
        "Tracking number recorded with DHL"

"""Carrier webhooks: only the carrier's signature gets in, bad bodies are refused with
a pointer, and events the workflow cannot follow are recorded without failing."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.logistics.support import post_webhook, route
from tests.platform.test_api_tokens import assert_problem


def _later(minutes: int) -> str:
    return (datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=minutes)).isoformat()


def test_a_wrong_or_missing_signature_is_refused_and_changes_nothing(client, setup):
    number = setup.order(client)
    tracking_number = setup.ship(client, number)["tracking_number"]
    body = route("80", _later(5), waybill=tracking_number)
    forged = post_webhook(client, "sf", setup.secret, body, sign_with="olcw_guessed")
    assert "X-Orderloom-Signature" in assert_problem(forged, 401)["detail"]
    unsigned = client.post("/api/v1/carriers/sf/webhook", json=body)
    assert_problem(unsigned, 401)
    order = client.get(f"/api/v1/orders/{number}", headers=setup.staff).get_json()
    assert order["state"] == "shipped"


def test_a_rotated_secret_replaces_the_old_one_at_once(client, setup):
    number = setup.order(client)
    tracking_number = setup.ship(client, number)["tracking_number"]
    rotated = client.post("/api/v1/carriers/sf/secret", headers=setup.admin).get_json()
    body = route("50", _later(1), waybill=tracking_number)
    assert_problem(post_webhook(client, "sf", setup.secret, body), 401)
    assert post_webhook(client, "sf", rotated["webhook_secret"], body).status_code == 200


def test_a_status_code_missing_from_the_map_is_refused_with_a_pointer(client, setup):
    number = setup.order(client)
    tracking_number = setup.ship(client, number)["tracking_number"]
    answer = post_webhook(client, "sf", setup.secret, {"routes": [
        route("50", _later(1), waybill=tracking_number),
        route("77", _later(2), waybill=tracking_number)]})
    body = assert_problem(answer, 422)
    assert body["errors"] == [{"pointer": "/routes/1/opCode", "detail":
                               "carrier status '77' is not in the status map of carrier "
                               "'sf'; add it there"}]
    # All or nothing: the good first event was not kept either, so a resend is complete.
    shipment = client.get(f"/api/v1/orders/{number}/shipments",
                          headers=setup.staff).get_json()["shipments"][0]
    assert [e["status"] for e in shipment["events"]] == ["label_created"]


def test_a_time_that_is_not_a_time_is_refused_with_a_pointer(client, setup):
    number = setup.order(client)
    tracking_number = setup.ship(client, number)["tracking_number"]
    answer = post_webhook(client, "sf", setup.secret,
                          route("50", "yesterday", waybill=tracking_number))
    assert assert_problem(answer, 422)["errors"][0]["pointer"] == "/time"


def test_an_unknown_tracking_number_is_404_so_the_carrier_tries_again_later(client, setup):
    answer = post_webhook(client, "sf", setup.secret, route("50", _later(1),
                                                            waybill="SF999"))
    assert "SF999" in assert_problem(answer, 404)["detail"]


def test_an_exception_flags_the_order_and_a_later_delivery_still_completes_it(client, setup):
    number = setup.order(client)
    tracking_number = setup.ship(client, number)["tracking_number"]
    problem = post_webhook(client, "sf", setup.secret, route(
        "99", _later(10), "Hangzhou", "Nobody home", tracking_number))
    assert problem.get_json()["transitions"] == ["flag_problem"]
    assert client.get(f"/api/v1/orders/{number}",
                      headers=setup.staff).get_json()["state"] == "problem"
    delivered = post_webhook(client, "sf", setup.secret, route(
        "80", _later(60), "Hangzhou", "Second try", tracking_number))
    assert delivered.get_json()["transitions"] == ["deliver"]
    assert client.get(f"/api/v1/orders/{number}",
                      headers=setup.staff).get_json()["state"] == "delivered"


def test_an_event_the_workflow_cannot_follow_is_recorded_and_noted_not_failed(client, setup):
    number = setup.order(client)
    tracking_number = setup.ship(client, number)["tracking_number"]
    assert post_webhook(client, "sf", setup.secret, route(
        "80", _later(30), waybill=tracking_number)).status_code == 200
    # Delivered is terminal; a late exception cannot take flag_problem from there.
    late = post_webhook(client, "sf", setup.secret, route(
        "99", _later(40), "Hangzhou", "Damaged box reported", tracking_number))
    assert late.status_code == 200
    assert late.get_json() == {"recorded": 1, "duplicates": 0, "unknown": [],
                               "transitions": []}
    timeline = client.get(f"/api/v1/orders/{number}/timeline", headers=setup.staff).get_json()
    last = [e for e in timeline if e["kind"] == "tracking"][-1]
    assert last["details"]["status"] == "exception"
    assert last["details"].get("transition") == "flag_problem", last
    assert "cannot be taken from state 'delivered'" in last["details"]["not_taken"]
    assert client.get(f"/api/v1/orders/{number}",
                      headers=setup.staff).get_json()["state"] == "delivered"


def test_an_event_older_than_the_newest_does_not_move_the_order_back(client, setup):
    number = setup.order(client)
    tracking_number = setup.ship(client, number)["tracking_number"]
    post_webhook(client, "sf", setup.secret, route("30", _later(20), waybill=tracking_number))
    # An exception reported late, for a moment before the newest event.
    answer = post_webhook(client, "sf", setup.secret,
                          route("99", _later(10), waybill=tracking_number))
    assert answer.get_json()["recorded"] == 1 and answer.get_json()["transitions"] == []
    shipment = client.get(f"/api/v1/orders/{number}/shipments",
                          headers=setup.staff).get_json()["shipments"][0]
    assert shipment["status"] == "in_transit"
    assert client.get(f"/api/v1/orders/{number}",
                      headers=setup.staff).get_json()["state"] == "shipped"


def test_a_switched_off_carrier_gets_404(client, setup):
    client.patch("/api/v1/carriers/sf", headers=setup.admin, json={"active": False})
    answer = post_webhook(client, "sf", setup.secret, route("50", _later(1), waybill="SF1"))
    assert_problem(answer, 404)

"""``create_shipment`` with ``carrier_field``: the parcel goes with the carrier the
order names (staff chose ZTO and typed its waybill number), not always the action's.
A carrier that is not set up under Carriers sends no news, so staff enter its events."""
from __future__ import annotations

from orderloom.designer.validation import validate_order_type
from tests.logistics.support import SAMPLE, parcel_order
from tests.platform.test_api_tokens import bearer

CARRIER = {"key": "carrier", "type": "choice", "label": {"en": "Carrier"},
           "options": [{"value": "sf", "label": {"en": "SF Express"}},
                       {"value": "zto", "label": {"en": "ZTO"}}]}


def chosen_carrier_order() -> dict:
    definition = parcel_order()
    definition["form"]["fields"].append(CARRIER)
    definition["workflow"]["transitions"][0]["actions"] = [
        {"type": "create_shipment", "carrier": "local", "carrier_field": "carrier"}]
    return definition


def publish_and_ship(client, token_for, data: dict) -> tuple[dict, list[dict]]:
    designer = bearer(token_for("designer"))
    # replace: the setup fixture, when used, has imported the plain parcel order
    imported = client.post("/api/v1/import?on_conflict=replace", headers=designer, json={
        "format": "orderloom-package/1", "order_types": [chosen_carrier_order()]})
    assert imported.status_code == 201, imported.get_json()
    staff = bearer(token_for("staff"))
    created = client.post("/api/v1/orders", headers=staff, json={
        "order_type": "parcel_order", "data": {**SAMPLE, **data}})
    assert created.status_code == 201, created.get_json()
    number = created.get_json()["number"]
    shipped = client.post(f"/api/v1/orders/{number}/transitions/ship", headers=staff)
    assert shipped.status_code == 200, shipped.get_json()
    shipments = client.get(f"/api/v1/orders/{number}/shipments",
                           headers=staff).get_json()["shipments"]
    return staff, shipments


def test_the_parcel_goes_with_the_carrier_the_order_names(client, token_for):
    staff, shipments = publish_and_ship(client, token_for,
                                        {"carrier": "zto", "tracking_no": " ZT7788990011 "})
    assert [(s["carrier"], s["tracking_number"]) for s in shipments] == [
        ("zto", "ZT7788990011")]
    # ZTO is not set up here: nothing reports for it, so staff enter what happened.
    entered = client.post(f"/api/v1/shipments/{shipments[0]['id']}/events", headers=staff,
                          json={"status": "delivered", "description": "Signed"})
    assert entered.status_code == 201, entered.get_json()
    assert entered.get_json()["status"] == "delivered"


def test_without_a_carrier_on_the_order_the_actions_own_is_used(client, token_for):
    _staff, shipments = publish_and_ship(client, token_for, {})
    assert len(shipments) == 1 and shipments[0]["carrier"] == "local"
    assert shipments[0]["tracking_number"]  # booked with the local courier


def test_a_set_up_carrier_reports_its_own_events(client, token_for, setup, db):
    staff, shipments = publish_and_ship(client, token_for,
                                        {"carrier": "sf", "tracking_no": "SF123456789012"})
    assert shipments[0]["carrier"] == "sf"
    refused = client.post(f"/api/v1/shipments/{shipments[0]['id']}/events", headers=staff,
                          json={"status": "delivered"})
    assert refused.status_code == 409
    assert "events come from the carrier itself" in refused.get_json()["detail"]


def test_carrier_field_must_name_a_choice_or_text_field():
    definition = chosen_carrier_order()
    action = definition["workflow"]["transitions"][0]["actions"][0]
    action["carrier_field"] = "carier"
    assert [(p.pointer, p.message) for p in validate_order_type(definition)] == [
        ("/workflow/transitions/0/actions/0/carrier_field",
         "there is no field 'carier'; did you mean 'carrier'?")]
    action["carrier_field"] = "ship_to"
    assert [(p.pointer, p.message) for p in validate_order_type(definition)] == [
        ("/workflow/transitions/0/actions/0/carrier_field",
         "'ship_to' is a address field; the carrier's code comes from a choice or text "
         "field")]

"""The definition's side of tracking: the ``tracking`` map and the ``create_shipment``
action are checked when the definition is saved, each problem at its pointer."""
from __future__ import annotations

from orderloom.designer.validation import validate_order_type
from tests.logistics.support import parcel_order
from tests.platform.test_api_tokens import bearer


def _problems(definition) -> list[tuple[str, str]]:
    return [(p.pointer, p.message) for p in validate_order_type(definition)]


def test_the_sample_definition_is_valid():
    assert _problems(parcel_order()) == []


def test_a_tracking_map_naming_a_missing_transition_points_at_it():
    definition = parcel_order(tracking={"delivered": "delivr"})
    assert _problems(definition) == [
        ("/tracking/delivered", "there is no transition 'delivr'; did you mean 'deliver'?")]


def test_a_tracking_map_accepts_only_normalised_statuses():
    problems = _problems(parcel_order(tracking={"signed": "deliver"}))
    assert len(problems) == 1 and problems[0][0].startswith("/tracking")


def test_create_shipment_needs_a_carrier_code():
    definition = parcel_order()
    definition["workflow"]["transitions"][0]["actions"] = [{"type": "create_shipment"}]
    problems = _problems(definition)
    assert problems and problems[0][0] == "/workflow/transitions/0/actions/0"
    assert "carrier" in problems[0][1]


def test_a_publish_with_a_bad_tracking_map_is_refused_over_the_api(client, token_for):
    designer = bearer(token_for("designer"))
    response = client.post("/api/v1/import", headers=designer, json={
        "format": "orderloom-package/1",
        "order_types": [parcel_order(tracking={"exception": "flag"})]})
    assert response.status_code == 422
    pointers = [e["pointer"] for e in response.get_json()["errors"]]
    assert pointers == ["/order_types/0/tracking/exception"]

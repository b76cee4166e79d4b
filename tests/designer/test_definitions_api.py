"""Order types over the API: drafts, publishing, versions, diffs, simulation."""
from __future__ import annotations

import pytest

from tests.designer.samples import retail
from tests.platform.test_api_tokens import assert_problem, bearer


@pytest.fixture
def designer(client, token_for):
    return bearer(token_for("designer"))


def create(client, headers, definition=None):
    return client.post("/api/v1/order-types", json=definition or retail(), headers=headers)


def test_schemas_are_served_without_login(client):
    response = client.get("/api/v1/schemas/order-type")
    assert response.status_code == 200
    assert response.get_json()["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert client.get("/api/v1/schemas/template-package").status_code == 200
    assert_problem(client.get("/api/v1/schemas/nope"), 404)


def test_a_draft_with_problems_is_kept_and_its_problems_returned(client, designer):
    d = retail()
    d["rules"][0]["when"] = 'priorty = "rush"'
    response = create(client, designer, d)
    assert response.status_code == 201
    assert response.get_json()["errors"] == [{
        "pointer": "/rules/0/when", "detail": "unknown field 'priorty'; did you mean "
                                              "'priority'?", "line": 1, "column": 1}]
    stored = client.get("/api/v1/order-types/retail_order", headers=designer).get_json()
    assert stored["draft"]["rules"][0]["when"] == 'priorty = "rush"'
    assert stored["latest_version"] is None


def test_publishing_refuses_a_draft_with_problems_and_changes_nothing(client, designer):
    d = retail()
    d["workflow"]["transitions"][0]["to"] = "nowhere"
    create(client, designer, d)
    body = assert_problem(client.post("/api/v1/order-types/retail_order/publish",
                                      headers=designer), 422)
    assert body["errors"][0]["pointer"] == "/workflow/transitions/0/to"
    versions = client.get("/api/v1/order-types/retail_order/versions", headers=designer)
    assert versions.get_json() == []


def test_publish_then_edit_then_publish_keeps_version_1_unchanged(client, designer):
    create(client, designer)
    first = client.post("/api/v1/order-types/retail_order/publish", headers=designer,
                        json={"note": "first"})
    assert first.status_code == 201
    assert first.get_json()["number"] == 1
    d = retail()
    d["rules"][0]["when"] = 'priority = "rush" OR total > 50000'
    d["form"]["fields"].append({"key": "po_number", "type": "text", "label": {"en": "PO"}})
    saved = client.put("/api/v1/order-types/retail_order/draft", json=d, headers=designer)
    assert saved.status_code == 200
    assert saved.get_json()["errors"] == []
    second = client.post("/api/v1/order-types/retail_order/publish", headers=designer)
    assert second.status_code == 201
    assert second.get_json()["number"] == 2
    assert {(c["what"], c["key"], c["change"]) for c in second.get_json()["changes"]} == {
        ("field", "po_number", "added"), ("rule", "rush_tag", "changed")}
    v1 = client.get("/api/v1/order-types/retail_order/versions/1", headers=designer).get_json()
    assert v1["definition"]["rules"][0]["when"] == 'priority = "rush"'
    assert v1["note"] == "first"
    assert "po_number" not in [f["key"] for f in v1["definition"]["form"]["fields"]]


def test_publishing_an_unchanged_draft_is_a_conflict(client, designer):
    create(client, designer)
    client.post("/api/v1/order-types/retail_order/publish", headers=designer)
    body = assert_problem(client.post("/api/v1/order-types/retail_order/publish",
                                      headers=designer), 409)
    assert "nothing to publish" in body["detail"]


def test_the_diff_between_versions_names_what_changed(client, designer):
    create(client, designer)
    client.post("/api/v1/order-types/retail_order/publish", headers=designer)
    d = retail()
    d["workflow"]["states"][1]["sla_hours"] = 8
    del d["decision_tables"]
    client.put("/api/v1/order-types/retail_order/draft", json=d, headers=designer)
    changes = client.get("/api/v1/order-types/retail_order/diff?from=1&to=draft",
                         headers=designer).get_json()["changes"]
    assert {"what": "state", "key": "review", "change": "changed",
            "members": ["sla_hours"]} in changes
    assert {"what": "decision table", "key": "shipping_class", "change": "removed"} in changes
    assert_problem(client.get("/api/v1/order-types/retail_order/diff?from=9",
                              headers=designer), 404)


def test_the_key_of_an_order_type_cannot_change(client, designer):
    create(client, designer)
    d = retail()
    d["key"] = "other"
    body = assert_problem(client.put("/api/v1/order-types/retail_order/draft", json=d,
                                     headers=designer), 422)
    assert body["errors"][0]["pointer"] == "/key"


def test_a_second_order_type_with_the_same_key_is_a_conflict(client, designer):
    create(client, designer)
    body = assert_problem(create(client, designer), 409)
    assert body["errors"] == [{"pointer": "/key", "detail": "an order type with the key "
                                                            "'retail_order' exists already"}]


def test_a_body_that_is_not_a_definition_gets_a_pointer(client, designer):
    body = assert_problem(client.post("/api/v1/order-types", json={"name": "x"},
                                      headers=designer), 422)
    assert body["errors"][0]["pointer"] == "/key"


def test_staff_may_read_but_not_change_definitions(client, designer, token_for):
    create(client, designer)
    staff = bearer(token_for("staff"))
    assert client.get("/api/v1/order-types", headers=staff).status_code == 200
    assert_problem(client.put("/api/v1/order-types/retail_order/draft", json=retail(),
                              headers=staff), 403)
    assert_problem(client.post("/api/v1/order-types/retail_order/publish", headers=staff), 403)


def test_simulation_computes_checks_rules_route_and_transitions(client, designer):
    create(client, designer)
    response = client.post("/api/v1/order-types/retail_order/simulate", headers=designer, json={
        "data": {"customer": {"code": "C1", "name": "Li", "tier": "gold"},
                 "ship_to": {"country": "CN", "province": "Zhejiang"},
                 "priority": "rush",
                 "items": [{"sku": "A", "qty": 2, "price": "9999.99", "amount": "1"},
                           {"sku": "B", "qty": 1001, "price": "0.10"}],
                 "total": "0"},
        "roles": ["staff", "viewer"]})
    assert response.status_code == 200, response.get_json()
    result = response.get_json()
    assert result["computed"] == {"total": "20100.08", "discount": "1005.00"}
    assert [line["amount"] for line in result["lines"]["items"]] == ["19999.98", "100.10"]
    assert result["problems"] == [{"pointer": "/items/1/qty", "detail": "At most 1000 per line"}]
    assert [r["key"] for r in result["rules"] if r["matched"]] == ["rush_tag", "big_order"]
    assert result["route"] == {"warehouse": "SH", "by": "routing rule 1"}
    assert [t["key"] for t in result["transitions"]["staff"]] == ["submit", "cancel"]
    assert result["transitions"]["viewer"] == []
    assert result["decision_tables"][0]["matched"][0]["row"] == 0


def test_simulation_stores_nothing(client, designer, db):
    from sqlalchemy import func, select

    from orderloom.runtime.audit import AuditEvent

    create(client, designer)
    before = db.scalar(select(func.count()).select_from(AuditEvent))
    db.rollback()
    client.post("/api/v1/order-types/retail_order/simulate", headers=designer,
                json={"data": {}})
    after = db.scalar(select(func.count()).select_from(AuditEvent))
    db.rollback()
    assert after == before


def test_simulation_of_an_unknown_state_is_refused(client, designer):
    create(client, designer)
    body = assert_problem(client.post("/api/v1/order-types/retail_order/simulate",
                                      headers=designer, json={"data": {}, "state": "moon"}), 422)
    assert body["errors"][0]["pointer"] == "/state"

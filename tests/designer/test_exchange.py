"""Export and import of order systems as one canonical JSON file."""
from __future__ import annotations

import json

import pytest

from tests.designer.samples import retail
from tests.platform.test_api_tokens import assert_problem, bearer


@pytest.fixture
def designer(client, token_for):
    return bearer(token_for("designer"))


def package_of(*definitions):
    return {"format": "orderloom-package/1", "order_types": list(definitions)}


def test_export_import_export_is_byte_identical(client, designer, db):
    client.post("/api/v1/import", json=package_of(retail()), headers=designer)
    first = client.get("/api/v1/export", headers=designer).get_data()
    # Wipe the workspace and import the export back.
    from sqlalchemy import delete

    from orderloom.designer.models import OrderType

    db.execute(delete(OrderType))
    db.commit()
    assert client.get("/api/v1/order-types", headers=designer).get_json() == []
    again = client.post("/api/v1/import", data=first, headers={
        **designer, "Content-Type": "application/json"})
    assert again.status_code == 201
    second = client.get("/api/v1/export", headers=designer).get_data()
    assert first == second
    assert json.loads(first)["order_types"][0]["key"] == "retail_order"


def test_import_publishes_version_1(client, designer):
    response = client.post("/api/v1/import", json=package_of(retail()), headers=designer)
    assert response.status_code == 201
    assert response.get_json() == {"created": ["retail_order"], "replaced": [], "renamed": {},
                                   "published": {"retail_order": 1}}


def test_import_conflict_fails_by_default_and_keeps_everything(client, designer):
    client.post("/api/v1/import", json=package_of(retail()), headers=designer)
    changed = retail()
    changed["name"] = {"en": "Changed"}
    body = assert_problem(client.post("/api/v1/import", json=package_of(changed),
                                      headers=designer), 409)
    assert body["errors"][0]["pointer"] == "/order_types/0/key"
    stored = client.get("/api/v1/order-types/retail_order", headers=designer).get_json()
    assert stored["name"] == {"en": "Retail order", "zh": "零售订单"}


def test_import_rename_adds_a_second_order_type(client, designer):
    client.post("/api/v1/import", json=package_of(retail()), headers=designer)
    response = client.post("/api/v1/import?on_conflict=rename", json=package_of(retail()),
                           headers=designer)
    assert response.get_json()["renamed"] == {"retail_order": "retail_order_2"}
    keys = [t["key"] for t in client.get("/api/v1/order-types", headers=designer).get_json()]
    assert keys == ["retail_order", "retail_order_2"]


def test_import_replace_publishes_a_new_version(client, designer):
    client.post("/api/v1/import", json=package_of(retail()), headers=designer)
    changed = retail()
    changed["number_prefix"] = "RO"
    response = client.post("/api/v1/import?on_conflict=replace", json=package_of(changed),
                           headers=designer)
    assert response.get_json()["published"] == {"retail_order": 2}
    v1 = client.get("/api/v1/order-types/retail_order/versions/1", headers=designer).get_json()
    assert v1["definition"]["number_prefix"] == "SO"


def test_an_invalid_package_imports_nothing(client, designer):
    bad = retail()
    bad["key"] = "second"
    bad["rules"][0]["when"] = "nope"
    body = assert_problem(client.post("/api/v1/import", json=package_of(retail(), bad),
                                      headers=designer), 422)
    assert body["errors"][0]["pointer"] == "/order_types/1/rules/0/when"
    assert client.get("/api/v1/order-types", headers=designer).get_json() == []


def test_a_bad_on_conflict_value_is_refused(client, designer):
    body = assert_problem(client.post("/api/v1/import?on_conflict=merge",
                                      json=package_of(retail()), headers=designer), 422)
    assert body["errors"] == [{"parameter": "on_conflict", "pointer": "/on_conflict",
                               "detail": "must be fail, rename or replace"}]
    assert client.get("/api/v1/order-types", headers=designer).get_json() == []

"""Regression tests for what the fuzzing and the permission walk found, one each."""
from __future__ import annotations

from orderloom.designer.validation import validate_order_type
from tests.designer.samples import retail
from tests.platform.test_api_tokens import assert_problem, bearer


def test_healthz_with_a_logged_in_browser_is_not_503(actions, client, app):
    # Once: loading the visitor's user held SQLite's lock, and the health check's own
    # connection then waited for it and reported the database unreachable.
    actions.login_as("staff")
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json()["checks"]["database"] == "ok"


def test_an_id_longer_than_any_database_id_is_404(client, token_for):
    # Once: a 23-digit id reached SQLite, which cannot hold it, and the answer was 500.
    headers = bearer(token_for("admin"))
    assert_problem(client.get("/api/v1/webhooks/33062145868767088869376", headers=headers),
                   404)
    # Once: with a limit on the value instead of the pattern, PATCH answered 405.
    assert_problem(client.patch("/api/v1/webhooks/33062145868767088869376",
                                headers=headers, json={"active": False}), 404)


def test_a_weight_beyond_any_column_is_422_not_500(client, token_for):
    # Once: a 26-digit weight overflowed SQLite's INTEGER and the answer was 500.
    response = client.post("/api/v1/products", headers=bearer(token_for("admin")),
                           json={"sku": "A-1", "name": "Tea",
                                 "weight_grams": 17899707357218727402668032})
    assert assert_problem(response, 422)["errors"][0]["pointer"] == "/weight_grams"


def test_statuses_the_api_gives_are_in_the_document(client):
    # Once: 409 (duplicates) and 415 (not JSON) were answered but not documented.
    document = client.get("/api/openapi.json").get_json()
    create_user = document["paths"]["/api/v1/users"]["post"]["responses"]
    assert {"409", "415"} <= set(create_user)
    list_users = document["paths"]["/api/v1/users"]["get"]["responses"]
    assert "415" not in list_users and "409" not in list_users


def test_a_saved_statement_mapping_fits_its_documented_answer(client, token_for):
    # Once: the answer carried provider, updated_at and updated_by, which the
    # document's schema (the request's, with additionalProperties false) forbade.
    from jsonschema import Draft202012Validator

    response = client.put("/api/v1/statement-mappings/alipay",
                          headers=bearer(token_for("admin")),
                          json={"columns": {"amount": "Amount", "date": "Date"}})
    assert response.status_code == 200, response.get_json()
    document = client.get("/api/openapi.json").get_json()
    schema = document["paths"]["/api/v1/statement-mappings/{provider}"]["put"][
        "responses"]["200"]["content"]["application/json"]["schema"]
    assert list(Draft202012Validator(schema).iter_errors(response.get_json())) == []


def test_an_object_as_a_choice_default_is_a_problem_not_a_crash():
    # Once: the default was looked up in a set of options, and a dict raised TypeError.
    definition = retail()
    priority = next(f for f in definition["form"]["fields"] if f["key"] == "priority")
    priority["default"] = {"value": "rush"}
    problems = validate_order_type(definition)
    assert problems, "an object default was accepted"
    assert all(p.pointer.startswith("/form/fields/") for p in problems)


def test_a_threshold_beyond_a_32_bit_column_is_422_not_500(client, token_for):
    # Once: PostgreSQL refused 23354430912059312 for an integer column: a 500.
    response = client.post("/api/v1/products", headers=bearer(token_for("admin")),
                           json={"sku": "A-1", "name": "Tea",
                                 "low_stock_threshold": 23354430912059312})
    body = assert_problem(response, 422)
    assert body["errors"][0]["pointer"] == "/low_stock_threshold"
    assert "2147483647" in body["errors"][0]["detail"]
    fine = client.post("/api/v1/products", headers=bearer(token_for("admin")),
                       json={"sku": "A-2", "name": "Tea", "low_stock_threshold": 2147483647})
    assert fine.status_code == 201, fine.get_json()

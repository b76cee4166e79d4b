"""The OpenAPI document is valid 3.1 and lists every API route."""
from __future__ import annotations

from openapi_spec_validator import validate


def test_the_document_is_valid_openapi_3_1(client):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    document = response.get_json()
    assert document["openapi"] == "3.1.0"
    validate(document)


def test_every_api_route_is_in_the_document(app, client):
    document = client.get("/api/openapi.json").get_json()
    documented = {
        (path, method.upper())
        for path, operations in document["paths"].items()
        for method in operations
    }
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/"):
            continue
        path = rule.rule.replace("<int:", "{").replace("<", "{").replace(">", "}")
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert (path, method) in documented, f"{method} {path} is not documented"


def test_request_schemas_in_the_document_are_the_ones_enforced(client):
    document = client.get("/api/openapi.json").get_json()
    create_user = document["paths"]["/api/v1/users"]["post"]
    schema = create_user["requestBody"]["content"]["application/json"]["schema"]
    assert schema["required"] == ["username", "password", "roles"]
    assert "422" in create_user["responses"]

"""Products, warehouses and stock through the API and the CLI."""
from __future__ import annotations

import pytest

from tests.platform.test_api_tokens import assert_problem, bearer


@pytest.fixture
def manager(client, token_for):
    headers = bearer(token_for("admin"))
    assert client.post("/api/v1/products", headers=headers,
                       json={"sku": "TEA-01", "name": "Longjing tea"}).status_code == 201
    assert client.post("/api/v1/warehouses", headers=headers, json={
        "code": "HZ", "name": "Hangzhou", "regions": ["Zhejiang"], "priority": 1}
    ).status_code == 201
    return headers


def test_receipts_and_adjustments_show_in_levels_and_the_ledger(client, manager):
    assert client.post("/api/v1/stock/receipts", headers=manager, json={
        "sku": "TEA-01", "warehouse": "HZ", "quantity": 12, "reference": "PO-7"}
    ).status_code == 201
    assert client.post("/api/v1/stock/adjustments", headers=manager, json={
        "sku": "TEA-01", "warehouse": "HZ", "change": -2, "reference": "two broken"}
    ).status_code == 201
    assert client.get("/api/v1/stock?sku=TEA-01", headers=manager).get_json() == [
        {"sku": "TEA-01", "warehouse": "HZ", "on_hand": 10, "reserved": 0, "available": 10}]
    ledger = client.get("/api/v1/stock/movements", headers=manager).get_json()
    assert [(m["kind"], m["on_hand_change"], m["reference"]) for m in ledger] == [
        ("adjustment", -2, "two broken"), ("receipt", 12, "PO-7")]


def test_bad_stock_requests_are_precise(client, manager):
    body = assert_problem(client.post("/api/v1/stock/receipts", headers=manager, json={
        "sku": "NOPE", "warehouse": "HZ", "quantity": 1}), 422)
    # Once answered with the detail alone, without the errors array the API promises.
    assert body["errors"] == [{"pointer": "/sku", "detail": "there is no product with SKU 'NOPE'"}]
    body = assert_problem(client.post("/api/v1/stock/returns", headers=manager, json={
        "sku": "TEA-01", "warehouse": "XX", "quantity": 1}), 422)
    assert body["errors"] == [{"pointer": "/warehouse", "detail": "there is no warehouse 'XX'"}]
    body = assert_problem(client.post("/api/v1/stock/receipts", headers=manager, json={
        "sku": "TEA-01", "warehouse": "HZ", "quantity": 0}), 422)
    assert body["errors"][0]["pointer"] == "/quantity"
    body = assert_problem(client.post("/api/v1/stock/adjustments", headers=manager, json={
        "sku": "TEA-01", "warehouse": "HZ", "change": -1, "reference": "count"}), 409)
    assert body["available"] == 0
    assert_problem(client.post("/api/v1/products", headers=manager,
                               json={"sku": "TEA-01", "name": "again"}), 409)


def test_staff_see_stock_but_cannot_change_it(client, manager, token_for):
    staff = bearer(token_for("staff"))
    assert client.get("/api/v1/stock", headers=staff).status_code == 200
    assert_problem(client.post("/api/v1/stock/receipts", headers=staff, json={
        "sku": "TEA-01", "warehouse": "HZ", "quantity": 1}), 403)


def test_definitions_must_name_existing_warehouses_once_there_are_any(client, manager,
                                                                      token_for):
    from tests.designer.samples import retail

    designer = bearer(token_for("designer"))
    result = client.post("/api/v1/definitions/check", headers=designer, json=retail())
    pointers = [e["pointer"] for e in result.get_json()["errors"]]
    assert "/routing/rules/0/warehouse" in pointers  # SH is not set up; HZ is


def test_stock_verify_command(tmp_path):
    from tests.platform.test_cli import run

    assert run(["init", "--admin-password", "tidy-harbour-42"], tmp_path).returncode == 0
    result = run(["stock", "verify"], tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "Every stock level equals the sum of its ledger lines."

"""Edits of orders that already set something in motion: lines whose stock is reserved
move the reservation by the difference (a raise beyond stock is refused with the
shortfall, docs/order-desk.md), and fields the designer locked with ``readonly_when``
keep their values."""
from __future__ import annotations

from tests.designer.samples import retail
from tests.documents.conftest import place
from tests.platform.test_api_tokens import bearer


def test_lines_with_reserved_stock_change_within_stock_and_other_fields_change(client, staff):
    number = place(client, staff)  # submitted: 2 x TEA-01 and 3 x CUP-02 held in HZ
    before = client.get(f"/api/v1/orders/{number}", headers=staff).get_json()
    response = client.patch(f"/api/v1/orders/{number}", headers=staff, json={
        "data": {"items": [{"sku": "TEA-01", "qty": 25, "price": "1250.50"}]}})
    assert response.status_code == 409
    assert response.get_json()["errors"] == [{
        "pointer": "/data/items/0/qty",
        "detail": "TEA-01: 23 more wanted but only 18 available in HZ; 5 short"}]
    assert client.get(f"/api/v1/orders/{number}", headers=staff).get_json()["revision"] \
        == before["revision"]
    moved = client.patch(f"/api/v1/orders/{number}", headers=staff, json={
        "data": {"ship_to": {**before["data"]["ship_to"], "street": "1 West Lake Rd"}}})
    assert moved.status_code == 200, moved.get_json()
    assert moved.get_json()["data"]["ship_to"]["street"] == "1 West Lake Rd"
    # Sending the lines unchanged is not a change.
    same = client.patch(f"/api/v1/orders/{number}", headers=staff, json={
        "data": {"items": before["data"]["items"]}})
    assert same.status_code == 200
    assert same.get_json()["revision"] == moved.get_json()["revision"]


def test_a_field_locked_by_its_condition_keeps_its_value(client, token_for, admin):
    definition = retail()
    definition["key"] = "locked_order"
    for field in definition["form"]["fields"]:
        if field["key"] == "priority":
            field["readonly_when"] = 'state != "draft"'
    response = client.post("/api/v1/import", headers=admin, json={
        "format": "orderloom-package/1", "order_types": [definition]})
    assert response.status_code == 201, response.get_json()
    staff = bearer(token_for("staff"))
    created = client.post("/api/v1/orders", headers=staff, json={
        "order_type": "locked_order", "data": {
            "customer": {"code": "C1", "name": "Li Wei", "tier": "silver"},
            "ship_to": {"country": "CN", "province": "Zhejiang"},
            "items": [{"sku": "CUP-02", "qty": 1, "price": "10"}]}}).get_json()
    number = created["number"]
    # In draft the priority may change.
    assert client.patch(f"/api/v1/orders/{number}", headers=staff, json={
        "data": {"priority": "rush"}}).status_code == 200
    assert client.post(f"/api/v1/orders/{number}/transitions/submit",
                       headers=staff).status_code == 200
    refused = client.patch(f"/api/v1/orders/{number}", headers=staff,
                           json={"data": {"priority": "normal"}})
    assert refused.status_code == 422
    assert refused.get_json()["errors"] == [{
        "pointer": "/data/priority",
        "detail": "cannot be changed now (state != \"draft\" is TRUE)"}]
    assert client.get(f"/api/v1/orders/{number}", headers=staff).get_json()["data"][
        "priority"] == "rush"

"""Merging duplicate customers: one survivor keeps the orders, tags and history."""
from __future__ import annotations

from sqlalchemy import select

from orderloom.runtime.audit import AuditEvent
from tests.customers.conftest import order_for

API = "/api/v1/customers"


def test_merge_moves_orders_and_tags_and_keeps_the_old_code_pointing(client, staff, db):
    order_for(client, staff, {"code": "A", "name": "Li Wei", "tags": ["vip"]})
    order_for(client, staff, {"code": "B", "name": "LI WEI", "email": "lw@example.com",
                              "tags": ["wholesale"]})
    order_for(client, staff, {"code": "B", "name": "LI WEI"})
    merged = client.post(f"{API}/A/merge", headers=staff, json={"duplicates": ["B"]})
    assert merged.status_code == 200, merged.get_json()
    survivor = merged.get_json()
    assert survivor["orders_moved"] == 2
    assert survivor["orders"]["all"] == 3
    assert survivor["tags"] == ["vip", "wholesale"]
    assert survivor["email"] == "lw@example.com"  # the survivor had none
    assert survivor["lifetime_value"] == "7682.10"  # 3 x 2560.70

    duplicate = client.get(f"{API}/B", headers=staff).get_json()
    assert duplicate["merged_into"] == "A"
    assert [c["code"] for c in client.get(API, headers=staff).get_json()["customers"]] == ["A"]
    # A CRM still sending the old code, or the old email, reaches the survivor.
    order_for(client, staff, {"code": "B", "name": "Li Wei"})
    order_for(client, staff, {"name": "Li Wei", "email": "lw@example.com"})
    assert client.get(f"{API}/A", headers=staff).get_json()["orders"]["all"] == 5
    by_old_code = client.get("/api/v1/orders?customer=B", headers=staff).get_json()["orders"]
    assert len(by_old_code) == 5

    audit = db.scalars(select(AuditEvent).where(AuditEvent.action == "customer.merged")).one()
    assert audit.subject_id == "A"
    assert audit.details == {"duplicates": ["B"], "orders_moved": 2}


def test_merging_twice_never_leaves_a_chain(client, staff):
    for code in ("A", "B", "C"):
        order_for(client, staff, {"code": code, "name": code})
    assert client.post(f"{API}/B/merge", headers=staff,
                       json={"duplicates": ["C"]}).status_code == 200
    assert client.post(f"{API}/A/merge", headers=staff,
                       json={"duplicates": ["B"]}).status_code == 200
    assert client.get(f"{API}/C", headers=staff).get_json()["merged_into"] == "A"
    assert client.get(f"{API}/A", headers=staff).get_json()["orders"]["all"] == 3


def test_refused_merges_change_nothing(client, staff):
    for code in ("A", "B"):
        order_for(client, staff, {"code": code, "name": code})
    itself = client.post(f"{API}/A/merge", headers=staff, json={"duplicates": ["A"]})
    assert itself.status_code == 422
    assert itself.get_json()["errors"][0]["pointer"] == "/duplicates/0"
    unknown = client.post(f"{API}/A/merge", headers=staff, json={"duplicates": ["B", "Z"]})
    assert unknown.status_code == 422
    assert unknown.get_json()["errors"][0]["pointer"] == "/duplicates/1"
    assert client.get(f"{API}/B", headers=staff).get_json()["merged_into"] is None
    client.post(f"{API}/A/merge", headers=staff, json={"duplicates": ["B"]})
    again = client.post(f"{API}/A/merge", headers=staff, json={"duplicates": ["B"]})
    assert again.status_code == 409
    into_merged = client.post(f"{API}/B/merge", headers=staff, json={"duplicates": ["A"]})
    assert into_merged.status_code == 409
    assert client.get(f"{API}/A", headers=staff).get_json()["orders"]["all"] == 2

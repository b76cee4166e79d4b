"""Customers over the API, on SQLite and PostgreSQL: what a CRM and staff see."""
from __future__ import annotations

from sqlalchemy import select

from orderloom.runtime.audit import AuditEvent
from tests.customers.conftest import order_for

API = "/api/v1/customers"


def test_an_order_makes_its_customer_and_the_next_order_finds_it(client, staff):
    first = order_for(client, staff, {"code": "C1", "name": "Li Wei", "tier": "gold",
                                      "email": "Li.Wei@Example.com"})
    order_for(client, staff, {"code": "C1", "name": "Li Wei"})
    listed = client.get(API, headers=staff).get_json()["customers"]
    assert [c["code"] for c in listed] == ["C1"]
    customer = client.get(f"{API}/C1", headers=staff).get_json()
    assert customer["name"] == "Li Wei"
    assert customer["email"] == "li.wei@example.com"
    assert customer["attributes"] == {"tier": "gold"}
    assert customer["orders"]["all"] == 2 and customer["orders"]["counted"] == 2
    assert customer["lifetime_value"] == "5121.40"  # 2 x 2560.70
    assert customer["segment"] == "loyal"  # two orders this month
    orders = client.get(f"{API}/C1/orders", headers=staff).get_json()
    assert orders["count"] == 2
    assert orders["orders"][-1]["number"] == first["number"]


def test_an_order_without_a_code_is_matched_by_email_then_phone(client, staff):
    client.post(API, headers=staff, json={"code": "CRM-7", "name": "Zhang San",
                                          "email": "zs@example.com", "phone": "138 0013 8000"})
    order_for(client, staff, {"name": "Zhang", "email": "ZS@example.com"})
    order_for(client, staff, {"name": "Zhang", "phone": "13800138000"})
    listed = client.get(API, headers=staff).get_json()["customers"]
    assert [c["code"] for c in listed] == ["CRM-7"]
    assert listed[0]["orders"]["all"] == 2


def test_an_order_with_only_a_name_names_no_customer(client, staff):
    order_for(client, staff, {"name": "Walk-in"})
    assert client.get(API, headers=staff).get_json()["customers"] == []


def test_the_order_list_filters_by_customer_code(client, staff):
    client.post(API, headers=staff, json={"code": "CRM-7", "name": "Zhang San",
                                          "email": "zs@example.com"})
    mine = order_for(client, staff, {"name": "Zhang", "email": "zs@example.com"})
    order_for(client, staff, {"code": "C9", "name": "Someone else"})
    found = client.get("/api/v1/orders?customer=CRM-7", headers=staff).get_json()["orders"]
    assert [o["number"] for o in found] == [mine["number"]]


def test_create_update_and_conflicts(client, staff, db):
    created = client.post(API, headers=staff, json={
        "code": "CRM-1", "name": "Wang Fang", "email": "wf@example.com",
        "tags": ["vip", "vip", "wholesale"], "attributes": {"credit_limit": "5000.00"}})
    assert created.status_code == 201, created.get_json()
    assert created.headers["ETag"] == '"1"'
    assert created.headers["Location"].endswith("/customers/CRM-1")
    assert created.get_json()["tags"] == ["vip", "wholesale"]
    assert created.get_json()["segment"] == "prospect"

    taken = client.post(API, headers=staff, json={"code": "CRM-1", "name": "Again"})
    assert taken.status_code == 409
    assert taken.get_json()["errors"][0]["pointer"] == "/code"

    changed = client.patch(f"{API}/CRM-1", headers={**staff, "If-Match": '"1"'}, json={
        "phone": "+86 138-0013-8001", "attributes": {"credit_limit": None, "tier": "gold"}})
    assert changed.status_code == 200, changed.get_json()
    assert changed.get_json()["phone"] == "+8613800138001"
    assert changed.get_json()["attributes"] == {"tier": "gold"}
    assert changed.headers["ETag"] == '"2"'

    stale = client.patch(f"{API}/CRM-1", headers={**staff, "If-Match": '"1"'},
                         json={"name": "Someone"})
    assert stale.status_code == 409
    assert stale.get_json()["current"]["revision"] == 2
    assert client.get(f"{API}/CRM-1", headers=staff).get_json()["name"] == "Wang Fang"

    events = db.scalars(select(AuditEvent.action).where(AuditEvent.subject_type == "customer")
                        .order_by(AuditEvent.id)).all()
    assert events == ["customer.created", "customer.updated"]


def test_a_customer_without_a_code_gets_one(client, staff):
    created = client.post(API, headers=staff, json={"name": "Walk-in regular"})
    assert created.status_code == 201
    assert created.get_json()["code"].startswith("C-")


def test_bad_input_points_at_the_field(client, staff):
    bad_email = client.post(API, headers=staff, json={"name": "X", "email": "not-an-address"})
    assert bad_email.status_code == 422
    assert bad_email.get_json()["errors"] == [
        {"pointer": "/email", "detail": "'not-an-address' is not an email address"}]
    bad_phone = client.post(API, headers=staff, json={"name": "X", "phone": "call me"})
    assert bad_phone.get_json()["errors"][0]["pointer"] == "/phone"
    blank = client.post(API, headers=staff, json={"name": "   "})
    assert blank.get_json()["errors"][0]["pointer"] == "/name"
    unknown = client.post(API, headers=staff, json={"name": "X", "colour": "red"})
    assert unknown.get_json()["errors"][0]["pointer"] == "/colour"
    missing = client.patch(f"{API}/NOPE", headers=staff, json={"name": "X"})
    assert missing.status_code == 404
    assert client.get(API, headers=staff).get_json()["customers"] == []
    assert client.get(f"{API}?segment=vip", headers=staff).status_code == 422
    assert client.get(f"{API}?limit=0", headers=staff).get_json()["errors"][0]["pointer"] \
        == "/limit"


def test_list_searches_filters_and_pages(client, staff):
    for i in range(5):
        client.post(API, headers=staff, json={
            "code": f"K{i}", "name": f"Shop {i}", "tags": ["wholesale"] if i % 2 else []})
    page = client.get(f"{API}?limit=2", headers=staff).get_json()
    assert [c["code"] for c in page["customers"]] == ["K4", "K3"]
    following = client.get(page["next"], headers=staff).get_json()
    assert [c["code"] for c in following["customers"]] == ["K2", "K1"]
    assert [c["code"] for c in client.get(f"{API}?tag=wholesale", headers=staff)
            .get_json()["customers"]] == ["K3", "K1"]
    assert [c["code"] for c in client.get(f"{API}?q=shop 2", headers=staff)
            .get_json()["customers"]] == ["K2"]


def test_viewers_read_but_do_not_change(client, staff, viewer):
    client.post(API, headers=staff, json={"code": "V1", "name": "Read only"})
    assert client.get(f"{API}/V1", headers=viewer).status_code == 200
    assert client.patch(f"{API}/V1", headers=viewer, json={"name": "X"}).status_code == 403
    assert client.post(API, headers=viewer, json={"name": "X"}).status_code == 403
    assert client.get(f"{API}/export", headers=viewer).status_code == 403

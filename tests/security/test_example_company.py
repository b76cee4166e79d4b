"""The example company of docs/security.md (#the-whole-model-an-example-company), set
up as the document says and checked claim by claim: sales per region, a warehouse
team, finance, an outside agent, and an order type only finance sees."""
from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import update

from orderloom.platform import accounts
from orderloom.runtime.audit import SYSTEM
from orderloom.runtime.orders.models import Order
from orderloom.runtime.stock.catalog import Warehouse
from tests.designer.samples import retail
from tests.platform.test_api_tokens import assert_problem, bearer
from tests.runtime.support import SAMPLE

COST = "31.70"  # the cost price only finance (and administrators) see
ROLES = {
    "sales": (["definitions.view", "orders.view", "orders.create", "orders.edit",
               "orders.act", "customers.view", "reports.view"], "my_team"),
    "warehouse": (["orders.view", "orders.act", "inventory.view", "inventory.manage"],
                  "my_warehouses"),
    "finance": (["orders.view", "payments.view", "payments.manage", "reports.view",
                 "orders.create", "orders.edit"], "all"),
    "agent": (["orders.view", "orders.create"], "mine"),
}


def tea_order() -> dict:
    definition = retail()
    definition.update(key="tea_order", number_prefix="TEA")
    definition["form"]["fields"].append({
        "key": "cost_price", "type": "money", "label": {"en": "Cost price", "zh": "成本价"},
        "access": {"see": ["finance", "admin"], "edit": ["finance"]}})
    definition["money"] = {"payment": ["finance"], "refund": ["finance"]}
    for transition in definition["workflow"]["transitions"]:
        transition["roles"] = ["warehouse"] if transition["key"] == "ship" else ["sales"]
    return definition


def staff_purchase() -> dict:
    definition = retail()
    definition.update(key="staff_purchase", number_prefix="EMP",
                      name={"en": "Staff purchase", "zh": "员工购买"})
    definition["access"] = {"see": {"roles": ["finance", "admin"]},
                            "create": {"roles": ["finance"]}}
    # Worked through by finance alone: a role the type hides it from is no use here.
    for transition in definition["workflow"]["transitions"]:
        transition["roles"] = ["finance"]
    approval = definition["workflow"]["approvals"][0]
    approval["approvers"], approval["escalate_to"] = {"roles": ["finance"]}, "finance"
    return definition


@pytest.fixture
def company(client, db, make_user, token_for):
    admin = bearer(token_for("admin"))
    for name, (permissions, row_rule) in ROLES.items():
        made = client.post("/api/v1/roles", headers=admin, json={
            "name": name, "permissions": permissions, "row_rule": row_rule})
        assert made.status_code == 201, made.get_json()
    db.add_all([Warehouse(code=code, name=name) for code, name in (
        ("HZ", "Hangzhou"), ("SH", "Shanghai"), ("CD", "Chengdu"))])
    db.commit()
    published = client.post("/api/v1/import", headers=admin, json={
        "format": "orderloom-package/1", "order_types": [tea_order(), staff_purchase()]})
    assert published.status_code == 201, published.get_json()
    people = {"east": ("sales", {"team": "East"}), "west": ("sales", {"team": "West"}),
              "packer": ("warehouse", {"warehouses": ["HZ"]}), "finance": ("finance", {}),
              "agent": ("agent", {})}
    headers = {"admin": admin}
    for who, (role, scope) in people.items():
        user = make_user(role, username=f"{who}.tea")
        if scope:
            changed = client.patch(f"/api/v1/users/{user.id}", headers=admin, json=scope)
            assert changed.status_code == 200, changed.get_json()
        secret = accounts.issue_token(db, SYSTEM, user, "test")[1]
        db.commit()
        headers[who] = bearer(secret)
    return headers


def enter(client, headers, order_type="tea_order", **data) -> str:
    created = client.post("/api/v1/orders", headers=headers,
                          json={"order_type": order_type, "data": {**SAMPLE, **data}})
    assert created.status_code == 201, created.get_json()
    return created.get_json()["number"]


def listed(client, headers) -> list[str]:
    answer = client.get("/api/v1/orders", headers=headers)
    assert answer.status_code == 200, answer.get_json()
    return sorted(o["number"] for o in answer.get_json()["orders"])


def test_each_seller_sees_their_regions_orders(client, company):
    east, west = enter(client, company["east"]), enter(client, company["west"])
    assert listed(client, company["east"]) == [east]
    assert listed(client, company["west"]) == [west]
    assert client.get(f"/api/v1/orders/{east}", headers=company["west"]).status_code == 404
    # Sales never see the cost price, nor may they type one.
    seen = client.get(f"/api/v1/orders/{east}", headers=company["east"]).get_json()
    assert "cost_price" not in seen["data"]
    body = assert_problem(client.post("/api/v1/orders", headers=company["east"], json={
        "order_type": "tea_order", "data": {**SAMPLE, "cost_price": COST}}), 422)
    assert [e["pointer"] for e in body["errors"]] == ["/data/cost_price"]


def test_the_warehouse_team_sees_what_its_warehouse_ships(client, db, company):
    hangzhou, chengdu = enter(client, company["east"]), enter(client, company["west"])
    db.execute(update(Order).where(Order.number == hangzhou).values(warehouse="HZ"))
    db.execute(update(Order).where(Order.number == chengdu).values(warehouse="CD"))
    db.commit()
    assert listed(client, company["packer"]) == [hangzhou]
    assert client.get(f"/api/v1/orders/{chengdu}", headers=company["packer"]).status_code == 404


def test_finance_sees_every_order_and_the_cost_and_alone_records_money(client, company, db,
                                                                      make_user):
    east = enter(client, company["east"])
    west = enter(client, company["west"])
    priced = client.patch(f"/api/v1/orders/{east}", headers=company["finance"],
                          json={"data": {"cost_price": COST}})
    assert priced.status_code == 200, priced.get_json()
    assert listed(client, company["finance"]) == sorted([east, west])
    seen = client.get(f"/api/v1/orders/{east}", headers=company["finance"]).get_json()
    assert seen["data"]["cost_price"] == COST
    paid = client.post(f"/api/v1/orders/{east}/payments", headers=company["finance"],
                       json={"amount": "10.00", "method": "alipay"})
    assert paid.status_code == 201, paid.get_json()
    # A seller holds no money permission at all.
    assert_problem(client.post(f"/api/v1/orders/{east}/payments", headers=company["east"],
                               json={"amount": "10.00", "method": "alipay"}), 403)
    # A cashier holds payments.manage, but the type's money section names finance alone.
    accounts.create_role(db, SYSTEM, "cashier", "", ["orders.view", "payments.view",
                                                     "payments.manage"])
    cashier = bearer(accounts.issue_token(db, SYSTEM, make_user("cashier",
                                                                username="cashier.tea"),
                                          "test")[1])
    db.commit()
    assert client.get(f"/api/v1/orders/{east}", headers=cashier).status_code == 200
    refused = assert_problem(client.post(f"/api/v1/orders/{east}/payments", headers=cashier,
                                         json={"amount": "10.00", "method": "alipay"}), 403)
    assert "money.payment" in refused["detail"]


def test_the_outside_agent_sees_only_their_own_orders(client, company):
    own = enter(client, company["agent"])
    other = enter(client, company["east"])
    assert listed(client, company["agent"]) == [own]
    assert client.get(f"/api/v1/orders/{other}", headers=company["agent"]).status_code == 404
    exported = client.get("/api/v1/orders/export?format=csv", headers=company["agent"])
    text = exported.get_data(as_text=True).lstrip("\ufeff")
    assert [row["number"] for row in csv.DictReader(io.StringIO(text))] == [own]
    assert "cost_price" not in text
    # Entering is all: the agent takes no transition.
    assert_problem(client.post(f"/api/v1/orders/{own}/transitions/submit",
                               headers=company["agent"]), 403)


def test_staff_purchases_are_finances_alone(client, company):
    purchase = enter(client, company["finance"], "staff_purchase")
    for who in ("east", "west", "packer", "agent"):
        assert purchase not in listed(client, company[who]), who
        assert client.get(f"/api/v1/orders/{purchase}", headers=company[who]).status_code == 404
    assert purchase in listed(client, company["admin"])
    body = assert_problem(client.post("/api/v1/orders", headers=company["east"], json={
        "order_type": "staff_purchase", "data": SAMPLE}), 404)
    assert body["detail"] == "there is no order type 'staff_purchase'"
    assert_problem(client.post("/api/v1/orders", headers=company["admin"], json={
        "order_type": "staff_purchase", "data": SAMPLE}), 403)

"""The engine names no role: what the built-in administrator once got by its name
(every transition, the money any of them moves, approvals nobody was found for, low
stock alerts) comes from permissions, so a company's own roles get it the same way."""
from __future__ import annotations

from orderloom.platform import accounts
from orderloom.runtime.audit import SYSTEM
from tests.designer.samples import retail
from tests.platform.test_api_tokens import assert_problem, bearer
from tests.runtime.support import SAMPLE

RUNS_ORDERS = ["definitions.view", "orders.view", "orders.create", "orders.edit", "orders.act",
               "payments.view", "payments.manage"]


def person(db, make_user, role: str, username: str) -> dict[str, str]:
    user = make_user(role, username=username)
    secret = accounts.issue_token(db, SYSTEM, user, "test")[1]
    db.commit()
    return bearer(secret)


def test_regression_only_a_role_called_admin_could_take_every_transition(
        client, db, make_user):
    """Once: the engine let a role through a transition's role list when it was named
    "admin", whatever it held; a company's own owner role could not do the same."""
    accounts.create_role(db, SYSTEM, "owner", "", [*RUNS_ORDERS, "orders.override"])
    accounts.create_role(db, SYSTEM, "clerk", "", RUNS_ORDERS)
    db.commit()
    owner = person(db, make_user, "owner", "owner.chen")
    clerk = person(db, make_user, "clerk", "clerk.sun")
    definition = retail()  # submit and cancel are for staff only
    assert client.post("/api/v1/import", headers=person(db, make_user, "admin", "boss"), json={
        "format": "orderloom-package/1", "order_types": [definition]}).status_code == 201

    def new() -> str:
        created = client.post("/api/v1/orders", headers=owner,
                              json={"order_type": "retail_order", "data": SAMPLE})
        assert created.status_code == 201, created.get_json()
        return created.get_json()["number"]

    number = new()
    offered = client.get(f"/api/v1/orders/{number}", headers=clerk).get_json()["transitions"]
    assert offered == []
    assert_problem(client.post(f"/api/v1/orders/{number}/transitions/submit",
                               headers=clerk), 403)
    offered = client.get(f"/api/v1/orders/{number}", headers=owner).get_json()["transitions"]
    assert {t["key"] for t in offered} == {"submit", "cancel"}
    taken = client.post(f"/api/v1/orders/{number}/transitions/submit", headers=owner)
    assert taken.status_code == 200, taken.get_json()
    # Money too: the owner records a payment the workflow gives to no role of theirs.
    paid = client.post(f"/api/v1/orders/{number}/payments", headers=owner, json={
        "amount": "10.00", "method": "alipay"})
    assert paid.status_code == 201, paid.get_json()
    refused = client.post(f"/api/v1/orders/{new()}/payments", headers=clerk, json={
        "amount": "10.00", "method": "alipay"})
    assert_problem(refused, 403)


def test_low_stock_goes_to_whoever_manages_stock_whatever_the_role_is_called(
        client, db, make_user):
    accounts.create_role(db, SYSTEM, "warehouse", "",
                         ["orders.view", "inventory.view", "inventory.manage"])
    db.commit()
    keeper = person(db, make_user, "warehouse", "packer.li")
    onlooker = person(db, make_user, "viewer", "qian.yu")
    assert client.post("/api/v1/products", headers=keeper, json={
        "sku": "TEA-01", "name": "Tea", "low_stock_threshold": 5}).status_code == 201
    assert client.post("/api/v1/warehouses", headers=keeper, json={
        "code": "HZ", "name": "Hangzhou", "regions": ["Zhejiang"]}).status_code == 201
    for change in (8, -4):
        assert client.post("/api/v1/stock/adjustments", headers=keeper, json={
            "sku": "TEA-01", "warehouse": "HZ", "change": change,
            "reference": "count"}).status_code == 201

    def alerts(headers) -> list[str]:
        return [n["title"] for n in client.get("/api/v1/notifications",
                                               headers=headers).get_json()]

    assert alerts(keeper) == ["Low stock: TEA-01 in HZ"]
    assert alerts(onlooker) == []

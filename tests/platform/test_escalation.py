"""No escalation: a user hands on only what they hold, and an administrator always stays."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from orderloom.platform import accounts
from orderloom.platform.accounts import AccountError
from orderloom.runtime.audit import Actor, AuditEvent
from tests.platform.test_api_tokens import assert_problem, bearer


@pytest.fixture
def user_manager(client, db, token_for):
    """A custom role holding users.manage alone, and a token of someone holding it."""
    admin = bearer(token_for("admin"))
    assert client.post("/api/v1/roles", headers=admin, json={
        "name": "people", "permissions": ["users.manage"]}).status_code == 201
    created = client.post("/api/v1/users", headers=admin, json={
        "username": "hr.zhou", "password": "people-pass-123", "roles": ["people"]})
    assert created.status_code == 201
    user = accounts.find_role(db, "people")
    assert user is not None
    person = db.get(accounts.User, created.get_json()["id"])
    _token, secret = accounts.issue_token(db, Actor(person.id, person.username, "cli"),
                                          person, "test")
    db.commit()
    return {"headers": bearer(secret), "id": person.id}


def test_regression_users_manage_alone_gave_itself_admin(client, user_manager):
    """Once: a role holding only users.manage PATCHed its own user to admin and got 200."""
    body = assert_problem(client.patch(f"/api/v1/users/{user_manager['id']}",
                                       headers=user_manager["headers"],
                                       json={"roles": ["people", "admin"]}), 403)
    assert body["errors"][0]["pointer"] == "/roles/1"
    assert "'admin'" in body["detail"] and "you do not hold yourself" in body["detail"]
    me = client.get(f"/api/v1/users/{user_manager['id']}", headers=user_manager["headers"])
    assert me.get_json()["roles"] == ["people"]


def test_a_user_manager_gives_only_roles_within_their_own_permissions(client, user_manager):
    headers = user_manager["headers"]
    refused = assert_problem(client.post("/api/v1/users", headers=headers, json={
        "username": "new.staff", "password": "staff-pass-123", "roles": ["staff"]}), 403)
    assert refused["errors"][0]["pointer"] == "/roles/0"
    assert "payments.manage" in refused["detail"]
    assert client.get("/api/v1/users", headers=headers).get_json()[-1]["username"] != \
        "new.staff"
    same = client.post("/api/v1/users", headers=headers, json={
        "username": "hr.li", "password": "people-pass-456", "roles": ["people"]})
    assert same.status_code == 201


def test_a_role_grants_only_permissions_its_creator_holds(client, user_manager):
    headers = user_manager["headers"]
    body = assert_problem(client.post("/api/v1/roles", headers=headers, json={
        "name": "sneaky", "permissions": ["users.manage", "payments.manage"]}), 403)
    assert body["errors"][0]["pointer"] == "/permissions/1"
    roles = [r["name"] for r in client.get("/api/v1/roles", headers=headers).get_json()]
    assert "sneaky" not in roles


def test_a_user_manager_cannot_strip_a_role_of_powers_they_lack(client, token_for,
                                                                user_manager):
    admin = bearer(token_for("admin"))
    assert client.post("/api/v1/roles", headers=admin, json={
        "name": "cashiers", "permissions": ["orders.view", "payments.manage"]}
    ).status_code == 201
    body = assert_problem(client.patch("/api/v1/roles/cashiers", headers=user_manager["headers"],
                                       json={"permissions": []}), 403)
    assert "'payments.manage', which you do not hold yourself" in body["detail"]
    roles = {r["name"]: r for r in client.get("/api/v1/roles", headers=admin).get_json()}
    assert roles["cashiers"]["permissions"] == ["orders.view", "payments.manage"]
    # The role they manage fully stays theirs to change.
    assert client.patch("/api/v1/roles/people", headers=user_manager["headers"],
                        json={"description": "HR"}).status_code == 200


def test_a_user_manager_cannot_take_over_an_administrator(client, user_manager, make_user):
    admin = make_user("admin")
    for change in ({"password": "taken-over-pass-1"}, {"active": False}, {"roles": ["people"]}):
        body = assert_problem(client.patch(f"/api/v1/users/{admin.id}",
                                           headers=user_manager["headers"], json=change), 403)
        assert "which you do not hold yourself" in body["detail"]


def test_the_last_administrator_cannot_be_demoted_or_deactivated(db, make_user):
    operator = Actor(None, "orderloom", "cli")
    for user in db.scalars(select(accounts.User)):
        if accounts.is_administrator(user):
            accounts.set_active(db, operator, user, False)
    db.commit()
    last = make_user("admin")
    with pytest.raises(AccountError) as demoted:
        accounts.set_roles(db, operator, last, ["staff"])
    assert demoted.value.status == 409 and "last administrator" in demoted.value.message
    db.rollback()
    with pytest.raises(AccountError) as deactivated:
        accounts.set_active(db, operator, last, False)
    assert deactivated.value.status == 409 and deactivated.value.field == "active"
    db.rollback()
    second = make_user("admin")
    accounts.set_roles(db, operator, last, ["staff"])
    db.commit()
    assert not accounts.is_administrator(last) and accounts.is_administrator(second)


def test_every_change_of_roles_and_user_roles_is_audited(client, db, token_for, make_user):
    admin = bearer(token_for("admin"))
    client.post("/api/v1/roles", headers=admin, json={"name": "packers",
                                                      "permissions": ["orders.view"]})
    user = make_user("viewer")
    client.patch(f"/api/v1/users/{user.id}", headers=admin, json={"roles": ["packers"]})
    changed = client.patch("/api/v1/roles/packers", headers=admin, json={
        "permissions": ["orders.view", "orders.act"]})
    assert changed.status_code == 200, changed.get_json()
    db.expire_all()
    trail = [(e.action, e.details) for e in db.scalars(
        select(AuditEvent).where(AuditEvent.subject_type.in_(["role", "user"]))
        .order_by(AuditEvent.id))]
    actions = [action for action, _details in trail]
    assert "role.created" in actions and "user.roles_changed" in actions
    assert ("role.changed", {"name": "packers", "before": ["orders.view"],
                             "after": ["orders.act", "orders.view"]}) in trail


def test_a_role_is_deleted_only_by_one_holding_its_powers_and_only_when_unused(
        client, user_manager, token_for):
    admin = bearer(token_for("admin"))
    assert client.post("/api/v1/roles", headers=admin, json={
        "name": "cashiers", "permissions": ["payments.manage"]}).status_code == 201
    body = assert_problem(client.delete("/api/v1/roles/cashiers",
                                        headers=user_manager["headers"]), 403)
    assert "you cannot delete the role 'cashiers'" in body["detail"]
    assert "built-in" in assert_problem(client.delete("/api/v1/roles/staff",
                                                      headers=admin), 409)["detail"]
    held = assert_problem(client.delete("/api/v1/roles/people", headers=admin), 409)
    assert "still held by hr.zhou" in held["detail"]
    assert_problem(client.delete("/api/v1/roles/nobody", headers=admin), 404)
    assert client.delete("/api/v1/roles/cashiers", headers=admin).status_code == 204
    names = [r["name"] for r in client.get("/api/v1/roles", headers=admin).get_json()]
    assert "cashiers" not in names and "people" in names

"""Roles and permissions: who may do what, from the one permission table."""
from __future__ import annotations

import pytest

from orderloom.platform.permissions import BUILTIN_ROLES, PERMISSIONS
from tests.platform.test_api_tokens import assert_problem, bearer


def test_a_role_without_the_right_gets_403(client, token_for):
    token = token_for("staff")
    body = assert_problem(client.get("/api/v1/users", headers=bearer(token)), 403)
    assert "users.manage" in body["detail"]


def test_a_page_without_the_right_gets_403_html(actions, client):
    actions.login_as("viewer")
    response = client.get("/admin/users")
    assert response.status_code == 403
    assert response.mimetype == "text/html"
    assert "users.manage" in response.get_data(as_text=True)


def test_admin_creates_a_user_with_a_custom_role_and_they_can_log_in(client, token_for,
                                                                      actions):
    admin = bearer(token_for("admin"))
    role = client.post("/api/v1/roles", headers=admin, json={
        "name": "finance", "description": "Approves credit", "permissions": ["orders.view"]})
    assert role.status_code == 201
    assert role.get_json()["permissions"] == ["orders.view"]
    created = client.post("/api/v1/users", headers=admin, json={
        "username": "wang.fang", "password": "finance-pass-123", "roles": ["staff", "finance"]})
    assert created.status_code == 201
    assert created.get_json()["roles"] == ["finance", "staff"]
    assert actions.login("wang.fang", "finance-pass-123").status_code == 302


def test_unknown_role_is_refused_with_a_pointer(client, token_for):
    admin = bearer(token_for("admin"))
    body = assert_problem(client.post("/api/v1/users", headers=admin, json={
        "username": "a.b", "password": "long-enough-pw", "roles": ["staff", "cook"]}), 422)
    assert body["errors"] == [{"pointer": "/roles/1", "detail": "there is no role named 'cook'"}]


def test_a_short_password_is_refused(client, token_for):
    admin = bearer(token_for("admin"))
    body = assert_problem(client.post("/api/v1/users", headers=admin, json={
        "username": "a.b", "password": "short", "roles": ["staff"]}), 422)
    assert body["errors"][0]["pointer"] == "/password"


def test_a_duplicate_username_is_a_conflict(client, token_for, make_user):
    make_user("staff", username="li.wei")
    admin = bearer(token_for("admin"))
    body = assert_problem(client.post("/api/v1/users", headers=admin, json={
        "username": "li.wei", "password": "long-enough-pw", "roles": ["staff"]}), 409)
    assert "already exists" in body["detail"]


def test_an_admin_cannot_lock_themselves_out(client, token_for):
    headers = bearer(token_for("admin"))
    me = client.get("/api/v1/me", headers=headers).get_json()
    body = assert_problem(client.patch(f"/api/v1/users/{me['id']}", headers=headers,
                                       json={"active": False}), 409)
    assert "another administrator" in body["detail"]


def test_admin_page_adds_a_user(actions, client):
    actions.login_as("admin")
    csrf = actions.csrf("/admin/users")
    response = client.post("/admin/users", data={
        "username": "chen.jing", "display_name": "Chen Jing", "password": "warehouse-pass-1",
        "roles": ["staff"], "csrf_token": csrf}, follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "User chen.jing is created." in html
    assert "Chen Jing" in html


def test_admin_page_shows_what_is_wrong_and_keeps_the_input(actions, client):
    actions.login_as("admin")
    csrf = actions.csrf("/admin/users")
    response = client.post("/admin/users", data={
        "username": "chen.jing", "display_name": "Chen Jing", "password": "short",
        "roles": ["staff"], "csrf_token": csrf})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Password: must be at least 10 characters long." in html
    assert 'value="chen.jing"' in html


def test_every_builtin_role_names_only_known_permissions():
    assert set(BUILTIN_ROLES) == {"admin", "designer", "staff", "viewer"}
    for _description, granted in BUILTIN_ROLES.values():
        assert granted <= set(PERMISSIONS)


def test_every_route_is_guarded_as_the_permission_table_says(app):
    public = {"static", "system.healthz", "system.openapi_document", "api.definition_schema",
              "pages.login",
              "pages.logout"}
    for rule in app.url_map.iter_rules():
        if rule.endpoint in public:
            continue
        view = app.view_functions[rule.endpoint]
        assert getattr(view, "requires_login", False), f"{rule.rule} is not guarded"
        permission = view.required_permission
        assert permission is None or permission in PERMISSIONS


@pytest.mark.parametrize("role", [None, "admin", "designer", "staff", "viewer"])
def test_each_role_gets_the_answers_the_table_gives(app, client, token_for, role):
    headers = bearer(token_for(role)) if role else {}
    granted = BUILTIN_ROLES[role][1] if role else frozenset()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/") or "GET" not in rule.methods or rule.arguments:
            continue
        view = app.view_functions[rule.endpoint]
        status = client.get(rule.rule, headers=headers).status_code
        if role is None:
            expected = 401
        elif view.required_permission in (None, *granted):
            expected = 200
        else:
            expected = 403
        assert status == expected, f"{role} GET {rule.rule}: {status}, expected {expected}"

"""Roles and permissions: who may do what, from the one permission table."""
from __future__ import annotations

import re

import pytest

from orderloom.platform.permissions import (
    BUILTIN_ROLES,
    PERMISSIONS,
    PUBLIC_ENDPOINTS,
    SIGNED_ENDPOINTS,
)
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
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        if rule.endpoint in PUBLIC_ENDPOINTS:
            assert not getattr(view, "requires_login", False), \
                f"{rule.rule} is listed as public but asks for a login"
            continue
        assert getattr(view, "requires_login", False), (
            f"{rule.rule} ({rule.endpoint}) is not guarded: add @requires(...), or list it "
            "in PUBLIC_ENDPOINTS of orderloom/platform/permissions.py with the reason")
        permission = view.required_permission
        assert permission is None or permission in PERMISSIONS


def test_public_api_operations_in_the_document_are_the_public_endpoints(app, client):
    document = client.get("/api/openapi.json").get_json()
    public_in_document = {op["operationId"].rsplit("_", 1)[0]
                          for ops in document["paths"].values() for op in ops.values()
                          if op.get("security") == []}
    expected = {e.replace(".", "_") for e in (*PUBLIC_ENDPOINTS, *SIGNED_ENDPOINTS)}
    assert public_in_document <= expected


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


# --- the walk: every route, every method, every built-in role and nobody --------------

PLACEHOLDERS = {"int": "987654321", "path": "no/such/file.txt", "default": "no-such-thing"}


def _url(rule) -> str:
    """The rule's address with a placeholder for each argument: a thing that does not
    exist, so a permitted request reaches its handler and ends in a 4xx there."""

    def fill(match: re.Match[str]) -> str:
        return PLACEHOLDERS.get(match.group(1) or "default", PLACEHOLDERS["default"])

    return re.sub(r"<(?:(\w+)(?:\([^)]*\))?:)?\w+>", fill, rule.rule)


def _every_request(app):
    """(endpoint, method, url) for every route, logging out last."""
    found = []
    for rule in app.url_map.iter_rules():
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            found.append((rule.endpoint, method, _url(rule)))
    return sorted(found, key=lambda r: r[0] == "pages.logout")


def _expected(endpoint: str, view, role: str | None, is_api: bool, status: int) -> str | None:
    """What is wrong with ``status`` for this request, or None when the table allows it."""
    if status >= 500:
        return "a server error"
    if endpoint in PUBLIC_ENDPOINTS:
        return None  # open to all; a wrong login's 401 is the login page's own answer
    if endpoint in SIGNED_ENDPOINTS:
        return None if status in (401, 403, 404) else "answered without a signature"
    permission = view.required_permission
    if role is None:
        if is_api:
            return None if status == 401 else "expected 401 for nobody"
        return None if status == 302 else "expected a redirect to the login page for nobody"
    if permission is not None and permission not in BUILTIN_ROLES[role][1]:
        return None if status == 403 else f"expected 403 (the role lacks {permission})"
    return "refused a permitted role" if status in (401, 403) else None


@pytest.mark.parametrize("role", [None, "admin", "designer", "staff", "viewer"])
def test_the_walk_every_route_every_method_answers_as_the_table_says(app, role):
    """Routes are found in the URL map, so a route added later is walked too."""
    from orderloom.platform import accounts
    from orderloom.runtime.audit import SYSTEM
    from tests.conftest import TEST_PASSWORD, csrf_from

    api_headers: dict[str, str] = {}
    browser = app.test_client()
    if role is not None:
        # Made in a session closed at once: an open SQLite transaction would hold the
        # write lock while the walk's requests run.
        with app.extensions["orderloom.db"].sessions() as session:
            user = accounts.create_user(session, SYSTEM, f"walk-{role}", TEST_PASSWORD,
                                        [role])
            _token, secret = accounts.issue_token(session, SYSTEM, user, "walk")
            session.commit()
        api_headers = {"Authorization": f"Bearer {secret}"}
        login = browser.post("/login", data={
            "username": f"walk-{role}", "password": TEST_PASSWORD,
            "csrf_token": csrf_from(browser.get("/login").get_data(as_text=True))})
        assert login.status_code == 302
    csrf = {"X-CSRF-Token": csrf_from(browser.get("/login").get_data(as_text=True))} \
        if role is None else None
    wrong = []
    for endpoint, method, url in _every_request(app):
        is_api = url.startswith("/api/")
        headers = dict(api_headers) if is_api else {}
        if not is_api and method not in ("GET",) and role is not None:
            if csrf is None:
                csrf = {"X-CSRF-Token": csrf_from(
                    browser.get("/account/tokens").get_data(as_text=True))}
            headers.update(csrf)
        response = browser.open(url, method=method, headers=headers, buffered=True)
        response.close()  # a streamed export holds its database session until closed
        problem = _expected(endpoint, app.view_functions[endpoint], role, is_api,
                            response.status_code)
        if problem:
            wrong.append(f"{role or 'nobody'} {method} {url} ({endpoint}): "
                         f"{response.status_code}, {problem}")
        if role is None and not is_api and problem is None \
                and endpoint not in PUBLIC_ENDPOINTS | SIGNED_ENDPOINTS:
            assert response.headers["Location"].startswith("/login?next="), url
    assert not wrong, "\n".join(wrong)
    walked = _every_request(app)
    assert sum(url.startswith("/api/") for _e, _m, url in walked) > 80
    assert sum(not url.startswith("/api/") for _e, _m, url in walked) > 30


@pytest.mark.parametrize("role", [None, "admin", "designer", "staff", "viewer"])
def test_changing_a_role_is_for_user_managers_and_built_in_roles_stay_fixed(client, token_for,
                                                                            role):
    headers = bearer(token_for(role)) if role else {}
    answer = client.patch("/api/v1/roles/staff", headers=headers,
                          json={"permissions": ["orders.view"]})
    expected = {None: 401, "admin": 409}.get(role, 403)
    assert_problem(answer, expected)
    if role == "admin":
        assert "built-in role" in answer.get_json()["detail"]

"""API tokens: Bearer authentication for integrations."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import event, select, update
from sqlalchemy.orm import Session

from orderloom.db import make_engine, utcnow
from orderloom.platform.accounts import token_digest
from orderloom.platform.auth import TOKEN_CACHE
from orderloom.platform.models import ApiToken, Role
from orderloom.platform.token_cache import TTL_SECONDS


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def assert_problem(response, status: int) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    body = response.get_json(force=True)
    assert body["status"] == status
    assert body["detail"]
    return body


def test_a_valid_token_authenticates_as_its_user(client, token_for):
    token = token_for("staff")
    response = client.get("/api/v1/me", headers=bearer(token))
    assert response.status_code == 200
    body = response.get_json()
    assert body["roles"] == ["staff"]
    assert "orders.act" in body["permissions"]


def test_a_missing_token_gets_401_problem_json(client):
    body = assert_problem(client.get("/api/v1/me"), 401)
    assert "Bearer" in body["detail"]


def test_a_wrong_token_gets_401(client, token_for):
    token_for("staff")
    body = assert_problem(client.get("/api/v1/me", headers=bearer("olt_made-up")), 401)
    assert "unknown, revoked" in body["detail"]


def test_a_malformed_authorization_header_gets_401(client):
    body = assert_problem(client.get("/api/v1/me", headers={"Authorization": "Basic abc"}), 401)
    assert "Bearer <token>" in body["detail"]


def test_token_is_shown_once_and_only_its_hash_is_stored(client, actions, db):
    actions.login_as("staff")
    csrf = actions.csrf()
    created = client.post("/api/v1/tokens", json={"name": "web shop"},
                          headers={"X-CSRF-Token": csrf})
    assert created.status_code == 201
    secret = created.get_json()["token"]
    assert secret.startswith("olt_")
    listed = client.get("/api/v1/tokens").get_json()
    assert [t["name"] for t in listed] == ["web shop"]
    assert "token" not in listed[0]
    stored = db.scalars(select(ApiToken)).one()
    assert secret not in (stored.token_hash, stored.prefix)
    assert len(stored.token_hash) == 64
    db.rollback()  # end the read: on SQLite every transaction holds the write lock
    # and the token works
    assert client.get("/api/v1/me", headers=bearer(secret)).status_code == 200


def test_a_revoked_token_stops_working_at_once(client, token_for):
    token = token_for("staff")
    tokens = client.get("/api/v1/tokens", headers=bearer(token)).get_json()
    revoked = client.delete(f"/api/v1/tokens/{tokens[0]['id']}", headers=bearer(token))
    assert revoked.status_code == 200
    assert revoked.get_json()["revoked_at"] is not None
    assert_problem(client.get("/api/v1/me", headers=bearer(token)), 401)


def test_nobody_can_revoke_someone_elses_token(client, token_for):
    mine = token_for("staff")
    theirs = token_for("staff")
    their_id = client.get("/api/v1/tokens", headers=bearer(theirs)).get_json()[0]["id"]
    assert_problem(client.delete(f"/api/v1/tokens/{their_id}", headers=bearer(mine)), 404)
    assert client.get("/api/v1/me", headers=bearer(theirs)).status_code == 200


def test_the_tokens_page_shows_a_new_token_once_and_revokes(actions, client):
    actions.login_as("designer")
    csrf = actions.csrf("/account/tokens")
    page = client.post("/account/tokens", data={"name": "ERP", "csrf_token": csrf},
                       follow_redirects=True)
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert len(page.history) == 1  # redirected after the POST
    assert "Copy this token now." in html
    secret = html.split('<code id="new-token">')[1].split("</code>")[0]
    assert client.get("/api/v1/me", headers=bearer(secret)).status_code == 200
    again = client.get("/account/tokens").get_data(as_text=True)
    assert secret not in again
    assert "ERP" in again
    token_id = client.get("/api/v1/tokens").get_json()[0]["id"]
    client.post(f"/account/tokens/{token_id}/revoke", data={"csrf_token": csrf})
    assert client.get("/api/v1/me", headers=bearer(secret)).status_code == 401


def test_session_api_writes_need_the_csrf_header(actions, client):
    actions.login_as("staff")
    body = assert_problem(client.post("/api/v1/tokens", json={"name": "x"}), 403)
    assert "X-CSRF-Token" in body["detail"]
    assert client.get("/api/v1/tokens").get_json() == []


# --- tokens remembered for a few seconds per process (platform/token_cache.py) ------------

def token_queries(app, client, token: str) -> int:
    """How many statements a GET /api/v1/me sends to the api_tokens table."""
    engine = app.extensions["orderloom.db"].engine
    seen: list[str] = []

    def note(_conn, _cursor, statement, *_args) -> None:
        if "api_tokens" in statement:
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", note)
    try:
        assert client.get("/api/v1/me", headers=bearer(token)).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", note)
    return len(seen)


def test_a_token_checked_a_moment_ago_is_answered_without_a_query(app, client, token_for):
    token = token_for("staff")
    assert token_queries(app, client, token) == 2  # the lookup, and its last-used time
    assert token_queries(app, client, token) == 0
    body = client.get("/api/v1/me", headers=bearer(token)).get_json()
    assert body["roles"] == ["staff"] and "orders.act" in body["permissions"]


def test_deactivating_the_owner_or_taking_a_role_away_counts_at_once(client, db, token_for):
    token = token_for("designer")
    assert client.get("/api/v1/me", headers=bearer(token)).get_json()["roles"] == ["designer"]
    owner = db.scalars(select(ApiToken)).one().user
    owner.roles = [db.scalars(select(Role).where(Role.name == "viewer")).one()]
    db.commit()
    me = client.get("/api/v1/me", headers=bearer(token)).get_json()
    assert me["roles"] == ["viewer"] and "definitions.edit" not in me["permissions"]
    owner = db.scalars(select(ApiToken)).one().user
    owner.active = False
    db.commit()
    assert_problem(client.get("/api/v1/me", headers=bearer(token)), 401)


def test_a_revocation_made_by_another_process_counts_within_the_ttl(app, client, token_for,
                                                                    database_url):
    """Another process's commit does not reach this process's cache: the token keeps
    working here until what was remembered is TTL_SECONDS old, not longer."""
    now = [1000.0]
    cache = app.extensions[TOKEN_CACHE]
    cache.clock = lambda: now[0]
    token = token_for("staff")
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 200

    other_process = make_engine(database_url)
    with Session(other_process) as session:
        session.scalars(select(ApiToken)).one().revoked_at = utcnow()
        session.commit()
    other_process.dispose()

    now[0] += TTL_SECONDS - 0.5
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 200
    now[0] += 1.0
    assert_problem(client.get("/api/v1/me", headers=bearer(token)), 401)


def test_a_lookup_that_began_before_a_revocation_does_not_put_the_token_back(app, client,
                                                                             token_for, db):
    """One thread looks a token up while another revokes it: the first finishing
    later must not remember the token as it was."""
    cache = app.extensions[TOKEN_CACHE]
    token = token_for("staff")
    began_at = cache.generation
    owner = db.scalars(select(ApiToken)).one().user
    db.scalars(select(ApiToken)).one().revoked_at = utcnow()
    db.commit()  # the revocation, in this process
    cache.remember(token_digest(token), owner, began_at)  # the lookup finishes
    db.rollback()
    assert_problem(client.get("/api/v1/me", headers=bearer(token)), 401)


def test_marking_a_token_used_keeps_the_other_tokens_remembered(app, client, token_for, db):
    now = [1000.0]
    cache = app.extensions[TOKEN_CACHE]
    cache.clock = lambda: now[0]
    first, second = token_for("staff"), token_for("staff")
    assert token_queries(app, client, first) == 2
    now[0] += TTL_SECONDS / 2
    assert token_queries(app, client, second) == 2
    db.execute(update(ApiToken).values(last_used_at=utcnow() - timedelta(minutes=5)))
    db.commit()
    now[0] += TTL_SECONDS / 2 + 0.1  # the first is forgotten, the second is not
    assert token_queries(app, client, first) == 2  # looked up, and marked used again
    assert token_queries(app, client, second) == 0
    used = db.scalars(select(ApiToken.last_used_at).order_by(ApiToken.id)).all()
    db.rollback()
    assert used[0] > utcnow() - timedelta(minutes=1) > used[1]

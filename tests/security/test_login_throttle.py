"""Password guessing is throttled: per username at one client address and per
client address, in the database so that every app process counts the same
failures. No count of a username across addresses exists, so an attacker's
failures never lock the real user out from their own address."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from orderloom.platform.app import create_app
from orderloom.platform.login_throttle import (
    MAX_FAILURES_PER_ADDRESS,
    MAX_FAILURES_PER_USERNAME_AND_ADDRESS,
    WINDOW,
    LoginAttempt,
)
from orderloom.platform.settings import load_settings
from orderloom.runtime.audit import AuditEvent
from tests.conftest import TEST_PASSWORD, TEST_SECRET, csrf_from


def _try(client, username, password, **extra):
    token = csrf_from(client.get("/login").get_data(as_text=True))
    return client.post("/login", data={"username": username, "password": password,
                                       "csrf_token": token}, **extra)


def _age_failures(db, by: timedelta) -> None:
    for attempt in db.scalars(select(LoginAttempt)):
        attempt.at -= by
    db.commit()


def test_five_wrong_passwords_lock_the_username_at_that_address_with_429(client, make_user):
    make_user("staff", username="li.wei")
    for _ in range(MAX_FAILURES_PER_USERNAME_AND_ADDRESS - 1):
        assert _try(client, "li.wei", "wrong-password").status_code == 401
    locked = _try(client, "li.wei", "wrong-password")
    assert locked.status_code == 429
    assert 0 < int(locked.headers["Retry-After"]) <= WINDOW.total_seconds()
    html = locked.get_data(as_text=True)
    assert ("Too many failed logins for this username from your network address. "
            "Try again in 15 minutes.") in html
    # Even the right password is refused while the lock holds: guesses teach nothing.
    right = _try(client, "li.wei", TEST_PASSWORD)
    assert right.status_code == 429
    assert client.get("/").status_code == 302


def test_the_lock_covers_other_spellings_of_the_username(client, make_user):
    make_user("staff", username="li.wei")
    for _ in range(MAX_FAILURES_PER_USERNAME_AND_ADDRESS):
        _try(client, "li.wei", "wrong-password")
    assert _try(client, "LI.WEI", "wrong-password").status_code == 429


def test_a_client_asking_for_json_gets_problem_json_429(client, make_user):
    make_user("staff", username="li.wei")
    for _ in range(MAX_FAILURES_PER_USERNAME_AND_ADDRESS):
        _try(client, "li.wei", "wrong-password")
    response = _try(client, "li.wei", TEST_PASSWORD, headers={"Accept": "application/json"})
    assert response.status_code == 429
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["status"] == 429
    assert body["detail"].startswith("Too many failed logins for this username from your")
    assert int(response.headers["Retry-After"]) > 0


def test_after_the_window_the_right_password_works_again(client, make_user, db):
    make_user("staff", username="li.wei")
    for _ in range(MAX_FAILURES_PER_USERNAME_AND_ADDRESS):
        _try(client, "li.wei", "wrong-password")
    assert _try(client, "li.wei", TEST_PASSWORD).status_code == 429
    _age_failures(db, WINDOW)
    response = _try(client, "li.wei", TEST_PASSWORD)
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    # A successful login forgets the username's failures at that address.
    assert db.scalars(select(LoginAttempt).where(LoginAttempt.username == "li.wei")).all() == []


def test_a_success_before_the_limit_resets_the_count(client, make_user):
    make_user("staff", username="li.wei")
    for _ in range(MAX_FAILURES_PER_USERNAME_AND_ADDRESS - 1):
        _try(client, "li.wei", "wrong-password")
    assert _try(client, "li.wei", TEST_PASSWORD).status_code == 302
    client.post("/logout", data={"csrf_token": csrf_from(
        client.get("/account/tokens").get_data(as_text=True))})
    for _ in range(MAX_FAILURES_PER_USERNAME_AND_ADDRESS - 1):
        assert _try(client, "li.wei", "wrong-password").status_code == 401


def test_one_address_trying_many_usernames_is_locked(client, make_user):
    make_user("staff", username="li.wei")
    for number in range(MAX_FAILURES_PER_ADDRESS - 1):
        assert _try(client, f"guess-{number}", "wrong-password").status_code == 401
    locked = _try(client, "another-guess", "wrong-password")
    assert locked.status_code == 429
    assert "for your network address" in locked.get_data(as_text=True)
    # Another address is not affected.
    other = _try(client, "li.wei", TEST_PASSWORD,
                 environ_base={"REMOTE_ADDR": "192.0.2.7"})
    assert other.status_code == 302


def test_the_lockout_is_in_the_audit_trail(client, make_user, db):
    make_user("staff", username="li.wei")
    for _ in range(MAX_FAILURES_PER_USERNAME_AND_ADDRESS):
        _try(client, "li.wei", "wrong-password")
    events = db.scalars(select(AuditEvent).where(AuditEvent.action == "login.locked")).all()
    assert len(events) == 1
    assert events[0].subject_id == "li.wei"
    assert events[0].details["reason"] == "username_and_address"
    assert events[0].details["address"] == "127.0.0.1"


def test_failures_counted_by_one_app_process_lock_the_other(settings, make_user, app):
    make_user("staff", username="li.wei")
    second = create_app(settings)  # another process on the same database
    try:
        first_client, second_client = app.test_client(), second.test_client()
        for _ in range(MAX_FAILURES_PER_USERNAME_AND_ADDRESS - 1):
            _try(first_client, "li.wei", "wrong-password")
        assert _try(second_client, "li.wei", "wrong-password").status_code == 429
        assert _try(first_client, "li.wei", TEST_PASSWORD).status_code == 429
    finally:
        second.extensions["orderloom.db"].engine.dispose()


USER_ADDRESS = "198.51.100.7"
ATTACKER = "203.0.113.66"
ATTACKS = {
    # 50 failures each: (client address, username tried)
    "one address, the user's name": [(ATTACKER, "li.wei")] * 50,
    "one address, other spellings of the name": [
        (ATTACKER, spelling) for spelling in ("LI.WEI", "Li.Wei", "li.wei ", "li.WEI") * 13][:50],
    "ten addresses, the user's name": [(f"203.0.113.{n % 10}", "li.wei") for n in range(50)],
    "one address, many names then the user's": (
        [(ATTACKER, f"guess-{n}") for n in range(30)] + [(ATTACKER, "li.wei")] * 20),
}


@pytest.mark.parametrize("attack", ATTACKS.values(), ids=ATTACKS.keys())
def test_an_attackers_failures_leave_the_user_able_to_log_in_from_their_address(
        app, make_user, attack):
    make_user("staff", username="li.wei")
    attacker = app.test_client()
    answers = [_try(attacker, username, "wrong-password",
                    environ_base={"REMOTE_ADDR": address}).status_code
               for address, username in attack]
    # The attacker was slowed to a stop, not let through 50 times ...
    assert answers[-1] == 429
    assert set(answers) == {401, 429}
    # ... and the real user, at their own address, logs in at the first try.
    user = app.test_client()
    assert _try(user, "li.wei", TEST_PASSWORD,
                environ_base={"REMOTE_ADDR": USER_ADDRESS}).status_code == 302
    assert user.get("/").status_code == 200


def test_the_users_login_elsewhere_does_not_reset_the_attackers_count(app, make_user):
    make_user("staff", username="li.wei")
    attacker, user = app.test_client(), app.test_client()
    at_attacker, at_user = {"REMOTE_ADDR": ATTACKER}, {"REMOTE_ADDR": USER_ADDRESS}
    for _ in range(MAX_FAILURES_PER_USERNAME_AND_ADDRESS - 1):
        assert _try(attacker, "li.wei", "wrong-password", environ_base=at_attacker
                    ).status_code == 401
    assert _try(user, "li.wei", TEST_PASSWORD, environ_base=at_user).status_code == 302
    assert _try(attacker, "li.wei", "wrong-password", environ_base=at_attacker
                ).status_code == 429


PROXY_ADDRESS = "10.0.0.1"


@pytest.fixture
def proxied_app(settings):
    """The app behind one reverse proxy that appends the client to X-Forwarded-For."""
    proxied = create_app(load_settings({"ORDERLOOM_TRUSTED_PROXIES": "1"}, overrides={
        "instance_path": settings.instance_path, "database_url": settings.database_url,
        "secret_key": TEST_SECRET}))
    yield proxied
    proxied.extensions["orderloom.db"].engine.dispose()


def _via_proxy(client_address: str, written_by_client: str | None = None) -> dict:
    # What the proxy sends on: whatever the client wrote, then the client's address.
    forwarded = ", ".join(filter(None, [written_by_client, client_address]))
    return {"environ_base": {"REMOTE_ADDR": PROXY_ADDRESS},
            "headers": {"X-Forwarded-For": forwarded}}


def test_behind_a_trusted_proxy_one_client_is_locked_not_everyone(proxied_app, make_user):
    make_user("staff", username="li.wei")
    attacker = proxied_app.test_client()
    answers = [_try(attacker, username, "wrong-password", **_via_proxy(ATTACKER)).status_code
               for username in [f"guess-{n}" for n in range(25)] + ["li.wei"] * 25]
    assert answers[MAX_FAILURES_PER_ADDRESS - 1:] == [429] * (50 - MAX_FAILURES_PER_ADDRESS + 1)
    colleague = proxied_app.test_client()
    assert _try(colleague, "li.wei", TEST_PASSWORD,
                **_via_proxy(USER_ADDRESS)).status_code == 302


def test_behind_a_trusted_proxy_what_the_client_writes_in_the_header_is_not_taken(
        proxied_app, make_user, db):
    make_user("staff", username="li.wei")
    attacker = proxied_app.test_client()
    answers = [_try(attacker, "li.wei", "wrong-password",
                    **_via_proxy(ATTACKER, written_by_client=f"192.0.2.{n}")).status_code
               for n in range(MAX_FAILURES_PER_USERNAME_AND_ADDRESS + 1)]
    assert answers[-2:] == [429, 429]
    events = db.scalars(select(AuditEvent).where(AuditEvent.action == "login.locked")).all()
    assert [event.details["address"] for event in events] == [ATTACKER]


def test_without_trusted_proxies_the_header_is_ignored(client, make_user, db):
    make_user("staff", username="li.wei")
    answers = [_try(client, "li.wei", "wrong-password",
                    headers={"X-Forwarded-For": f"192.0.2.{n}"}).status_code
               for n in range(MAX_FAILURES_PER_USERNAME_AND_ADDRESS + 1)]
    assert answers[-2:] == [429, 429]
    events = db.scalars(select(AuditEvent).where(AuditEvent.action == "login.locked")).all()
    assert [event.details["address"] for event in events] == ["127.0.0.1"]

"""Password guessing is throttled: per username and per client address, in the
database so that every app process counts the same failures."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from orderloom.platform.app import create_app
from orderloom.platform.login_throttle import (
    MAX_FAILURES_PER_ADDRESS,
    MAX_FAILURES_PER_USERNAME,
    WINDOW,
    LoginAttempt,
)
from orderloom.runtime.audit import AuditEvent
from tests.conftest import TEST_PASSWORD, csrf_from


def _try(client, username, password, **extra):
    token = csrf_from(client.get("/login").get_data(as_text=True))
    return client.post("/login", data={"username": username, "password": password,
                                       "csrf_token": token}, **extra)


def _age_failures(db, by: timedelta) -> None:
    for attempt in db.scalars(select(LoginAttempt)):
        attempt.at -= by
    db.commit()


def test_five_wrong_passwords_lock_the_username_with_429_and_retry_after(client, make_user):
    make_user("staff", username="li.wei")
    for _ in range(MAX_FAILURES_PER_USERNAME - 1):
        assert _try(client, "li.wei", "wrong-password").status_code == 401
    locked = _try(client, "li.wei", "wrong-password")
    assert locked.status_code == 429
    assert 0 < int(locked.headers["Retry-After"]) <= WINDOW.total_seconds()
    html = locked.get_data(as_text=True)
    assert "Too many failed logins for this username. Try again in 15 minutes." in html
    # Even the right password is refused while the lock holds: guesses teach nothing.
    right = _try(client, "li.wei", TEST_PASSWORD)
    assert right.status_code == 429
    assert client.get("/").status_code == 302


def test_the_lock_covers_other_spellings_of_the_username(client, make_user):
    make_user("staff", username="li.wei")
    for _ in range(MAX_FAILURES_PER_USERNAME):
        _try(client, "li.wei", "wrong-password")
    assert _try(client, "LI.WEI", "wrong-password").status_code == 429


def test_a_client_asking_for_json_gets_problem_json_429(client, make_user):
    make_user("staff", username="li.wei")
    for _ in range(MAX_FAILURES_PER_USERNAME):
        _try(client, "li.wei", "wrong-password")
    response = _try(client, "li.wei", TEST_PASSWORD, headers={"Accept": "application/json"})
    assert response.status_code == 429
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["status"] == 429
    assert body["detail"].startswith("Too many failed logins for this username.")
    assert int(response.headers["Retry-After"]) > 0


def test_after_the_window_the_right_password_works_again(client, make_user, db):
    make_user("staff", username="li.wei")
    for _ in range(MAX_FAILURES_PER_USERNAME):
        _try(client, "li.wei", "wrong-password")
    assert _try(client, "li.wei", TEST_PASSWORD).status_code == 429
    _age_failures(db, WINDOW)
    response = _try(client, "li.wei", TEST_PASSWORD)
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    # A successful login forgets the username's failures.
    assert db.scalars(select(LoginAttempt).where(LoginAttempt.username == "li.wei")).all() == []


def test_a_success_before_the_limit_resets_the_count(client, make_user):
    make_user("staff", username="li.wei")
    for _ in range(MAX_FAILURES_PER_USERNAME - 1):
        _try(client, "li.wei", "wrong-password")
    assert _try(client, "li.wei", TEST_PASSWORD).status_code == 302
    client.post("/logout", data={"csrf_token": csrf_from(
        client.get("/account/tokens").get_data(as_text=True))})
    for _ in range(MAX_FAILURES_PER_USERNAME - 1):
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
    for _ in range(MAX_FAILURES_PER_USERNAME):
        _try(client, "li.wei", "wrong-password")
    events = db.scalars(select(AuditEvent).where(AuditEvent.action == "login.locked")).all()
    assert len(events) == 1
    assert events[0].subject_id == "li.wei"
    assert events[0].details["reason"] == "username"
    assert events[0].details["address"] == "127.0.0.1"


def test_failures_counted_by_one_app_process_lock_the_other(settings, make_user, app):
    make_user("staff", username="li.wei")
    second = create_app(settings)  # another process on the same database
    try:
        first_client, second_client = app.test_client(), second.test_client()
        for _ in range(MAX_FAILURES_PER_USERNAME - 1):
            _try(first_client, "li.wei", "wrong-password")
        assert _try(second_client, "li.wei", "wrong-password").status_code == 429
        assert _try(first_client, "li.wei", TEST_PASSWORD).status_code == 429
    finally:
        second.extensions["orderloom.db"].engine.dispose()

"""When PostgreSQL drops the app's connections (a restart, a failover), a request gets a
clear 503 that says nothing was changed, and the next one works again."""
from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text

from tests.conftest import POSTGRES_ADMIN_URL
from tests.platform.test_api_tokens import bearer


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_dropped_database_connection_is_a_503_and_the_pool_recovers(client, token_for,
                                                                      database_url, db):
    staff = bearer(token_for("staff"))
    db.close()
    assert client.get("/api/v1/orders", headers=staff).status_code == 200
    name = database_url.rsplit("/", 1)[1]
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                "WHERE datname = :name AND pid <> pg_backend_pid()"),
                           {"name": name})
    admin.dispose()

    answers = [client.get("/api/v1/orders", headers=staff) for _ in range(6)]
    failed = [a for a in answers if a.status_code != 200]
    # Each pooled connection that died fails one request, cleanly; then all is well.
    assert failed, "no request saw the dropped connection"
    for answer in failed:
        assert answer.status_code == 503
        assert answer.headers["Retry-After"] == "2"
        assert answer.get_json()["detail"] == ("the database cannot be reached just now; "
                                               "nothing was changed, try again shortly")
    assert answers[-1].status_code == 200


def drop_connections(database_url: str) -> None:
    name = database_url.rsplit("/", 1)[1]
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                "WHERE datname = :name AND pid <> pg_backend_pid()"),
                           {"name": name})
    admin.dispose()


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
@pytest.mark.parametrize("idempotency_key", [None, "retry-me"])
def test_an_order_created_while_connections_drop_is_a_503_then_created_once(
        client, token_for, published, database_url, db, idempotency_key):
    """The client is told to retry (never a broken answer), and its retry with the
    same Idempotency-Key goes through at once: the failed attempt held the key in a
    transaction that died with its connection."""
    from tests.runtime.support import create

    staff = bearer(token_for("staff"))
    if idempotency_key:
        staff["Idempotency-Key"] = idempotency_key
    db.close()
    assert client.get("/api/v1/orders", headers=staff).status_code == 200  # pooled
    drop_connections(database_url)
    answers = [create(client, staff) for _ in range(4)]
    failed = [a for a in answers if a.status_code != 201]
    assert failed, "no request saw the dropped connection"
    assert {a.status_code for a in failed} == {503}
    assert all(a.headers["Retry-After"] == "2" for a in failed)
    assert answers[-1].status_code == 201
    orders = client.get("/api/v1/orders", headers=staff).get_json()["orders"]
    created = [a for a in answers if a.status_code == 201]
    if idempotency_key:
        assert len(orders) == 1
        assert {a.get_json()["number"] for a in created} == {orders[0]["number"]}
    else:
        assert len(orders) == len(created)


def test_a_connection_that_dies_after_the_answer_is_made_does_not_break_it(
        client, token_for, monkeypatch):
    """Closing the request's session rolls back on its connection; when the database
    went away just then, the answer already made still reaches the client."""
    from sqlalchemy.exc import OperationalError
    from sqlalchemy.orm import Session

    staff = bearer(token_for("staff"))
    real_close = Session.close
    failures = []

    def close_on_a_dead_connection(session):
        if not failures:
            failures.append(session)
            raise OperationalError("ROLLBACK", {}, Exception("server closed the connection"))
        return real_close(session)

    monkeypatch.setattr(Session, "close", close_on_a_dead_connection)
    answer = client.get("/api/v1/orders", headers=staff)
    assert failures, "the session was not closed"
    assert answer.status_code == 200 and answer.get_json()["orders"] == []
    assert client.get("/api/v1/orders", headers=staff).status_code == 200

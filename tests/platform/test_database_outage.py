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

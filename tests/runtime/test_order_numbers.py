"""Order numbers on PostgreSQL: taken on the order's own connection, and a database that
was numbering orders before goes on from where it was."""
from __future__ import annotations

import pytest
from sqlalchemy import event, text

from tests.runtime.support import create

ON_POSTGRESQL = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)


def checkouts_while(app, work):
    """How many connections the request took from the pool while `work` ran."""
    engine = app.extensions["orderloom.db"].engine
    taken = []

    def count(*_):
        taken.append(1)

    event.listen(engine, "checkout", count)
    try:
        result = work()
    finally:
        event.remove(engine, "checkout", count)
    return result, len(taken)


@ON_POSTGRESQL
def test_an_order_is_numbered_on_its_own_connection(app, client, staff):
    # The first order of the type makes its sequence, once, on a short connection.
    first, _ = checkouts_while(app, lambda: create(client, staff))
    assert first.get_json()["number"] == "SO-000001"
    second, taken = checkouts_while(app, lambda: create(client, staff))
    assert second.status_code == 201 and second.get_json()["number"] == "SO-000002"
    assert taken == 1


@ON_POSTGRESQL
def test_numbers_go_on_after_those_kept_before_sequences(app, client, staff, db):
    order_type_id = db.execute(text(
        "SELECT id FROM order_types WHERE key = 'retail_order'")).scalar_one()
    # A database whose orders were numbered up to 41 in the table kept before, and which
    # has no sequence yet (an earlier test in this database may have made one).
    db.execute(text(f"DROP SEQUENCE IF EXISTS order_number_{order_type_id}"))
    db.execute(text("INSERT INTO order_sequences (order_type_id, last_value) "
                    "VALUES (:id, 41)"), {"id": order_type_id})
    db.commit()
    assert create(client, staff).get_json()["number"] == "SO-000042"
    assert create(client, staff).get_json()["number"] == "SO-000043"


@ON_POSTGRESQL
def test_a_database_restored_without_its_sequences_does_not_number_twice(
        app, client, staff, db):
    for _ in range(3):
        assert create(client, staff).status_code == 201
    order_type_id = db.execute(text(
        "SELECT id FROM order_types WHERE key = 'retail_order'")).scalar_one()
    db.execute(text(f"DROP SEQUENCE order_number_{order_type_id}"))
    db.commit()
    assert create(client, staff).get_json()["number"] == "SO-000004"

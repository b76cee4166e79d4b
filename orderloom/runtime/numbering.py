"""Order numbers: the order type's prefix and a sequence, unique under concurrency.

On PostgreSQL the number is taken in a short transaction of its own, so order
creation never queues behind one row lock for its whole duration; an order
that then fails leaves a gap, which is allowed. On SQLite writers are
serialised anyway, so the number is taken inside the order's transaction.
"""
from __future__ import annotations

from sqlalchemy import Connection
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from orderloom.runtime.orders import OrderSequence

DIGITS = 6


def _next_value(connection: Connection, order_type_id: int) -> int:
    # One statement: the first order of a type creates its sequence row, every later
    # one increments it, and the row lock makes concurrent takers queue.
    table = OrderSequence.__table__
    insert = pg_insert if connection.dialect.name == "postgresql" else sqlite_insert
    statement = insert(table).values(order_type_id=order_type_id, last_value=1)
    statement = statement.on_conflict_do_update(
        index_elements=[table.c.order_type_id],
        set_={"last_value": table.c.last_value + 1},
    ).returning(table.c.last_value)
    return connection.execute(statement).scalar_one()


def next_number(session: Session, order_type_id: int, prefix: str) -> str:
    bind = session.get_bind()
    if bind.dialect.name == "sqlite":
        value = _next_value(session.connection(), order_type_id)
    else:
        # Autocommit: the one statement is its own transaction, one round trip.
        with bind.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            value = _next_value(connection, order_type_id)
    return f"{prefix}-{value:0{DIGITS}d}"

"""Order numbers: the order type's prefix and a sequence, unique under concurrency.

On PostgreSQL the number is taken in a short transaction of its own, so order
creation never queues behind one row lock for its whole duration; an order
that then fails leaves a gap, which is allowed. On SQLite writers are
serialised anyway, so the number is taken inside the order's transaction.
"""
from __future__ import annotations

from sqlalchemy import Connection, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from orderloom.runtime.orders import OrderSequence

DIGITS = 6


def _next_value(connection: Connection, order_type_id: int) -> int:
    insert = pg_insert if connection.dialect.name == "postgresql" else sqlite_insert
    connection.execute(insert(OrderSequence.__table__)
                       .values(order_type_id=order_type_id, last_value=0)
                       .on_conflict_do_nothing())
    return connection.execute(
        update(OrderSequence.__table__)
        .where(OrderSequence.__table__.c.order_type_id == order_type_id)
        .values(last_value=OrderSequence.__table__.c.last_value + 1)
        .returning(OrderSequence.__table__.c.last_value)
    ).scalar_one()


def next_number(session: Session, order_type_id: int, prefix: str) -> str:
    bind = session.get_bind()
    if bind.dialect.name == "sqlite":
        value = _next_value(session.connection(), order_type_id)
    else:
        with bind.connect() as connection:
            value = _next_value(connection, order_type_id)
            connection.commit()
    return f"{prefix}-{value:0{DIGITS}d}"

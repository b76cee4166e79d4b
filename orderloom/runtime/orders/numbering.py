"""Order numbers: the order type's prefix and a sequence, unique under concurrency.

On PostgreSQL the number is taken in a short transaction of its own, so order
creation never queues behind one row lock for its whole duration; an order
that then fails leaves a gap, which is allowed. On SQLite writers are
serialised anyway, so the number is taken inside the order's transaction.
"""
from __future__ import annotations

from sqlalchemy import Connection, text
from sqlalchemy.orm import Session

DIGITS = 6


# One statement: the first order of a type creates its sequence row, every later one
# increments it, and the row lock makes concurrent takers queue. Written out because
# SQLAlchemy cannot cache the compiled form of its ON CONFLICT constructs: built and
# compiled anew for every order, they cost three times what this text does.
_TAKE_NUMBER = text(
    "INSERT INTO order_sequences (order_type_id, last_value) VALUES (:order_type, 1) "
    "ON CONFLICT (order_type_id) DO UPDATE SET last_value = order_sequences.last_value + 1 "
    "RETURNING last_value")


def _next_value(connection: Connection, order_type_id: int) -> int:
    return connection.execute(_TAKE_NUMBER, {"order_type": order_type_id}).scalar_one()


def next_number(session: Session, order_type_id: int, prefix: str) -> str:
    bind = session.get_bind()
    if bind.dialect.name == "sqlite":
        value = _next_value(session.connection(), order_type_id)
    else:
        # Autocommit: the one statement is its own transaction, one round trip.
        with bind.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            value = _next_value(connection, order_type_id)
    return f"{prefix}-{value:0{DIGITS}d}"

"""Order numbers: the order type's prefix and a sequence, unique under concurrency.

On PostgreSQL each order type has a sequence of its own, ``order_number_<type id>``,
and the number is taken with ``nextval`` on the order's own connection: a sequence
never waits for another transaction and never goes back, so order creation neither
queues behind a row lock nor needs a second connection. An order that then fails
leaves a gap, which is allowed.

The sequence is made the first time an order of the type is numbered, starting after
the last number ``order_sequences`` handed out (where numbers were kept before) and
after the highest number the type's orders carry, so a database that was in use, or
restored without its sequences, goes on from where it was. Making it is DDL, done once per
order type in a short transaction of its own; two first orders at once may both try,
and the one that loses finds the sequence there.

On SQLite writers are serialised anyway, so the number comes from ``order_sequences``
inside the order's transaction.
"""
from __future__ import annotations

from sqlalchemy import Connection, exc, text
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

# NULL, not an error, while the sequence does not exist yet: an error would abort the
# order's transaction. nextval of NULL is NULL.
_NEXT_IN_SEQUENCE = text("SELECT nextval(to_regclass(:sequence))")

# Where a new sequence starts: after the last number kept in order_sequences and after
# every number the type's orders already carry (a database restored without its
# sequences must not hand out a number twice).
_LAST_GIVEN = text(
    "SELECT GREATEST("
    " (SELECT last_value FROM order_sequences WHERE order_type_id = :order_type),"
    " (SELECT max(CAST(substring(number FROM '([0-9]+)$') AS bigint)) FROM orders"
    "  WHERE order_type_id = :order_type))")


def sequence_name(order_type_id: int) -> str:
    return f"order_number_{int(order_type_id)}"


def _make_sequence(session: Session, order_type_id: int) -> int:
    """Make the type's sequence and take its first number. Taken here, not on the
    order's connection: that transaction looked the name up before the sequence
    existed, and PostgreSQL keeps what a transaction's lookups found until it ends."""
    bind = session.get_bind()
    with bind.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        last = connection.execute(_LAST_GIVEN, {"order_type": order_type_id}).scalar()
        try:
            connection.exec_driver_sql(
                f"CREATE SEQUENCE IF NOT EXISTS {sequence_name(order_type_id)} "
                f"START WITH {int(last or 0) + 1}")
        except exc.IntegrityError:
            # Another first order made it between our check and our CREATE: IF NOT
            # EXISTS does not cover that moment (the catalogue's unique index does).
            pass
        return connection.execute(_NEXT_IN_SEQUENCE,
                                  {"sequence": sequence_name(order_type_id)}).scalar_one()


def _next_value(connection: Connection, order_type_id: int) -> int:
    return connection.execute(_TAKE_NUMBER, {"order_type": order_type_id}).scalar_one()


def next_number(session: Session, order_type_id: int, prefix: str) -> str:
    connection = session.connection()
    if connection.dialect.name == "sqlite":
        value = _next_value(connection, order_type_id)
    else:
        name = {"sequence": sequence_name(order_type_id)}
        value = connection.execute(_NEXT_IN_SEQUENCE, name).scalar()
        if value is None:
            value = _make_sequence(session, order_type_id)
    return f"{prefix}-{value:0{DIGITS}d}"

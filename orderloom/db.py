"""SQLAlchemy base, engine and session factory, shared by designer, runtime and platform.

Helpers take a ``Session`` and never commit; the service that owns the unit of
work commits.
"""
from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import JSON, DateTime, Engine, MetaData, Numeric, create_engine, event
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

log = logging.getLogger(__name__)

# Stable constraint names, so migrations can name what they alter on every database.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC timestamp on every database.

    SQLite keeps no zone, so values are normalised to UTC on the way in and
    marked UTC on the way out; a naive datetime is refused rather than guessed.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where a UTC timestamp is stored")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


def containing(text: str) -> str:
    """A LIKE pattern (with ``escape="\\"``) for lower-cased ``text`` anywhere in a
    lower-cased value: the user's % and _ are letters, not wildcards."""
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def make_engine(url: str, **kwargs) -> Engine:
    """An engine for ``url``: SQLite with WAL, foreign keys and IMMEDIATE writes, or
    PostgreSQL through psycopg 3."""
    # Chinese text stays readable in stored JSON (and searchable with LIKE on SQLite).
    kwargs.setdefault("json_serializer", _json_text)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30},
                               **kwargs)
        _configure_sqlite(engine)
        return engine
    # No pre-ping: it costs a round trip on every checkout, the largest single cost of
    # a small request. After a database restart the first request on each stale
    # connection fails (and is answered as such, nothing half-done); the pool then
    # replaces the connection.
    return create_engine(url, pool_recycle=3600, **kwargs)


def _json_text(document: object) -> str:
    return json.dumps(document, ensure_ascii=False)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:
        # Let SQLAlchemy, not the sqlite3 module, decide when transactions begin
        # (the sqlite3 module's own handling breaks SAVEPOINT and DDL).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection) -> None:
        # IMMEDIATE takes the write lock up front, so two writers queue on the
        # busy timeout instead of one failing with "database is locked" when it
        # upgrades a read lock mid-transaction.
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


# JSON documents: JSONB on PostgreSQL (indexable, compact), JSON text elsewhere.
JSONDocument = JSON().with_variant(JSONB(), "postgresql")

# Money in columns: exact on PostgreSQL. SQLite keeps NUMERIC as a binary float, which
# holds four decimal places exactly for amounts below about 10^11; values read back are
# Decimals quantised to the column's scale. Every amount the product takes fits (the
# bounds of designer/numbers.py are drawn from these two numbers).
MONEY_PRECISION, MONEY_SCALE = 18, 4


class MoneyColumn(TypeDecorator[Decimal]):
    """A money column that reads a faulty value as None instead of failing.

    Nothing the product writes is faulty, but a row changed by hand can be: SQLite
    keeps any text or an infinite float in a NUMERIC column, PostgreSQL keeps NaN. One
    such row must not take down every list and sum that reads the column."""

    impl = Numeric(MONEY_PRECISION, MONEY_SCALE)
    cache_ok = True

    def result_processor(self, dialect, coltype):
        inner = super().result_processor(dialect, coltype)
        # Sums read through this type too (a customer's value, a month's sales): up to
        # 10^24 leaves room for ten billion of the largest amounts while 4 places still
        # fit Decimal's 28 digits.
        largest = Decimal(10) ** 24

        def process(value):
            if value is None:
                return None
            try:
                value = inner(value) if inner is not None else value
                number = value if isinstance(value, Decimal) else Decimal(str(value))
            except (TypeError, ValueError, ArithmeticError):
                log.warning("a money column holds %r, which is no amount; read as none",
                            str(value)[:40])
                return None
            if not number.is_finite() or abs(number) >= largest:
                log.warning("a money column holds %s, too large to be a sum of amounts; "
                            "read as none", str(value)[:40])
                return None
            return number

        return process


Money = MoneyColumn()

"""The daily summary of orders the dashboards read for long periods.

``DailyOrderTotal`` rows per day, order type, definition version, channel, state and
currency: added up, how many orders were entered that day with those values, and the
sum of their totals. Those are exactly what the order-count and sales charts group and filter
by (the version says whether a state is a sale and whether the reader may see the
total), so those charts add up a few thousand rows instead of a million orders.

The database keeps the rows current itself: triggers on ``orders`` (migration 0046)
add a row taking an order's old values out and one putting its new ones in whenever an
order is stored, moved, edited or deleted, in the same transaction and however the
change was written (ORM or plain statements). Rows are only ever added, never updated
in place: one row per key, updated by every order of that day and state, was a lock
that concurrent orders waited on, and deadlocked with their stock rows. Readers add
the rows up; ``orderloom dashboards rebuild`` folds them into one per key.
A day is a day in ``DailyTotalsZone.zone``; with no row there, in UTC.
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import BigInteger, Date, Index, Integer, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column

from orderloom.db import Base

# A summed total: 10 digits more than one order's (db.MONEY_PRECISION).
SUM_PRECISION, SUM_SCALE = 28, 4
# What the summary stores for an order without a currency: a key column is never NULL,
# so that rows of one key group together in the readers' comparisons.
NO_CURRENCY = ""


class DailyOrderTotal(Base):
    __tablename__ = "daily_order_totals"
    __table_args__ = (Index("ix_daily_order_totals_key", "day", "order_type_id",
                            "version_id", "channel", "state", "currency"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"),
                                    primary_key=True)
    day: Mapped[date] = mapped_column(Date)
    order_type_id: Mapped[int] = mapped_column(Integer)
    version_id: Mapped[int] = mapped_column(Integer)
    channel: Mapped[str] = mapped_column(String(40))
    state: Mapped[str] = mapped_column(String(63))
    currency: Mapped[str] = mapped_column(String(3))
    orders: Mapped[int] = mapped_column(Integer)
    total: Mapped[Decimal] = mapped_column(Numeric(SUM_PRECISION, SUM_SCALE))


class DailyTotalsZone(Base):
    """The time zone whose days the summary counts (one row at most). ``shift`` is the
    zone's fixed distance from UTC as SQLite's date() reads it (``+480 minutes``):
    SQLite knows no zones, so there the summary is kept only in zones without
    daylight saving."""

    __tablename__ = "daily_order_totals_zone"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    zone: Mapped[str] = mapped_column(String(64))
    shift: Mapped[str] = mapped_column(String(20))

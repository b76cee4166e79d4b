"""When and how the order-count and sales charts, and the order list's counts per
state, read the daily summary (models.py) instead of the orders.

The summary answers a filter exactly when everything the filter asks can be said in
its columns: whole days of the zone it counts in, a channel, an order type, and a
reader's data permission that reads only the order's type, version, channel or state
(``my channels`` does; ``mine`` or ``my warehouses`` do not). Otherwise the chart
counts the orders themselves, as it always did; the figures are the same either way.
"""
from __future__ import annotations

import logging
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import (
    Date,
    DateTime,
    String,
    and_,
    case,
    cast,
    delete,
    func,
    insert,
    literal_column,
    select,
    text,
    tuple_,
)
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.sql import visitors
from sqlalchemy.sql.elements import ColumnClause, ColumnElement

from orderloom.runtime import business_calendar
from orderloom.runtime.orders.models import Order
from orderloom.runtime.reports.models import NO_CURRENCY, DailyOrderTotal, DailyTotalsZone

log = logging.getLogger(__name__)

# The columns of an order the summary keeps (its currency is kept too, but with ""
# for none, so a condition on it would not read the same).
DIMENSIONS = ("order_type_id", "version_id", "channel", "state")
# What one row of the summary is kept for: rows of one key add up.
KEY = ("day", *DIMENSIONS, "currency")
# How many keys one fold takes at most: one round's transaction stays short.
FOLD_KEYS = 2000


def counting_zone() -> str:
    """The zone whose days the dashboards count: the instance's, as their date filters
    (business_calendar.day_range) and their periods (dashboards._period) do. A summary
    kept in another zone (made before the instance's zone was set or changed) is not
    read until ``orderloom dashboards rebuild`` keeps it in this one."""
    return business_calendar.time_zone()


def kept_zone(session: Session) -> str:
    """The zone whose days the summary is kept in."""
    return session.scalar(select(DailyTotalsZone.zone).limit(1)) or "UTC"


def on_summary(condition: ColumnElement[bool]) -> ColumnElement[bool] | None:
    """``condition`` on orders said on the summary's columns, or None when it reads
    anything of an order the summary does not keep (its id, creator, warehouse...)."""
    orders, summary = Order.__table__, DailyOrderTotal.__table__
    unknown: list[str] = []

    def swap(element):
        if isinstance(element, ColumnClause) and getattr(element, "table", None) is orders:
            if element.name in DIMENSIONS:
                return summary.c[element.name]
            unknown.append(element.name)
        return None

    # A mapped attribute (Order.state) stands for its column.
    element = getattr(condition, "__clause_element__", lambda: condition)()
    adapted = visitors.replacement_traverse(element, {}, swap)
    return None if unknown else adapted


def _day(moment: datetime | None, zone: ZoneInfo) -> date | None | bool:
    """The day ``moment`` begins in ``zone``; False when it is not a midnight there."""
    if moment is None:
        return None
    local = moment.astimezone(zone)
    return local.date() if local.time() == time.min else False


def conditions(session: Session, spec) -> list[ColumnElement[bool]] | None:
    """The ``DashboardFilter`` said on the summary (its currency and hidden totals are
    the charts' own business), or None when the summary cannot answer it."""
    return _conditions(session, spec.visible, spec.created_from, spec.created_to,
                       spec.channel, spec.order_type_id)


def state_counts(session: Session, spec, visible: ColumnElement[bool]
                 ) -> dict[str, int] | None:
    """Orders per state under the order list's filters (``spec``, an OrderFilter of
    orders/search.py, its state and page left aside), or None when a filter reads
    what the summary does not keep (a customer, a tag, text, a field, a payment
    status) and the orders must be counted."""
    if (spec.customer or spec.tag or spec.text or spec.fields or spec.payment_statuses):
        return None
    found = _conditions(session, visible, spec.created_from, spec.created_to, spec.channel,
                        spec.order_type_id)
    if found is None:
        return None
    orders = func.sum(DailyOrderTotal.orders)
    query = (select(DailyOrderTotal.state, orders).where(*found)
             .group_by(DailyOrderTotal.state).having(orders > 0))
    return {state: int(count) for state, count in session.execute(query)}


def _conditions(session: Session, visible: ColumnElement[bool], created_from: datetime | None,
                created_to: datetime | None, channel: str | None, order_type_id: int | None
                ) -> list[ColumnElement[bool]] | None:
    zone = counting_zone()
    if kept_zone(session) != zone:
        # Kept in another zone's days (the instance changed zones): count the orders
        # until `orderloom dashboards rebuild` keeps it in the right one.
        return None
    adapted = on_summary(visible)
    start, end = _day(created_from, ZoneInfo(zone)), _day(created_to, ZoneInfo(zone))
    if adapted is None or start is False or end is False:
        return None
    found = [adapted]
    if start is not None:
        found.append(DailyOrderTotal.day >= start)
    if end is not None:
        found.append(DailyOrderTotal.day < end)
    if channel:
        found.append(DailyOrderTotal.channel == channel)
    if order_type_id is not None:
        found.append(DailyOrderTotal.order_type_id == order_type_id)
    return found


def period(session: Session, grain: str) -> ColumnElement:
    """The first day of a summary row's day, week (Monday) or month, as text."""
    day = DailyOrderTotal.day
    if session.get_bind().dialect.name == "postgresql":
        if grain == "day":
            return cast(day, String)
        return cast(cast(func.date_trunc(grain, cast(day, DateTime)), Date), String)
    if grain == "day":
        return day
    if grain == "week":
        return func.date(day, "-6 days", "weekday 1")
    return func.strftime("%Y-%m-01", day)


def _shift(zone: str) -> str:
    """``zone``'s distance from UTC as SQLite's date() reads it; a ValueError for a zone
    whose distance changes with the seasons, which SQLite's triggers cannot follow."""
    found = ZoneInfo(zone)
    offsets = {found.utcoffset(datetime(year, month, 1))
               for year in range(2000, 2041) for month in (1, 7)}
    if len(offsets) > 1:
        raise ValueError(f"the time zone {zone} changes its distance from UTC during the "
                         "year; on SQLite the daily summary needs a zone that does not")
    minutes = int(offsets.pop().total_seconds() // 60)
    return f"{minutes:+d} minutes"


def _amount(postgres: bool) -> ColumnElement:
    """An order's total as the summary adds it, as the triggers do (migration 0046): a
    faulty one, changed by hand, as 0 (a NaN on PostgreSQL; text or an infinite float
    on SQLite)."""
    if postgres:
        return case((Order.total == literal_column("'NaN'::numeric"), 0),
                    else_=func.coalesce(Order.total, 0))
    raw = literal_column("orders.total")
    return case((and_(func.typeof(raw).in_(("integer", "real")), func.abs(raw) < 1e18), raw),
                else_=0)


def rebuild(session: Session, zone: str) -> int:
    """Fill the summary again from the orders, in ``zone``'s days (after the instance
    changed zones, or a restore made by hand); returns how many rows it has. Order
    writes wait meanwhile: on PostgreSQL behind a SHARE lock on ``orders``, on SQLite
    behind the write lock every transaction takes. The caller commits."""
    postgres = session.get_bind().dialect.name == "postgresql"
    shift = "+0 minutes" if postgres else _shift(zone)
    if postgres:
        session.execute(text("LOCK TABLE orders IN SHARE MODE"))
        day = cast(func.timezone(zone, Order.created_at), Date)
    else:
        day = func.date(Order.created_at, shift)
    session.execute(delete(DailyOrderTotal))
    session.execute(delete(DailyTotalsZone))
    session.add(DailyTotalsZone(id=1, zone=zone, shift=shift))
    keys = (day, Order.order_type_id, Order.version_id, Order.channel, Order.state,
            func.coalesce(Order.currency, NO_CURRENCY))
    session.execute(insert(DailyOrderTotal).from_select(
        ["day", "order_type_id", "version_id", "channel", "state", "currency", "orders",
         "total"],
        select(*keys, func.count(), func.coalesce(func.sum(_amount(postgres)), 0))
        .group_by(*keys)))
    session.flush()
    rows = session.scalar(select(func.count()).select_from(DailyOrderTotal)) or 0
    log.info("Daily order summary rebuilt in days of %s: %d rows", zone, rows)
    return rows


def fold(session: Session, keys: int = FOLD_KEYS) -> int:
    """Fold the rows of up to ``keys`` keys that have several into one row each; returns
    how many keys were folded. The triggers only add rows (a change adds a negative row
    for the order's old values and one for its new), so without folding the summary
    grows with every change and reading it slows down; the sweeper folds it a batch
    each round. The caller commits.

    It is safe beside orders being written: the rows folded are exactly those the DELETE
    took (RETURNING), so a row a transaction adds meanwhile stays as it is, and a row
    ``rebuild`` deleted first is neither deleted again nor added back."""
    summary = DailyOrderTotal.__table__
    key = [summary.c[name] for name in KEY]
    several = session.execute(select(*key).group_by(*key).having(func.count() > 1)
                              .limit(keys)).all()
    if not several:
        return 0
    taken = session.execute(delete(summary).where(tuple_(*key).in_(several))
                            .returning(*key, summary.c.orders, summary.c.total)).all()
    sums: dict[tuple, list] = {}
    for *values, orders, total in taken:
        kept = sums.setdefault(tuple(values), [0, 0])
        kept[0] += orders
        kept[1] += total
    rows = [{**dict(zip(KEY, values, strict=True)), "orders": orders, "total": total}
            for values, (orders, total) in sums.items() if orders or total]
    if rows:  # a key whose orders all left it adds nothing, and is not kept
        session.execute(insert(summary), rows)
    return len(sums)


def fold_round(sessions: sessionmaker[Session]) -> int:
    """One batch of folding (``fold``) in a transaction of its own: the sweeper's step."""
    with sessions() as session:
        folded = fold(session)
        session.commit()
    if folded:
        log.debug("daily order summary: %d keys folded", folded)
    return folded

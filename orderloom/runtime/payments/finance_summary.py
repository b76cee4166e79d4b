"""The daily summary for finance: per day and currency, the orders taken, the money
received and refunded, and what customers still owe at the end of the day.

Outstanding is what orders created by the end of the day cost minus what was
received for them by then (never below zero per order), counting only orders that
are sales: nobody owes for an order whose state is cancelled or returned.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from orderloom.designer.state_categories import NOT_SOLD
from orderloom.runtime import business_calendar
from orderloom.runtime.orders.categories import pairs_in
from orderloom.runtime.orders.models import Order, money_text
from orderloom.runtime.payments.received import Payment, Refund

MAX_DAYS = 92
COLUMNS = ("date", "currency", "orders", "order_value", "payments", "received", "refunds",
           "refunded", "net_received", "outstanding_orders", "outstanding")


def summary(session: Session, first: date, last: date) -> list[dict[str, Any]]:
    """One row per day and currency from ``first`` to ``last``: days on the instance's
    clocks, as finance closes them."""
    # (version, state) of the states whose orders nobody owes for.
    closed = pairs_in(session, NOT_SOLD)
    rows: list[dict[str, Any]] = []
    day = first
    while day <= last:
        rows.extend(_day(session, day, closed))
        day += timedelta(days=1)
    return rows


def _day(session: Session, day: date, closed: set[tuple[int, str]]) -> list[dict[str, Any]]:
    start, end = business_calendar.day_range(day)
    figures: dict[str, dict[str, Any]] = defaultdict(lambda: {
        "orders": 0, "order_value": Decimal(0), "payments": 0, "received": Decimal(0),
        "refunds": 0, "refunded": Decimal(0), "outstanding_orders": 0,
        "outstanding": Decimal(0)})
    for currency, count, value in session.execute(
            select(Order.currency, func.count(), func.sum(Order.total))
            .where(Order.created_at >= start, Order.created_at < end)
            .group_by(Order.currency)):
        figures[currency or ""]["orders"] = count
        figures[currency or ""]["order_value"] = Decimal(value or 0)
    for currency, count, value in session.execute(
            select(Payment.currency, func.count(), func.sum(Payment.amount))
            .where(Payment.received_at >= start, Payment.received_at < end)
            .group_by(Payment.currency)):
        figures[currency]["payments"] = count
        figures[currency]["received"] = Decimal(value or 0)
    for currency, count, value in session.execute(
            select(Refund.currency, func.count(), func.sum(Refund.amount))
            .where(Refund.issued_at >= start, Refund.issued_at < end)
            .group_by(Refund.currency)):
        figures[currency]["refunds"] = count
        figures[currency]["refunded"] = Decimal(value or 0)
    received_by = (select(Payment.order_id, func.sum(Payment.amount).label("paid"))
                   .where(Payment.received_at < end).group_by(Payment.order_id).subquery())
    for version_id, state, currency, total, paid in session.execute(
            select(Order.version_id, Order.state, Order.currency, Order.total,
                   received_by.c.paid)
            .outerjoin(received_by, received_by.c.order_id == Order.id)
            .where(Order.created_at < end, Order.total.is_not(None))):
        if total is None:
            continue  # a faulty total (orderloom/db.py MoneyColumn) owes nothing known
        owed = Decimal(total) - Decimal(paid or 0)
        if owed > 0 and (version_id, state) not in closed:
            figures[currency or ""]["outstanding_orders"] += 1
            figures[currency or ""]["outstanding"] += owed
    rows = []
    for currency in sorted(figures):
        f = figures[currency]
        rows.append({"date": day.isoformat(), "currency": currency, **{
            k: (money_text(v, currency) if isinstance(v, Decimal) else v)
            for k, v in f.items()},
            "net_received": money_text(f["received"] - f["refunded"], currency)})
    return [{k: row[k] for k in COLUMNS} for row in rows]

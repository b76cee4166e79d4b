"""Reading returns: a page of those of the orders a person may see, newest first,
filtered by state, reason and lateness, and the counts per state and per reason the
list page shows. ``visible`` is the caller's condition on orders (row rules), so a
hidden order's return is neither listed nor counted."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, case, func, select
from sqlalchemy.orm import Session

from orderloom.db import utcnow
from orderloom.runtime.after_sales.models import ReturnRequest
from orderloom.runtime.after_sales.reasons import FINAL, ReturnReason, ReturnState
from orderloom.runtime.orders.models import Order

MOST = 200


@dataclass(frozen=True)
class Filters:
    state: str | None = None
    reason: str | None = None
    late: bool = False
    order: str | None = None  # an order's number


def _late(now: datetime) -> ColumnElement[bool]:
    return and_(ReturnRequest.state.not_in(list(FINAL)), ReturnRequest.due_at < now)


def listing(session: Session, visible: ColumnElement[bool], filters: Filters, *,
            limit: int = 50, before: int | None = None, now: datetime | None = None
            ) -> tuple[list[tuple[ReturnRequest, Order]], bool]:
    """A page of returns with their orders, newest first, and whether there are more
    (the next page: ``before`` = the last id shown)."""
    now = now or utcnow()
    query = (select(ReturnRequest, Order).join(Order, Order.id == ReturnRequest.order_id)
             .where(visible))
    if filters.state:
        query = query.where(ReturnRequest.state == filters.state)
    if filters.reason:
        query = query.where(ReturnRequest.reason == filters.reason)
    if filters.late:
        query = query.where(_late(now))
    if filters.order:
        query = query.where(Order.number == filters.order)
    if before is not None:
        query = query.where(ReturnRequest.id < before)
    rows = list(session.execute(query.order_by(ReturnRequest.id.desc())
                                .limit(min(limit, MOST) + 1)).tuples())
    return rows[:limit], len(rows) > limit


def counts(session: Session, visible: ColumnElement[bool], now: datetime | None = None
           ) -> dict[str, dict[str, int]]:
    """Returns per state and per reason, and how many open ones are late."""
    now = now or utcnow()
    found = {"states": {state.value: 0 for state in ReturnState},
             "reasons": {reason.value: 0 for reason in ReturnReason}, "late": 0}
    rows = session.execute(
        select(ReturnRequest.state, ReturnRequest.reason, func.count(),
               func.sum(case((_late(now), 1), else_=0)))
        .join(Order, Order.id == ReturnRequest.order_id).where(visible)
        .group_by(ReturnRequest.state, ReturnRequest.reason))
    for state, reason, count, late in rows:
        if state in found["states"]:
            found["states"][state] += count
        if reason in found["reasons"]:
            found["reasons"][reason] += count
        found["late"] += int(late or 0)
    return found


def one(session: Session, visible: ColumnElement[bool], number: str
        ) -> tuple[ReturnRequest, Order] | None:
    row = session.execute(select(ReturnRequest, Order)
                          .join(Order, Order.id == ReturnRequest.order_id)
                          .where(ReturnRequest.number == number, visible)).first()
    return (row[0], row[1]) if row else None


def of_order(session: Session, order: Order) -> list[ReturnRequest]:
    """The returns of an order, and the one an exchange or re-shipment order was made
    for: both ends of the link."""
    return list(session.scalars(select(ReturnRequest).where(
        (ReturnRequest.order_id == order.id)
        | (ReturnRequest.replacement_order_id == order.id)).order_by(ReturnRequest.id)))

"""Reading the queue: the exceptions of the orders a person may see, oldest first (the
oldest is nearest its age limit), and the counts per reason (open, and overdue) that
the queue page and the dashboard show. ``visible`` is the caller's condition on orders
(the person's row rules), so a hidden order's exception is neither listed nor counted."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, case, func, select, true
from sqlalchemy.orm import Session

from orderloom.db import utcnow
from orderloom.runtime.exception_queue.models import OPEN, OrderException
from orderloom.runtime.exception_queue.reasons import REASONS
from orderloom.runtime.orders.models import Order

MOST = 200


@dataclass(frozen=True)
class Filters:
    status: str | None = OPEN
    reason: str | None = None
    assignee: str | None = None
    overdue: bool = False


def listing(session: Session, visible: ColumnElement[bool], filters: Filters, *,
            limit: int = 50, after: int | None = None, now: datetime | None = None
            ) -> tuple[list[tuple[OrderException, Order]], bool]:
    """A page of exceptions with their orders, oldest first (the oldest is nearest its
    limit), and whether there are more: the next page is asked for with ``after`` = the
    last id shown (it lists the ids after it)."""
    now = now or utcnow()
    query = (select(OrderException, Order).join(Order, Order.id == OrderException.order_id)
             .where(visible))
    if filters.status:
        query = query.where(OrderException.status == filters.status)
    if filters.reason:
        query = query.where(OrderException.reason == filters.reason)
    if filters.assignee:
        query = query.where(OrderException.assignee == filters.assignee)
    if filters.overdue:
        query = query.where(OrderException.status == OPEN, OrderException.due_at < now)
    if after is not None:
        query = query.where(OrderException.id > after)
    rows = list(session.execute(query.order_by(OrderException.id)
                                .limit(min(limit, MOST) + 1)).tuples())
    return rows[:limit], len(rows) > limit


def counts(session: Session, visible: ColumnElement[bool] | None = None,
           now: datetime | None = None) -> dict[str, dict[str, int]]:
    """Each reason's open exceptions and how many of them are overdue."""
    now = now or utcnow()
    found = {key: {"open": 0, "overdue": 0} for key in REASONS}
    rows = session.execute(
        select(OrderException.reason, func.count(),
               func.sum(case((OrderException.due_at < now, 1), else_=0)))
        .join(Order, Order.id == OrderException.order_id)
        .where(OrderException.status == OPEN, visible if visible is not None else true())
        .group_by(OrderException.reason))
    for reason, count, overdue in rows:
        if reason in found:
            found[reason] = {"open": count, "overdue": int(overdue or 0)}
    return found


def one(session: Session, visible: ColumnElement[bool], exception_id: int
        ) -> tuple[OrderException, Order] | None:
    row = session.execute(select(OrderException, Order)
                          .join(Order, Order.id == OrderException.order_id)
                          .where(OrderException.id == exception_id, visible)).first()
    return (row[0], row[1]) if row else None

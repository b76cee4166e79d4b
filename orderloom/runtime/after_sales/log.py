"""One step of a return, written twice in one go: on the return's own log and on
its order's timeline, so staff reading either see the same step."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from orderloom.db import utcnow
from orderloom.runtime import hooks
from orderloom.runtime.after_sales.models import ReturnLogEntry, ReturnRequest
from orderloom.runtime.orders import timeline
from orderloom.runtime.orders.models import Order

# The step of a return whose exchange hold went to the new order's own reservation.
HANDED_OVER = "handed_over"


def step(session: Session, found: ReturnRequest, order: Order, actor_name: str, name: str,
         details: dict[str, Any] | None = None, at: datetime | None = None) -> None:
    at = at or utcnow()
    details = details or {}
    session.add(ReturnLogEntry(return_id=found.id, at=at, actor_name=actor_name, step=name,
                               state=found.state, details=details))
    timeline.after_sales_event(session, order, actor_name, at=at, details={
        "return": found.number, "step": name, "state": found.state, **details})
    hooks.RETURN_STEP(session, found, order, name)


def entries(session: Session, found: ReturnRequest) -> list[ReturnLogEntry]:
    return list(session.scalars(select(ReturnLogEntry)
                                .where(ReturnLogEntry.return_id == found.id)
                                .order_by(ReturnLogEntry.id)))


def replacement_created(session: Session, found: ReturnRequest, order: Order, new: Order,
                        actor_name: str, outcome: str, at: datetime | None = None) -> None:
    """The link from the new order back: its timeline names the return and the order
    it replaces for."""
    timeline.after_sales_event(session, new, actor_name, at=at or utcnow(), details={
        "return": found.number, "step": "replacement_for", "state": found.state,
        "outcome": outcome, "order": order.number})


def handed_over(session: Session, found: ReturnRequest, new: Order, actor_name: str,
                units: int) -> None:
    """The new order's workflow reserved its stock itself: the exchange's hold went
    back first. On the return's log and the new order's timeline."""
    at = utcnow()
    session.add(ReturnLogEntry(return_id=found.id, at=at, actor_name=actor_name,
                               step=HANDED_OVER, state=found.state,
                               details={"order": new.number, "units": units}))
    timeline.after_sales_event(session, new, actor_name, at=at, details={
        "return": found.number, "step": HANDED_OVER, "state": found.state,
        "units": units})

"""Exceptions an order leaves behind when a person moves it on by hand: once it is
shipped, finished, cancelled or returned (its new state's category is not ``open``,
or the state is terminal), what the queue waited for is moot, so the order's open
exceptions are closed by that move, on its timeline, as the person who moved it.
"""
from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.orm import Session

from orderloom.db import utcnow
from orderloom.designer.published import blueprint_for
from orderloom.designer.state_categories import Category, category_in
from orderloom.runtime import hooks
from orderloom.runtime.exception_queue.models import OPEN, RESOLVED, OrderException
from orderloom.runtime.exception_queue.raising import open_exceptions
from orderloom.runtime.exception_queue.reasons import (
    CLOSED_BY_MOVE,
    REASONS,
    RESOLUTION_LABELS,
)
from orderloom.runtime.orders import timeline
from orderloom.runtime.orders.models import Order


def moved_past_the_queue(order: Order) -> bool:
    definition = blueprint_for(order.version).definition
    state = next((s for s in definition["workflow"]["states"] if s["key"] == order.state),
                 {})
    category = category_in(definition, order.state) or Category.OPEN
    return state.get("kind") == "terminal" or category is not Category.OPEN


@hooks.ORDER_STATE_CHANGED.subscribe
def order_state_changed(session: Session, order: Order, from_state: str, *,
                        transition: str | None, actor_name: str) -> None:
    if not moved_past_the_queue(order):
        return
    now = utcnow()
    for found in open_exceptions(session, [order.id]):
        # Claimed like a resolution: one a person resolves at this moment stays theirs.
        claimed = session.execute(
            update(OrderException)
            .where(OrderException.id == found.id, OrderException.status == OPEN)
            .values(status=RESOLVED, resolution=CLOSED_BY_MOVE, resolved_at=now,
                    resolved_by=actor_name)
            .execution_options(synchronize_session=False))
        session.refresh(found)
        if claimed.rowcount != 1:
            continue
        reason = REASONS.get(found.reason)
        timeline.exception_event(session, order, actor_name, at=now, details={
            "exception": found.id, "reason": found.reason,
            "label": reason.label if reason else {"en": found.reason, "zh": found.reason},
            "step": "resolved", "resolution": CLOSED_BY_MOVE,
            "resolution_label": RESOLUTION_LABELS[CLOSED_BY_MOVE],
            "state": order.state})

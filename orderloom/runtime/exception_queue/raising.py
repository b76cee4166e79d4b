"""Opening an exception: the order waits for a person until it is resolved.

While an exception is open the order's automatic moves wait (the ``raise_exception``
action type's standing note says so, engine/actions/raise_exception.py), the order
page shows the reason beside the state, and the queue lists it. One reason is open at
most once per order: a second finding of the same reason adds nothing. Nothing here
commits.
"""
from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from orderloom.db import utcnow
from orderloom.runtime.engine import holds
from orderloom.runtime.exception_queue import settings
from orderloom.runtime.exception_queue.models import OPEN, OrderException
from orderloom.runtime.exception_queue.reasons import REASONS
from orderloom.runtime.orders import timeline
from orderloom.runtime.orders.models import Order

log = logging.getLogger(__name__)


def open_exceptions(session: Session, order_ids: Sequence[int]) -> list[OrderException]:
    if not order_ids:
        return []
    return list(session.scalars(select(OrderException).where(
        OrderException.order_id.in_(order_ids), OrderException.status == OPEN)
        .order_by(OrderException.id)))


def _open_of(session: Session, order: Order, reason: str) -> OrderException | None:
    return session.scalar(select(OrderException).where(
        OrderException.order_id == order.id, OrderException.reason == reason,
        OrderException.status == OPEN))


def raise_exception(session: Session, order: Order, reason: str, message: dict[str, str], *,
                    actor_name: str, details: dict[str, Any] | None = None,
                    now: datetime | None = None, beside_hold: bool = False,
                    reveals: list[list[str]] | None = None) -> OrderException:
    """Open an exception of ``reason`` on ``order`` with ``message`` ({"en", "zh"}), or
    answer the one of that reason already open.

    ``beside_hold``: the caller holds the order with the same reason (engine/holds.py),
    which already shows it and tells staff; the exception then adds no second note and
    no second message, and releasing it lifts that hold.

    ``reveals``: the fields (``[key]``) and line columns (``[key, column]``) whose
    values ``message`` and ``details`` quote, so that whoever may not see one of them
    is shown neither (platform/field_sight.py)."""
    if reason not in REASONS:
        raise ValueError(f"there is no exception reason {reason!r}")
    session.flush()
    already = _open_of(session, order, reason)
    if already is not None:
        return already
    now = now or utcnow()
    hours = settings.current(session).hours_for(reason)
    found = OrderException(order_id=order.id, reason=reason, message=message,
                           details={**(details or {}),
                                    **({"beside_hold": True} if beside_hold else {}),
                                    **({"reveals": reveals} if reveals else {})},
                           status=OPEN, raised_at=now,
                           raised_by=actor_name, due_at=now + timedelta(hours=hours))
    try:
        # In a savepoint: when another transaction opened the same reason since the
        # read above, the unique index refuses this one and theirs is the answer.
        with session.begin_nested():
            session.add(found)
    except IntegrityError:
        already = _open_of(session, order, reason)
        if already is None:
            raise
        return already
    timeline.exception_event(session, order, actor_name, at=now, details={
        "exception": found.id, "reason": reason, "label": REASONS[reason].label,
        "step": "raised", "message": message, **({"reveals": reveals} if reveals else {})})
    if not beside_hold:
        holds.tell_staff(session, order, {
            lang: f"{REASONS[reason].label[lang]}: {message.get(lang, '')}".rstrip(": ")
            for lang in ("en", "zh")})
    log.info("order %s: exception %s raised (%s)", order.number, found.id, reason)
    return found

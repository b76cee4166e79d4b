"""Timers: SLAs, timed transitions and escalations, stored so they survive restarts.

A timer belongs to an order in a state; it fires only if the order is still in
that state, and ``fired_at`` is set in the same transaction as its effect, so
firing twice has the effect of firing once.

Here they are stored, scheduled and cancelled; timer_firing.py fires them.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from orderloom.db import Base, UTCDateTime, utcnow

# Timers fired per sweep at most; the rest wait for the next sweep.
BATCH = 500

SLA = "sla"
AUTOMATIC = "automatic"
ESCALATION = "escalation"
REMINDER = "reminder"


class Timer(Base):
    __tablename__ = "timers"
    __table_args__ = (Index("ix_timers_due", "fired_at", "cancelled_at", "fire_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"),
                                          index=True)
    kind: Mapped[str] = mapped_column(String(20))
    key: Mapped[str] = mapped_column(String(63))  # the state, automatic transition or approval
    state: Mapped[str] = mapped_column(String(63))  # fires only while the order is here
    fire_at: Mapped[datetime] = mapped_column(UTCDateTime)
    fired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


def schedule(session: Session, order: Any, kind: str, key: str, fire_at: datetime,
             now: datetime) -> Timer:
    """A timer for ``order`` in the state it is in now."""
    timer = Timer(order_id=order.id, kind=kind, key=key, state=order.state, fire_at=fire_at,
                  created_at=now)
    session.add(timer)
    return timer


def cancel_pending(session: Session, order_id: int, now: datetime) -> int:
    """Cancel the order's timers that have not fired: it has left their state."""
    result = session.execute(
        update(Timer).where(Timer.order_id == order_id, Timer.fired_at.is_(None),
                            Timer.cancelled_at.is_(None))
        .values(cancelled_at=now).execution_options(synchronize_session="fetch"))
    return result.rowcount


def due_timer_ids(session: Session, now: datetime, limit: int = BATCH,
                  overdue_by: timedelta = timedelta(0)) -> list[int]:
    return list(session.scalars(
        select(Timer.id).where(Timer.fired_at.is_(None), Timer.cancelled_at.is_(None),
                               Timer.fire_at <= now - overdue_by)
        .order_by(Timer.fire_at, Timer.id).limit(limit)))


def passed_automatic(session: Session, order: Any, now: datetime) -> list[str]:
    """The ``after_hours`` moves out of the order's state whose time has passed in its
    present stay there, fired or not, soonest first. Only the newest timer of each move
    counts: an older one belongs to an earlier stay in the same state."""
    newest: dict[str, Timer] = {}
    for timer in session.scalars(select(Timer).where(
            Timer.order_id == order.id, Timer.kind == AUTOMATIC, Timer.state == order.state)
            .order_by(Timer.id)):
        newest[timer.key] = timer
    passed = [t for t in newest.values() if t.cancelled_at is None and t.fire_at <= now]
    return [t.key for t in sorted(passed, key=lambda t: (t.fire_at, t.id))]

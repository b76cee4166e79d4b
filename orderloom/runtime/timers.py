"""Timers: SLAs, timed transitions and escalations, stored so they survive restarts.

A timer belongs to an order in a state; it fires only if the order is still in
that state, and ``fired_at`` is set in the same transaction as its effect, so
firing twice has the effect of firing once.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from orderloom.db import Base, UTCDateTime, utcnow

SLA = "sla"
AUTOMATIC = "automatic"
ESCALATION = "escalation"


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

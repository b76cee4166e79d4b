"""The stored exceptions and the queue's settings."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from orderloom.db import Base, JSONDocument, Money, UTCDateTime, utcnow

OPEN, RESOLVED = "open", "resolved"


class OrderException(Base):
    """One reason an order waits for a person, from raised to resolved."""

    __tablename__ = "order_exceptions"
    __table_args__ = (
        Index("ix_order_exceptions_status_reason", "status", "reason"),
        # One reason is open at most once per order, also when two findings race.
        Index("uq_order_exceptions_open_reason", "order_id", "reason", unique=True,
              sqlite_where=text("status = 'open'"), postgresql_where=text("status = 'open'")),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"),
                                          index=True)
    reason: Mapped[str] = mapped_column(String(30))  # a key of reasons.REASONS
    # {"en": ..., "zh": ...}: what was found, for people
    message: Mapped[dict[str, str]] = mapped_column(JSONDocument, default=dict)
    # What a resolution needs to know (the line and SKU of an unknown product, ...)
    details: Mapped[dict[str, Any]] = mapped_column(JSONDocument, default=dict)
    status: Mapped[str] = mapped_column(String(10), default=OPEN)
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    raised_by: Mapped[str] = mapped_column(String(150))
    # The age limit in force when it was raised: a changed setting does not move it.
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    assignee: Mapped[str | None] = mapped_column(String(150))
    resolution: Mapped[str | None] = mapped_column(String(20))
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_by: Mapped[str | None] = mapped_column(String(150))
    note: Mapped[str | None] = mapped_column(String(500))

    def overdue(self, now: datetime) -> bool:
        return self.status == OPEN and now > self.due_at


class ExceptionSettings(Base):
    """What staff set for the queue; one row."""

    __tablename__ = "exception_settings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # reason -> hours an exception of it may wait before it is overdue
    sla_hours: Mapped[dict[str, int]] = mapped_column(JSONDocument, default=dict)
    # Largest discount, as a percentage of the lines' amount, before an order is flagged
    discount_limit: Mapped[Decimal | None] = mapped_column(Money)
    # SKU -> the lowest unit price it may be sold at
    floors: Mapped[dict[str, str]] = mapped_column(JSONDocument, default=dict)
    # Orders of one buyer to one address for one amount within this many hours are
    # suspected duplicates; 0 turns the check off.
    duplicate_window_hours: Mapped[int] = mapped_column(Integer, default=24)
    # check -> on or off, for the checks staff may switch (settings.CHECKS)
    checks: Mapped[dict[str, bool]] = mapped_column(JSONDocument, default=dict)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

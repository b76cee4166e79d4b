"""Stored returns: the request, its lines, its log and the one row of settings."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from orderloom.db import Base, JSONDocument, Money, UTCDateTime, utcnow
from orderloom.runtime.after_sales.reasons import FINAL


class ReturnRequest(Base):
    """One return (售后单) of an order, from requested to closed or refused."""

    __tablename__ = "return_requests"
    __table_args__ = (Index("ix_return_requests_state_reason", "state", "reason"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"),
                                          index=True)
    reason: Mapped[str] = mapped_column(String(30))  # a reasons.ReturnReason
    note: Mapped[str] = mapped_column(String(500), default="")
    state: Mapped[str] = mapped_column(String(20))  # a reasons.ReturnState
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    requested_by: Mapped[str] = mapped_column(String(150))
    # The time limit in force when it was requested: a changed setting does not move it.
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    outcome: Mapped[str | None] = mapped_column(String(20))  # a reasons.Outcome
    refunded: Mapped[Decimal | None] = mapped_column(Money)
    # The exchange's or re-shipment's new order; that order's page links back here.
    replacement_order_id: Mapped[int | None] = mapped_column(
        ForeignKey("orders.id", ondelete="SET NULL"), index=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    lines: Mapped[list[ReturnLine]] = relationship(
        order_by="ReturnLine.id", cascade="all, delete-orphan", lazy="selectin")

    def late(self, now: datetime) -> bool:
        return self.state not in FINAL and now > self.due_at


class ReturnLine(Base):
    """One SKU of a return: asked for, received, and what inspection did with it."""

    __tablename__ = "return_lines"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    return_id: Mapped[int] = mapped_column(ForeignKey("return_requests.id",
                                                      ondelete="CASCADE"), index=True)
    sku: Mapped[str] = mapped_column(String(64))
    quantity: Mapped[int] = mapped_column(Integer)
    # The order line's unit price when the return was opened. A refund adds these up and
    # takes off the line's share of the order's discount (after_sales/outcomes.py).
    unit_price: Mapped[Decimal | None] = mapped_column(Money)
    received: Mapped[int | None] = mapped_column(Integer)
    disposition: Mapped[str | None] = mapped_column(String(20))  # a reasons.Disposition
    warehouse: Mapped[str | None] = mapped_column(String(50))  # where it was restocked


class ReturnLogEntry(Base):
    """One step of a return, for its own log (the order's timeline says it too)."""

    __tablename__ = "return_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    return_id: Mapped[int] = mapped_column(ForeignKey("return_requests.id",
                                                      ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_name: Mapped[str] = mapped_column(String(150))
    step: Mapped[str] = mapped_column(String(20))
    state: Mapped[str] = mapped_column(String(20))  # the state the step left it in
    details: Mapped[dict[str, Any]] = mapped_column(JSONDocument, default=dict)


class AfterSalesSettings(Base):
    """What staff set for returns; one row."""

    __tablename__ = "after_sales_settings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Hours from request to closing before a return is late
    sla_hours: Mapped[int] = mapped_column(Integer, default=72)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by: Mapped[str] = mapped_column(String(150), default="")

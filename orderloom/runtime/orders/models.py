"""Orders and their timeline.

An order is pinned to the definition version it was created with and keeps
behaving by it, whatever is published later. ``revision`` is bumped by every
change and checked by it, so two people acting on one order at once cannot
both win.
"""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from orderloom.db import Base, JSONDocument, Money, UTCDateTime, utcnow
from orderloom.designer.blueprint import Blueprint, money_unit
from orderloom.designer.models import DefinitionVersion, OrderType
from orderloom.runtime.payments.status import status_for


def money_text(amount: Decimal | None, currency: str | None) -> str | None:
    """A stored amount as the form shows it: the currency's decimal places (the column
    keeps four)."""
    if amount is None:
        return None
    return str(amount.quantize(money_unit(currency)))


def formula_values(order: Order) -> dict[str, Any]:
    """What a formula about this order reads: its fields and the attributes every order
    has (state, channel, tags, created_at, payment_status)."""
    return {**order.data, "state": order.state, "channel": order.channel,
            "tags": list(order.tags or []),
            "created_at": order.created_at.isoformat() if order.created_at else None,
            "payment_status": order.payment_status or "unpaid"}


class Order(Base):
    __tablename__ = "orders"
    __table_args__ = (
        Index("ix_orders_type_state", "order_type_id", "state"),
        # The order list filtered by state and dates, newest first: a rare state's first
        # page reads one page of index entries (docs/benchmarks.md). The list's state
        # counts under its filters come from this index alone on PostgreSQL, which
        # carries the type and channel for them.
        Index("ix_orders_state_created_at", "state", "created_at",
              postgresql_include=["order_type_id", "channel"]),
        # Data permissions (platform/row_access.py): a first page of the orders of my
        # channels, my warehouses or my team's people reads about a page of index entries.
        Index("ix_orders_channel_created_at", "channel", "created_at"),
        Index("ix_orders_warehouse_created_at", "warehouse", "created_at"),
        Index("ix_orders_created_by_created_at", "created_by", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(40), unique=True)
    order_type_id: Mapped[int] = mapped_column(ForeignKey("order_types.id"))
    version_id: Mapped[int] = mapped_column(ForeignKey("definition_versions.id"), index=True)
    state: Mapped[str] = mapped_column(String(63))
    # Entered and computed values as JSON: money and numbers as exact decimal
    # strings, dates in ISO form.
    data: Mapped[dict[str, Any]] = mapped_column(JSONDocument)
    # The values as they were entered at creation (with the unit prices the price list
    # filled in), before computed fields and rules: a replay against a draft
    # (runtime/engine/replay.py) starts from them, not from data, which edits and
    # actions have changed since. None for orders created before it was kept.
    entered: Mapped[dict[str, Any] | None] = mapped_column(JSONDocument, nullable=True)
    tags: Mapped[list[str]] = mapped_column(JSONDocument, default=list)
    channel: Mapped[str] = mapped_column(String(40), default="manual")
    # The value of the type's total field (Blueprint.total_key) and the type's currency,
    # kept in columns so lists, customers' value, dashboards and payments add them up in
    # SQL. Set only through take_values, together with data.
    total: Mapped[Decimal | None] = mapped_column(Money)
    currency: Mapped[str | None] = mapped_column(String(3))
    # Derived from the order's payments and refunds (runtime/payments/received.py) and written in
    # their transaction, so lists, formulas and conditions read it without adding up.
    payment_status: Mapped[str] = mapped_column(String(20), default="unpaid",
                                                server_default="unpaid", index=True)
    amount_paid: Mapped[Decimal] = mapped_column(Money, default=Decimal(0), server_default="0")
    amount_refunded: Mapped[Decimal] = mapped_column(Money, default=Decimal(0),
                                                     server_default="0")
    # The warehouse chosen or routed to ship it (the first, when split).
    warehouse: Mapped[str | None] = mapped_column(String(50))
    # The customer the order's customer field was matched to (runtime/customers/records.py).
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"), index=True)
    revision: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(150))

    order_type: Mapped[OrderType] = relationship(lazy="joined")
    version: Mapped[DefinitionVersion] = relationship(lazy="joined")

    def take_values(self, data: dict[str, Any], blueprint: Blueprint) -> None:
        """Store the order's (computed, JSON-ready) values and the total read from them."""
        self.data = data
        self.total = blueprint.total_of(data)
        self.currency = blueprint.currency
        if self.amount_paid:
            # A changed total changes what the payments amount to (paid -> partly paid).
            self.payment_status = status_for(self.amount_paid, self.amount_refunded or 0,
                                             self.total)

    # The UPDATE carries "WHERE revision = <the one read>": a concurrent change
    # makes it match no row, and the loser gets StaleDataError, not a lost update.
    __mapper_args__ = {"version_id_col": revision}


class OrderEvent(Base):
    """One entry of an order's timeline. Append-only: rows are never changed. Written
    only by orders/timeline.py."""

    __tablename__ = "order_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"),
                                          index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_name: Mapped[str] = mapped_column(String(150))
    kind: Mapped[str] = mapped_column(String(40))  # a TimelineKind (orders/timeline.py)
    transition: Mapped[str | None] = mapped_column(String(63))
    from_state: Mapped[str | None] = mapped_column(String(63))
    to_state: Mapped[str | None] = mapped_column(String(63))
    details: Mapped[dict[str, Any]] = mapped_column(JSONDocument, default=dict)


class OrderSequence(Base):
    """The last order number handed out per order type."""

    __tablename__ = "order_sequences"

    order_type_id: Mapped[int] = mapped_column(ForeignKey("order_types.id", ondelete="CASCADE"),
                                               primary_key=True)
    last_value: Mapped[int] = mapped_column(Integer, default=0)

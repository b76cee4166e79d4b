"""Orders and their timeline.

An order is pinned to the definition version it was created with and keeps
behaving by it, whatever is published later. ``revision`` is bumped by every
change and checked by it, so two people acting on one order at once cannot
both win.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from orderloom.db import Base, JSONDocument, UTCDateTime, utcnow
from orderloom.designer.models import DefinitionVersion, OrderType


class Order(Base):
    __tablename__ = "orders"
    __table_args__ = (
        Index("ix_orders_type_state", "order_type_id", "state"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(40), unique=True)
    order_type_id: Mapped[int] = mapped_column(ForeignKey("order_types.id"))
    version_id: Mapped[int] = mapped_column(ForeignKey("definition_versions.id"), index=True)
    state: Mapped[str] = mapped_column(String(63))
    # Entered and computed values as JSON: money and numbers as exact decimal
    # strings, dates in ISO form.
    data: Mapped[dict[str, Any]] = mapped_column(JSONDocument)
    tags: Mapped[list[str]] = mapped_column(JSONDocument, default=list)
    channel: Mapped[str] = mapped_column(String(40), default="manual")
    # The warehouse chosen or routed to ship it (the first, when split).
    warehouse: Mapped[str | None] = mapped_column(String(50))
    revision: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(150))

    order_type: Mapped[OrderType] = relationship(lazy="joined")
    version: Mapped[DefinitionVersion] = relationship(lazy="joined")

    # The UPDATE carries "WHERE revision = <the one read>": a concurrent change
    # makes it match no row, and the loser gets StaleDataError, not a lost update.
    __mapper_args__ = {"version_id_col": revision}


class OrderEvent(Base):
    """One entry of an order's timeline. Append-only: rows are never changed."""

    __tablename__ = "order_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"),
                                          index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_name: Mapped[str] = mapped_column(String(150))
    kind: Mapped[str] = mapped_column(String(40))  # created, transition, version_moved, ...
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

"""Merges, the orders in them, the parts of split orders, and the settings."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Integer, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from orderloom.db import Base, JSONDocument, UTCDateTime, utcnow

# A merge ships its orders as one parcel until it is undone.
MERGED, UNDONE = "merged", "undone"
# A part of a split order: waiting to ship, shipped, back-ordered (not in stock when
# the order was split), or held (a line kept back, such as a pre-sale line).
TO_SHIP, SHIPPED, BACKORDERED, HELD = "to_ship", "shipped", "backordered", "held"
PART_STATUSES = (TO_SHIP, SHIPPED, BACKORDERED, HELD)


class Merge(Base):
    """Orders of one buyer to one address shipped as one parcel. The orders stay
    orders of their own (number, channel, payments); the merge says they travel
    together, from ``warehouse``, in the parcel ``shipment_id`` once booked."""

    __tablename__ = "order_merges"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    status: Mapped[str] = mapped_column(String(12), default=MERGED)
    # The order whose shipment is the parcel: the first placed.
    lead_order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"),
                                               index=True)
    warehouse: Mapped[str | None] = mapped_column(String(50))
    # The numbers of the orders merged, kept after an undo for the record.
    numbers: Mapped[list[str]] = mapped_column(JSONDocument, default=list)
    by: Mapped[str] = mapped_column(String(12), default="staff")  # staff or rule
    shipment_id: Mapped[int | None] = mapped_column(ForeignKey("shipments.id",
                                                               ondelete="SET NULL"))
    created_by: Mapped[str] = mapped_column(String(150))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    undone_by: Mapped[str | None] = mapped_column(String(150))
    undone_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class MergedOrder(Base):
    """An order in a merge that stands. The row goes when the merge is undone, so an
    order is in one standing merge at most, also when two merges of it race."""

    __tablename__ = "merged_orders"
    __table_args__ = (UniqueConstraint("order_id", name="uq_merged_orders_order"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    merge_id: Mapped[int] = mapped_column(ForeignKey("order_merges.id", ondelete="CASCADE"),
                                          index=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"))
    # Where its stock was held before the merge moved it, for the record only: undo
    # leaves the stock where the merge moved it and reads none of this.
    # [{sku, warehouse, quantity}].
    held_before: Mapped[list[dict[str, Any]]] = mapped_column(JSONDocument, default=list)


class OrderPart(Base):
    """One part of a split order: the SKUs and quantities of one parcel."""

    __tablename__ = "order_parts"
    __table_args__ = (UniqueConstraint("order_id", "position", name="uq_order_parts_position"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"),
                                          index=True)
    position: Mapped[int] = mapped_column(Integer)  # 1, 2, ... as the order page lists them
    basis: Mapped[str] = mapped_column(String(12))  # warehouse, stock, parcel, hand, held
    status: Mapped[str] = mapped_column(String(12), default=TO_SHIP)
    warehouse: Mapped[str | None] = mapped_column(String(50))
    lines: Mapped[list[dict[str, Any]]] = mapped_column(JSONDocument, default=list)  # sku, qty
    note: Mapped[str] = mapped_column(String(300), default="")
    shipment_id: Mapped[int | None] = mapped_column(ForeignKey("shipments.id",
                                                               ondelete="SET NULL"))
    created_by: Mapped[str] = mapped_column(String(150))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ConsolidationSettings(Base):
    """What staff set for merging and splitting. One row."""

    __tablename__ = "consolidation_settings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Orders placed further apart than this are not merged (nor suggested).
    merge_window_hours: Mapped[int] = mapped_column(Integer, default=24)
    # Merge an arriving order into the open orders of its buyer and address by itself.
    merge_by_rule: Mapped[bool] = mapped_column(Boolean, default=False)
    # A parcel's limits when splitting by parcel; None: no limit.
    parcel_weight_grams: Mapped[int | None] = mapped_column(Integer)
    parcel_units: Mapped[int | None] = mapped_column(Integer)
    # Split an arriving order's pre-sale lines off into held parts, so the rest ships
    # now instead of the whole order waiting for the release.
    split_pre_sale: Mapped[bool] = mapped_column(Boolean, default=False,
                                                 server_default=false())
    updated_by: Mapped[str | None] = mapped_column(String(150))
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

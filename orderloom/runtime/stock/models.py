"""Stock per SKU per warehouse, and the ledger of every movement.

The stock level row is the running balance and the ledger is its proof:
every change of a level writes a movement in the same transaction, so the
level always equals the sum of its movements (``verify`` checks it).

Availability is ``on_hand - reserved``. A CHECK constraint keeps it from ever
going negative, and reservation is one conditional UPDATE that only matches
when enough is available: no read-then-write, so no oversell under any
number of concurrent requests.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column

from orderloom.db import Base, UTCDateTime, utcnow

# Movement kinds, each with what it does to on_hand and reserved.
RECEIPT = "receipt"            # on_hand +
ADJUSTMENT = "adjustment"      # on_hand +/- (a count correction)
RESERVATION = "reservation"    # reserved +
RELEASE = "release"            # reserved -
SHIPMENT = "shipment"          # on_hand -, reserved -
RETURN = "return"              # on_hand +
KINDS = (RECEIPT, ADJUSTMENT, RESERVATION, RELEASE, SHIPMENT, RETURN)


class StockLevel(Base):
    __tablename__ = "stock_levels"
    __table_args__ = (
        UniqueConstraint("product_id", "warehouse_id", name="uq_stock_levels_product_warehouse"),
        CheckConstraint("reserved >= 0", name="reserved_not_negative"),
        CheckConstraint("on_hand - reserved >= 0", name="available_not_negative"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouses.id"), index=True)
    on_hand: Mapped[int] = mapped_column(Integer, default=0)
    reserved: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved


class StockMovement(Base):
    """One line of the stock ledger. Append-only."""

    __tablename__ = "stock_movements"
    __table_args__ = (Index("ix_stock_movements_level", "product_id", "warehouse_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouses.id"))
    kind: Mapped[str] = mapped_column(String(20))
    on_hand_change: Mapped[int] = mapped_column(Integer, default=0)
    reserved_change: Mapped[int] = mapped_column(Integer, default=0)
    order_id: Mapped[int | None] = mapped_column(Integer, index=True)
    reference: Mapped[str] = mapped_column(String(200), default="")
    actor_name: Mapped[str] = mapped_column(String(150))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Reservation(Base):
    """Stock held for one order line in one warehouse, so releasing and shipping
    know exactly what to undo, once."""

    __tablename__ = "reservations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[int] = mapped_column(Integer, index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouses.id"))
    quantity: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(12), default="held")  # held, released, shipped
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # A promotion's gift (runtime/promotions/giving.py), not a line of the order: it
    # does not make the order's lines the reservations' (engine/edits.stock_bound).
    gift: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

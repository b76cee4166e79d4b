"""Promotion rules, what they gave each order, pre-sale products, expected receipts
and the orders waiting for their release."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column

from orderloom.db import Base, JSONDocument, Money, UTCDateTime, utcnow

CODE_LENGTH = 40
NAME_LENGTH = 200
SKU_LENGTH = 64  # as the catalog's products

# What a rule did to an order (PromotionApplied.kind).
GIFT = "gift"
GIFT_OUT_OF_STOCK = "gift_out_of_stock"
DISCOUNT = "discount"
DISCOUNT_NO_FIELD = "discount_no_field"  # the order's form has no discount field

# A discount off the whole order, or off the lines of the rule's SKUs.
ON_ORDER, ON_LINES = "order", "lines"

WAITING, RELEASED = "waiting", "released"


class PromotionRule(Base):
    """When an order qualifies (every condition given holds) and what it gets: a gift
    of ``gift_quantity`` x ``gift_sku`` and/or a discount. Empty lists and nulls are
    conditions not asked. Only an ``active`` rule runs on arriving orders; a draft is
    tried with the backtest first."""

    __tablename__ = "promotion_rules"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(CODE_LENGTH), unique=True)
    name: Mapped[str] = mapped_column(String(NAME_LENGTH))
    active: Mapped[bool] = mapped_column(Boolean, default=False)
    # The order has a line of one of these SKUs.
    skus: Mapped[list[str]] = mapped_column(JSONDocument, default=list)
    # The order's total reaches this amount.
    min_amount: Mapped[Decimal | None] = mapped_column(Money)
    # Units of the rule's SKUs (of every SKU when it names none) reach this many.
    min_quantity: Mapped[int | None] = mapped_column(Integer)
    channels: Mapped[list[str]] = mapped_column(JSONDocument, default=list)
    customer_tiers: Mapped[list[str]] = mapped_column(JSONDocument, default=list)
    # The order's day in the instance's time zone is within, both included.
    starts_on: Mapped[dt.date | None] = mapped_column(Date)
    ends_on: Mapped[dt.date | None] = mapped_column(Date)
    gift_sku: Mapped[str | None] = mapped_column(String(SKU_LENGTH))
    gift_quantity: Mapped[int | None] = mapped_column(Integer)
    discount_percent: Mapped[Decimal | None] = mapped_column(Money)
    discount_amount: Mapped[Decimal | None] = mapped_column(Money)
    discount_on: Mapped[str] = mapped_column(String(10), default=ON_ORDER)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class PromotionApplied(Base):
    """One thing a rule did to one order: a gift given, a gift it could not give for
    want of stock, or a discount (``amount`` taken off the order's total)."""

    __tablename__ = "promotions_applied"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"),
                                          index=True)
    rule_code: Mapped[str] = mapped_column(String(CODE_LENGTH))
    rule_name: Mapped[str] = mapped_column(String(NAME_LENGTH))
    kind: Mapped[str] = mapped_column(String(20))
    sku: Mapped[str | None] = mapped_column(String(SKU_LENGTH))
    quantity: Mapped[int | None] = mapped_column(Integer)
    warehouse: Mapped[str | None] = mapped_column(String(50))
    amount: Mapped[Decimal | None] = mapped_column(Money)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    def as_json(self) -> dict[str, Any]:
        return {"rule": self.rule_code, "name": self.rule_name, "kind": self.kind,
                "sku": self.sku, "quantity": self.quantity, "warehouse": self.warehouse,
                "amount": None if self.amount is None else str(self.amount)}


class PreSale(Base):
    """A product sold before it can ship: its orders wait until ``release_on``."""

    __tablename__ = "pre_sales"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sku: Mapped[str] = mapped_column(String(SKU_LENGTH), unique=True)
    release_on: Mapped[dt.date] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class ExpectedReceipt(Base):
    """Units of a SKU expected into a warehouse on a day; pre-sale orders reserve
    against them (``reserved`` never passes ``quantity``, also under concurrency)."""

    __tablename__ = "expected_receipts"
    __table_args__ = (
        UniqueConstraint("product_id", "warehouse_id", "expected_on",
                         name="uq_expected_receipts_product_warehouse_day"),
        CheckConstraint("reserved >= 0 AND reserved <= quantity",
                        name="reserved_within_quantity"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouses.id"))
    expected_on: Mapped[dt.date] = mapped_column(Date)
    quantity: Mapped[int] = mapped_column(Integer)
    reserved: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class PreSaleHold(Base):
    """One pre-sale line of an order waiting for its release, with the expected
    receipt its units are reserved against (none when no receipt had room). Held by
    its product's pre-sale, or ``by_line``: by a date the line itself carries (set by
    staff, or by a channel where the form has a column meaning release_on)."""

    __tablename__ = "pre_sale_holds"
    __table_args__ = (Index("ix_pre_sale_holds_status_release_on", "status", "release_on"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"),
                                          index=True)
    sku: Mapped[str] = mapped_column(String(SKU_LENGTH))
    quantity: Mapped[int] = mapped_column(Integer)
    receipt_id: Mapped[int | None] = mapped_column(ForeignKey("expected_receipts.id"))
    release_on: Mapped[dt.date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(10), default=WAITING)
    released_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    by_line: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # The held part of the order that carries the line once it is split off (the rest
    # of the order then ships without waiting); None while the order waits whole.
    part_position: Mapped[int | None] = mapped_column(Integer)

"""Price lists and their quantity breaks."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from orderloom.db import Base, MoneyColumn, UTCDateTime, utcnow

CODE_LENGTH = 40
NAME_LENGTH = 200
SKU_LENGTH = 64  # as the catalog's products
CUSTOMER_CODE_LENGTH = 64  # as customers' codes


class PriceList(Base):
    """Prices in one currency for whoever the list is for: every buyer when it names
    nobody, else the orders of one channel, of a customer tier and/or of one customer,
    from ``valid_from`` through ``valid_to`` (either open)."""

    __tablename__ = "price_lists"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(CODE_LENGTH), unique=True)
    name: Mapped[str] = mapped_column(String(NAME_LENGTH))
    currency: Mapped[str] = mapped_column(String(3))
    channel: Mapped[str | None] = mapped_column(String(40))
    customer_tier: Mapped[str | None] = mapped_column(String(CODE_LENGTH))
    customer_code: Mapped[str | None] = mapped_column(String(CUSTOMER_CODE_LENGTH))
    valid_from: Mapped[dt.date | None] = mapped_column(Date)
    valid_to: Mapped[dt.date | None] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    breaks: Mapped[list[PriceBreak]] = relationship(
        back_populates="price_list", cascade="all, delete-orphan",
        order_by="(PriceBreak.sku, PriceBreak.min_quantity)")


class PriceBreak(Base):
    """The unit price of a SKU from ``min_quantity`` pieces on a line, up to the next
    break of the same SKU in the same list."""

    __tablename__ = "price_breaks"
    __table_args__ = (UniqueConstraint("price_list_id", "sku", "min_quantity",
                                       name="uq_price_breaks_list_sku_min_quantity"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    price_list_id: Mapped[int] = mapped_column(
        ForeignKey("price_lists.id", ondelete="CASCADE"), index=True)
    sku: Mapped[str] = mapped_column(String(SKU_LENGTH), index=True)
    min_quantity: Mapped[int] = mapped_column(Integer)
    unit_price: Mapped[Decimal | None] = mapped_column(MoneyColumn)

    price_list: Mapped[PriceList] = relationship(back_populates="breaks")

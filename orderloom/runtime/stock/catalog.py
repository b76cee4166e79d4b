"""Master data the warehouse works with: products (SKUs) and warehouses."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, Integer, String, func, or_, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from orderloom.db import Base, JSONDocument, UTCDateTime, containing, utcnow
from orderloom.runtime import remembered


class Product(Base):
    __tablename__ = "products"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sku: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    barcode: Mapped[str | None] = mapped_column(String(64), index=True)
    weight_grams: Mapped[int | None] = mapped_column(Integer)
    attributes: Mapped[dict[str, Any]] = mapped_column(JSONDocument, default=dict)
    low_stock_threshold: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Warehouse(Base):
    __tablename__ = "warehouses"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(50), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[dict[str, Any]] = mapped_column(JSONDocument, default=dict)
    # Provinces or countries this warehouse serves, for routing by region.
    regions: Mapped[list[str]] = mapped_column(JSONDocument, default=list)
    # The zones in the order a picker walks them ("A", "B", "MEZZ"); a product's zone is
    # its ``attributes["zone"]``, else its bin up to the first "-". Zones not listed are
    # walked last (docs/warehouse.md).
    zone_order: Mapped[list[str]] = mapped_column(JSONDocument, default=list,
                                                  server_default="[]")
    # Lower ships first when several could.
    priority: Mapped[int] = mapped_column(Integer, default=100)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


# Whether the catalog has any product: a business that keeps none yet types its SKUs
# freely, and its orders then need no product read at all.
ANY_PRODUCT = remembered.Read("a product in the catalog", (Product,))


def has_products(session: Session) -> bool:
    return remembered.anything(session, ANY_PRODUCT, select(Product.id))


def unknown_products(session: Session, definition: dict[str, Any],
                     data: dict[str, Any]) -> list[tuple[str, int, str, str]]:
    """The lines whose product is not in the catalog, as (line items field, line index,
    product column, SKU). A typo is refused where it was typed instead of surfacing
    later as a shortage at routing. A business that keeps no products yet (an empty
    catalog) types its SKUs freely, so nothing is unknown there."""
    typed: list[tuple[str, int, str, str]] = []
    for f in definition["form"]["fields"]:
        if f["type"] != "line_items":
            continue
        column = next((c["key"] for c in f["fields"] if c["type"] == "product"), None)
        lines = data.get(f["key"])
        if column is None or not isinstance(lines, list):
            continue
        for index, line in enumerate(lines):
            sku = line.get(column) if isinstance(line, dict) else None
            if isinstance(sku, str) and sku.strip():
                typed.append((f["key"], index, column, sku))
    if not typed or not has_products(session):
        return []
    skus = {sku for *_, sku in typed}
    known = set(session.scalars(select(Product.sku).where(Product.sku.in_(skus))))
    if known == skus:
        return []
    return [entry for entry in typed if entry[3] not in known]


def search_products(session: Session, text: str | None, limit: int,
                    after: str | None = None) -> tuple[list[Product], bool]:
    """Products whose SKU, name or barcode contains ``text`` (any case), by SKU, the
    page after SKU ``after``; and whether there are more."""
    query = select(Product).order_by(Product.sku).limit(limit + 1)
    if text:
        pattern = containing(text)
        query = query.where(or_(*(func.lower(column).like(pattern, escape="\\")
                                  for column in (Product.sku, Product.name, Product.barcode))))
    if after is not None:
        query = query.where(Product.sku > after)
    found = list(session.scalars(query))
    return found[:limit], len(found) > limit


def price_of(product: Product) -> str | None:
    """The product's list price (an exact decimal string), when the catalog has one."""
    price = (product.attributes or {}).get("price")
    return str(price) if price is not None else None

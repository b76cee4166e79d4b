"""Orderloom's own on-hand figures in the warehouse a connection keeps equal to the
ERP's."""
from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from orderloom.runtime.stock.catalog import Product, Warehouse
from orderloom.runtime.stock.models import StockLevel


def on_hand(session: Session, warehouse_code: str, skus: list[str] | None = None
            ) -> dict[str, int]:
    query = (select(Product.sku, func.sum(StockLevel.on_hand))
             .join(StockLevel, StockLevel.product_id == Product.id)
             .join(Warehouse, Warehouse.id == StockLevel.warehouse_id)
             .where(Warehouse.code == warehouse_code).group_by(Product.sku))
    if skus is not None:
        query = query.where(Product.sku.in_(skus))
    return {sku: int(quantity or 0) for sku, quantity in session.execute(query)}

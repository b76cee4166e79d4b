"""Low-stock alerts: when a change leaves a SKU's available stock in a warehouse
below the product's ``low_stock_threshold``, and it was not below before, everyone
whose roles grant ``inventory.manage`` (who receive and adjust stock) gets an in-app
notification.

The crossing is found inside the same stock change, from the level after it and
the change itself, so no alert state needs storing: further decreases below the
threshold do not cross it again, and once stock is back at or above the
threshold the next fall below alerts again.
"""
from __future__ import annotations

import logging

from sqlalchemy import select
from sqlalchemy.orm import Session

from orderloom.db import utcnow
from orderloom.runtime.notify.in_app import Notification
from orderloom.runtime.stock.catalog import Product, Warehouse
from orderloom.runtime.stock.models import StockLevel

log = logging.getLogger(__name__)

# Who can act on it (platform/permissions.py): role names are the business's own.
ALERT_PERMISSION = "inventory.manage"


def after_decrease(session: Session, product_id: int, warehouse_id: int,
                   available_change: int) -> Notification | None:
    """Call after a change that lowered availability by ``-available_change``."""
    row = session.execute(
        select(StockLevel.on_hand - StockLevel.reserved, Product.low_stock_threshold,
               Product.sku, Warehouse.code)
        .join(Product, Product.id == StockLevel.product_id)
        .join(Warehouse, Warehouse.id == StockLevel.warehouse_id)
        .where(StockLevel.product_id == product_id,
               StockLevel.warehouse_id == warehouse_id)).first()
    if row is None:
        return None
    available, threshold, sku, code = row
    before = available - available_change
    if threshold is None or not (available < threshold <= before):
        return None
    log.info("low stock: %s in %s, %s available (threshold %s)", sku, code, available,
             threshold)
    notification = Notification(
        permission=ALERT_PERMISSION, title=f"Low stock: {sku} in {code}",
        body=f"{sku} in warehouse {code}: {available} available, below the threshold of "
             f"{threshold}.", created_at=utcnow())
    session.add(notification)
    return notification

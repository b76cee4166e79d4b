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
from orderloom.runtime import remembered
from orderloom.runtime.notify.in_app import Notification
from orderloom.runtime.stock.catalog import Product, Warehouse

log = logging.getLogger(__name__)

# Who can act on it (platform/permissions.py): role names are the business's own.
ALERT_PERMISSION = "inventory.manage"


# Each reservation asks for its product's threshold, and most products have none: the
# thresholds set are remembered for a few seconds (remembered.py), so that a change of
# stock of a product without one costs no query.
THRESHOLDS = remembered.Read("low-stock thresholds", (Product,))


def thresholds(session: Session) -> dict[int, int]:
    """The threshold of every product that has one, by product id."""
    return remembered.read(session, THRESHOLDS, None, lambda: dict(session.execute(
        select(Product.id, Product.low_stock_threshold)
        .where(Product.low_stock_threshold.is_not(None))).all()))


def after_decrease(session: Session, product_id: int, warehouse_id: int,
                   available_change: int, available: int) -> Notification | None:
    """Call after a change that lowered availability by ``-available_change`` to
    ``available`` (read back by the change's own statement)."""
    threshold = thresholds(session).get(product_id)
    before = available - available_change
    if threshold is None or not (available < threshold <= before):
        return None
    sku = session.scalar(select(Product.sku).where(Product.id == product_id))
    code = session.scalar(select(Warehouse.code).where(Warehouse.id == warehouse_id))
    log.info("low stock: %s in %s, %s available (threshold %s)", sku, code, available,
             threshold)
    notification = Notification(
        permission=ALERT_PERMISSION, title=f"Low stock: {sku} in {code}",
        body=f"{sku} in warehouse {code}: {available} available, below the threshold of "
             f"{threshold}.", created_at=utcnow())
    session.add(notification)
    return notification

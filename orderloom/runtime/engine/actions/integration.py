"""The definition actions that tell systems outside Orderloom: ``webhook`` announces
an event of the designer's naming with the order, ``sync_channel_stock`` pushes the
order's SKUs' available stock to the channels that sell them now rather than after
their next stock change. Both are carried out on the stored order, with the stock
actions (``stock_actions.carry_out``), so what they send is what was stored."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from orderloom.designer.blueprint import Blueprint
from orderloom.runtime.channels import stock_sync
from orderloom.runtime.notify import webhooks
from orderloom.runtime.stock.catalog import Product
from orderloom.runtime.stock.routing import wanted


def announce(session: Session, order: Any, action: dict[str, Any]) -> str:
    """Answers the event's name, for the timeline."""
    webhooks.custom_event(session, action["event"], order)
    return action["event"]


def sync_channel_stock(session: Session, blueprint: Blueprint, order: Any) -> list[str]:
    """Push every SKU on the order to its channels; answers the SKUs that had a push
    enqueued (a SKU already waiting for one gets the newest figure with it)."""
    skus = sorted(wanted(blueprint, order.data))
    if not skus:
        return []
    pushed: list[str] = []
    for product_id, sku in session.execute(
            select(Product.id, Product.sku).where(Product.sku.in_(skus))
            .order_by(Product.sku)):
        if stock_sync.after_change(session, product_id):
            pushed.append(sku)
    return pushed

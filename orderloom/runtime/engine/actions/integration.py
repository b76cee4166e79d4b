"""The actions that tell systems outside Orderloom: ``webhook`` announces an event of
the designer's naming with the order, ``sync_channel_stock`` pushes the order's SKUs'
available stock to the channels that sell them now rather than after their next
stock change. Both act on the stored order, so what they send is what was stored."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select

from orderloom.designer.actions import integration as spec
from orderloom.runtime.channels import stock_sync
from orderloom.runtime.engine.actions import Behaviour, Stored
from orderloom.runtime.notify import webhooks
from orderloom.runtime.stock.catalog import Product
from orderloom.runtime.stock.routing import wanted


class Webhook(spec.Webhook, Behaviour):
    def once_stored(self, action: dict[str, Any], stored: Stored) -> None:
        webhooks.custom_event(stored.session, action["event"], stored.order)
        stored.done.setdefault("events", []).append(action["event"])


class SyncChannelStock(spec.SyncChannelStock, Behaviour):
    def once_stored(self, action: dict[str, Any], stored: Stored) -> None:
        """Push every SKU on the order to its channels; the timeline gets the SKUs that
        had a push enqueued (a SKU already waiting for one gets the newest figure)."""
        skus = sorted(wanted(stored.blueprint, stored.order.data))
        pushed: list[str] = []
        if skus:
            for product_id, sku in stored.session.execute(
                    select(Product.id, Product.sku).where(Product.sku.in_(skus))
                    .order_by(Product.sku)):
                if stock_sync.after_change(stored.session, product_id):
                    pushed.append(sku)
        stored.done["channel_stock_pushed"] = pushed

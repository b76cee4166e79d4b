"""Actions that tell systems outside Orderloom: announce an event, push channel stock."""
from __future__ import annotations

from orderloom.designer.actions import ActionType


class Webhook(ActionType):
    name = "webhook"
    position = 120
    labels = ("Send a webhook", "发送 Webhook")
    members = {"event": {"type": "string", "pattern": "^[a-z_]+(\\.[a-z_]+)*$"}}
    required = ("event",)
    starting = {"event": "order.changed"}


class SyncChannelStock(ActionType):
    name = "sync_channel_stock"
    position = 130
    labels = ("Sync channel stock", "同步渠道库存")

"""Hooks: how a domain tells the others that something happened to an order, a
payment, stock or a shipment, without importing them.

The domain where the change happens calls the hook (``hooks.ORDER_CREATED(session,
order)``); each domain that reacts subscribes a function in its own module
(``@hooks.ORDER_CREATED.subscribe``). Outbound webhooks, channel stock sync and the
engine's automatic moves after a payment are subscribers, so stock keeping does not
import webhooks and payments do not import the engine: the arrows between domains
point one way (docs/architecture.md), as Saleor's plugin manager fans out
``manager.order_created(order)``.

Subscribers run in the caller's transaction, in the order they subscribed, with the
caller's session; they add what they cause (outbox jobs, webhook deliveries, moves)
and never commit, so a change and its consequences are stored together or not at
all. A subscriber that raises stops the change, as a direct call did.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from orderloom import runtime

Subscriber = Callable[..., None]


class Hook:
    """One kind of happening, and the functions that react to it."""

    def __init__(self, name: str, signature: str) -> None:
        self.name = name
        self.signature = signature  # what subscribers are called with, for readers
        self.subscribers: list[Subscriber] = []

    def subscribe(self, subscriber: Subscriber) -> Subscriber:
        if subscriber not in self.subscribers:
            self.subscribers.append(subscriber)
        return subscriber

    def __call__(self, session: Any, *args: Any, **kwargs: Any) -> None:
        # A subscriber subscribes when its module is imported; a process that has not
        # imported every domain yet (a worker just started, a command) loads them now,
        # so no reaction is ever skipped for want of an import.
        runtime.load_domains()
        for subscriber in list(self.subscribers):
            subscriber(session, *args, **kwargs)

    def __repr__(self) -> str:
        return f"<hook {self.name}({self.signature})>"


ORDER_CREATED = Hook("order created", "session, order")
ORDER_STATE_CHANGED = Hook("order state changed",
                           "session, order, from_state, *, transition, actor_name")
PAYMENT_RECEIVED = Hook("payment received", "session, order, payment")
REFUND_ISSUED = Hook("refund issued", "session, order, refund")
# The order's payment status moved (unpaid -> paid, paid -> refunded, ...) outside a
# change the engine is carrying out; ``before`` is the status it had.
PAYMENT_STATUS_CHANGED = Hook("payment status changed", "session, order, before, now")
# One SKU's availability in one warehouse changed by ``available_change`` units.
STOCK_CHANGED = Hook("stock changed",
                     "session, product_id, warehouse_id, available_change")
SHIPMENT_UPDATED = Hook("shipment updated", "session, shipment, order, previous_status")

ALL = (ORDER_CREATED, ORDER_STATE_CHANGED, PAYMENT_RECEIVED, REFUND_ISSUED,
       PAYMENT_STATUS_CHANGED, STOCK_CHANGED, SHIPMENT_UPDATED)

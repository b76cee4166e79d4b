"""A store's webhook delivery, by what its topic means (stores.Event).

- A retry of a delivery already received (the same platform delivery id) changes
  nothing and stores nothing new.
- A new order goes through ingestion like any channel's payload.
- News of an order already here (changed, cancelled, refunded) goes to
  store_changes; an update of an order not here yet creates it.

Functions take a session and never commit.
"""
from __future__ import annotations

import logging

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from orderloom.db import utcnow
from orderloom.runtime.audit import Actor
from orderloom.runtime.channels import ingestion, store_changes
from orderloom.runtime.channels.models import UNCHANGED, Channel, InboundOrder
from orderloom.runtime.channels.stores import Delivery, Event, StorePlatform
from orderloom.runtime.orders.models import Order

log = logging.getLogger(__name__)


def earlier_delivery(session: Session, channel: Channel,
                     delivery_id: str | None) -> InboundOrder | None:
    if delivery_id is None:
        return None
    return session.scalar(select(InboundOrder).where(InboundOrder.source == channel.key,
                                                     InboundOrder.delivery_id == delivery_id))


def receive(session: Session, channel: Channel, platform: StorePlatform, delivery: Delivery,
            body: bytes, actor: Actor) -> tuple[ingestion.Receipt, bool]:
    """What became of the delivery, and whether it was a retry of one received before
    (then nothing was stored)."""
    earlier = earlier_delivery(session, channel, delivery.delivery_id)
    if earlier is not None:
        return _receipt(session, earlier), True
    try:
        with session.begin_nested():
            receipt = _received(session, channel, platform, delivery, body, actor)
    except IntegrityError:
        # The same delivery arrived on another connection a moment earlier and won.
        earlier = earlier_delivery(session, channel, delivery.delivery_id)
        if earlier is None:
            raise
        return _receipt(session, earlier), True
    log.info("channel %s: %s delivery %s: inbound %s %s", channel.key, delivery.topic,
             delivery.delivery_id, receipt.inbound.id, receipt.status)
    return receipt, False


def _received(session: Session, channel: Channel, platform: StorePlatform, delivery: Delivery,
              body: bytes, actor: Actor) -> ingestion.Receipt:
    if delivery.event is Event.CREATED:
        return ingestion.receive(session, channel, body, actor,
                                 delivery_id=delivery.delivery_id, topic=delivery.topic)
    try:
        payload = ingestion.read_payload(body)
    except ValueError:
        payload = None
    if not isinstance(payload, dict):
        payload = None
    store_order_id = platform.order_id(delivery.event, payload) if payload else None
    first = (ingestion.accepted_order(session, channel.key, store_order_id)
             if store_order_id else None)
    order = session.get(Order, first.order_id) if first and first.order_id else None
    cancelled = payload is not None and platform.cancelled(payload)
    if order is None and delivery.event is Event.UPDATED and not cancelled:
        # The update overtook the creation (or the creation was missed): it holds the
        # whole order, so it is created from it.
        return ingestion.receive(session, channel, body, actor,
                                 delivery_id=delivery.delivery_id, topic=delivery.topic)
    inbound = InboundOrder(channel_id=channel.id, source=channel.key,
                           body=body.decode("utf-8", "replace"), attempts=1,
                           received_at=utcnow(), processed_at=utcnow(), status=UNCHANGED,
                           external_id=store_order_id, delivery_id=delivery.delivery_id,
                           topic=delivery.topic)
    session.add(inbound)
    if order is None:
        inbound.error = {"detail": f"there is no order here for the store's order "
                                   f"{store_order_id or '(no id in the payload)'}; nothing "
                                   "was changed", "errors": []}
        session.flush()
        return ingestion.Receipt(inbound, None)
    inbound.order_id = order.id
    session.flush()
    cancelling = delivery.event in (Event.CANCELLED, Event.REFUND_REQUESTED) or cancelled
    if cancelling:
        outcome = store_changes.stop_or_return(session, actor, order, channel, platform,
                                               delivery)
    else:
        outcome = store_changes.apply_or_hold(session, actor, order, channel, platform,
                                              payload)
    inbound.status = outcome.status
    inbound.error = {"detail": outcome.detail, "errors": []} if outcome.detail else None
    session.flush()
    return ingestion.Receipt(inbound, order)


def _receipt(session: Session, inbound: InboundOrder) -> ingestion.Receipt:
    order = session.get(Order, inbound.order_id) if inbound.order_id is not None else None
    return ingestion.Receipt(inbound, order)

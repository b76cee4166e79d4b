"""A store's webhook delivery (or a pulled order), by what its body shows.

The topic header is not signed, so a captured body could be sent again under
another topic; the topic only labels the delivery. What is done follows from the
body itself (``StorePlatform.shown``): an order, an order that says it is cancelled
(``cancelled_at``, a cancelled status), a refund, a deletion.

- A retry of a delivery already received (the same platform delivery id), and the
  same bytes again under any topic or delivery id, change nothing and store nothing
  new; a kept dead letter is processed once more.
- A new order goes through ingestion like any channel's payload.
- News of an order already here (changed, cancelled, refunded) goes to
  store_changes. An update older than the newest news already acted on for the
  order (the platform's own ``updated_at`` / ``date_modified_gmt``) is stale: kept,
  ignored, and its row says why. One of the same second is applied: the stores write
  whole seconds, and the same bytes again were already recognised by their digest.
- News of one store order is taken one at a time (``one_at_a_time``), so news that
  arrives while its order is being created finds it once that is committed.
- Platforms do not keep order: news may arrive before the order. An update, or a
  cancellation holding the whole order (Shopify's ``orders/cancelled``, WooCommerce's
  update to ``cancelled``), creates the order; a cancelled one is held at once
  (售后拦截). A refund or a deletion, which do not hold the order, wait: when the
  order arrives (its webhook or a pull), it is created and at once handled as they
  demand.

Functions take a session and never commit.
"""
from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from orderloom.db import utcnow
from orderloom.runtime.audit import Actor
from orderloom.runtime.channels import ingestion, store_changes
from orderloom.runtime.channels.models import (
    ACCEPTED,
    DEAD_LETTER,
    UNCHANGED,
    Channel,
    InboundOrder,
)
from orderloom.runtime.channels.platforms import platform_for
from orderloom.runtime.channels.stores import Delivery, Event, StorePlatform
from orderloom.runtime.orders.models import Order

log = logging.getLogger(__name__)

STOPPING = (Event.CANCELLED, Event.REFUND_REQUESTED)


def earlier_delivery(session: Session, channel: Channel,
                     delivery_id: str | None) -> InboundOrder | None:
    if delivery_id is None:
        return None
    return session.scalar(select(InboundOrder).where(InboundOrder.source == channel.key,
                                                     InboundOrder.delivery_id == delivery_id))


def receive(session: Session, channel: Channel, platform: StorePlatform, delivery: Delivery,
            body: bytes, actor: Actor) -> tuple[ingestion.Receipt, bool]:
    """What became of the delivery, and whether it repeated one received before (the
    same delivery id, or the same bytes under any topic): then nothing was stored."""
    earlier = _earlier(session, channel, delivery, body)
    if earlier is not None:
        return _repeated(session, channel, earlier, actor)
    try:
        with session.begin_nested():
            receipt = _received(session, channel, platform, delivery, body, actor)
    except IntegrityError:
        # The same delivery (or bytes) arrived on another connection a moment earlier
        # and won.
        earlier = _earlier(session, channel, delivery, body)
        if earlier is None:
            raise
        return _repeated(session, channel, earlier, actor)
    log.info("channel %s: %s delivery %s: inbound %s %s", channel.key, delivery.topic,
             delivery.delivery_id, receipt.inbound.id, receipt.status)
    return receipt, False


def _earlier(session: Session, channel: Channel, delivery: Delivery,
             body: bytes) -> InboundOrder | None:
    return (earlier_delivery(session, channel, delivery.delivery_id)
            or ingestion.kept_body(session, channel.key, ingestion.body_digest(body)))


def _repeated(session: Session, channel: Channel, earlier: InboundOrder,
              actor: Actor) -> tuple[ingestion.Receipt, bool]:
    if earlier.status == DEAD_LETTER:
        # A dead letter sent again is tried again, as on every channel.
        receipt = ingestion.again(session, channel, earlier, actor)
        return arrived(session, channel, receipt, actor), False
    log.info("channel %s: inbound %s delivered again (as %s); nothing changed",
             channel.key, earlier.id, earlier.topic)
    return _receipt(session, earlier), True


def _received(session: Session, channel: Channel, platform: StorePlatform, delivery: Delivery,
              body: bytes, actor: Actor) -> ingestion.Receipt:
    try:
        payload = ingestion.read_payload(body)
    except ValueError:
        payload = None
    if not isinstance(payload, dict):
        # Not an order nor news of one: kept as a dead letter with the reason.
        return ingestion.receive(session, channel, body, actor,
                                 delivery_id=delivery.delivery_id, topic=delivery.topic)
    event = platform.shown(delivery.event, payload)
    store_order_id = platform.order_id(event, payload)
    if store_order_id:
        one_at_a_time(session, channel, store_order_id)
    first = (ingestion.accepted_order(session, channel.key, store_order_id)
             if store_order_id else None)
    order = session.get(Order, first.order_id) if first and first.order_id else None
    if order is None:
        if event not in STOPPING or platform.holds_whole_order(payload):
            return _created(session, channel, delivery, body, actor)
        return _waiting(session, channel, delivery, event, body, store_order_id)
    if event is Event.CREATED:
        # The order is here already: a duplicate, as for any channel.
        return ingestion.receive(session, channel, body, actor,
                                 delivery_id=delivery.delivery_id, topic=delivery.topic)
    inbound = _news(session, channel, delivery, body, store_order_id)
    inbound.order_id = order.id
    changed_at = platform.changed_at(payload)
    if event in STOPPING:
        outcome = store_changes.stop_or_return(session, actor, order, channel, platform,
                                               event, delivery.topic)
    else:
        newest = newest_change(session, channel, order)
        # Stores write whole seconds: a different body of the same second is a genuine
        # later change (the same bytes again were caught by their digest above).
        if changed_at is not None and newest is not None and changed_at < newest:
            inbound.status = UNCHANGED
            inbound.error = {"detail": f"stale: the store's update of {_utc_text(changed_at)} "
                                       "is older than the one already applied "
                                       f"({_utc_text(newest)}); ignored", "errors": []}
            session.flush()
            log.info("channel %s: stale update of order %s ignored", channel.key,
                     store_order_id)
            return ingestion.Receipt(inbound, order)
        outcome = store_changes.apply_or_hold(session, actor, order, channel, platform,
                                              payload)
    inbound.changed_at = changed_at
    inbound.status = outcome.status
    inbound.error = {"detail": outcome.detail, "errors": []} if outcome.detail else None
    session.flush()
    return ingestion.Receipt(inbound, order)


def one_at_a_time(session: Session, channel: Channel, store_order_id: str) -> None:
    """On PostgreSQL, hold a transaction lock per store order, so that news of one
    order is taken in turn: a refund arriving while its order is being created waits
    for that transaction, then finds the order (each statement sees what committed
    before it), instead of being kept as waiting after the order had already looked
    for waiting news, which nothing would then handle. SQLite needs none: its
    writers take turns already."""
    if session.get_bind().dialect.name != "postgresql":
        return
    session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:key))"),
                    {"key": f"store-order:{channel.key}:{store_order_id}"})


def _utc_text(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC")


def newest_change(session: Session, channel: Channel, order: Order) -> datetime | None:
    """When the store had last changed the order, by the newest news acted on."""
    return session.scalar(select(func.max(InboundOrder.changed_at)).where(
        InboundOrder.source == channel.key, InboundOrder.order_id == order.id))


def _created(session: Session, channel: Channel, delivery: Delivery, body: bytes,
             actor: Actor) -> ingestion.Receipt:
    """The order is not here: create it from the payload (an order, or an update or
    cancellation that holds the whole order), then do what the payload and any news
    that waited for it demand."""
    receipt = ingestion.receive(session, channel, body, actor,
                                delivery_id=delivery.delivery_id, topic=delivery.topic)
    return arrived(session, channel, receipt, actor)


def arrived(session: Session, channel: Channel, receipt: ingestion.Receipt,
            actor: Actor) -> ingestion.Receipt:
    """After a store order was just created from ``receipt``'s delivery (on its
    arrival, or when its dead letter was tried again): hold it when its own body
    shows it cancelled, and handle the news that waited for it."""
    order = receipt.order
    platform = platform_for(channel.kind)
    if (platform is None or order is None or receipt.repeated
            or receipt.inbound.status != ACCEPTED):
        return receipt
    try:
        payload = ingestion.read_payload(receipt.inbound.body.encode("utf-8"))
    except ValueError:
        return receipt
    if not isinstance(payload, dict):
        return receipt
    receipt.inbound.changed_at = platform.changed_at(payload)
    event = platform.shown(Event.CREATED, payload)
    if event in STOPPING:
        outcome = store_changes.stop_or_return(session, actor, order, channel, platform,
                                               event, receipt.inbound.topic or "")
        log.info("channel %s: order %s arrived cancelled: %s", channel.key, order.number,
                 outcome.status)
    store_order_id = receipt.inbound.accepted_external_id
    if store_order_id:
        # Also when a dead letter became the order: news kept meanwhile is seen below.
        one_at_a_time(session, channel, store_order_id)
    _waited(session, channel, platform, order, store_order_id, actor)
    session.flush()
    return receipt


def retry(session: Session, inbound: InboundOrder, actor: Actor) -> ingestion.Receipt:
    """A store's dead letter processed again (ingestion.retry), and when it becomes the
    order, handled as its arrival would have been."""
    receipt = ingestion.retry(session, inbound, actor)
    if inbound.channel is None:
        return receipt
    return arrived(session, inbound.channel, receipt, actor)


def _waiting(session: Session, channel: Channel, delivery: Delivery, event: Event,
             body: bytes, store_order_id: str | None) -> ingestion.Receipt:
    """A refund or deletion of an order not here: kept, so that the order is held as it
    demands when it arrives."""
    inbound = _news(session, channel, delivery, body, store_order_id)
    what = "refunded" if event is Event.REFUND_REQUESTED else "cancelled"
    if store_order_id is None:
        detail = ("there is no order here for the store's order (no id in the payload); "
                  "nothing was changed")
    else:
        detail = (f"the store {what} its order {store_order_id}, which is not here yet; "
                  "it is kept, and the order will be held for staff when it arrives")
    inbound.error = {"detail": detail, "errors": []}
    session.flush()
    return ingestion.Receipt(inbound, None)


def _waited(session: Session, channel: Channel, platform: StorePlatform, order: Order,
            store_order_id: str | None, actor: Actor) -> None:
    """News that waited for the order, now handled in the order it came."""
    if store_order_id is None:
        return
    kept = list(session.scalars(select(InboundOrder).where(
        InboundOrder.source == channel.key, InboundOrder.external_id == store_order_id,
        InboundOrder.order_id.is_(None), InboundOrder.status == UNCHANGED)
        .order_by(InboundOrder.id).with_for_update(of=InboundOrder)))
    for news in kept:
        try:
            payload = ingestion.read_payload(news.body.encode("utf-8"))
        except ValueError:
            continue
        if not isinstance(payload, dict):
            continue
        event = platform.shown(Event.UPDATED, payload)
        if event not in STOPPING:
            continue
        outcome = store_changes.stop_or_return(session, actor, order, channel, platform,
                                               event, news.topic or "")
        news.order_id = order.id
        news.status = outcome.status
        news.processed_at = utcnow()
        news.error = {"detail": f"handled when the order arrived: {outcome.detail}",
                      "errors": []} if outcome.detail else None
        log.info("channel %s: news %s that waited for order %s: %s", channel.key, news.id,
                 order.number, outcome.status)


def _news(session: Session, channel: Channel, delivery: Delivery, body: bytes,
          store_order_id: str | None) -> InboundOrder:
    inbound = InboundOrder(channel_id=channel.id, source=channel.key,
                           body=body.decode("utf-8", "replace"),
                           body_digest=ingestion.body_digest(body), attempts=1,
                           received_at=utcnow(), processed_at=utcnow(), status=UNCHANGED,
                           external_id=store_order_id, delivery_id=delivery.delivery_id,
                           topic=delivery.topic)
    session.add(inbound)
    session.flush()
    return inbound


def _receipt(session: Session, inbound: InboundOrder) -> ingestion.Receipt:
    order = session.get(Order, inbound.order_id) if inbound.order_id is not None else None
    return ingestion.Receipt(inbound, order)

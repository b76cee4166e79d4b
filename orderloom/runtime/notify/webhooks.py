"""Outbound webhooks: who wants to hear of which events, and every delivery made.

``emit`` is called inside the transaction of the change an event reports. It
writes one ``WebhookDelivery`` per active subscription to the event and the
outbox job that sends it, so an event is announced if and only if its change
commits. The events of orders, payments, stock and shipments reach it through the
hooks (runtime/hooks.py) it subscribes to at the end of this module. Sending,
signing and retrying are in ``webhook_sending.py``.

A delivery's ``event_id`` is the ``Idempotency-Key`` the receiver sees: it is
the same on every attempt and on a re-send, so a receiver that stores the keys
it has processed acts on each event once however often it hears of it.
"""
from __future__ import annotations

import logging
import re
import secrets
import uuid
from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from orderloom.db import Base, JSONDocument, UTCDateTime, utcnow
from orderloom.designer import type_access
from orderloom.designer.field_access import field_access
from orderloom.designer.published import blueprint_for
from orderloom.runtime import hooks, remembered
from orderloom.runtime.jobs.outbox import enqueue
from orderloom.runtime.orders.models import money_text
from orderloom.runtime.stock.catalog import Product, Warehouse
from orderloom.runtime.stock.models import StockLevel

log = logging.getLogger(__name__)

# The events Orderloom itself announces. A definition's `webhook` action may emit
# any other name of the same shape (e.g. `order.ready_for_erp`).
EVENTS = ("order.created", "order.state_changed", "shipment.updated", "stock.changed",
          "payment.received", "refund.issued", "return.changed")
EVENT_NAME = re.compile(r"^[a-z_]+(\.[a-z_]+)*$")
ALL_EVENTS = "*"  # a subscription to every event


def wants_event(events: Collection[str], event_type: str) -> bool:
    """Whether a subscription to ``events`` gets an event of ``event_type``."""
    return ALL_EVENTS in events or event_type in events


JOB_KIND = "webhook_delivery"
SECRET_PREFIX = "olwhs_"

PENDING = "pending"      # not delivered yet; an attempt is due at next_attempt_at
DELIVERED = "delivered"  # the receiver answered 2xx
FAILED = "failed"        # every attempt failed; an admin may send it again
STATUSES = (PENDING, DELIVERED, FAILED)


def new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


class WebhookSubscription(Base):
    __tablename__ = "webhook_subscriptions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    url: Mapped[str] = mapped_column(String(500))
    # Kept as it is: signing needs the key itself. Shown once when made, never again.
    secret: Mapped[str] = mapped_column(String(100))
    events: Mapped[list[str]] = mapped_column(JSONDocument, default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The roles of whoever last saved it: the orders it receives leave out the fields
    # those roles may not see (None: made before fields had access, sees every field).
    seen_as: Mapped[list[str] | None] = mapped_column(JSONDocument, nullable=True)
    # Why it was switched off without anyone asking (None: it was not): a subscription
    # seen only as roles whose row rules hide some orders is paused rather than told of
    # them (platform/order_scope.py).
    paused_reason: Mapped[str | None] = mapped_column(String(300), nullable=True)

    def wants(self, event_type: str) -> bool:
        return self.active and wants_event(self.events, event_type)


class WebhookDelivery(Base):
    """One event for one subscription, and how sending it went."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        UniqueConstraint("subscription_id", "event_id",
                         name="uq_webhook_deliveries_subscription_event"),
        Index("ix_webhook_deliveries_status_created", "status", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subscription_id: Mapped[int] = mapped_column(
        ForeignKey("webhook_subscriptions.id", ondelete="CASCADE"), index=True)
    event_id: Mapped[str] = mapped_column(String(36))
    event_type: Mapped[str] = mapped_column(String(100), index=True)
    # The body exactly as sent: {"id", "type", "created_at", "data"}
    payload: Mapped[dict[str, Any]] = mapped_column(JSONDocument, default=dict)
    status: Mapped[str] = mapped_column(String(12), default=PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # A re-send starts a new round of attempts; the cap counts from here.
    attempts_before_resend: Mapped[int] = mapped_column(Integer, default=0)
    last_status_code: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class WebhookAttempt(Base):
    """One POST of a delivery: the log an admin reads when a receiver complains."""

    __tablename__ = "webhook_attempts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    delivery_id: Mapped[int] = mapped_column(
        ForeignKey("webhook_deliveries.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    status_code: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)
    duration_ms: Mapped[int] = mapped_column(Integer, default=0)


def event_body(event_id: str, event_type: str, data: dict[str, Any],
               created_at: datetime) -> dict[str, Any]:
    return {"id": event_id, "type": event_type, "created_at": created_at.isoformat(),
            "data": data}


def emit(session: Session, event_type: str, data: dict[str, Any], order: Any = None) -> None:
    """Announce ``event_type`` with ``data`` (JSON-ready) to every active subscription
    that wants it. Writes into the caller's transaction and never commits: the
    deliveries exist exactly when the change they report does. With ``order``, its
    snapshot in ``data["order"]`` is made again for each subscription that sees it
    with roles to which some of its fields are hidden."""
    if not EVENT_NAME.match(event_type):
        raise ValueError(f"{event_type!r} is not an event name (e.g. order.created)")
    _announce(session, _subscribers(session, event_type), event_type, data, order)


def _announce(session: Session, subscriptions: list[WebhookSubscription], event_type: str,
              data: dict[str, Any], order: Any = None) -> None:
    if not subscriptions:
        return
    now = utcnow()
    # One event id for all subscribers: it names the event, not the delivery.
    event_id = str(uuid.uuid4())
    body = event_body(event_id, event_type, data, now)
    for subscription in subscriptions:
        payload = body
        if order is not None and not sees_type(order, subscription):
            continue
        if order is not None and subscription.seen_as is not None:
            payload = event_body(event_id, event_type, {
                **data, "order": order_snapshot(order, subscription.seen_as)}, now)
        delivery = WebhookDelivery(subscription_id=subscription.id, event_id=event_id,
                                   event_type=event_type, payload=payload, status=PENDING,
                                   attempts=0, attempts_before_resend=0,
                                   next_attempt_at=now, created_at=now)
        session.add(delivery)
        session.flush()  # the job names the delivery by id
        schedule(session, delivery, now)


def sees_type(order: Any, subscription: WebhookSubscription) -> bool:
    """Whether the roles the subscription is seen as may see orders of the order's type
    (its latest definition's ``access.see``): a subscriber is told nothing of a type
    hidden from whoever set it up. Subscriptions from before fields had access are seen
    as the instance and told of every type."""
    if subscription.seen_as is None:
        return True
    latest = order.order_type.latest
    return latest is None or type_access.allows(blueprint_for(latest).definition, "see",
                                                subscription.seen_as)


def schedule(session: Session, delivery: WebhookDelivery, at: datetime) -> None:
    """Write the outbox job that makes the next attempt of ``delivery`` at ``at``.

    One attempt per job: the job itself always succeeds (its handler records a
    failed POST and schedules the next), so every attempt is in the log and the
    backoff is the webhook's own, not the job runner's."""
    delivery.next_attempt_at = at
    # The attempt's number rides along: a job left over from an earlier round (an
    # admin re-sent meanwhile) finds a different number and does nothing.
    enqueue(session, JOB_KIND, {"delivery": delivery.id, "attempt": delivery.attempts + 1},
            run_after=at)


# Which active subscription wants which events: read for every order event.
ACTIVE_SUBSCRIPTIONS = remembered.Read("active webhook subscriptions", (WebhookSubscription,))


def _subscribers(session: Session, event_type: str) -> list[WebhookSubscription]:
    # This runs for every order created and every state change, and most events
    # have no subscriber: which subscriptions want which events is remembered for a
    # few seconds (remembered.py), whole subscriptions are read only for those that
    # want this event.
    wanted = [subscription_id for subscription_id, events in remembered.read(
        session, ACTIVE_SUBSCRIPTIONS, None, lambda: _active_subscriptions(session))
        if wants_event(events, event_type)]
    if not wanted:
        return []
    # What is remembered may be up to a few seconds old: the rows read now decide, so
    # a subscription switched off or no longer wanting this event elsewhere gets nothing.
    return [subscription for subscription in session.scalars(
        select(WebhookSubscription)
        .where(WebhookSubscription.id.in_(wanted), WebhookSubscription.active.is_(True))
        .order_by(WebhookSubscription.id))
        if subscription.wants(event_type)]


def _active_subscriptions(session: Session) -> tuple[tuple[int, tuple[str, ...]], ...]:
    return tuple((subscription_id, tuple(events)) for subscription_id, events in session.execute(
        select(WebhookSubscription.id, WebhookSubscription.events)
        .where(WebhookSubscription.active.is_(True))))


# --- the events the order lifecycle and stock keeping announce ------------------------------

def order_snapshot(order: Any, seen_as: Collection[str] | None = None) -> dict[str, Any]:
    """The order as a receiver needs it, at the moment of the event; with ``seen_as``,
    without the fields those roles may not see."""
    data, total = order.data, money_text(order.total, order.currency)
    if seen_as is not None:
        blueprint = blueprint_for(order.version)
        access = field_access(blueprint.definition, seen_as)
        data = access.visible(data)
        if blueprint.total_key in access.hidden:
            total = None
    return {"number": order.number, "order_type": order.order_type.key,
            "version": order.version.number, "state": order.state,
            "channel": order.channel, "data": data, "tags": list(order.tags or []),
            "total": total,
            "currency": order.currency, "warehouse": order.warehouse,
            "created_at": order.created_at.isoformat(),
            "updated_at": (order.updated_at or order.created_at).isoformat()}


@hooks.ORDER_CREATED.subscribe
def order_created(session: Session, order: Any) -> None:
    subscriptions = _subscribers(session, "order.created")
    if subscriptions:  # the snapshot only when someone listens
        _announce(session, subscriptions, "order.created", {"order": order_snapshot(order)},
                  order)


@hooks.ORDER_STATE_CHANGED.subscribe
def order_state_changed(session: Session, order: Any, from_state: str | None, *,
                        transition: str | None, actor_name: str) -> None:
    subscriptions = _subscribers(session, "order.state_changed")
    if subscriptions:
        _announce(session, subscriptions, "order.state_changed", {
            "order": order_snapshot(order), "from_state": from_state,
            "to_state": order.state, "transition": transition, "actor": actor_name}, order)


def custom_event(session: Session, event_type: str, order: Any) -> None:
    """A definition's ``webhook`` action: its event, with the order."""
    emit(session, event_type, {"order": order_snapshot(order)}, order)


@hooks.PAYMENT_RECEIVED.subscribe
def payment_received(session: Session, order: Any, payment: Any) -> None:
    emit(session, "payment.received", {
        "order": order.number, "amount": str(payment.amount), "currency": payment.currency,
        "method": payment.method, "reference": payment.reference,
        "received_at": payment.received_at.isoformat(),
        "payment_status": order.payment_status,
        "paid": money_text(order.amount_paid, payment.currency),
        "refunded": money_text(order.amount_refunded, payment.currency)})


@hooks.REFUND_ISSUED.subscribe
def refund_issued(session: Session, order: Any, refund: Any) -> None:
    emit(session, "refund.issued", {
        "order": order.number, "amount": str(refund.amount), "currency": refund.currency,
        "reason": refund.reason, "reference": refund.reference,
        "issued_at": refund.issued_at.isoformat(), "payment_status": order.payment_status,
        "paid": money_text(order.amount_paid, refund.currency),
        "refunded": money_text(order.amount_refunded, refund.currency)})


@hooks.RETURN_STEP.subscribe
def return_step(session: Session, found: Any, order: Any, step: str) -> None:
    replacement = session.get(type(order), found.replacement_order_id) \
        if found.replacement_order_id else None
    emit(session, "return.changed", {
        "return": found.number, "order": order.number, "step": step, "state": found.state,
        "reason": found.reason,
        "lines": [{"sku": line.sku, "quantity": line.quantity, "received": line.received,
                   "disposition": line.disposition, "warehouse": line.warehouse}
                  for line in found.lines],
        "outcome": found.outcome,
        "refunded": money_text(found.refunded, order.currency) if found.refunded else None,
        "replacement_order": replacement.number if replacement else None})


@hooks.SHIPMENT_UPDATED.subscribe
def shipment_updated(session: Session, shipment: Any, order: Any,
                     previous_status: str | None) -> None:
    emit(session, "shipment.updated", {
        "shipment": shipment.id, "order": order.number, "carrier": shipment.carrier,
        "tracking_number": shipment.tracking_number, "status": shipment.status,
        "previous_status": previous_status, "warehouse": shipment.warehouse,
        "shipped_at": shipment.shipped_at.isoformat() if shipment.shipped_at else None,
        "delivered_at": shipment.delivered_at.isoformat() if shipment.delivered_at else None})


@hooks.STOCK_CHANGED.subscribe
def stock_changed(session: Session, product_id: int, warehouse_id: int,
                  available_change: int) -> None:
    """After a change of one SKU's availability in one warehouse: the new figures."""
    subscriptions = _subscribers(session, "stock.changed")
    if not subscriptions:
        return
    row = session.execute(
        select(Product.sku, Warehouse.code, StockLevel.on_hand, StockLevel.reserved)
        .join(StockLevel, StockLevel.product_id == Product.id)
        .join(Warehouse, Warehouse.id == StockLevel.warehouse_id)
        .where(Product.id == product_id, Warehouse.id == warehouse_id)).first()
    if row is None:
        return
    sku, warehouse, on_hand, reserved = row
    _announce(session, subscriptions, "stock.changed", {
        "sku": sku, "warehouse": warehouse, "on_hand": on_hand, "reserved": reserved,
        "available": on_hand - reserved, "change": available_change})

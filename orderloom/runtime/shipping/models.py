"""Carriers, the shipments they carry and the tracking events they report.

A ``Carrier`` row is a carrier set up by an administrator, of one of the kinds in
the carrier registry (``carriers/``: a generic HTTP carrier, a tracking service
such as 快递100 or 快递鸟, ...); the built-in local courier needs no row. A
``Shipment`` is one parcel of an order with the carrier's tracking number; its
``status`` is the normalised status of its latest event. A ``TrackingEvent`` is one
step of its journey, stored once however often the carrier reports it.
"""
from __future__ import annotations

import re
import secrets
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Index,
    Integer,
    Select,
    String,
    Subquery,
    Text,
    UniqueConstraint,
    or_,
    select,
    union_all,
)
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from orderloom.db import Base, JSONDocument, UTCDateTime, utcnow
from orderloom.runtime import hooks
from orderloom.runtime.jobs.models import PENDING, QUEUED, RUNNING, Job
from orderloom.runtime.jobs.outbox import enqueue
from orderloom.runtime.orders.models import Order

CODE_PATTERN = re.compile(r"^[a-z][a-z0-9_-]{0,39}$")
LOCAL = "local"  # the built-in local courier's code; no carrier row may take it
SECRET_PREFIX = "olcw_"
BOOK_JOB = "create_shipment"
WAITING = (PENDING, QUEUED, RUNNING)  # a booking job in these states will still book


class Carrier(Base):
    __tablename__ = "carriers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(12))  # a kind of the carrier registry
    # What the kind's config schema asks for (docs/logistics.md), without its secrets.
    config: Mapped[dict[str, Any]] = mapped_column(JSONDocument, default=dict)
    # The kind's secret config members (keys, auth values), sealed with the instance
    # key (runtime/sealing.py); never answered back.
    credentials: Mapped[str | None] = mapped_column(Text)
    # Signs the carrier's webhooks; kept as is because checking an HMAC needs the key.
    webhook_secret: Mapped[str] = mapped_column(String(100))
    # 0: the carrier sends webhooks and is never polled.
    poll_interval_seconds: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Shipment(Base):
    __tablename__ = "shipments"
    __table_args__ = (
        # The carrier's number identifies the parcel; two carriers may reuse a number.
        UniqueConstraint("carrier", "tracking_number", name="uq_shipments_carrier_tracking"),
        Index("ix_shipments_carrier_status", "carrier", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"),
                                          index=True)
    carrier: Mapped[str] = mapped_column(String(40))
    tracking_number: Mapped[str] = mapped_column(String(100), index=True)
    status: Mapped[str] = mapped_column(String(20))
    warehouse: Mapped[str | None] = mapped_column(String(50))
    # What the label prints: recipient, sender, reference, and whatever the carrier
    # answered. Personal data here is never shown on the public page unmasked.
    label: Mapped[dict[str, Any]] = mapped_column(JSONDocument, default=dict)
    # The unguessable part of the public tracking link, so customers need no login.
    public_token: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    shipped_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_polled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    order: Mapped[Order] = relationship(lazy="joined")


class TrackingEvent(Base):
    __tablename__ = "tracking_events"
    __table_args__ = (
        # A carrier re-delivering an event (webhook retry, overlapping polls) reports
        # the same status at the same moment: the second copy is not stored.
        UniqueConstraint("shipment_id", "status", "occurred_at",
                         name="uq_tracking_events_shipment_status_time"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    shipment_id: Mapped[int] = mapped_column(ForeignKey("shipments.id", ondelete="CASCADE"),
                                             index=True)
    status: Mapped[str] = mapped_column(String(20))
    description: Mapped[str] = mapped_column(String(500), default="")
    location: Mapped[str] = mapped_column(String(200), default="")
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    raw: Mapped[dict[str, Any]] = mapped_column(JSONDocument, default=dict)


def request_booking(session: Session, order: Order, action: dict[str, Any], *,
                    warehouse: str | None = None,
                    lines: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """The ``create_shipment`` action: a job books the parcel once the order's change is
    committed (the carrier is outside the machine, and a rolled-back transition must
    not leave a booked parcel). With ``warehouse`` and ``lines`` ([{sku, qty}]) the
    parcel is that part of the order, leaving that warehouse, with a tracking number
    of its own. Answers what to note on the timeline."""
    reference = f"{order.number}-{secrets.token_hex(6)}"
    carrier = carrier_of(order, action)
    # The public token is chosen now, so a message sent in the same transition can link
    # the tracking page before the booking job has run (tracking_codes).
    payload: dict[str, Any] = {"order_id": order.id, "carrier": carrier,
                               "reference": reference, "public_token": new_public_token()}
    if warehouse is not None and lines is not None:
        payload.update(warehouse=warehouse, lines=lines)
    if action.get("choose"):
        # The quotes are asked for by the job: they are calls out of the machine.
        payload["choose"] = action["choose"]
    job = enqueue(session, BOOK_JOB, payload, order_id=order.id)
    session.flush()
    return {"carrier": carrier, "job": job.id}


def carrier_of(order: Order, action: dict[str, Any]) -> str:
    """The carrier a ``create_shipment`` action ships with: the one the order's
    ``carrier_field`` names (staff chose SF for this parcel), else the action's own."""
    chosen = order.data.get(action["carrier_field"]) if "carrier_field" in action else None
    if isinstance(chosen, str) and CODE_PATTERN.match(chosen.strip()):
        return chosen.strip()
    return action["carrier"]


def new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def new_public_token() -> str:
    return secrets.token_urlsafe(24)


def tracking_codes(session: Session, order_id: int) -> list[str]:
    """The public tokens of the parcels that carry an order, for links in messages to
    the customer: those booked (a merge's parcel too), then those whose booking job has
    not run yet."""
    booked = [parcel.public_token for parcel in parcels_carrying(session, order_id)]
    pending = session.scalars(select(Job.payload).where(
        Job.order_id == order_id, Job.kind == BOOK_JOB, Job.status.in_(WAITING))
        .order_by(Job.id))
    for payload in pending:
        token = payload.get("public_token")
        if isinstance(token, str) and token not in booked:
            booked.append(token)
    return booked


def find_carrier(session: Session, code: str) -> Carrier | None:
    return session.scalar(select(Carrier).where(Carrier.code == code))


def parcels_carrying(session: Session, order_id: int) -> list[Shipment]:
    """The parcels that carry the order, oldest first: those booked under it, and those
    booked under another order it travels with (a merge's one parcel, booked under the
    merge's first order). Every reader of an order's parcels (its page, the API, the
    customer's messages and tracking page) asks here, so each order of a merge shows
    the shared parcel as its own."""
    shared: list[int] = []
    hooks.PARCELS_CARRYING(session, order_id, shared)
    carries = Shipment.order_id == order_id
    if shared:
        carries = or_(carries, Shipment.id.in_(shared))
    return list(session.scalars(select(Shipment).where(carries).order_by(Shipment.id)))


def parcel_riders(session: Session) -> Subquery:
    """Every (order_id, shipment_id) pair of an order and a parcel that carries it, as
    one subquery: the set form of ``parcels_carrying``, for readers that ask of many
    orders at once in SQL (dashboards, reconciliation, the floor's waybill scan)."""
    own = select(Shipment.order_id.label("order_id"), Shipment.id.label("shipment_id"))
    shared: list[Select[Any]] = []
    hooks.PARCEL_RIDERS(session, shared)
    if not shared:
        return own.subquery("parcel_riders")
    # Subscribers leave out the order a parcel is booked under, so the pairs are
    # disjoint: UNION ALL spares the database a sort of every shipment.
    return union_all(own, *shared).subquery("parcel_riders")


def events_of(session: Session, shipment_id: int) -> list[TrackingEvent]:
    return list(session.scalars(select(TrackingEvent)
                                .where(TrackingEvent.shipment_id == shipment_id)
                                .order_by(TrackingEvent.occurred_at, TrackingEvent.id)))

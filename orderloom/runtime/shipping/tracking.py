"""Shipments and their tracking: booking a parcel, recording the carrier's events,
and moving the order as the definition's ``tracking`` map says.

News comes by the carrier's webhook or push, by polling on the carrier's interval,
or by a query staff ask for (``refresh``); a waybill of a carrier that pushes once
subscribed (a tracking service) is subscribed by a job when it is recorded. All of it
ends in ``record``.

A carrier event is stored once (a re-delivery is a no-op), written on the order's
timeline, and, when it is the shipment's newest and the definition maps its
status to a transition, that transition is taken by the system actor. A
transition that is not open in the order's state is noted on the timeline and
does not fail the event: the carrier reports facts, the workflow may disagree.
Functions take a session and never commit.
"""
from __future__ import annotations

import logging
from collections.abc import Container
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from orderloom.db import utcnow
from orderloom.designer.published import blueprint_for
from orderloom.runtime import hooks
from orderloom.runtime.audit import SYSTEM, Actor
from orderloom.runtime.engine import lifecycle
from orderloom.runtime.errors import OrderError
from orderloom.runtime.jobs.models import Job, register_handler
from orderloom.runtime.jobs.outbox import enqueue
from orderloom.runtime.orders import timeline
from orderloom.runtime.orders.models import Order
from orderloom.runtime.shipping import rates
from orderloom.runtime.shipping.carriers import (
    UnknownCarrier,
    adapter_for,
    companies,
    kind_of,
    tracker_of,
)
from orderloom.runtime.shipping.carriers.base import (
    DELIVERED,
    FINISHED,
    LABEL_CREATED,
    UNDER_WAY,
    CarrierEvent,
    Parcel,
)
from orderloom.runtime.shipping.models import (
    BOOK_JOB,
    LOCAL,
    Carrier,
    Shipment,
    TrackingEvent,
    find_carrier,
    new_public_token,
)
from orderloom.runtime.stock.catalog import Warehouse

log = logging.getLogger(__name__)

POLL_JOB = "poll_tracking"
SUBSCRIBE_JOB = "subscribe_tracking"
SUBSCRIBE_ATTEMPTS = 8  # the service may be down for a while; each retry waits longer
POLL_BATCH = 200
# The carrier may move the order only along transitions the designer mapped; the map
# is the grant, so the transition's role list does not apply to it.
CARRIER = replace(SYSTEM, whole_workflow=True)


class ShipmentConflict(OrderError):
    status = 409


@dataclass
class Recorded:
    """What a batch of carrier events did."""

    recorded: list[TrackingEvent] = field(default_factory=list)
    duplicates: int = 0
    transitions: list[str] = field(default_factory=list)


# --- booking -----------------------------------------------------------------------------------

def recipient_of(order: Order) -> dict[str, Any]:
    """Who receives the parcel, from the order's customer and address fields: the label
    needs it, and the public page shows it masked."""
    fields = blueprint_for(order.version).definition["form"]["fields"]
    data = order.data or {}
    by_type: dict[str, list[str]] = {}
    for spec in fields:
        by_type.setdefault(spec["type"], []).append(spec["key"])
    customer = next((data[k] for k in by_type.get("customer", [])
                     if isinstance(data.get(k), dict)), {})
    addresses = sorted(by_type.get("address", []), key=lambda k: k != "ship_to")
    address = next((data[k] for k in addresses if isinstance(data.get(k), dict)), {})
    phone = customer.get("phone") or next((data[k] for k in by_type.get("phone", [])
                                           if data.get(k)), "")
    return {"name": str(customer.get("name") or ""), "phone": str(phone or ""),
            "address": {k: str(v) for k, v in address.items() if v not in (None, "")}}


def sender_of(session: Session, warehouse: str | None) -> dict[str, Any]:
    """Who sends a parcel: the warehouse's name and address (name, phone, province,
    city, district, street), as carriers that book by address need; empty when the
    warehouse is unknown or has no address."""
    if not warehouse:
        return {}
    found = session.scalar(select(Warehouse).where(Warehouse.code == warehouse))
    if found is None or not isinstance(found.address, dict):
        return {}
    address = {k: str(v) for k, v in found.address.items()
               if v not in (None, "") and not isinstance(v, dict | list)}
    return {"name": address.pop("name", found.name), "phone": address.pop("phone", ""),
            "address": address}


def book(session: Session, actor: Actor, order: Order, carrier_code: str, *,
         tracking_number: str | None = None, warehouse: str | None = None,
         reference: str | None = None, public_token: str | None = None,
         lines: list[dict[str, Any]] | None = None, instance_key: str = "") -> Shipment:
    """Create a shipment of ``order`` with the carrier. With ``tracking_number`` the
    parcel is already booked (a waybill written by hand, a number typed in at
    shipping) and the carrier is not called: it need not be set up under Carriers
    (then no news of the parcel comes in by itself). ``lines`` ([{sku, qty}]) are what
    the parcel carries when it is not the whole order. Raises CarrierError,
    ShipmentConflict. ``instance_key`` opens the carrier's sealed credentials."""
    hooks.PARCEL_BOOKING(session, order)
    adapter = _known_adapter(session, carrier_code, instance_key) if tracking_number \
        else adapter_for(session, carrier_code, instance_key)
    carrier_name = adapter.name if adapter is not None else carrier_code
    recipient = recipient_of(order)
    reference = reference or f"{order.number}-{utcnow():%Y%m%d%H%M%S%f}"
    warehouse = warehouse or order.warehouse
    label: dict[str, Any] = {"reference": reference, "order_number": order.number,
                             "recipient": recipient, "warehouse": warehouse}
    if lines:
        # The SKUs and quantities in this parcel when the order ships in several.
        label["lines"] = lines
    if tracking_number:
        number = tracking_number.strip()
    else:
        booking = adapter.create_shipment(Parcel(
            reference, order.number, recipient, warehouse,
            sender=sender_of(session, warehouse), lines=tuple(lines or ())))
        number = booking.tracking_number
        label["carrier_label"] = booking.label
    taken = session.scalar(select(Shipment.id).where(Shipment.carrier == carrier_code,
                                                     Shipment.tracking_number == number))
    if taken is not None:
        raise ShipmentConflict(f"carrier {carrier_code!r} already has a shipment with "
                               f"tracking number {number!r}")
    now = utcnow()
    shipment = Shipment(order_id=order.id, carrier=carrier_code, tracking_number=number,
                        status=LABEL_CREATED, warehouse=warehouse, label=label,
                        public_token=public_token or new_public_token(), created_at=now)
    session.add(shipment)
    session.flush()
    booked = "Tracking number recorded" if tracking_number else "Shipment booked"
    session.add(TrackingEvent(shipment_id=shipment.id, status=LABEL_CREATED,
                              description=f"{booked} with {carrier_name}",
                              location=warehouse or "", occurred_at=now, received_at=now,
                              raw={}))
    timeline.shipment_event(session, order, actor.name, shipment=shipment.id,
                            carrier=carrier_code, tracking_number=number, at=now)
    hooks.SHIPMENT_UPDATED(session, shipment, order, None)
    if adapter is not None and adapter.subscribes:
        # After commit, with retries: the service is outside the machine.
        enqueue(session, SUBSCRIBE_JOB, {"shipment": shipment.id}, order_id=order.id,
                max_attempts=SUBSCRIBE_ATTEMPTS)
    log.info("order %s: shipment %s %s booked", order.number, carrier_code, number)
    return shipment


def entered_by_staff(session: Session, shipment: Shipment,
                     set_up: Container[str] | None = None) -> bool:
    """Whether staff enter this shipment's events: the local courier's, and those of a
    carrier not set up under Carriers (a number typed in at shipping), from which no
    news comes by itself. A set-up carrier reports its own. ``set_up``: the codes of
    the carriers set up, when the caller has read them already (a page of several
    shipments), instead of a lookup per shipment."""
    if shipment.carrier == LOCAL:
        return True
    if set_up is not None:
        return shipment.carrier not in set_up
    return (find_carrier(session, shipment.carrier) is None
            and tracker_of(session, shipment.carrier) is None)


def _known_adapter(session: Session, code: str, instance_key: str) -> Any:
    try:
        return adapter_for(session, code, instance_key)
    except UnknownCarrier:
        return None


def run_book(session: Session, job: Job, runner: Any) -> None:
    """The ``create_shipment`` action's job: book after the order's change committed,
    as the call goes out of the machine. A number entered in the form's ``tracking_no``
    field means the parcel is booked already.

    A job that shops by quote (``choose``) books nothing itself: it chooses, notes the
    choice on the timeline and writes a booking job for the chosen carrier, all in its
    own commit. The call to the carrier is that second job's, and its retries book with
    the same carrier under the same reference (SF's ``orderId``): a retry after an
    answer that was lost (the carrier booked, then timed out) must not shop again and
    book the parcel with another carrier as well."""
    order = session.get(Order, job.payload["order_id"])
    if order is None:
        return
    reference = job.payload["reference"]
    done = session.scalar(select(Shipment.id).where(
        Shipment.order_id == order.id, Shipment.label["reference"].as_string() == reference))
    if done is not None:
        return
    entered = order.data.get("tracking_no")
    number = entered.strip() if isinstance(entered, str) and entered.strip() else None
    key = getattr(runner, "secret_key", None) or ""  # none when a test runs the job itself
    if job.payload.get("choose") in rates.MODES and number is None:
        _choose(session, job, order, key)
        return
    book(session, _booked_by(job.payload), order, job.payload["carrier"],
         tracking_number=number, warehouse=job.payload.get("warehouse"),
         reference=reference, public_token=job.payload.get("public_token"),
         lines=job.payload.get("lines"), instance_key=key)


def _booked_by(payload: dict[str, Any]) -> Actor:
    """Who the booking is for: the person whose click settled it (staff_booking), or
    the system for an action's booking."""
    by = payload.get("booked_by")
    if not isinstance(by, dict) or not isinstance(by.get("name"), str):
        return SYSTEM
    return Actor(user_id=by.get("user_id"), name=by["name"], via=str(by.get("via", "web")))


def _choose(session: Session, job: Job, order: Order, instance_key: str) -> None:
    """Choose the parcel's carrier by quote, noted on the timeline with every quote
    compared, and write the job that books with it (with the action's own carrier when
    none quoted: that too is settled before any carrier is called)."""
    reference = job.payload["reference"]
    if _booking_job(session, order.id, reference) is not None:
        return  # this choice was committed once already
    mode = job.payload["choose"]
    shopped = quotes_for(session, order, instance_key, reference)
    best = shopped.best(mode)
    booking = {key: value for key, value in job.payload.items() if key != "choose"}
    if best is not None:
        note_choice(session, order, SYSTEM.name, mode, best.carrier, shopped)
        booking["carrier"] = best.carrier
        booking["quote"] = {"mode": mode, "price": str(best.price), "days": best.days,
                            "service": best.service}
    enqueue(session, BOOK_JOB, booking, order_id=order.id)


def _booking_job(session: Session, order_id: int, reference: str) -> Job | None:
    """The job booking parcel ``reference`` with the carrier already chosen, if any."""
    jobs = session.scalars(select(Job).where(Job.order_id == order_id, Job.kind == BOOK_JOB)
                           .order_by(Job.id))
    return next((job for job in jobs if job.payload.get("reference") == reference
                 and "choose" not in job.payload), None)


def quotes_for(session: Session, order: Order, instance_key: str, reference: str = "", *,
               warehouse: str | None = None) -> rates.Shopped:
    """Every quote for the order's parcel, from its warehouse (or ``warehouse``) to its
    address."""
    warehouse = warehouse or order.warehouse
    parcel = Parcel(reference or order.number, order.number, recipient_of(order), warehouse,
                    sender=sender_of(session, warehouse))
    return rates.shop(session, parcel, instance_key)


def note_choice(session: Session, order: Order, actor_name: str, mode: str, carrier: str,
                shopped: rates.Shopped) -> None:
    """The carrier chosen by its quote (``mode``: cheapest, fastest, or staff's own
    pick) on the order's timeline, with the quotes it was chosen from."""
    timeline.carrier_chosen_event(session, order, actor_name, mode=mode, carrier=carrier,
                                  quotes=shopped.as_details(), missing=shopped.missing)


# --- recording events -------------------------------------------------------------------------

def record(session: Session, shipment: Shipment, events: list[CarrierEvent]) -> Recorded:
    """Store the carrier's events of ``shipment``; each one already stored is skipped."""
    outcome = Recorded()
    carried = orders_carried(session, shipment)
    for event in sorted(events, key=lambda e: e.occurred_at):
        stored = _store(session, shipment, event)
        if stored is None:
            outcome.duplicates += 1
            continue
        outcome.recorded.append(stored)
        previous = shipment.status
        newest = _newest(session, shipment)
        shipment.status = newest.status
        if event.status in UNDER_WAY and shipment.shipped_at is None:
            shipment.shipped_at = event.occurred_at
        if event.status == DELIVERED and shipment.delivered_at is None:
            shipment.delivered_at = event.occurred_at
        details: dict[str, Any] = {
            "shipment": shipment.id, "carrier": shipment.carrier,
            "tracking_number": shipment.tracking_number, "status": event.status,
            "description": event.description, "location": event.location,
            "occurred_at": event.occurred_at.isoformat()}
        for order in carried:
            # Each order hears the news on its own timeline and moves through its own
            # workflow: the orders of a merged parcel may be of different versions.
            own = dict(details)
            entry = timeline.tracking_event(session, order, carrier=shipment.carrier,
                                            details=own)
            if newest.id == stored.id:
                taken = _move_order(session, order, event.status, own)
                if taken:
                    outcome.transitions.append(taken)
                timeline.tracking_outcome(entry, own)
            if shipment.status != previous:
                hooks.SHIPMENT_UPDATED(session, shipment, order, previous)
    session.flush()
    return outcome


def orders_carried(session: Session, shipment: Shipment) -> list[Order]:
    """Every order the parcel carries: its own, then those another domain knows ride in
    it (the orders of a merge), each once."""
    orders: list[Order] = [shipment.order]
    hooks.PARCEL_CARRIES(session, shipment, orders)
    seen: set[int] = set()
    return [o for o in orders if not (o.id in seen or seen.add(o.id))]


def _store(session: Session, shipment: Shipment, event: CarrierEvent) -> TrackingEvent | None:
    same = (TrackingEvent.shipment_id == shipment.id, TrackingEvent.status == event.status,
            TrackingEvent.occurred_at == event.occurred_at)
    if session.scalar(select(TrackingEvent.id).where(*same)) is not None:
        return None
    row = TrackingEvent(shipment_id=shipment.id, status=event.status,
                        description=event.description, location=event.location,
                        occurred_at=event.occurred_at, received_at=utcnow(), raw=event.raw)
    try:
        # The same event arriving twice at once: the unique constraint lets one in.
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:
        return None
    return row


def _newest(session: Session, shipment: Shipment) -> TrackingEvent:
    """The event that sets the shipment's status: the latest, where "label created"
    yields to any other news. A waybill typed in after the carrier collected the parcel
    gets its "recorded" event at typing time, later than the carrier's own first steps,
    which a tracking service then reports."""
    return session.scalars(select(TrackingEvent).where(TrackingEvent.shipment_id == shipment.id)
                           .order_by((TrackingEvent.status == LABEL_CREATED).asc(),
                                     TrackingEvent.occurred_at.desc(),
                                     TrackingEvent.id.desc()).limit(1)).one()


def _move_order(session: Session, order: Order, status: str,
                details: dict[str, Any]) -> str | None:
    """Take the transition the order's own version maps ``status`` to, if it can be taken
    now; otherwise say why on the timeline entry (``details``)."""
    key = blueprint_for(order.version).definition.get("tracking", {}).get(status)
    if key is None:
        return None
    try:
        with session.begin_nested():
            lifecycle.take_transition(session, CARRIER, order, key, set())
    except OrderError as refused:
        details["transition"] = key
        details["not_taken"] = refused.message
        log.info("order %s: tracking %s did not take %r: %s", order.number, status, key,
                 refused.message)
        return None
    details["transition"] = key
    return key


# --- polling ----------------------------------------------------------------------------------

def poll_due(sessions: sessionmaker[Session], now: datetime | None = None) -> list[int]:
    """Enqueue a poll of every unfinished shipment of a polled carrier whose interval has
    passed; answers the shipment ids. Each shipment is claimed by a conditional UPDATE
    of ``last_polled_at``, so two sweepers never poll it twice."""
    now = now or utcnow()
    claimed: list[int] = []
    with sessions() as session:
        carriers = list(session.scalars(select(Carrier).where(
            Carrier.active.is_(True), Carrier.poll_interval_seconds > 0)))
        for carrier in carriers:
            spec = kind_of(carrier.kind)
            if spec is None or not spec.queries(carrier.config or {}):
                continue
            # A tracking service polls the carriers it follows that have no row of
            # their own (that row would be asked instead).
            codes = [carrier.code, *(code for code in companies(carrier)
                                     if find_carrier(session, code) is None)]
            cutoff = now - timedelta(seconds=carrier.poll_interval_seconds)
            due = or_(Shipment.last_polled_at.is_(None), Shipment.last_polled_at <= cutoff)
            ids = list(session.scalars(
                select(Shipment.id).where(Shipment.carrier.in_(codes),
                                          Shipment.status.not_in(FINISHED), due)
                .order_by(Shipment.last_polled_at.is_not(None), Shipment.last_polled_at,
                          Shipment.id).limit(POLL_BATCH)))
            for shipment_id in ids:
                won = session.execute(
                    update(Shipment).where(Shipment.id == shipment_id, due)
                    .values(last_polled_at=now)
                    .execution_options(synchronize_session=False)).rowcount
                if won:
                    enqueue(session, POLL_JOB, {"shipment": shipment_id}, max_attempts=1)
                    claimed.append(shipment_id)
        session.commit()
    if claimed:
        log.info("tracking: %s shipment(s) to poll", len(claimed))
    return claimed


def refresh(session: Session, shipment: Shipment, instance_key: str = "") -> Recorded:
    """Ask the carrier for the shipment's news now and record what is new. Raises
    UnknownCarrier, CarrierError (nothing is recorded then)."""
    adapter = adapter_for(session, shipment.carrier, instance_key)
    phone = str(((shipment.label or {}).get("recipient") or {}).get("phone") or "")
    events = [e for e in adapter.fetch_events(shipment.tracking_number, phone=phone)
              if e.tracking_number == shipment.tracking_number]
    shipment.last_polled_at = utcnow()
    return record(session, shipment, events)


def run_poll(session: Session, job: Job, runner: Any) -> None:
    shipment = session.get(Shipment, job.payload["shipment"])
    if shipment is None or shipment.status in FINISHED:
        return
    outcome = refresh(session, shipment, getattr(runner, "secret_key", None) or "")
    log.info("polled %s %s: %s new event(s)", shipment.carrier, shipment.tracking_number,
             len(outcome.recorded))


def run_subscribe(session: Session, job: Job, runner: Any) -> str | None:
    """Subscribe a recorded waybill with the tracking service that follows its carrier;
    a refusal fails the attempt, so the job retries."""
    shipment = session.get(Shipment, job.payload["shipment"])
    if shipment is None or shipment.status in FINISHED:
        return None
    adapter = adapter_for(session, shipment.carrier, getattr(runner, "secret_key", None) or "")
    phone = str(((shipment.label or {}).get("recipient") or {}).get("phone") or "")
    said = adapter.subscribe(shipment.tracking_number, phone=phone)
    log.info("subscribed %s %s: %s", shipment.carrier, shipment.tracking_number, said)
    return said


register_handler(BOOK_JOB, run_book)
register_handler(POLL_JOB, run_poll)
register_handler(SUBSCRIBE_JOB, run_subscribe)

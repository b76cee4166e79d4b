"""Staff booking a parcel by quote: the choice is settled before the carrier is called.

Staff (on the order page or over the API) choose a carrier from the quotes and
book in one click. The carrier may book the parcel and then lose its answer (a
timeout, a dropped connection, a 502), and the person clicks again. So the click
is done as the ``create_shipment`` action's job does it (``tracking.run_book``):
the chosen carrier, its quote and the booking reference (SF's ``orderId``) are
committed in a booking job, with the choice on the timeline, before any carrier
is called; the request then runs that job itself. A second click for the same
parcel while the booking is unconfirmed runs the same job again (same carrier,
same reference, which the carrier deduplicates on) instead of choosing anew; a
different carrier is refused until the unconfirmed booking is cancelled. A job
left unconfirmed is also retried by the sweeper like any other.

``settle`` writes and never commits; the caller commits and then calls ``run``.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from orderloom.db import utcnow
from orderloom.runtime.audit import Actor
from orderloom.runtime.errors import OrderError
from orderloom.runtime.jobs.models import ACTIVE, FAILED, PENDING, QUEUED, RUNNING, Job
from orderloom.runtime.jobs.outbox import enqueue
from orderloom.runtime.orders import timeline
from orderloom.runtime.orders.models import Order
from orderloom.runtime.shipping import rates, tracking
from orderloom.runtime.shipping.carriers.base import CarrierError
from orderloom.runtime.shipping.models import BOOK_JOB, Shipment, new_public_token

# A staff booking's job is written not yet due, so that no worker takes it while the
# request that wrote it is about to run it; if that request's process stops, the
# sweeper runs it once this has passed.
HOLD = timedelta(minutes=1)
CANCELLED = "cancelled_by"  # in a booking job's payload: who stopped it


class BookingError(OrderError):
    """A refusal about the parcel's unconfirmed booking, which is ``job``."""

    def __init__(self, message: str, job: Job | None) -> None:
        super().__init__(message)
        self.job = job

    def booking(self) -> dict[str, Any] | None:
        return described(self.job) if self.job is not None else None


def described(job: Job) -> dict[str, Any]:
    """A booking as an answer names it: its id (to cancel it), carrier and reference."""
    return {"id": job.id, "carrier": job.payload.get("carrier"),
            "reference": job.payload.get("reference"), "status": job.status}


class BookingUnderWay(BookingError):
    """The parcel's booking is unconfirmed with another carrier, or running now."""

    status = 409


class BookingUnconfirmed(BookingError):
    """The carrier was called and its answer did not confirm the booking: it may have
    booked the parcel all the same. Trying again books under the same reference."""

    status = 502


class NoSuchBooking(OrderError):
    status = 404


@dataclass(frozen=True)
class Booking:
    """A staff booking settled: its job, and whether it was chosen by this request."""

    job: Job
    new: bool

    @property
    def carrier(self) -> str:
        return self.job.payload["carrier"]

    @property
    def reference(self) -> str:
        return self.job.payload["reference"]


def _open_bookings(session: Session, order: Order) -> list[Job]:
    """The order's booking jobs with a carrier chosen that are not confirmed: still to
    run, or given up on by their retries without being cancelled (the carrier may
    have booked the parcel all the same, so the choice stands until someone cancels
    it)."""
    jobs = session.scalars(select(Job).where(
        Job.order_id == order.id, Job.kind == BOOK_JOB,
        Job.status.in_((*ACTIVE, FAILED))).order_by(Job.id))
    return [job for job in jobs if "choose" not in job.payload
            and (job.status != FAILED or CANCELLED not in job.payload)]


def unconfirmed(session: Session, order: Order, *, warehouse: str | None = None,
                lines: list[dict[str, Any]] | None = None) -> Job | None:
    """The unconfirmed booking of this parcel (the order's warehouse or ``warehouse``,
    the whole order or ``lines``), if any."""
    warehouse = warehouse or order.warehouse
    return next((job for job in _open_bookings(session, order)
                 if (job.payload.get("warehouse") or order.warehouse) == warehouse
                 and (job.payload.get("lines") or None) == (lines or None)), None)


def unconfirmed_of(session: Session, order: Order) -> list[Job]:
    """The order's unconfirmed bookings whose carrier was called at least once: those
    staff may book again or cancel."""
    return [job for job in _open_bookings(session, order) if job.attempts > 0]


def settle(session: Session, actor: Actor, order: Order, mode: str, *,
           carrier: str | None = None, warehouse: str | None = None,
           lines: list[dict[str, Any]] | None = None, instance_key: str = "") -> Booking:
    """The booking of the parcel by quote (``mode`` cheapest, fastest, or ``chosen``
    with ``carrier`` picked by staff; ``carrier`` also when no carrier quotes): the one
    unconfirmed already, or a new job with the carrier chosen and the choice on the
    timeline. Raises BookingUnderWay when staff chose another carrier than the one
    being booked, CarrierError when there is neither a quote nor ``carrier``."""
    waiting = _waiting(session, order, mode, carrier, warehouse, lines)
    if waiting is not None:
        return waiting
    shopped = tracking.quotes_for(session, order, instance_key, warehouse=warehouse)
    best = shopped.best(mode) if mode in rates.MODES else None
    chosen = best.carrier if best is not None else carrier
    if chosen is None:
        why = "; ".join(f"{code}: {reason}" for code, reason in shopped.missing.items())
        raise CarrierError("no carrier quoted for this parcel" + (f" ({why})" if why else ""))
    # Two clicks at once both found no booking: the order's row, locked until the
    # caller commits (not while the quotes were asked for), lets one write its choice,
    # and the other finds that one here.
    session.execute(select(Order.id).where(Order.id == order.id).with_for_update())
    waiting = _waiting(session, order, mode, carrier, warehouse, lines)
    if waiting is not None:
        return waiting
    payload: dict[str, Any] = {
        "order_id": order.id, "carrier": chosen,
        "reference": f"{order.number}-{utcnow():%Y%m%d%H%M%S%f}",
        "public_token": new_public_token(), "warehouse": warehouse or order.warehouse,
        "lines": lines, "booked_by": {"user_id": actor.user_id, "name": actor.name,
                                      "via": actor.via}}
    if shopped.quotes:
        picked = best if best is not None else next(
            (q for q in shopped.quotes if q.carrier == chosen), None)
        tracking.note_choice(session, order, actor.name,
                             mode if best is not None else rates.CHOSEN, chosen, shopped)
        if picked is not None:
            payload["quote"] = {"mode": mode if best is not None else rates.CHOSEN,
                                "price": str(picked.price), "days": picked.days,
                                "service": picked.service}
    job = enqueue(session, BOOK_JOB, payload, order_id=order.id, run_after=utcnow() + HOLD)
    session.flush()
    return Booking(job, new=True)


def _waiting(session: Session, order: Order, mode: str, carrier: str | None,
             warehouse: str | None, lines: list[dict[str, Any]] | None) -> Booking | None:
    """The parcel's unconfirmed booking, to book again; None when there is none.
    Raises BookingUnderWay when staff chose another carrier than the one it books
    with."""
    waiting = unconfirmed(session, order, warehouse=warehouse, lines=lines)
    if waiting is None:
        return None
    being = waiting.payload["carrier"]
    if mode == rates.CHOSEN and carrier is not None and carrier != being:
        raise BookingUnderWay(
            f"carrier {being} is being booked for this parcel (reference "
            f"{waiting.payload['reference']}) and has not confirmed it; book with it "
            f"again, or cancel that booking (POST /api/v1/orders/{order.number}"
            f"/bookings/{waiting.id}/cancel, or Cancel on the order page) before "
            f"choosing {carrier}", waiting)
    return Booking(waiting, new=False)


def run(session: Session, runner: Any, booking: Booking) -> Shipment:
    """Book the settled parcel now, after the caller committed ``settle``'s writes:
    the carrier is called by ``runner`` running the booking's job. Answers the shipment;
    raises BookingUnderWay when another request or a worker is running that job,
    BookingUnconfirmed when the carrier did not confirm (the job stays, and the sweeper
    retries it with the same reference too)."""
    job_id, carrier, reference = booking.job.id, booking.carrier, booking.reference
    # The person asks now: a job waiting for its next attempt becomes due, and one its
    # retries gave up on is tried again, as an administrator's retry would.
    session.execute(update(Job).where(Job.id == job_id, Job.status.in_((PENDING, QUEUED)))
                    .values(run_after=utcnow()).execution_options(synchronize_session=False))
    session.execute(update(Job).where(Job.id == job_id, Job.status == FAILED)
                    .values(status=PENDING, run_after=utcnow(), finished_at=None)
                    .execution_options(synchronize_session=False))
    session.commit()
    outcome = runner.run(job_id)
    session.expire_all()
    shipment = session.scalar(select(Shipment).where(
        Shipment.order_id == booking.job.order_id,
        Shipment.label["reference"].as_string() == reference))
    if shipment is not None:
        return shipment
    job = session.get(Job, job_id)
    if outcome.status is None and job is not None and job.status == RUNNING:
        raise BookingUnderWay(
            f"the booking of this parcel with carrier {carrier} (reference {reference}) is "
            f"under way; its shipment shows on the order once the carrier confirms", job)
    error = outcome.error or (job.last_error if job is not None else None) or "no answer"
    raise BookingUnconfirmed(
        f"carrier {carrier} did not confirm the booking ({error}). It may have gone "
        f"through all the same; trying again is safe: it books with {carrier} under the "
        f"same reference {reference}, which the carrier does not book twice", job)


def cancel(session: Session, actor: Actor, order: Order, job_id: int) -> Job:
    """Stop booking an unconfirmed parcel, so that another carrier may be chosen. The
    carrier may have booked it already; that parcel is then cancelled with the carrier
    itself. Raises BookingUnderWay while the booking is running."""
    job = next((job for job in _open_bookings(session, order) if job.id == job_id), None)
    if job is None:
        raise NoSuchBooking(f"order {order.number} has no unconfirmed booking {job_id}")
    # Conditional, as a runner's claim is: a booking being tried now is not stopped.
    stopped = session.execute(
        update(Job).where(Job.id == job.id, Job.status.in_((PENDING, QUEUED, FAILED)))
        .values(status=FAILED, finished_at=utcnow(),
                last_error=f"cancelled by {actor.name}",
                payload={**job.payload, CANCELLED: actor.name})
        .execution_options(synchronize_session=False)).rowcount
    if not stopped:
        raise BookingUnderWay(
            f"the booking with carrier {job.payload['carrier']} (reference "
            f"{job.payload['reference']}) is running now; cancel it once it has answered",
            job)
    session.refresh(job)
    timeline.job_event(session, order.id, job=job.id, job_kind=job.kind, status=FAILED,
                       attempts=job.attempts, error=job.last_error)
    return job

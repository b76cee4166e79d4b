"""What happens to an order made of a CRM deal, told back to the CRM: each change of
the order's state and each shipment (its tracking number, then its status) becomes a
note on the deal, so the salesperson sees in the CRM where the order stands.

Each event is a ``crm_update`` job, enqueued in the same transaction as the change.
A failure that may pass (429, 5xx, no answer) is retried with the job runner's
backoff, waiting at least what Retry-After asked; a refusal (another 4xx) is not.
Every attempt is kept in ``crm_updates`` with what became of it; an event written
once is not written again when its job runs again (each event carries a key of its
own). Functions take a session and never commit, except the attempt log of a failed
attempt, written in a transaction of its own so it is remembered although the job's
own writes are rolled back.
"""
from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ForeignKey, Integer, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from orderloom.db import Base, UTCDateTime, utcnow
from orderloom.runtime import hooks
from orderloom.runtime.channels import crm_deals, hubspot
from orderloom.runtime.channels.models import find_channel
from orderloom.runtime.jobs.models import Job, RetryLater, register_handler
from orderloom.runtime.jobs.outbox import enqueue

log = logging.getLogger(__name__)

UPDATE_JOB = "crm_update"
UPDATE_ATTEMPTS = 8

# What became of one attempt.
WRITTEN = "written"
WILL_RETRY = "will_retry"
REFUSED = "refused"        # the CRM said no (4xx): not retried
GAVE_UP = "gave_up"        # the last attempt failed too (429, 5xx, no answer)
NOT_CONNECTED = "not_connected"  # the channel was removed or lacks its token


class CrmUpdate(Base):
    """One attempt to tell the CRM of an event of an order made of a deal."""

    __tablename__ = "crm_updates"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"),
                                          index=True)
    channel: Mapped[str] = mapped_column(String(40), index=True)
    # The event's own key: its job's attempts share it, so a written one is not rewritten.
    event_key: Mapped[str] = mapped_column(String(40), index=True)
    event: Mapped[str] = mapped_column(String(200))
    attempt: Mapped[int] = mapped_column(Integer)
    outcome: Mapped[str] = mapped_column(String(20))
    detail: Mapped[str] = mapped_column(Text)
    # The CRM's id of what it recorded (HubSpot's note).
    remote_id: Mapped[str | None] = mapped_column(String(100))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


def _tell(session: Session, order: Any, event: str) -> None:
    origin = crm_deals.deal_of(session, order.id)
    if origin is None:
        return
    enqueue(session, UPDATE_JOB, {"channel": origin[0].key, "deal": origin[1],
                                  "event": event[:200], "key": uuid.uuid4().hex},
            order_id=order.id, max_attempts=UPDATE_ATTEMPTS)


@hooks.ORDER_STATE_CHANGED.subscribe
def order_state_changed(session: Session, order: Any, from_state: str | None, *,
                        transition: str | None, actor_name: str) -> None:
    """An order of a deal moved on: a note on the deal."""
    if from_state is None or from_state == order.state:
        return
    _tell(session, order, f"Order {order.number} is now {order.state} (was {from_state})")


@hooks.SHIPMENT_UPDATED.subscribe
def shipment_updated(session: Session, shipment: Any, order: Any,
                     previous_status: str | None) -> None:
    """A parcel of an order of a deal was sent, or its status moved: a note on the deal."""
    if not shipment.tracking_number or previous_status == shipment.status:
        return
    if previous_status is None:
        event = (f"Order {order.number} shipped with {shipment.carrier}, tracking number "
                 f"{shipment.tracking_number}")
    else:
        event = (f"Order {order.number}: parcel {shipment.tracking_number} is "
                 f"{shipment.status}")
    _tell(session, order, event)


def written(session: Session, event_key: str) -> CrmUpdate | None:
    return session.scalar(select(CrmUpdate).where(CrmUpdate.event_key == event_key,
                                                  CrmUpdate.outcome == WRITTEN))


def attempts_of(session: Session, order_id: int) -> list[CrmUpdate]:
    return list(session.scalars(select(CrmUpdate).where(CrmUpdate.order_id == order_id)
                                .order_by(CrmUpdate.id)))


def channel_attempts(session: Session, channel_key: str, limit: int) -> list[CrmUpdate]:
    """The channel's latest attempts, newest first."""
    return list(session.scalars(select(CrmUpdate).where(CrmUpdate.channel == channel_key)
                                .order_by(CrmUpdate.id.desc()).limit(limit)))


def _remember(sessions: sessionmaker[Session], attempt: CrmUpdate) -> None:
    """Keep a failed attempt whatever becomes of the job's own transaction."""
    with sessions() as own:
        own.add(attempt)
        own.commit()


def run_update(session: Session, job: Job, runner: Any) -> str | None:
    payload = job.payload
    if written(session, payload["key"]) is not None:
        return None  # written by an earlier run whose job was retried
    attempt = CrmUpdate(order_id=job.order_id, channel=payload["channel"],
                        event_key=payload["key"], event=payload["event"],
                        attempt=job.attempts, at=utcnow())
    channel = find_channel(session, payload["channel"])
    connection = crm_deals.connection_of(session, channel) if channel else None
    if channel is None or connection is None:
        attempt.outcome, attempt.detail = NOT_CONNECTED, "the CRM channel was removed"
        session.add(attempt)
        return attempt.detail
    try:
        token = crm_deals.access_token(channel, runner.secret_key or "")
    except crm_deals.NotConnected as missing:
        attempt.outcome = NOT_CONNECTED
        attempt.detail = f"{missing.detail}: set {missing.fix} on channel {channel.key}"
        session.add(attempt)
        return attempt.detail
    try:
        note = hubspot.add_note(connection.api_url, token, payload["deal"], payload["event"],
                                utcnow())
    except hubspot.CrmCallFailed as failure:
        final = job.attempts >= job.max_attempts
        attempt.outcome = (REFUSED if not failure.retryable else
                           GAVE_UP if final else WILL_RETRY)
        attempt.detail = failure.detail + ("" if failure.retryable else "; not retried")
        # The job's transaction read only; it ends here so the log's own may write.
        session.rollback()
        _remember(runner.sessions, attempt)
        if failure.retryable:
            raise RetryLater(failure.detail,
                             timedelta(seconds=failure.retry_after or 0)) from None
        return attempt.detail
    attempt.outcome, attempt.remote_id = WRITTEN, note
    attempt.detail = f"note {note} on deal {payload['deal']}"
    session.add(attempt)
    log.info("order %s: told %s of %r (note %s)", job.order_id, channel.key,
             payload["event"], note)
    return attempt.detail


register_handler(UPDATE_JOB, run_update)

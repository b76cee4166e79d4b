"""A store channel's traffic the other way: shipments written back to the store, and
orders pulled from it so none is lost when a webhook is.

- **Write-back.** When an order that came from a store gets a shipment, a
  ``store_writeback`` job tells the store (platform ``fulfil``) of that parcel: its
  own lines (the shipment label's ``lines``, mapped to the store's line item ids of
  the order as it arrived; none: all that is left), whether it completes the order,
  and the tracking link (the carrier's page from its ``tracking_link``, else our
  public tracking page under the instance's public address). A failure that may
  pass (429, 5xx, no answer) is retried with the job runner's backoff, waiting at
  least what Retry-After asked; a refusal (another 4xx) is not retried. Every
  attempt is kept in ``store_writebacks`` with why it failed; a shipment written
  once is not written again, and the platform reads before it writes, so a retry
  after an answer that was lost finds the fulfilment made.
- **Pull and reconciliation.** ``reconcile`` pages through the orders the store
  changed since the channel's cursor (kept in ``store_cursors``, so a restarted
  process carries on where the last one stopped), creates every order not here
  through the same path as a webhook, moves the cursor, and records what it found
  in ``store_reconciliations``, and per calendar day of the store (the day each
  order was placed, in the store's zone) in ``store_days``. The sweeper starts one
  per channel a day; the API starts one on demand.

Functions take a session and never commit, except the attempt log, which is
written in a transaction of its own so a failed attempt is remembered although the
job's own writes are rolled back.
"""
from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any, TypeVar
from urllib.parse import quote

from sqlalchemy import (
    Date,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    or_,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from orderloom.db import Base, JSONDocument, UTCDateTime, utcnow
from orderloom.runtime import hooks, sealing
from orderloom.runtime.audit import Actor
from orderloom.runtime.channels import ingestion, store_deliveries
from orderloom.runtime.channels.models import DUPLICATE, Channel, InboundOrder, find_channel
from orderloom.runtime.channels.platforms import PLATFORMS
from orderloom.runtime.channels.stores import (
    Delivery,
    Event,
    Shipped,
    StoreCallFailed,
    StorePlatform,
)
from orderloom.runtime.documents.fulfilment import order_lines
from orderloom.runtime.jobs.models import ACTIVE, Job, RetryLater, register_handler
from orderloom.runtime.jobs.outbox import enqueue
from orderloom.runtime.shipping.models import Shipment, find_carrier, parcels_carrying

log = logging.getLogger(__name__)
T = TypeVar("T")

WRITEBACK_JOB = "store_writeback"
RECONCILE_JOB = "store_reconcile"
WRITEBACK_ATTEMPTS = 8
RECONCILE_EVERY = timedelta(days=1)
# A first pull (no cursor yet) looks this far back.
FIRST_PULL = timedelta(days=1)
# A 429 during a pull is waited out in place when the store asks for no longer.
LONGEST_WAIT_SECONDS = 10.0
MOST_PAGES = 200
PULL_TOPIC = "pull"

# What became of one write-back attempt.
WRITTEN = "written"
WILL_RETRY = "will_retry"
REFUSED = "refused"        # the store said no (4xx): not retried
GAVE_UP = "gave_up"        # the last attempt failed too (429, 5xx, no answer)
NOT_CONNECTED = "not_connected"  # the channel lacks its address or credentials


class StoreWriteBack(Base):
    """One attempt to tell a store of a shipment."""

    __tablename__ = "store_writebacks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"),
                                          index=True)
    shipment_id: Mapped[int] = mapped_column(Integer, index=True)
    channel: Mapped[str] = mapped_column(String(40))
    attempt: Mapped[int] = mapped_column(Integer)
    outcome: Mapped[str] = mapped_column(String(20))
    detail: Mapped[str] = mapped_column(Text)
    # The store's id of what it recorded (Shopify's fulfilment, WooCommerce's note).
    remote_id: Mapped[str | None] = mapped_column(String(100))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class StoreCursor(Base):
    """Where a channel's pull stopped, and when it was last reconciled."""

    __tablename__ = "store_cursors"

    channel: Mapped[str] = mapped_column(String(40), primary_key=True)
    changed_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reconciled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class StoreReconciliation(Base):
    """One comparison of the store's orders with ours, and what was fetched."""

    __tablename__ = "store_reconciliations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(40), index=True)
    since: Mapped[datetime] = mapped_column(UTCDateTime)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    store_orders: Mapped[int] = mapped_column(Integer, default=0)
    already_here: Mapped[int] = mapped_column(Integer, default=0)
    fetched: Mapped[list[str]] = mapped_column(JSONDocument, default=list)
    errors: Mapped[list[str]] = mapped_column(JSONDocument, default=list)


# What became of one store order in a day's reconciliation (else: why it is missing).
HERE = "here"          # it was here already
FETCHED = "fetched"    # a reconciliation fetched it
# Cancelled at the store before it ever came here: nothing to ship, so not fetched,
# but one of the day's store orders, so the day's count is the one the store shows.
CANCELLED_THERE = "cancelled_at_store"


class StoreDay(Base):
    """One calendar day of a channel (the day in the store's time zone that its orders
    were placed): every store order of the day that a reconciliation saw, with whether
    it is here, was fetched, or is still missing and why."""

    __tablename__ = "store_days"
    __table_args__ = (UniqueConstraint("channel", "day", name="uq_store_days_channel_day"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(40), index=True)
    day: Mapped[date] = mapped_column(Date)
    # The store's order id -> HERE, FETCHED, CANCELLED_THERE or why it is missing.
    orders: Mapped[dict[str, str]] = mapped_column(JSONDocument, default=dict)
    checked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def _states(self) -> dict[str, str]:
        # A row changed by hand must not break the pages that read it.
        return self.orders if isinstance(self.orders, dict) else {}

    @property
    def store_orders(self) -> int:
        return len(self._states())

    @property
    def here(self) -> int:
        return sum(1 for state in self._states().values() if state in (HERE, FETCHED))

    @property
    def fetched(self) -> list[str]:
        return sorted(i for i, state in self._states().items() if state == FETCHED)

    @property
    def cancelled_there(self) -> list[str]:
        return sorted(i for i, state in self._states().items() if state == CANCELLED_THERE)

    @property
    def missing(self) -> list[dict[str, str]]:
        return [{"id": i, "why": str(state)} for i, state in sorted(self._states().items())
                if state not in (HERE, FETCHED, CANCELLED_THERE)]


class NotConnected(ValueError):
    """The channel is not a store (or marketplace), or lacks the address or credentials
    to call it; ``fix`` is the member to give."""

    def __init__(self, detail: str, fix: str) -> None:
        super().__init__(detail)
        self.detail = detail
        self.fix = fix


def store_access(channel: Channel, instance_key: str) -> tuple[StorePlatform, str,
                                                                 dict[str, str]]:
    """The channel's platform, store address and credentials; NotConnected when one
    is missing, naming the member to give."""
    platform = PLATFORMS.get(channel.kind)
    if platform is None:
        raise NotConnected(f"channel {channel.key!r} is a {channel.kind} channel, not a "
                           "store", "/kind")
    if not channel.store_url:
        raise NotConnected("the store's address is not set", "/store_url")
    try:
        credentials = sealing.unseal_json(instance_key, channel.credentials)
    except sealing.SealError as error:
        raise NotConnected(str(error), "/credentials") from None
    for name in platform.api_credentials:
        if not credentials.get(name):
            raise NotConnected(f"the credential {name} is not set", f"/credentials/{name}")
    return platform, channel.store_url, credentials


# --- write-back ---------------------------------------------------------------------------------

def store_origin(session: Session, order_id: int) -> tuple[Channel, str] | None:
    """The store channel an order came from and the store's id of it, or None."""
    row = session.execute(
        select(Channel, InboundOrder.accepted_external_id)
        .join(InboundOrder, InboundOrder.channel_id == Channel.id)
        .where(InboundOrder.order_id == order_id, InboundOrder.accepted_external_id.is_not(None),
               Channel.kind.in_(tuple(PLATFORMS)))).first()
    return (row[0], row[1]) if row else None


@hooks.SHIPMENT_UPDATED.subscribe
def shipment_updated(session: Session, shipment: Any, order: Any,
                     previous_status: str | None) -> None:
    """A new shipment with a tracking number of an order from a store: tell the store."""
    if previous_status is not None or not shipment.tracking_number:
        return
    origin = store_origin(session, order.id)
    if origin is None:
        return
    payload = {"shipment": shipment.id, "channel": origin[0].key}
    if order.id != shipment.order_id:
        # A merged parcel (runtime/consolidation/) booked under another order of the
        # merge: its tracking number is written back to this order's store too.
        payload["order"] = order.id
    enqueue(session, WRITEBACK_JOB, payload, order_id=order.id,
            max_attempts=WRITEBACK_ATTEMPTS)


def written(session: Session, shipment_id: int, order_id: int | None = None
            ) -> StoreWriteBack | None:
    """The write-back that went through; ``order_id``: for that order of a merged parcel."""
    query = select(StoreWriteBack).where(StoreWriteBack.shipment_id == shipment_id,
                                         StoreWriteBack.outcome == WRITTEN)
    if order_id is not None:
        query = query.where(StoreWriteBack.order_id == order_id)
    return session.scalar(query)


def attempts_of(session: Session, order_id: int) -> list[StoreWriteBack]:
    return list(session.scalars(select(StoreWriteBack).where(StoreWriteBack.order_id == order_id)
                                .order_by(StoreWriteBack.id)))


def channel_attempts(session: Session, channel_key: str, limit: int) -> list[StoreWriteBack]:
    """The channel's latest write-back attempts, newest first."""
    return list(session.scalars(select(StoreWriteBack)
                                .where(StoreWriteBack.channel == channel_key)
                                .order_by(StoreWriteBack.id.desc()).limit(limit)))


def _remember(sessions: sessionmaker[Session], attempt: StoreWriteBack) -> None:
    """Keep a failed attempt whatever becomes of the job's own transaction."""
    with sessions() as own:
        own.add(attempt)
        own.commit()


def tracking_link(session: Session, shipment: Shipment, public_url: str | None) -> str | None:
    """Where the buyer follows the parcel: the carrier's own page when its set-up gives
    one, else this instance's public tracking page (None when the instance's public
    address is not set: a path means nothing to the store)."""
    carrier = find_carrier(session, shipment.carrier)
    link = (carrier.config or {}).get("tracking_link") if carrier is not None else None
    if isinstance(link, str) and link:
        return link.replace("{tracking_number}", quote(shipment.tracking_number, safe=""))
    return f"{public_url}/track/{shipment.public_token}" if public_url else None


class NotOnTheStore(ValueError):
    """None of a parcel's lines is a line of the store's order."""


def store_payload(session: Session, order_id: int) -> dict[str, Any]:
    """The store's order as it came in (its line item ids are only there)."""
    body = session.scalar(select(InboundOrder.body).where(
        InboundOrder.order_id == order_id, InboundOrder.accepted_external_id.is_not(None)))
    try:
        found = json.loads(body) if body else {}
    except ValueError:
        return {}
    return found if isinstance(found, dict) else {}


def parcel_lines(session: Session, platform: StorePlatform, shipment: Shipment,
                 order_id: int | None = None) -> tuple[tuple[tuple[str, int], ...], bool]:
    """The store's line item ids and quantities the parcel carries (none: all that is
    left), and whether with it every line of the order has shipped. ``order_id``: the
    order whose store hears of it, when a merged parcel carries it beside its own."""
    carried = (shipment.label or {}).get("lines")
    if not carried or order_id not in (None, shipment.order_id):
        # A merged parcel carries the whole of each of its other orders.
        return (), True
    ids = platform.line_item_ids(store_payload(session, shipment.order_id))
    if not any(line.get("sku") in ids for line in carried):
        skus = ", ".join(str(line.get("sku")) for line in carried)
        raise NotOnTheStore(f"none of the parcel's SKUs ({skus}) is a line of the "
                            f"{platform.name} order")
    shipped: dict[str, int] = {}
    took_the_rest = False
    for earlier in parcels_carrying(session, shipment.order_id):
        if earlier.id >= shipment.id:
            continue
        earlier_lines = (earlier.label or {}).get("lines")
        if not earlier_lines:
            took_the_rest = True  # an earlier parcel took all that was left
            continue
        for line in earlier_lines:
            shipped[line["sku"]] = shipped.get(line["sku"], 0) + int(line["qty"])
    lines = spread(ids, carried, shipped)
    if took_the_rest:
        return lines, True
    for line in carried:
        shipped[line["sku"]] = shipped.get(line["sku"], 0) + int(line["qty"])
    ordered: dict[str, int] = {}
    for line in order_lines(session, shipment.order):
        if line["sku"] is not None and isinstance(line["quantity"], int):
            ordered[str(line["sku"])] = ordered.get(str(line["sku"]), 0) + line["quantity"]
    return lines, all(shipped.get(sku, 0) >= qty for sku, qty in ordered.items())


def spread(ids: dict[str, list[tuple[str, int]]], carried: list[dict[str, Any]],
           shipped_before: dict[str, int]) -> tuple[tuple[str, int], ...]:
    """The store's lines a parcel's ``carried`` SKU quantities fall on. A SKU may be on
    several store lines: the earlier parcels filled them in order, and this one goes
    on where they stopped, each line taking at most its quantity (whatever is left
    over goes on the SKU's last line, for the store to refuse or cap)."""
    lines: list[tuple[str, int]] = []
    for line in carried:
        sku = line.get("sku")
        if sku not in ids:
            continue
        skip, qty = shipped_before.get(sku, 0), int(line["qty"])
        store_lines = ids[sku]
        for position, (line_id, ordered) in enumerate(store_lines):
            room = max(ordered - skip, 0)
            skip = max(skip - ordered, 0)
            take = qty if position == len(store_lines) - 1 else min(room, qty)
            if take > 0:
                lines.append((line_id, take))
                qty -= take
            if qty == 0:
                break
        shipped_before = {**shipped_before, sku: shipped_before.get(sku, 0) + int(line["qty"])}
    return tuple(lines)


def run_writeback(session: Session, job: Job, runner: Any) -> str | None:
    shipment = session.get(Shipment, job.payload["shipment"])
    order_id = job.payload.get("order") or (shipment.order_id if shipment else None)
    if shipment is None or written(session, shipment.id, order_id) is not None:
        return None  # removed since, or written by an earlier run whose job was retried
    channel = find_channel(session, job.payload["channel"])
    origin = store_origin(session, order_id)
    attempt = StoreWriteBack(order_id=order_id, shipment_id=shipment.id,
                             channel=job.payload["channel"], attempt=job.attempts, at=utcnow())
    if channel is None or origin is None:
        attempt.outcome, attempt.detail = NOT_CONNECTED, "the store channel was removed"
        session.add(attempt)
        return attempt.detail
    try:
        platform, url, credentials = store_access(channel, runner.secret_key or "")
    except NotConnected as missing:
        attempt.outcome = NOT_CONNECTED
        attempt.detail = f"{missing.detail}: set {missing.fix} on channel {channel.key}"
        session.add(attempt)
        return attempt.detail
    try:
        lines, last = parcel_lines(session, platform, shipment, order_id)
    except NotOnTheStore as unknown:
        attempt.outcome, attempt.detail = REFUSED, f"{unknown}; not retried"
        session.add(attempt)
        return attempt.detail
    shipped = Shipped(carrier=shipment.carrier, tracking_number=shipment.tracking_number,
                      tracking_url=tracking_link(session, shipment, runner.public_url),
                      lines=lines, last=last)
    try:
        remote_id = platform.fulfil(url, credentials, origin[1], shipped)
    except StoreCallFailed as failure:
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
    attempt.outcome, attempt.remote_id = WRITTEN, remote_id
    noun = "fulfilment" if platform.kind == "shopify" else "order note"
    attempt.detail = f"written back to {platform.name}: {noun} {remote_id}"
    session.add(attempt)
    log.info("order %s: shipment %s written back to %s (%s)", shipment.order_id, shipment.id,
             channel.key, remote_id)
    return attempt.detail


register_handler(WRITEBACK_JOB, run_writeback, delivers_to="channel")


# --- pull and reconciliation ---------------------------------------------------------------------

def cursor_of(session: Session, channel: Channel) -> StoreCursor:
    found = session.get(StoreCursor, channel.key)
    if found is None:
        found = StoreCursor(channel=channel.key)
        session.add(found)
        session.flush()
    return found


def waited_out(call: Callable[[], T], failed: type[Exception],
               wait_of: Callable[[Any], float | None],
               waited: Callable[[float], None] | None = None, tries: int = 3) -> T:
    """``call()``, a rate limit waited out in place (at most ``tries`` times) when the
    platform asks for no longer than LONGEST_WAIT_SECONDS: ``wait_of`` says, of a
    ``failed`` exception, the seconds to wait, None when it is no rate limit to wait
    out; ``waited`` is told each wait. A pull that would wait longer stops, with its
    cursor where it was."""
    for attempt in range(tries + 1):
        try:
            return call()
        except failed as failure:
            wait = wait_of(failure)
            if wait is None or wait > LONGEST_WAIT_SECONDS or attempt == tries:
                raise
            time.sleep(wait)
            if waited is not None:
                waited(wait)
    raise AssertionError("unreachable")


def _page(platform: StorePlatform, url: str, credentials: dict[str, str], since: datetime,
          page: str | None):
    return waited_out(lambda: platform.orders_page(url, credentials, since, page),
                      StoreCallFailed,
                      lambda failure: failure.retry_after if failure.status == 429 else None)


def reconcile(session: Session, channel: Channel, instance_key: str,
              since: datetime | None = None) -> StoreReconciliation:
    """Compare the orders the store changed since ``since`` (else the channel's
    cursor, else a day back) with ours, create the missing ones, move the cursor."""
    cursor = cursor_of(session, channel)
    now = utcnow()
    start = since or cursor.changed_since or now - FIRST_PULL
    result = StoreReconciliation(channel=channel.key, since=start, started_at=now,
                                 store_orders=0, already_here=0, fetched=[], errors=[])
    session.add(result)
    cursor.reconciled_at = now
    try:
        platform, url, credentials = store_access(channel, instance_key)
    except NotConnected as missing:
        result.errors = [f"{missing.detail}: set {missing.fix}"]
        result.finished_at = utcnow()
        session.flush()
        return result
    actor = Actor(user_id=None, name=f"channel:{channel.key}", via="job")
    latest = cursor.changed_since
    page: str | None = None
    complete = False
    fetched, errors = [], []
    seen: set[str] = set()
    days: dict[date, dict[str, str]] = {}
    for _ in range(MOST_PAGES):
        try:
            found = _page(platform, url, credentials, start, page)
        except StoreCallFailed as failure:
            errors.append(failure.detail)
            break
        for payload in found.orders:
            order_id = platform.order_id(Event.CREATED, payload)
            changed = platform.changed_at(payload)
            if changed is not None and (latest is None or changed > latest):
                latest = changed
            if order_id in seen:
                continue  # read again: it changed while the pages were read, or overlapped
            if order_id:
                seen.add(order_id)
            result.store_orders += 1
            day = days.setdefault(platform.created_day(payload)
                                  or (changed or now).astimezone(UTC).date(), {})
            if order_id and ingestion.accepted_order(session, channel.key, order_id):
                result.already_here += 1
                day[str(order_id)] = HERE
                continue
            if platform.cancelled(payload):
                day[str(order_id)] = CANCELLED_THERE
                continue
            body = json.dumps(payload).encode("utf-8")
            try:
                # One order the pull cannot take must not stop the others, nor every
                # later reconciliation: it is rolled back alone and named in the errors.
                with session.begin_nested():
                    receipt, _ = store_deliveries.receive(
                        session, channel, platform,
                        Delivery(Event.UPDATED, PULL_TOPIC, None), body, actor)
            except Exception as error:  # noqa: BLE001 - recorded in the result, per order
                log.exception("channel %s: order %s from the pull was not taken",
                              channel.key, order_id)
                errors.append(f"order {order_id}: not taken ({type(error).__name__})")
                day[str(order_id)] = f"not taken ({type(error).__name__})"
                continue
            if receipt.inbound.status == DUPLICATE:
                result.already_here += 1  # its webhook came in while this ran
                day[str(order_id)] = HERE
            elif receipt.order is not None:
                fetched.append(order_id)
                day[str(order_id)] = FETCHED
            else:
                reason = (receipt.inbound.error or {}).get("detail") or receipt.inbound.status
                errors.append(f"order {order_id}: {reason}")
                day[str(order_id)] = str(reason)
        page = found.next_page
        if page is None:
            complete = True
            break
    if complete and latest is not None:
        # Only a pull that read every page moves on; otherwise the next starts here again.
        cursor.changed_since = latest
    result.fetched, result.errors = fetched, errors
    result.finished_at = utcnow()
    remember_days(session, channel.key, days, result.finished_at)
    session.flush()
    log.info("channel %s reconciled: %s at the store, %s here, %s fetched, %s error(s)",
             channel.key, result.store_orders, result.already_here, len(fetched), len(errors))
    return result


def remember_days(session: Session, channel_key: str, days: dict[date, dict[str, str]],
                  at: datetime) -> None:
    """Add what a reconciliation saw to each day's result: an order's latest state wins,
    except that one fetched stays fetched when a later run finds it here."""
    for day, states in sorted(days.items()):  # in one order: two runs cannot deadlock
        if not states:
            continue
        row = _locked_day(session, channel_key, day)
        merged = dict(row._states())
        for order_id, state in states.items():
            if not (state == HERE and merged.get(order_id) == FETCHED):
                merged[order_id] = state
        row.orders, row.checked_at = merged, at  # a new dict: JSON columns see no mutation


def _locked_day(session: Session, channel_key: str, day: date) -> StoreDay:
    """The channel's row of ``day``, made when missing, locked until the transaction
    ends: another reconciliation of the same day waits, then merges into what this
    one wrote instead of erasing it or failing on the unique day."""
    query = (select(StoreDay).where(StoreDay.channel == channel_key, StoreDay.day == day)
             .with_for_update().execution_options(populate_existing=True))
    row = session.scalar(query)
    if row is None:
        try:
            with session.begin_nested():
                session.add(StoreDay(channel=channel_key, day=day, orders={}))
                session.flush()
        except IntegrityError:
            pass  # another reconciliation made it a moment earlier: merge into theirs
        row = session.scalar(query)
    return row


def reconciling(session: Session, channel_key: str) -> bool:
    """Whether a reconciliation of the channel is queued or running."""
    return session.scalar(select(Job.id).where(
        Job.kind == RECONCILE_JOB, Job.status.in_(ACTIVE),
        Job.payload["channel"].as_string() == channel_key).limit(1)) is not None


def recent_days(session: Session, channel_key: str, limit: int = 14) -> list[StoreDay]:
    """The channel's latest days, newest first."""
    return list(session.scalars(select(StoreDay).where(StoreDay.channel == channel_key)
                                .order_by(StoreDay.day.desc()).limit(limit)))


def run_reconcile(session: Session, job: Job, runner: Any) -> None:
    channel = find_channel(session, job.payload["channel"])
    if channel is None or not channel.active:
        return
    since = job.payload.get("since")
    reconcile(session, channel, runner.secret_key or "",
              datetime.fromisoformat(since) if since else None)


register_handler(RECONCILE_JOB, run_reconcile)


def reconcile_due(sessions: sessionmaker[Session], now: datetime | None = None) -> list[str]:
    """Enqueue a reconciliation of every active store channel not reconciled for a day;
    each claimed by a conditional UPDATE so two sweepers never start it twice."""
    now = now or utcnow()
    cutoff = now - RECONCILE_EVERY
    started: list[str] = []
    with sessions() as session:
        channels = list(session.scalars(select(Channel).where(
            Channel.active.is_(True), Channel.kind.in_(tuple(PLATFORMS)),
            Channel.store_url.is_not(None), Channel.credentials.is_not(None))))
        for channel in channels:
            cursor_of(session, channel)
            if reconciling(session, channel.key):
                continue  # the one queued or running is enough
            due = or_(StoreCursor.reconciled_at.is_(None), StoreCursor.reconciled_at <= cutoff)
            won = session.execute(update(StoreCursor)
                                  .where(StoreCursor.channel == channel.key, due)
                                  .values(reconciled_at=now)
                                  .execution_options(synchronize_session=False)).rowcount
            if won:
                enqueue(session, RECONCILE_JOB, {"channel": channel.key}, max_attempts=1)
                started.append(channel.key)
        session.commit()
    return started

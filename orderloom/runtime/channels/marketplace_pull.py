"""Pulling a marketplace channel's orders by modified-time windows.

A ``marketplace`` channel keeps its API address in ``store_url``, its app key, app
secret and access token sealed in ``credentials`` (sealing.py), and its pull setting
(marketplace_api.py) in ``marketplace_connections``. Where the pull stopped is the
channel's ``StoreCursor`` (store_sync.py), so a restarted process carries on there.

A poll reads windows from the cursor up to now, each no longer than the setting
allows; each window is paged to its end, then the cursor moves to the window's end
less the overlap, so an order changed at a boundary is read again rather than missed.
An order that changes while a window's pages are read leaves the window, and every
later order moves up one place: the one moving from the next page onto a page already
read would be skipped. So a window of more than one page is read again, until a pass
brings no version not read in it (each pass can only shrink the window's orders:
a change moves an order out of it).

Every version of an order (its id and modified time) is one delivery: read again, it
changes nothing. A new order goes through ingestion; a newer version of an order here
goes to store_changes, like a store's update webhook; one not newer than the newest
already taken (``inbound_orders.changed_at``, compared as times) changes nothing.
What a version shows by the setting's ``statuses`` decides how: a cancellation or
refund request holds the order before it ships and opens a return after
(store_changes.stop_or_return), once per news, and an order first seen cancelled is
created and held at once; any other version is a change (store_changes.apply_or_hold).
When the setting says where the order states its money, the order comes with it under
``orderloom`` (marketplace_api.order_money).

The marketplace's rate limit (429, or its own "too many" error code) is waited out in
place as a store's is (store_sync.waited_out); any other failure ends the poll with the
cursor where the last whole window left it, and the poll's record says why. Functions
take a session and never commit.
"""
from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ForeignKey, Integer, String, Text, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from orderloom.db import Base, JSONDocument, UTCDateTime, utcnow
from orderloom.runtime import sealing
from orderloom.runtime.audit import Actor
from orderloom.runtime.channels import ingestion, store_changes
from orderloom.runtime.channels.marketplace_api import (
    MISSING,
    MarketplaceCallFailed,
    Status,
    as_text,
    changed_at,
    fetch_page,
    order_money,
    pointed,
    status_shown,
)
from orderloom.runtime.channels.marketplace_api_presets import MARKETPLACE_API_PRESETS
from orderloom.runtime.channels.marketplace_totals import TOTALS
from orderloom.runtime.channels.models import (
    ACCEPTED,
    APPLIED,
    DUPLICATE,
    HELD,
    UNCHANGED,
    Channel,
    InboundOrder,
    find_channel,
)
from orderloom.runtime.channels.store_deliveries import (
    STOPPING,
    earlier_delivery,
    newest_change,
)
from orderloom.runtime.channels.store_sync import (
    PULL_TOPIC,
    NotConnected,
    StoreCursor,
    cursor_of,
    waited_out,
)
from orderloom.runtime.channels.stores import Event, StorePlatform, UnreadableStoreOrder
from orderloom.runtime.jobs.models import Job, register_handler
from orderloom.runtime.jobs.outbox import enqueue
from orderloom.runtime.orders.models import Order

log = logging.getLogger(__name__)

KIND = "marketplace"
POLL_JOB = "marketplace_poll"
MOST_WINDOWS = 200
MOST_PAGES = 500
# Reading a window again stops bringing new versions once nothing in it changes while
# it is read; a window still changing after this many passes is read next poll.
MOST_PASSES = 5


class MarketplaceConnection(Base):
    """A marketplace channel's pull setting (marketplace_api.SETTINGS_SCHEMA) and the
    preset it started from."""

    __tablename__ = "marketplace_connections"

    channel: Mapped[str] = mapped_column(ForeignKey("channels.key", ondelete="CASCADE"),
                                         primary_key=True)
    preset: Mapped[str] = mapped_column(String(20))
    settings: Mapped[dict[str, Any]] = mapped_column(JSONDocument)


class MarketplacePoll(Base):
    """One poll of a marketplace channel and what it found."""

    __tablename__ = "marketplace_polls"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(40), index=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The first window's start, and where the cursor stood when the poll ended.
    since: Mapped[datetime] = mapped_column(UTCDateTime)
    cursor: Mapped[datetime | None] = mapped_column(UTCDateTime)
    windows: Mapped[int] = mapped_column(Integer, default=0)
    orders_read: Mapped[int] = mapped_column(Integer, default=0)
    created: Mapped[list[str]] = mapped_column(JSONDocument, default=list)
    updated: Mapped[list[str]] = mapped_column(JSONDocument, default=list)
    # Orders that could not become orders (dead letters) or changes that were held.
    problems: Mapped[list[str]] = mapped_column(JSONDocument, default=list)
    waited_seconds: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    fix: Mapped[str | None] = mapped_column(String(100))


class PulledOrders(StorePlatform):
    """What store_changes needs to read a marketplace order: the payload as it came (the
    channel's mapping reads the marketplace's own members), with no currency of its
    own to compare, and what it shows by the setting's ``statuses``."""

    kind = KIND

    def __init__(self, name: str, statuses: list[dict[str, Any]]) -> None:
        self.name = name
        self.statuses = statuses

    def store_order(self, payload: dict[str, Any]) -> dict[str, Any]:
        return {}

    def holds_whole_order(self, payload: dict[str, Any]) -> bool:
        return True  # a marketplace answers whole orders, never a refund alone

    def status(self, payload: dict[str, Any]) -> Status | None:
        return status_shown(self.statuses, payload)

    def shown(self, event: Event, payload: dict[str, Any]) -> Event:
        found = self.status(payload)
        if found is not None:
            return found.event
        return Event.CREATED if event is Event.CREATED else Event.UPDATED


def statuses_of(connection: MarketplaceConnection) -> list[dict[str, Any]]:
    """The setting's status readings; a setting saved before it could carry them reads
    its preset's."""
    if "statuses" in connection.settings:
        return connection.settings["statuses"]
    found = MARKETPLACE_API_PRESETS.get(connection.preset)
    return list(found["settings"].get("statuses", [])) if found else []


def connection_of(session: Session, channel: Channel) -> MarketplaceConnection | None:
    return session.get(MarketplaceConnection, channel.key)


def marketplace_name(connection: MarketplaceConnection) -> str:
    found = MARKETPLACE_API_PRESETS.get(connection.preset)
    return found["name"] if found else "the marketplace"


def access(session: Session, channel: Channel,
           instance_key: str) -> tuple[MarketplaceConnection, str, dict[str, str]]:
    """The channel's pull setting, API address and credentials; NotConnected naming the
    member to give when one is missing."""
    connection = connection_of(session, channel)
    if channel.kind != KIND or connection is None:
        raise NotConnected(f"channel {channel.key!r} is not a marketplace channel", "/kind")
    if not channel.store_url:
        raise NotConnected("the API address is not set", "/api_address")
    try:
        credentials = sealing.unseal_json(instance_key, channel.credentials)
    except sealing.SealError as error:
        raise NotConnected(str(error), "/credentials/app_secret") from None
    for name in ("app_key", "app_secret"):
        if not credentials.get(name):
            raise NotConnected(f"the {name} is not set", f"/credentials/{name}")
    return connection, channel.store_url, credentials


def page_with_patience(settings: dict[str, Any], address: str, credentials: dict[str, str],
                       start: datetime, end: datetime, page: int, name: str,
                       record: MarketplacePoll | None = None):
    """One page; a rate limit waited out in place as a store's is."""
    def wait_of(failure: MarketplaceCallFailed) -> float | None:
        if not failure.rate_limited:
            return None
        return failure.wait if failure.wait is not None else \
            settings.get("rate_limit_wait_seconds", 1)

    def waited(seconds: float) -> None:
        if record is not None:
            record.waited_seconds += max(1, round(seconds))

    return waited_out(lambda: fetch_page(settings, address, credentials, start, end, page,
                                         utcnow(), name),
                      MarketplaceCallFailed, wait_of, waited)


def poll(session: Session, channel: Channel, instance_key: str,
         now: datetime | None = None) -> MarketplacePoll:
    """Read every window from the channel's cursor to now; see the module's docstring."""
    now = now or utcnow()
    cursor = cursor_of(session, channel)
    cursor.reconciled_at = now
    record = MarketplacePoll(channel=channel.key, started_at=utcnow(), since=now,
                             windows=0, orders_read=0, created=[], updated=[], problems=[],
                             waited_seconds=0)
    session.add(record)
    try:
        connection, address, credentials = access(session, channel, instance_key)
    except NotConnected as missing:
        record.error, record.fix = missing.detail, missing.fix
        return _finished(session, record, cursor)
    settings = connection.settings
    name = marketplace_name(connection)
    platform = PulledOrders(name, statuses_of(connection))
    window = settings["window"]
    start = cursor.changed_since or now - timedelta(hours=settings.get("first_pull_hours", 24))
    record.since = start
    actor = Actor(user_id=None, name=f"channel:{channel.key}", via="job")
    created, updated, problems = [], [], []
    for _ in range(MOST_WINDOWS):
        if start >= now:
            break
        end = min(start + timedelta(minutes=window["longest_minutes"]), now)
        try:
            _read_window(session, channel, settings, platform, address, credentials, start,
                         end, actor, record, created, updated, problems)
        except MarketplaceCallFailed as failure:
            record.error, record.fix = failure.detail, failure.fix
            break
        record.windows += 1
        if end >= now:
            # Read again from a little before now next time: an order changed at the
            # boundary is found then, and its id stops it being created twice.
            cursor.changed_since = max(start, end - timedelta(seconds=window["overlap_seconds"]))
            break
        cursor.changed_since = end - timedelta(seconds=window["overlap_seconds"])
        start = cursor.changed_since
    record.created, record.updated, record.problems = created, updated, problems
    return _finished(session, record, cursor)


def _finished(session: Session, record: MarketplacePoll, cursor: StoreCursor) -> MarketplacePoll:
    record.cursor = cursor.changed_since
    record.finished_at = utcnow()
    session.flush()
    log.info("channel %s polled: %s read, %s created, %s updated%s", record.channel,
             record.orders_read, len(record.created or []), len(record.updated or []),
             f"; stopped: {record.error}" if record.error else "")
    return record


def _read_window(session, channel, settings, platform, address, credentials, start, end,
                 actor, record, created, updated, problems) -> None:
    """Every order of the window, read again while a pass of several pages brings a
    version the passes before did not (see the module's docstring)."""
    seen: set[tuple[str | None, str]] = set()
    for _ in range(MOST_PASSES):
        pages, new = _read_pages(session, channel, settings, platform, address, credentials,
                                 start, end, actor, record, created, updated, problems,
                                 seen)
        if pages == 1 or not new:
            return
    raise MarketplaceCallFailed(f"the orders of {_shown(start)} to {_shown(end)} kept "
                                f"changing while they were read ({MOST_PASSES} passes); "
                                "the next poll reads them again")


def _read_pages(session, channel, settings, platform, address, credentials, start, end,
                actor, record, created, updated, problems,
                seen: set[tuple[str | None, str]]) -> tuple[int, bool]:
    """One pass over the window's pages: how many pages it had, and whether it brought
    a version not in ``seen`` (which it adds to)."""
    page, new = settings["pages"]["first"], False
    for count in range(1, MOST_PAGES + 1):
        found = page_with_patience(settings, address, credentials, start, end, page,
                                   platform.name, record)
        for payload in found.orders:
            version = (as_text(pointed(payload, settings["order"]["id"])),
                       str(pointed(payload, settings["order"]["modified"])))
            if version in seen:
                continue
            seen.add(version)
            new = True
            record.orders_read += 1
            payload = _with_money(settings, payload, problems)
            if payload is not None:
                _take(session, channel, settings, platform, payload, actor, created,
                      updated, problems)
        if not found.more:
            return count, new
        page += 1
    raise MarketplaceCallFailed(f"a window had more than {MOST_PAGES} pages; shorten "
                                "/settings/window/longest_minutes",
                                fix="/settings/window/longest_minutes")


def _with_money(settings: dict[str, Any], payload: dict[str, Any],
                problems: list[str]) -> dict[str, Any] | None:
    """The order with its money under ``orderloom`` for the mapping (when the setting
    says where it is); None, with the problem named, when an amount is not one."""
    try:
        found = order_money(settings, payload)
    except UnreadableStoreOrder as error:
        order_id = as_text(pointed(payload, settings["order"]["id"]))
        problems.append(f"order {order_id}: not taken: {error}")
        return None
    return payload if found is None else {**payload, TOTALS: found}


def _shown(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC")


def _take(session: Session, channel: Channel, settings: dict[str, Any],
          platform: PulledOrders, payload: dict, actor: Actor, created: list[str],
          updated: list[str], problems: list[str]) -> None:
    order_id = as_text(pointed(payload, settings["order"]["id"]))
    modified = pointed(payload, settings["order"]["modified"])
    if order_id is None:
        problems.append(f"an order without {settings['order']['id']}: not taken")
        return
    version = f"{order_id}@{'' if modified is MISSING else modified}"[:200]
    if earlier_delivery(session, channel, version) is not None:
        return  # this version was read before (the overlap, or a page read twice)
    changed = changed_at(settings, payload)
    if _stale(session, channel, order_id, changed):
        return  # not newer than a version already read: it must not undo a change
    body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    try:
        with session.begin_nested():
            first = ingestion.accepted_order(session, channel.key, order_id)
            if first is None:
                _created(session, channel, platform, payload, body, version, order_id,
                         changed, actor, created, problems)
                return
            _update(session, channel, platform, first, payload, body, version, order_id,
                    actor, updated, problems, changed)
    except IntegrityError:
        return  # another poll of the same channel took this version a moment earlier


def _created(session, channel, platform, payload, body, version, order_id, changed, actor,
             created, problems) -> None:
    """A new order; one that arrives already cancelled or under a refund request is
    held at once (售后拦截), as a store's cancelled order is when it is new."""
    receipt = ingestion.receive(session, channel, body, actor, delivery_id=version,
                                topic=PULL_TOPIC)
    receipt.inbound.changed_at = changed
    if receipt.order is None:
        reason = (receipt.inbound.error or {}).get("detail") or "not taken"
        problems.append(f"order {order_id}: {reason}")
        return
    if receipt.inbound.status == DUPLICATE:
        return
    created.append(order_id)
    status = platform.status(payload)
    if status is not None and receipt.inbound.status == ACCEPTED:
        outcome = store_changes.stop_or_return(session, actor, receipt.order, channel,
                                               platform, status.event, status.value)
        if outcome.status == HELD:
            problems.append(f"order {order_id}: held for staff: {outcome.detail}")


def _stale(session: Session, channel: Channel, order_id: str,
           changed: datetime | None) -> bool:
    """Whether the order is here with a version at least as new as ``changed`` (the
    same column and rule as a store's updates, store_deliveries.newest_change)."""
    first = ingestion.accepted_order(session, channel.key, order_id)
    order = session.get(Order, first.order_id) if first and first.order_id else None
    newest = newest_change(session, channel, order) if order else None
    return changed is not None and newest is not None and changed <= newest


def _update(session, channel, platform, first, payload, body, version, order_id, actor,
            updated, problems, changed) -> None:
    order = session.get(Order, first.order_id) if first.order_id else None
    inbound = InboundOrder(channel_id=channel.id, source=channel.key,
                           body=body.decode("utf-8"), attempts=1, received_at=utcnow(),
                           processed_at=utcnow(), status=UNCHANGED, external_id=order_id,
                           delivery_id=version, topic=PULL_TOPIC, changed_at=changed,
                           order_id=order.id if order else None)
    session.add(inbound)
    session.flush()
    if order is None:
        return
    status = platform.status(payload)
    if status is not None and status.event in STOPPING:
        if _shown_before(session, channel, platform, order, inbound, status):
            return  # the same cancellation read again in a later version: acted on once
        outcome = store_changes.stop_or_return(session, actor, order, channel, platform,
                                               status.event, status.value)
    else:
        outcome = store_changes.apply_or_hold(session, actor, order, channel, platform,
                                              payload)
    inbound.status = outcome.status
    inbound.error = {"detail": outcome.detail, "errors": []} if outcome.detail else None
    session.flush()
    if outcome.status == APPLIED:
        updated.append(order_id)
    elif outcome.status == HELD:
        problems.append(f"order {order_id}: held for staff: {outcome.detail}")


def _shown_before(session: Session, channel: Channel, platform: PulledOrders, order: Order,
                  inbound: InboundOrder, status: Status) -> bool:
    """Whether the version read before this one already showed the same news."""
    before = session.scalar(select(InboundOrder).where(
        InboundOrder.source == channel.key, InboundOrder.order_id == order.id,
        InboundOrder.topic == PULL_TOPIC, InboundOrder.id < inbound.id)
        .order_by(InboundOrder.id.desc()).limit(1))
    if before is None:
        return False
    try:
        payload = json.loads(before.body)
    except ValueError:
        return False
    return isinstance(payload, dict) and platform.status(payload) == status


def run_poll(session: Session, job: Job, runner: Any) -> str | None:
    channel = find_channel(session, job.payload["channel"])
    if channel is None or not channel.active or channel.kind != KIND:
        return None
    record = poll(session, channel, runner.secret_key or "")
    return record.error


register_handler(POLL_JOB, run_poll)


def poll_due(sessions: sessionmaker[Session], now: datetime | None = None) -> list[str]:
    """Enqueue a poll of every active marketplace channel whose interval has passed; each
    claimed by a conditional UPDATE of its cursor so two sweepers never start it twice."""
    now = now or utcnow()
    started: list[str] = []
    with sessions() as session:
        found = session.execute(select(Channel, MarketplaceConnection)
                                .join(MarketplaceConnection,
                                      MarketplaceConnection.channel == Channel.key)
                                .where(Channel.active.is_(True), Channel.kind == KIND)).all()
        for channel, connection in found:
            cursor_of(session, channel)
            every = timedelta(minutes=connection.settings.get("poll_every_minutes", 5))
            due = or_(StoreCursor.reconciled_at.is_(None),
                      StoreCursor.reconciled_at <= now - every)
            won = session.execute(update(StoreCursor)
                                  .where(StoreCursor.channel == channel.key, due)
                                  .values(reconciled_at=now)
                                  .execution_options(synchronize_session=False)).rowcount
            if won:
                enqueue(session, POLL_JOB, {"channel": channel.key}, max_attempts=1)
                started.append(channel.key)
        session.commit()
    return started


def last_polls(session: Session, channel_key: str, limit: int = 20) -> list[MarketplacePoll]:
    return list(session.scalars(select(MarketplacePoll)
                                .where(MarketplacePoll.channel == channel_key)
                                .order_by(MarketplacePoll.id.desc()).limit(limit)))


def marketplace_summary(session: Session, channel: Channel) -> dict[str, Any] | None:
    """What the channel's page shows of a marketplace channel: the marketplace, where
    the next poll starts and the last poll; None for any other channel."""
    connection = connection_of(session, channel) if channel.kind == KIND else None
    if connection is None:
        return None
    cursor = session.get(StoreCursor, channel.key)
    polls = last_polls(session, channel.key, 1)
    return {"name": marketplace_name(connection),
            "cursor": cursor.changed_since if cursor else None,
            "last_poll": polls[0] if polls else None}

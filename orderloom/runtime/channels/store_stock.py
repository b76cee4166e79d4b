"""A store channel's stock figure set through the store's own inventory API
(Shopify's ``inventory_levels/set``, WooCommerce's product or variation
``stock_quantity``), and what became of the last push of each SKU.

The store's id of a SKU's stock is looked up once and kept per channel and SKU
(``ChannelSkuStock.store_item``), so a push is one call; a lookup asks for the
channel's other SKUs not known yet in the same pass, and records every SKU it asked
for and did not find. A SKU the store does not sell is recorded as ``missing`` and
not retried: it is looked for again on the next
change after ``MISSING_RECHECK``, or at once after the channel's stock settings are
saved. A 429, a 5xx or no answer is retried by the job runner (waiting what
Retry-After asks); any other refusal is recorded and not retried.

Functions take a session and never commit, except the record of a push that will
be retried, which is written in a transaction of its own so that it outlives the
job's rolled-back one.
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Integer, String, Text, delete, select
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from orderloom.db import Base, UTCDateTime, utcnow
from orderloom.runtime.channels.channel_stock import ChannelStockSettings
from orderloom.runtime.channels.models import Channel
from orderloom.runtime.channels.store_sync import NotConnected, store_access
from orderloom.runtime.channels.stores import StoreCallFailed
from orderloom.runtime.jobs.models import Job, RetryLater
from orderloom.runtime.stock.catalog import Product

log = logging.getLogger(__name__)

# What became of the last push of a SKU to a store.
PUSHED = "pushed"
MISSING = "missing"              # the store does not sell the SKU: not retried
REFUSED = "refused"              # the store said no (4xx but 429): not retried
WILL_RETRY = "will_retry"        # 429, 5xx or no answer: the job tries again
GAVE_UP = "gave_up"              # the last attempt failed too
NOT_CONNECTED = "not_connected"  # the channel lacks its address or credentials
OUTCOMES = (PUSHED, MISSING, REFUSED, WILL_RETRY, GAVE_UP, NOT_CONNECTED)
MISSING_RECHECK = timedelta(hours=1)
# SKUs looked up in one pass besides the one being pushed.
LOOKUP_BATCH = 100


class ChannelSkuStock(Base):
    """One SKU at one store channel: the store's id of its stock, and the last push."""

    __tablename__ = "channel_sku_stock"

    channel: Mapped[str] = mapped_column(String(40), primary_key=True)
    sku: Mapped[str] = mapped_column(String(64), primary_key=True)
    store_item: Mapped[str | None] = mapped_column(String(200))
    looked_up_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    outcome: Mapped[str | None] = mapped_column(String(20))
    figure: Mapped[int | None] = mapped_column(Integer)
    location: Mapped[str | None] = mapped_column(String(40))
    detail: Mapped[str] = mapped_column(Text, default="")
    pushed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


def results_of(session: Session, channel_key: str) -> list[ChannelSkuStock]:
    return list(session.scalars(select(ChannelSkuStock)
                                .where(ChannelSkuStock.channel == channel_key)
                                .order_by(ChannelSkuStock.sku)))


def forget_missing(session: Session, channel_key: str) -> None:
    """Look again for the SKUs the store did not have (after the settings changed:
    the merchant may have added them, or pointed the channel at another store)."""
    session.execute(delete(ChannelSkuStock).where(ChannelSkuStock.channel == channel_key,
                                                  ChannelSkuStock.store_item.is_(None)))


def forget_store(session: Session, channel_key: str) -> None:
    """The channel now reaches another store: the ids of its SKUs' stock and the
    location chosen were the old store's, and a push to them would set another
    product's stock at the new one. Forget them (and what became of the pushes);
    the next push looks the SKUs up at the new store, at its only location until
    another is chosen."""
    session.execute(delete(ChannelSkuStock).where(ChannelSkuStock.channel == channel_key))
    settings = session.get(ChannelStockSettings, channel_key)
    if settings is not None and settings.location_id is not None:
        settings.location_id = None
        settings.updated_at = utcnow()


def _row(session: Session, channel_key: str, sku: str) -> ChannelSkuStock:
    found = session.get(ChannelSkuStock, (channel_key, sku))
    if found is None:
        found = ChannelSkuStock(channel=channel_key, sku=sku, detail="")
        session.add(found)
    return found


def _unknown_skus(session: Session, channel: Channel, sku: str) -> list[str]:
    """``sku`` and up to LOOKUP_BATCH other SKUs the channel sells whose store id is
    not known yet, to look up in one pass."""
    known = select(ChannelSkuStock.sku).where(ChannelSkuStock.channel == channel.key)
    query = select(Product.sku).where(Product.sku != sku, Product.sku.not_in(known))
    if channel.skus:
        query = query.where(Product.sku.in_(channel.skus))
    return [sku, *session.scalars(query.order_by(Product.sku).limit(LOOKUP_BATCH))]


def _remember(sessions: sessionmaker[Session], channel_key: str, sku: str,
              **values: Any) -> None:
    with sessions() as own:
        row = _row(own, channel_key, sku)
        for name, value in values.items():
            setattr(row, name, value)
        own.commit()


def push(session: Session, channel: Channel, settings: ChannelStockSettings, sku: str,
         figure: int, instance_key: str, job: Job, sessions: sessionmaker[Session]) -> str:
    """Set ``sku``'s stock at the channel's store to ``figure``; answers what was done."""
    now = utcnow()
    row = _row(session, channel.key, sku)
    row.figure = figure
    try:
        platform, url, credentials = store_access(channel, instance_key)
    except NotConnected as missing:
        row.outcome, row.pushed_at = NOT_CONNECTED, now
        row.detail = f"{missing.detail}: set {missing.fix} on channel {channel.key}"
        return row.detail
    if row.store_item is None and row.outcome == MISSING and row.looked_up_at \
            and now - row.looked_up_at < MISSING_RECHECK:
        return row.detail  # asked lately: the store did not have it
    item, looked_up = row.store_item, row.looked_up_at
    try:
        if item is None:
            asked = _unknown_skus(session, channel, sku)
            found = platform.stock_items(url, credentials, asked)
            looked_up = now
            for other in asked[1:]:
                # One not found is recorded too: otherwise each of its own pushes would
                # repeat the whole lookup (on WooCommerce a scan of every variable
                # product) to find nothing again.
                known = _row(session, channel.key, other)
                known.store_item, known.looked_up_at = found.get(other), now
                if known.store_item is None:
                    known.outcome, known.pushed_at = MISSING, now
                    known.detail = (f"{platform.name} has no product or variant with "
                                    f"SKU {other}")
            item = found.get(sku)
            if item is None:
                row.store_item, row.looked_up_at = None, now
                row.outcome, row.pushed_at = MISSING, now
                row.detail = f"{platform.name} has no product or variant with SKU {sku}"
                return row.detail
            row.store_item, row.looked_up_at = item, now
        location = platform.set_stock(url, credentials, item, figure, settings.location_id)
    except StoreCallFailed as failure:
        if failure.status == 404 and row.store_item is not None:
            # Deleted at the store since it was looked up: look it up again next time.
            item, failure.retryable = None, False
        final = job.attempts >= job.max_attempts
        outcome = (REFUSED if not failure.retryable else GAVE_UP if final else WILL_RETRY)
        detail = failure.detail + ("" if failure.retryable else "; not retried")
        # The job's transaction only read and cached; it ends here so the record's own
        # may write whatever becomes of the job. (Read the key first: a rolled-back
        # session reloads what is read from it, beginning a transaction again.)
        key = channel.key
        session.rollback()
        _remember(sessions, key, sku, store_item=item, looked_up_at=looked_up,
                  outcome=outcome, figure=figure, detail=detail, pushed_at=now)
        if failure.retryable:
            raise RetryLater(failure.detail,
                             timedelta(seconds=failure.retry_after or 0)) from None
        return detail
    row.outcome, row.location, row.pushed_at = PUSHED, location, now
    row.detail = f"{platform.name} now shows {figure} available"
    log.info("pushed %s available of %s to %s channel %s", figure, sku, platform.name,
             channel.key)
    return row.detail

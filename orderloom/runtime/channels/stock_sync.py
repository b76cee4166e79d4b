"""Stock sync to channels: after a change of a SKU's available stock, each channel
that sells it is told the new figure: the channel's share of what the warehouses
feeding it have available, less its safety stock, never below 0 (the rule and the
settings are in channel_stock.py). A channel with a stock push URL is sent the
figure as a signed webhook; a Shopify or WooCommerce channel whose stock settings
say so has it set through the store's inventory API (store_stock.py).

Pushes are coalesced: a change only enqueues a ``channel_stock`` job when no job
for the same channel and SKU is still waiting to start, and the job reads the
figure when it runs, not when it was enqueued. However many changes happen in a
channel's ``push_interval_seconds``, it gets one push with the latest figure. A
push that fails is retried by the job runner with backoff, and a retry pushes
the figure of that moment.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import logging
from datetime import timedelta
from typing import Any

from sqlalchemy import exists, func, or_, select
from sqlalchemy.orm import Session

from orderloom.db import utcnow
from orderloom.runtime import hooks, outbound, remembered
from orderloom.runtime.channels import channel_stock, store_stock
from orderloom.runtime.channels.channel_stock import ChannelStockSettings
from orderloom.runtime.channels.models import STORE_KINDS, Channel, find_channel
from orderloom.runtime.jobs.models import PENDING, QUEUED, Job, register_handler
from orderloom.runtime.jobs.outbox import enqueue
from orderloom.runtime.stock.catalog import Product

log = logging.getLogger(__name__)

JOB_KIND = "channel_stock"
# Every SKU of a channel pushed again (after its settings change), a batch per job.
EVERY_SKU_KIND = "channel_stock_every_sku"
EVERY_SKU_BATCH = 200
TIMEOUT_SECONDS = 10
# The scheme channels sign their webhooks with (ingestion.py), so a shop checks our
# pushes with the code that signs its deliveries. Not imported from there: ingestion
# reaches stock keeping, whose stock-changed hook calls this module.
SIGNATURE_HEADER = "X-Orderloom-Signature"
# Handed to a runner but not claimed yet: such a job will still read the newest figure.
NOT_STARTED = (PENDING, QUEUED)


class PushFailed(Exception):
    """A channel did not accept a stock push; the job runner tries again later."""


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def sells(channel: Channel, sku: str) -> bool:
    return not channel.skus or sku in channel.skus


def through_store(channel: Channel, settings: ChannelStockSettings) -> bool:
    """Whether the channel's stock goes through its store's inventory API."""
    return channel.kind in STORE_KINDS and settings.store_push


# Every change of availability asks which channels take pushes, and most instances
# have none: whether any does is remembered for a few seconds (remembered.py), so that
# a feature nobody configured costs no query.
ANY_PUSHING = remembered.Read("whether a channel takes stock pushes",
                              (Channel, ChannelStockSettings))


def _pushing():
    return (select(Channel, ChannelStockSettings)
            .outerjoin(ChannelStockSettings, ChannelStockSettings.channel == Channel.key)
            .where(Channel.active.is_(True),
                   or_(Channel.stock_push_url.is_not(None),
                       Channel.kind.in_(STORE_KINDS)
                       & ChannelStockSettings.store_push.is_(True))))


def after_change(session: Session, product_id: int,
                 warehouse_id: int | None = None) -> list[Job]:
    """Call after a change of a SKU's availability (in ``warehouse_id``, when one):
    enqueue a push to every channel that sells it, is fed by that warehouse and has
    none waiting. Answers the jobs enqueued."""
    if not remembered.read(session, ANY_PUSHING, None, lambda: session.scalar(
            select(exists(_pushing().with_only_columns(Channel.id))))):
        return []
    pushing = session.execute(_pushing().order_by(Channel.key)).all()
    channels = [channel for channel, settings in pushing
                if settings is None or channel_stock.feeds(settings, warehouse_id)]
    if not channels:
        return []
    sku = session.scalar(select(Product.sku).where(Product.id == product_id))
    if sku is None:
        return []
    wanted = [c for c in channels if sells(c, sku)]
    if not wanted:
        return []
    waiting = {job.payload.get("channel") for job in session.scalars(
        select(Job).where(Job.kind == JOB_KIND, Job.status.in_(NOT_STARTED),
                          Job.payload["sku"].as_string() == sku))}
    now = utcnow()
    return [enqueue(session, JOB_KIND, {"channel": channel.key, "sku": sku},
                    run_after=now + timedelta(seconds=max(channel.push_interval_seconds, 0)))
            for channel in wanted if channel.key not in waiting]


def _sold_skus(channel: Channel):
    query = select(Product.sku).order_by(Product.sku)
    if channel.skus:
        query = query.where(Product.sku.in_(channel.skus))
    return query


def takes_pushes(session: Session, channel: Channel) -> bool:
    settings = channel_stock.settings_of(session, channel.key)
    return channel.active and bool(channel.stock_push_url or through_store(channel, settings))


def push_every_sku(session: Session, channel: Channel) -> int:
    """Enqueue one job that pushes every SKU the channel sells again, so that new stock
    settings reach the channel without waiting for each SKU's next change; none when
    one from the first SKU is still waiting. Answers how many SKUs it will push.

    The request that saves the settings only counts: the job (``EVERY_SKU_KIND``)
    hands out pushes ``EVERY_SKU_BATCH`` SKUs at a time and leaves the rest to a job
    of its own, so no transaction grows with the catalogue."""
    if not takes_pushes(session, channel):
        return 0
    waiting = session.scalars(select(Job).where(
        Job.kind == EVERY_SKU_KIND, Job.status.in_(NOT_STARTED),
        Job.payload["channel"].as_string() == channel.key))
    if not any(job.payload.get("after") is None for job in waiting):
        enqueue(session, EVERY_SKU_KIND, {"channel": channel.key, "after": None})
    return int(session.scalar(select(func.count()).select_from(
        _sold_skus(channel).subquery())) or 0)


def run_every_sku(session: Session, job: Job, runner: Any) -> None:
    """The next ``EVERY_SKU_BATCH`` SKUs of the channel after ``after``: a push of each
    that has none waiting, and a job for the SKUs after them."""
    key, after = job.payload["channel"], job.payload.get("after")
    channel = find_channel(session, key)
    if channel is None or not takes_pushes(session, channel):
        return
    query = _sold_skus(channel)
    if after is not None:
        query = query.where(Product.sku > after)
    skus = list(session.scalars(query.limit(EVERY_SKU_BATCH)))
    waiting = {job.payload.get("sku") for job in session.scalars(
        select(Job).where(Job.kind == JOB_KIND, Job.status.in_(NOT_STARTED),
                          Job.payload["channel"].as_string() == key,
                          Job.payload["sku"].as_string().in_(skus)))}
    run_after = utcnow() + timedelta(seconds=max(channel.push_interval_seconds, 0))
    for sku in skus:
        if sku not in waiting:
            enqueue(session, JOB_KIND, {"channel": key, "sku": sku}, run_after=run_after)
    if len(skus) == EVERY_SKU_BATCH:
        enqueue(session, EVERY_SKU_KIND, {"channel": key, "after": skus[-1]})


@hooks.STOCK_CHANGED.subscribe
def stock_changed(session: Session, product_id: int, warehouse_id: int,
                  available_change: int) -> None:
    after_change(session, product_id, warehouse_id)


def available_for(session: Session, channel: Channel, sku: str) -> int | None:
    """What ``channel`` may sell of ``sku`` now; None when there is no such product."""
    product_id = session.scalar(select(Product.id).where(Product.sku == sku))
    if product_id is None:
        return None
    settings = channel_stock.settings_of(session, channel.key)
    available = channel_stock.available_in(session, product_id, settings.warehouse_ids)
    return channel_stock.figure(available, channel.safety_stock,
                                channel_stock.share_of(settings))


def push(channel: Channel, sku: str, available: int) -> None:
    """POST the figure to the channel, signed like the webhooks it sends us."""
    body = json.dumps({"sku": sku, "available": available,
                       "at": utcnow().isoformat()}).encode("utf-8")
    try:
        answer = outbound.call(
            "POST", channel.stock_push_url or "", content=body, timeout=TIMEOUT_SECONDS,
            headers={"Content-Type": "application/json",
                     SIGNATURE_HEADER: signature(channel.secret, body)})
    except outbound.Refused as refusal:
        raise PushFailed(f"channel {channel.key}'s stock push URL was refused: "
                         f"{refusal}") from None
    except outbound.OutboundError as error:
        # Only the reason: the URL may carry a token of the channel's.
        raise PushFailed(f"channel {channel.key} could not be reached: {error}") from None
    status = answer.status
    if not 200 <= status < 300:
        raise PushFailed(f"channel {channel.key} answered {status} to a stock push")
    log.info("pushed %s available of %s to channel %s", available, sku, channel.key)


def run_channel_stock(session: Session, job: Job, runner: Any) -> str | None:
    key, sku = job.payload["channel"], job.payload["sku"]
    channel = find_channel(session, key)
    settings = channel_stock.settings_of(session, key)
    if channel is not None and channel.active and through_store(channel, settings):
        available = available_for(session, channel, sku)
        if available is None:
            return None
        return store_stock.push(
            session, channel, settings, sku, available, runner.secret_key or "", job,
            runner.sessions)
    if channel is None or not channel.active or not channel.stock_push_url:
        # Removed, switched off or unhooked since the change: nobody to tell.
        log.info("stock push of %s to channel %s skipped: the channel no longer takes "
                 "pushes", sku, key)
        return
    available = available_for(session, channel, sku)
    if available is None:
        log.info("stock push of %s to channel %s skipped: no such product", sku, key)
        return
    push(channel, sku, available)
    return None


register_handler(JOB_KIND, run_channel_stock, delivers_to="channel")
register_handler(EVERY_SKU_KIND, run_every_sku)

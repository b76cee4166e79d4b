"""A channel's share of stock: which warehouses feed it, and how much of what they
have available it may sell, a percent of it or at most a fixed number. With the
channel's safety stock (a column of the channel itself) this gives the one figure
the channel is told (``figure``); stock_sync.py pushes it, store_stock.py through a
store's own inventory API.

A channel without settings is fed by every warehouse and offered all of it, as
before the settings existed. Functions take a session and never commit.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Boolean, Integer, String, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from orderloom.db import Base, JSONDocument, UTCDateTime, utcnow
from orderloom.runtime.stock.models import StockLevel

PERCENT = "percent"  # the share is a percent (0-100) of what is available
FIXED = "fixed"      # the share is at most this many units
SHARE_KINDS = (PERCENT, FIXED)
# Store location ids (Shopify's are numbers) are kept as text of at most this.
LOCATION_LENGTH = 40


class ChannelStockSettings(Base):
    """What feeds one channel's stock figure, and how its store is told."""

    __tablename__ = "channel_stock_settings"

    channel: Mapped[str] = mapped_column(String(40), primary_key=True)
    # Ids of the warehouses whose stock the channel sells; empty: every warehouse.
    warehouse_ids: Mapped[list[int]] = mapped_column(JSONDocument, default=list)
    share_kind: Mapped[str] = mapped_column(String(10), default=PERCENT)
    share: Mapped[int] = mapped_column(Integer, default=100)
    # Store kinds: push through the store's inventory API (store_stock.py).
    store_push: Mapped[bool] = mapped_column(Boolean, default=False)
    # Shopify: the store location whose stock is set; None: the store's only one.
    location_id: Mapped[str | None] = mapped_column(String(LOCATION_LENGTH))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


@dataclass(frozen=True)
class Share:
    """What a channel may sell of what is available."""

    kind: str = PERCENT
    value: int = 100


def figure(available: int, safety_stock: int, share: Share = Share()) -> int:
    """The stock a channel is told it has: its share of what the feeding warehouses
    have available, less its safety stock, in whole units rounded down, never below
    0. The one place this rule is written."""
    available = max(available, 0)
    if share.kind == FIXED:
        offered = min(available, share.value)
    else:
        # Integer arithmetic: a percent of a count rounds down exactly, with no float.
        offered = available * share.value // 100
    return max(offered - safety_stock, 0)


def settings_of(session: Session, channel_key: str) -> ChannelStockSettings:
    """The channel's stock settings; unsaved defaults (every warehouse, all of it)
    when it has none."""
    found = session.get(ChannelStockSettings, channel_key)
    if found is None:
        found = ChannelStockSettings(channel=channel_key, warehouse_ids=[], share_kind=PERCENT,
                                     share=100, store_push=False, location_id=None)
    return found


def share_of(settings: ChannelStockSettings) -> Share:
    return Share(settings.share_kind or PERCENT,
                 100 if settings.share is None else settings.share)


def available_in(session: Session, product_id: int, warehouse_ids: list[int]) -> int:
    """Available stock (on hand less reserved) of a product summed over the warehouses
    given, or over every warehouse when none is given."""
    query = select(func.coalesce(func.sum(StockLevel.on_hand - StockLevel.reserved), 0)) \
        .where(StockLevel.product_id == product_id)
    if warehouse_ids:
        query = query.where(StockLevel.warehouse_id.in_(warehouse_ids))
    return int(session.scalar(query) or 0)


def feeds(settings: ChannelStockSettings, warehouse_id: int | None) -> bool:
    """Whether a change in ``warehouse_id`` can change the channel's figure."""
    return warehouse_id is None or not settings.warehouse_ids \
        or warehouse_id in settings.warehouse_ids

"""Sales channels and the orders they send in.

A ``Channel`` is where orders come from: a web shop pushing webhooks, a system
calling the REST API, a store's POS, staff entering by hand, or files. Every
payload a channel delivers is kept as an ``InboundOrder`` exactly as it came,
so it can be audited and, when it could not become an order, processed again
once the mapping is fixed.
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
    String,
    Text,
    UniqueConstraint,
    select,
)
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from orderloom.db import Base, JSONDocument, UTCDateTime, utcnow
from orderloom.runtime import audit
from orderloom.runtime.audit import Actor
from orderloom.runtime.channels.platforms import PLATFORMS

# ``shopify`` and ``woocommerce`` speak their platform's own protocol (platforms.py).
STORE_KINDS = tuple(PLATFORMS)
# ``marketplace`` pulls orders from a marketplace's open-platform API (marketplace_pull.py).
PULLED_KINDS = ("marketplace",)
# ``crm_hubspot`` and ``crm`` make orders of deals won in a CRM (crm_deals.py): HubSpot's
# own webhooks, or any CRM posting its deals signed (crm_webhook.py). They are set up
# with POST /api/v1/crm-channels and the CRM posts to that channel's own path.
CRM_KINDS = ("crm_hubspot", "crm")
KINDS = ("webhook", "rest", "pos", "manual", "file", *STORE_KINDS, *PULLED_KINDS,
         *CRM_KINDS)
PUSHED_KINDS = frozenset({"webhook", "rest", "pos", *STORE_KINDS})  # these POST to Orderloom
KEY_PATTERN = re.compile(r"^[a-z][a-z0-9_-]{0,39}$")
# Orders imported from files without a channel are recorded under this name, so it
# cannot be a channel's key.
RESERVED_KEYS = frozenset({"import", "manual"})
SECRET_PREFIX = "olwh_"

ACCEPTED = "accepted"        # became an order
DUPLICATE = "duplicate"      # a re-delivery of an order already accepted; nothing changed
DEAD_LETTER = "dead_letter"  # could not become an order; waits to be retried
# A store's later news of an order already here (store_changes.py):
APPLIED = "applied"          # its change was made to the order
HELD = "held"                # the order was held for staff, or a return was opened
UNCHANGED = "unchanged"      # nothing to do: the news changes nothing here, is older
                             # than news already applied, or waits for its order
STATUSES = (ACCEPTED, DUPLICATE, DEAD_LETTER, APPLIED, HELD, UNCHANGED)

# What a store's change to an order already here does (a channel setting):
APPLY_UNTIL_PICKED = "apply_until_picked"  # address and lines changed while nothing is
                                           # picked or shipped; else held for staff
HOLD_ALWAYS = "hold"                       # every change held for staff to make
STORE_UPDATE_POLICIES = (APPLY_UNTIL_PICKED, HOLD_ALWAYS)


class Channel(Base):
    __tablename__ = "channels"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(12))
    order_type_key: Mapped[str] = mapped_column(String(63))
    mapping: Mapped[dict[str, Any]] = mapped_column(JSONDocument, default=dict)
    # Verifying an HMAC needs the key itself, so it is kept, not hashed: a generated
    # secret (webhook kinds) is shown once when made; a store's own webhook secret
    # (store kinds) is sealed with the instance key (sealing.py). Neither is answered
    # or logged again.
    secret: Mapped[str] = mapped_column(String(1000))
    # Store kinds: the store's address and its API credentials (sealed JSON), for
    # pulling orders and writing shipments back; what the store's changes do.
    store_url: Mapped[str | None] = mapped_column(String(500))
    credentials: Mapped[str | None] = mapped_column(Text)
    store_update_policy: Mapped[str] = mapped_column(String(20), default=APPLY_UNTIL_PICKED,
                                                     server_default=APPLY_UNTIL_PICKED)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Stock sync (see stock_sync.py): no URL, no pushes; an empty list of SKUs means
    # the channel sells every SKU.
    stock_push_url: Mapped[str | None] = mapped_column(String(500))
    safety_stock: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    skus: Mapped[list[str]] = mapped_column(JSONDocument, default=list, server_default="[]")
    push_interval_seconds: Mapped[int] = mapped_column(Integer, default=5, server_default="5")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class InboundOrder(Base):
    """One payload as a channel delivered it, and what became of it."""

    __tablename__ = "inbound_orders"
    __table_args__ = (
        # One accepted payload per channel and external order id: the database, not
        # a read before the write, is what stops two deliveries racing in at once.
        UniqueConstraint("source", "accepted_external_id",
                         name="uq_inbound_orders_source_accepted"),
        Index("ix_inbound_orders_source_status", "source", "status"),
        # A store retries a delivery with the same id: the second finds the first.
        UniqueConstraint("source", "delivery_id", name="uq_inbound_orders_source_delivery"),
        # The same bytes are kept once per channel: a replay, or two copies arriving
        # at once, find the kept row (NULLs, rows of files, never collide).
        Index("uq_inbound_orders_source_body_digest", "source", "body_digest", unique=True),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel_id: Mapped[int | None] = mapped_column(ForeignKey("channels.id",
                                                              ondelete="SET NULL"))
    # The channel key, or "import:<order type>" for a file imported without a channel:
    # external ids are unique per channel, and per order type for such imports.
    source: Mapped[str] = mapped_column(String(120))
    external_id: Mapped[str | None] = mapped_column(String(200))
    # Set only while accepted; NULLs never collide, so duplicates and dead letters
    # may repeat an external id.
    accepted_external_id: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(12))
    # Store kinds: the platform's delivery id and topic (orders/updated, order.deleted).
    delivery_id: Mapped[str | None] = mapped_column(String(200))
    topic: Mapped[str | None] = mapped_column(String(40))
    body: Mapped[str] = mapped_column(Text)
    # SHA-256 of the body as delivered: the same bytes sent again (a replay) find this
    # row instead of being stored once more. None for rows imported from files (rows
    # kept before migration 0024 got the digest of their kept text, files' rows too).
    body_digest: Mapped[str | None] = mapped_column(String(64))
    # Store kinds: when the store last changed the order by its own clock (updated_at,
    # date_modified_gmt), on news that was acted on; an update older than the
    # newest of these is stale (store_deliveries.py).
    changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    error: Mapped[dict[str, Any] | None] = mapped_column(JSONDocument)
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id", ondelete="SET NULL"),
                                                 index=True)
    # Times processed: the first delivery, each replay of the same bytes, each retry.
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    processed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    channel: Mapped[Channel | None] = relationship(lazy="joined")


def new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def add_channel(session: Session, actor: Actor, *, key: str, name: str, kind: str,
                order_type_key: str, mapping: dict[str, Any], active: bool = True,
                source: str | None = None, secret: str | None = None,
                **settings: Any) -> Channel:
    """A new channel with a signing secret of its own (or ``secret``, a store's own,
    sealed), in the audit trail (with the ``source`` it came from, when not the API).
    ``settings`` are its other columns. The caller has checked the key and the
    mapping."""
    now = utcnow()
    channel = Channel(key=key, name=name, kind=kind, order_type_key=order_type_key,
                      mapping=mapping, secret=secret or new_secret(), active=active,
                      created_at=now,
                      updated_at=now, **settings)
    session.add(channel)
    session.flush()
    audit.record(session, actor, "channel.created", "channel", key, kind=kind,
                 order_type=order_type_key, **({"source": source} if source else {}))
    return channel


def find_channel(session: Session, key: str) -> Channel | None:
    return session.scalar(select(Channel).where(Channel.key == key))


def channel_names(session: Session, keys: set[str]) -> dict[str, str]:
    """The names people gave the channels of ``keys`` (a key no channel has is left
    out: the built-in ``manual``, or a channel since deleted)."""
    if not keys:
        return {}
    query = select(Channel.key, Channel.name).where(Channel.key.in_(keys))
    return {key: name for key, name in session.execute(query)}

"""Turning a channel's payload into an order: verify, keep, map, create, once.

Each delivery is kept as an ``InboundOrder`` row exactly as received. One that
maps to a valid order becomes the order (``accepted``); a re-delivery of an
accepted external order id changes nothing (``duplicate``); one that cannot
become an order waits as a ``dead_letter`` with its problems until someone
fixes the mapping and retries it. The same bytes are kept once per channel (by
their SHA-256, unique in the database). A store channel's external order id is the
platform's own (``StorePlatform.order_id``), a CRM channel's the deal's id
(crm_deals.py), never the editable mapping's.
Functions take a session and never commit.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import logging
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from orderloom.db import utcnow
from orderloom.designer.models import DefinitionVersion
from orderloom.designer.problems import DefinitionProblem
from orderloom.designer.versions import find as find_order_type
from orderloom.runtime import business_calendar
from orderloom.runtime.audit import Actor
from orderloom.runtime.channels.mapping import MappingError, apply_mapping
from orderloom.runtime.channels.models import (
    ACCEPTED,
    CRM_KINDS,
    DEAD_LETTER,
    DUPLICATE,
    Channel,
    InboundOrder,
)
from orderloom.runtime.channels.platforms import platform_for
from orderloom.runtime.channels.stores import (
    STORE_ORDER,
    Event,
    UnreadableStoreOrder,
    currency_refusal,
    prepared,
)
from orderloom.runtime.engine import lifecycle
from orderloom.runtime.errors import OrderError, OrderInputError
from orderloom.runtime.orders.models import Order
from orderloom.runtime.payments import received as payments

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Orderloom-Signature"
SIGNATURE_SCHEME = "sha256="


def signature(secret: str, body: bytes) -> str:
    """The header value a sender puts on ``body``: sha256=<hex HMAC-SHA256>."""
    digest = hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()
    return SIGNATURE_SCHEME + digest


def signature_matches(secret: str, body: bytes, header: str | None) -> bool:
    if not header or not header.startswith(SIGNATURE_SCHEME):
        return False
    # compare_digest takes as long whatever the first differing byte, so the
    # expected signature cannot be guessed byte by byte from response times.
    return hmac.compare_digest(signature(secret, body).encode("ascii"),
                               header.strip().encode("ascii", "replace"))


@dataclass
class Receipt:
    inbound: InboundOrder
    order: Order | None
    # The bytes were delivered before and became an order then: nothing was stored or
    # changed now, and the answer is a duplicate's.
    repeated: bool = False

    @property
    def status(self) -> str:
        return DUPLICATE if self.repeated else self.inbound.status


def published_definition(session: Session, order_type_key: str) -> dict[str, Any] | None:
    """The definition of the newest published version, the one new orders use."""
    order_type = find_order_type(session, order_type_key)
    if order_type is None:
        return None
    version = session.scalar(select(DefinitionVersion)
                             .where(DefinitionVersion.order_type_id == order_type.id)
                             .order_by(DefinitionVersion.number.desc()).limit(1))
    return version.definition if version is not None else None


def read_payload(body: bytes) -> Any:
    """The JSON of a body, numbers with a fraction as exact Decimals. Raises ValueError."""
    try:
        return json.loads(body.decode("utf-8"), parse_float=Decimal)
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise ValueError("the body is not valid UTF-8 JSON") from None


def body_digest(body: bytes) -> str:
    """What finds the same bytes delivered again: their SHA-256."""
    return hashlib.sha256(body).hexdigest()


def kept_body(session: Session, source: str, digest: str, *,
              lock: bool = False) -> InboundOrder | None:
    """The delivery of ``source`` kept with these bytes, if any (one at most)."""
    query = select(InboundOrder).where(InboundOrder.source == source,
                                       InboundOrder.body_digest == digest)
    if lock:
        query = query.with_for_update(of=InboundOrder)
    return session.scalar(query)


def keep(session: Session, inbound: InboundOrder) -> InboundOrder | None:
    """Store a new delivery, or answer the one kept with the same bytes when another
    connection stored them a moment earlier (the database allows one copy); then
    ``inbound`` is not stored."""
    try:
        with session.begin_nested():
            session.add(inbound)
            session.flush()
    except IntegrityError:
        kept = kept_body(session, inbound.source, inbound.body_digest or "")
        if kept is None:
            raise
        return kept
    return None


def receive(session: Session, channel: Channel, body: bytes, actor: Actor, *,
            delivery_id: str | None = None, topic: str | None = None) -> Receipt:
    """Keep ``body`` as delivered by ``channel`` and make it an order if it can be one.
    A store kind's delivery id and topic are kept with it.

    The same bytes delivered again (a sender's retry, or a replay of a signed body) are
    not stored again: a kept dead letter is processed once more (its ``attempts``
    count up), and a body that became an order is answered as a duplicate."""
    digest = body_digest(body)
    kept = kept_body(session, channel.key, digest, lock=True)
    if kept is None:
        inbound = InboundOrder(channel_id=channel.id, source=channel.key,
                               body=body.decode("utf-8", "replace"), body_digest=digest,
                               attempts=0, received_at=utcnow(), status=DEAD_LETTER,
                               delivery_id=delivery_id, topic=topic)
        kept = keep(session, inbound)
        if kept is None:
            receipt = process(session, channel, inbound, actor)
            log.info("channel %s: inbound %s %s", channel.key, inbound.id, inbound.status)
            return receipt
    return again(session, channel, kept, actor)


def again(session: Session, channel: Channel, kept: InboundOrder, actor: Actor) -> Receipt:
    """The bytes of ``kept`` delivered once more: a dead letter is processed again; any
    other changes nothing and is answered as a repeat."""
    if kept.status == DEAD_LETTER:
        receipt = process(session, channel, kept, actor)
        log.info("channel %s: inbound %s delivered again: %s", channel.key, kept.id,
                 kept.status)
        return receipt
    order = session.get(Order, kept.order_id) if kept.order_id is not None else None
    log.info("channel %s: inbound %s delivered again; nothing changed", channel.key, kept.id)
    return Receipt(kept, order, repeated=True)


def retry(session: Session, inbound: InboundOrder, actor: Actor) -> Receipt:
    """Process a dead letter again with its channel's current mapping."""
    if inbound.status != DEAD_LETTER:
        raise OrderError(f"inbound order {inbound.id} is {inbound.status}, not a dead letter; "
                         "only dead letters are retried")
    if inbound.channel is None:
        raise OrderError(f"the channel of inbound order {inbound.id} was deleted")
    receipt = process(session, inbound.channel, inbound, actor)
    log.info("channel %s: inbound %s retried: %s", inbound.source, inbound.id, inbound.status)
    return receipt


def process(session: Session, channel: Channel, inbound: InboundOrder,
            actor: Actor) -> Receipt:
    inbound.attempts += 1
    inbound.processed_at = utcnow()
    # Stored before the order is attempted, so a failed attempt cannot take the
    # payload down with it.
    session.flush()
    try:
        payload = read_payload(inbound.body.encode("utf-8"))
    except ValueError as error:
        return _dead(session, inbound, str(error), [])
    definition = published_definition(session, channel.order_type_key)
    if definition is None:
        return _dead(session, inbound, f"order type {channel.order_type_key!r} does not exist "
                                       "or has no published version", [])
    platform = platform_for(channel.kind)
    if platform is not None:
        # A store's order is read into one shape (stores.py) before the mapping reads it.
        try:
            payload = prepared(platform, payload)
        except UnreadableStoreOrder as error:
            return _dead(session, inbound, str(error), [])
        refusal = currency_refusal(payload.get(STORE_ORDER, {}), definition) \
            if isinstance(payload, dict) else None
        if refusal:
            return _dead(session, inbound, refusal, [])
    elif channel.kind in CRM_KINDS and isinstance(payload, dict):
        refusal = currency_refusal(payload.get(STORE_ORDER) or {}, definition)
        if refusal:
            return _dead(session, inbound, refusal, [])
    try:
        mapped = apply_mapping(channel.mapping, payload, definition,
                               business_calendar.formula_calendar(session))
    except MappingError as error:
        return _dead(session, inbound, "the payload does not fit the channel's mapping",
                     error.problems)
    external_id = mapped.external_id
    if platform is not None:
        # A store's order id is the platform's, never the editable mapping's: a mapping
        # changed by hand must not break re-delivery, news of the order or write-back.
        external_id = platform.order_id(Event.CREATED, payload)
        if external_id is None:
            return _dead(session, inbound, f"the {platform.name} order has no id, so "
                                           "re-deliveries could not be recognised", [])
    if channel.kind in CRM_KINDS:
        # A CRM's deal id, never the editable mapping's: a deal delivered twice, or won
        # again after moving back, must find the order made the first time.
        external_id = deal_id(payload)
    inbound.external_id = external_id
    if external_id is None:
        return _dead(session, inbound, "the channel's mapping has no external_id, so "
                                       "re-deliveries could not be recognised", [])
    existing = accepted_order(session, channel.key, external_id)
    if existing is not None:
        return _duplicate(session, inbound, existing)
    try:
        with session.begin_nested():
            # The store has sold it already: an order whose SKU the catalog lacks is
            # taken, and routing then says which product no warehouse holds.
            order = lifecycle.create_order(session, actor, channel.order_type_key, mapped.data,
                                           channel=channel.key, data_pointer="/order",
                                           products_checked=False)
            if mapped.payment:
                payments.record_reported(session, actor, order, mapped.payment, channel.key)
            inbound.status = ACCEPTED
            inbound.accepted_external_id = external_id
            inbound.order_id = order.id
            inbound.error = None
            session.flush()
    except OrderInputError as error:
        return _dead(session, inbound, "the mapped order breaks the order form", error.problems)
    except OrderError as error:
        return _dead(session, inbound, error.message, [])
    except IntegrityError:
        # The same order arrived on another connection a moment earlier and won.
        existing = accepted_order(session, channel.key, external_id)
        if existing is None:
            raise
        return _duplicate(session, inbound, existing)
    return Receipt(inbound, order)


def deal_id(payload: Any) -> str | None:
    """The CRM's id of the deal a CRM channel's payload holds (crm_deals.py)."""
    found = payload.get(STORE_ORDER) if isinstance(payload, dict) else None
    value = found.get("order_id") if isinstance(found, dict) else None
    return str(value)[:200] if isinstance(value, str | int) and value != "" else None


def accepted_order(session: Session, source: str, external_id: str) -> InboundOrder | None:
    return session.scalar(select(InboundOrder).where(
        InboundOrder.source == source, InboundOrder.accepted_external_id == external_id))


def _duplicate(session: Session, inbound: InboundOrder, first: InboundOrder) -> Receipt:
    inbound.status = DUPLICATE
    inbound.order_id = first.order_id
    inbound.error = None
    session.flush()
    order = session.get(Order, first.order_id) if first.order_id is not None else None
    return Receipt(inbound, order)


def _dead(session: Session, inbound: InboundOrder, detail: str,
          problems: list[DefinitionProblem]) -> Receipt:
    inbound.status = DEAD_LETTER
    inbound.order_id = None
    inbound.accepted_external_id = None
    inbound.error = {"detail": detail, "errors": [p.as_json() for p in problems]}
    session.flush()
    return Receipt(inbound, None)

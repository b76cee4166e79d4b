"""A CRM channel (kind ``crm_hubspot``, or ``crm`` for a CRM posting its own deals,
crm_webhook.py): a deal won in the CRM becomes an order, once.

HubSpot tells of a deal moving to a stage (hubspot.py). Only a stage the channel's
connection names as won counts: the stages are the operator's (each pipeline has its
own stage ids), never a name in code. For a won deal not yet here, the deal, its line
items, contact and company are read from the CRM API and put together as one payload,
with the deal read as a **store order** under ``orderloom`` (stores.py), so the store
order mapping (``fitted_mapping``) fits any order type with no edits. That payload goes
through ingestion like any channel's: kept, mapped, created, dead-lettered when it
cannot be an order. The deal id is the external order id whatever the mapping says, so
a webhook delivered twice, or a deal moved out of won and back, finds the order made
the first time (the database allows one accepted order per deal).

The customer is found by the CRM's id first (customers/crm_links.py), else by the
order's email or phone, else made; the CRM's contact and company ids are then linked
to that customer. Functions take a session and never commit.
"""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import ForeignKey, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from orderloom.db import Base, JSONDocument
from orderloom.runtime import remembered, sealing
from orderloom.runtime.audit import Actor
from orderloom.runtime.channels import crm_webhook, hubspot, ingestion
from orderloom.runtime.channels.models import CRM_KINDS, Channel, InboundOrder
from orderloom.runtime.channels.stores import (
    STORE_ORDER,
    amount,
    balanced,
    joined,
    money,
    text,
    without_empty,
)
from orderloom.runtime.customers import crm_links
from orderloom.runtime.orders.models import Order

log = logging.getLogger(__name__)

KIND, GENERIC = CRM_KINDS  # HubSpot's own webhooks; a CRM posting its deals (crm_webhook.py)
SYSTEM = "hubspot"
# What became of one stage change.
NOT_WON = "not_won"      # the stage is not one the connection names as won: nothing stored
ALREADY_HERE = "duplicate"  # the deal became an order before: nothing changed


class CrmConnection(Base):
    """A CRM channel's API address and the deal stages that mean won. The access token
    is in the channel's sealed credentials, the webhook's client secret its sealed
    secret."""

    __tablename__ = "crm_connections"

    channel: Mapped[str] = mapped_column(ForeignKey("channels.key", ondelete="CASCADE"),
                                         primary_key=True)
    api_url: Mapped[str] = mapped_column(String(500))
    won_stages: Mapped[list[str]] = mapped_column(JSONDocument, default=list)


class NotConnected(ValueError):
    """The channel lacks what calling the CRM needs; ``fix`` names the member to give."""

    def __init__(self, detail: str, fix: str) -> None:
        super().__init__(detail)
        self.detail = detail
        self.fix = fix


def connection_of(session: Session, channel: Channel) -> CrmConnection | None:
    return session.get(CrmConnection, channel.key) if channel.kind in CRM_KINDS else None


def access_token(channel: Channel, instance_key: str) -> str:
    try:
        credentials = sealing.unseal_json(instance_key, channel.credentials)
    except sealing.SealError as error:
        raise NotConnected(str(error), "/credentials") from None
    token = credentials.get("access_token")
    if not token:
        raise NotConnected("the access token is not set", "/credentials/access_token")
    return token


@dataclass
class DealOutcome:
    """What one stage change of a delivery did."""

    deal_id: str
    stage: str
    status: str  # NOT_WON, ALREADY_HERE, or the inbound status (accepted, dead_letter)
    order: Order | None = None
    inbound_id: int | None = None


def receive(session: Session, channel: Channel, connection: CrmConnection,
            events: Any, instance_key: str, actor: Actor) -> list[DealOutcome]:
    """Make an order of each won deal the events tell of; CrmCallFailed when the CRM
    could not be read (retryable: the CRM sends the webhook again)."""
    outcomes: list[DealOutcome] = []
    won = set(connection.won_stages or [])
    for change in hubspot.stage_changes(events):
        if change.stage not in won:
            outcomes.append(DealOutcome(change.deal_id, change.stage, NOT_WON))
            continue
        first = ingestion.accepted_order(session, channel.key, change.deal_id)
        if first is not None:
            # Nothing is read from the CRM for a deal that is an order already.
            order = session.get(Order, first.order_id) if first.order_id else None
            outcomes.append(DealOutcome(change.deal_id, change.stage, ALREADY_HERE, order,
                                        first.id))
            continue
        token = access_token(channel, instance_key)
        deal = hubspot.read_deal(connection.api_url, token, change.deal_id)
        if deal.stage not in won:
            # Moved on from won since the event was sent: what the CRM holds now counts.
            outcomes.append(DealOutcome(change.deal_id, deal.stage or "", NOT_WON))
            continue
        outcomes.append(_ordered(session, channel, deal, actor, SYSTEM))
    return outcomes


def receive_posted(session: Session, channel: Channel, connection: CrmConnection,
                   payload: Any, actor: Actor) -> DealOutcome:
    """Make an order of the deal a CRM posted (a ``crm`` channel), when it is won;
    crm_webhook.UnreadableDeal when the body is not a deal as documented. The CRM's
    records are linked under the channel's key: each such CRM numbers its own."""
    deal = crm_webhook.posted_deal(payload)
    if deal.stage not in set(connection.won_stages or []):
        return DealOutcome(deal.deal_id, deal.stage or "", NOT_WON)
    first = ingestion.accepted_order(session, channel.key, deal.deal_id)
    if first is not None:
        order = session.get(Order, first.order_id) if first.order_id else None
        return DealOutcome(deal.deal_id, deal.stage or "", ALREADY_HERE, order, first.id)
    return _ordered(session, channel, deal, actor, channel.key)


def _ordered(session: Session, channel: Channel, deal: hubspot.WonDeal,
             actor: Actor, system: str) -> DealOutcome:
    known = _linked_code(session, deal, system)
    payload = {"deal": {"id": deal.deal_id, **deal.deal}, "lines": deal.lines,
               "contact": deal.contact, "company": deal.company,
               STORE_ORDER: deal_order(deal, known)}
    body = json.dumps(payload, sort_keys=True, ensure_ascii=False).encode("utf-8")
    receipt = ingestion.receive(session, channel, body, actor, topic="deal.won")
    _link(session, actor, receipt.order, system, deal.contact, deal.company)
    log.info("channel %s: deal %s %s", channel.key, deal.deal_id, receipt.status)
    return DealOutcome(deal.deal_id, deal.stage or "", receipt.status, receipt.order,
                       receipt.inbound.id)


def _link(session: Session, actor: Actor, order: Order | None, system: str,
          contact: dict[str, Any] | None, company: dict[str, Any] | None) -> None:
    """Keep the CRM's contact and company ids on the order's customer."""
    if order is None or order.customer_id is None:
        return
    for kind, record in ((crm_links.CONTACT, contact), (crm_links.COMPANY, company)):
        if isinstance(record, dict) and record.get("id"):
            crm_links.link(session, actor, order.customer_id, system, kind, str(record["id"]))


def retry(session: Session, inbound: InboundOrder, actor: Actor) -> ingestion.Receipt:
    """Process a CRM channel's dead letter again (ingestion.retry); when it becomes an
    order, its customer is linked to the deal's contact and company as on arrival."""
    receipt = ingestion.retry(session, inbound, actor)
    channel = inbound.channel
    try:
        payload = json.loads(inbound.body)
    except ValueError:
        return receipt
    if channel is not None and isinstance(payload, dict):
        system = SYSTEM if channel.kind == KIND else channel.key
        _link(session, actor, receipt.order, system, payload.get("contact"),
              payload.get("company"))
    return receipt


def _linked_code(session: Session, deal: hubspot.WonDeal, system: str) -> str | None:
    """The code of the customer the deal's contact (else company) is linked to."""
    for kind, record in ((crm_links.CONTACT, deal.contact), (crm_links.COMPANY, deal.company)):
        if record and record.get("id"):
            customer = crm_links.linked_customer(session, system, kind, str(record["id"]))
            if customer is not None:
                return customer.code
    return None


def deal_order(deal: hubspot.WonDeal, customer_code: str | None) -> dict[str, Any]:
    """The deal read as a store order (stores.py): its lines at their unit prices, and
    a discount or charge that makes the order's total the deal's amount."""
    properties = deal.deal
    currency = text(properties.get("deal_currency_code"))
    contact, company = deal.contact or {}, deal.company or {}
    lines = []
    items = Decimal(0)
    for line in deal.lines:
        qty = amount(line.get("quantity"))
        unit = money(amount(line.get("price")), currency)
        items += amount(unit) * qty
        lines.append(without_empty({
            "sku": text(line.get("hs_sku")) or text(line.get("name")),
            "name": text(line.get("name")),
            "qty": int(qty) if qty == qty.to_integral_value() else qty,
            "price": unit}))
    total = amount(properties.get("amount")) if properties.get("amount") not in (None, "") \
        else items
    discount, charges = balanced(items, Decimal(0), Decimal(0), total)
    person = joined(contact.get("firstname"), contact.get("lastname"))
    phone = text(contact.get("phone")) or text(contact.get("mobilephone")) \
        or text(company.get("phone"))
    # Where the goods go: the contact's address, else the company's.
    place = contact if text(contact.get("address")) else company
    return without_empty({
        "order_id": deal.deal_id,
        "name": text(properties.get("dealname")),
        "currency": currency,
        "customer": without_empty({
            "code": customer_code,
            "name": text(company.get("name")) or person,
            "email": text(contact.get("email")),
            "phone": phone}),
        "recipient": without_empty({"name": person or text(company.get("name")),
                                    "phone": phone}),
        "ship_to": without_empty({
            "country": text(place.get("country")),
            "province": text(place.get("state")),
            "city": text(place.get("city")),
            "street": text(place.get("address")),
            "postcode": text(place.get("zip"))}),
        "lines": lines,
        "items_total": money(items, currency),
        "shipping": money(charges, currency),
        "discount": money(discount, currency),
        "total": money(total, currency),
        "note": text(properties.get("description")),
    })


# Asked on every state change an order makes: most instances have no CRM channel.
ANY_CRM_CHANNEL = remembered.Read("a CRM channel", (Channel,))


def deal_of(session: Session, order_id: int) -> tuple[Channel, str] | None:
    """The CRM channel an order came from and the CRM's id of its deal, or None."""
    if not remembered.anything(session, ANY_CRM_CHANNEL,
                               select(Channel.id).where(Channel.kind == KIND)):
        return None
    row = session.execute(
        select(Channel, InboundOrder.accepted_external_id)
        .join(InboundOrder, InboundOrder.channel_id == Channel.id)
        .where(InboundOrder.order_id == order_id, InboundOrder.accepted_external_id.is_not(None),
               Channel.kind == KIND)).first()
    return (row[0], row[1]) if row else None

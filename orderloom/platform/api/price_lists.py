"""Price lists over the API: per channel, customer tier or customer, with quantity
breaks and validity dates; and the unit price that applies to a line."""
from __future__ import annotations

from typing import Any

from flask import request
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from orderloom.db import utcnow
from orderloom.designer.numbers import LARGEST_QUANTITY
from orderloom.platform import field_sight
from orderloom.platform.api import api
from orderloom.platform.api.body import json_body, uploaded_file
from orderloom.platform.auth import current_actor, current_user, requires
from orderloom.platform.database import db_session
from orderloom.platform.openapi import documented
from orderloom.platform.problems import Problem, invalid
from orderloom.platform.query_args import day, whole
from orderloom.platform.row_access import row_rules, sees_every_order
from orderloom.runtime import audit, business_calendar
from orderloom.runtime.channels.hand_entry import MANUAL
from orderloom.runtime.channels.models import Channel
from orderloom.runtime.errors import OrderError
from orderloom.runtime.prices import lists, order_lines
from orderloom.runtime.prices.lists import PriceListError
from orderloom.runtime.prices.models import PriceList
from orderloom.runtime.prices.price_files import PriceFileError, read_prices
from orderloom.runtime.prices.resolution import Buyer, unit_price

TEXT_OR_NULL = {"type": ["string", "null"]}
PRICE = {"type": "object", "required": ["sku", "price"], "additionalProperties": False,
         "properties": {
             "sku": {"type": "string", "maxLength": 64},
             "min_quantity": {"type": "integer", "minimum": 1, "maximum": LARGEST_QUANTITY,
                              "description": "The break starts at this "
                              "many pieces on a line; 1 when left out"},
             "price": {"type": ["string", "number"],
                       "description": "Unit price, a decimal, as an exact string"}}}
PRICE_LIST = {
    "type": "object", "required": ["code", "currency"], "additionalProperties": False,
    "properties": {
        "code": {"type": "string", "maxLength": 40},
        "name": {"type": "string", "maxLength": 200},
        "currency": {"type": "string", "description": "ISO 4217 code such as CNY"},
        "channel": {**TEXT_OR_NULL, "description": "Only orders of this channel (its key)"},
        "customer_tier": {**TEXT_OR_NULL, "description": "Only customers of this tier"},
        "customer": {**TEXT_OR_NULL, "description": "Only this customer (their code)"},
        "valid_from": {**TEXT_OR_NULL, "description": "YYYY-MM-DD, included; open if null"},
        "valid_to": {**TEXT_OR_NULL, "description": "YYYY-MM-DD, included; open if null"},
        "prices": {"type": "array", "maxItems": lists.MOST_BREAKS, "items": PRICE},
    },
}
UNIT_PRICE = {"type": "object", "properties": {
    "sku": {"type": "string"}, "quantity": {"type": "integer"},
    "price": {"type": "string", "description": "Decimal, as an exact string"},
    "price_list": {"type": "string",
                   "description": "The list's code, or \"product\" for the product's own price"},
    "min_quantity": {"type": "integer", "description": "Where the break applied starts"}}}


def channel_keys(session: Session) -> set[str]:
    """The channels a price list may be for: every channel, and hand entry."""
    return {MANUAL, *session.scalars(select(Channel.key))}


def _checked(session: Session, body: dict[str, Any]) -> lists.Terms:
    try:
        return lists.checked(session, body, channel_keys(session))
    except PriceListError as error:
        raise invalid(error.pointer, error.detail) from None


def _price_list(code: str, *, to_change: bool = False) -> PriceList:
    found = lists.find(db_session(), code, to_change=to_change)
    if found is None:
        raise Problem(404, f"there is no price list {code}")
    return found


def _committed(session: Session, code: str) -> None:
    """Commit a change of list ``code``; another request that changed, added or deleted
    it at the same moment is a 409 with nothing stored."""
    try:
        session.commit()
    except (IntegrityError, StaleDataError):
        session.rollback()
        raise Problem(409, f"price list {code} was changed by another request at the same "
                           "moment; nothing was changed, read it again and retry") from None


@api.get("/price-lists")
@requires("prices.manage")
@documented("Every price list with its prices, by code", tags=("prices",),
            responses={200: ("Price lists", {"type": "array", "items": PRICE_LIST})})
def list_price_lists():
    return [lists.as_json(row) for row in lists.every_list(db_session())]


@api.get("/price-lists/<code>")
@requires("prices.manage")
@documented("One price list with its prices", tags=("prices",),
            responses={200: ("The price list", PRICE_LIST)})
def get_price_list(code: str):
    return lists.as_json(_price_list(code))


@api.post("/price-lists")
@requires("prices.manage")
@documented("Add a price list; a SKU, channel or customer that does not exist, a negative "
            "price, two breaks of a SKU from one quantity or dates the wrong way round "
            "are refused at their pointer", request=PRICE_LIST, tags=("prices",),
            responses={201: ("The price list", PRICE_LIST)},
            examples={"wholesale": {"code": "wholesale", "name": "Wholesale",
                                    "currency": "CNY", "customer_tier": "wholesale",
                                    "prices": [{"sku": "MUG-350", "price": "30.00"},
                                               {"sku": "MUG-350", "min_quantity": 50,
                                                "price": "26.00"}]}})
def create_price_list():
    body = json_body(PRICE_LIST, exact_numbers=True)
    session = db_session()
    terms = _checked(session, body)
    taken = invalid("/code", f"a price list {terms.code!r} exists already", status=409)
    if lists.find(session, terms.code) is not None:
        raise taken
    try:
        row = lists.store(session, terms)
        session.flush()
    except IntegrityError:  # added by another request meanwhile
        session.rollback()
        raise taken from None
    audit.record(session, current_actor(), "price_list.created", "price_list", row.code,
                 **_summary(terms))
    _committed(session, row.code)
    return lists.as_json(row), 201


@api.put("/price-lists/<code>")
@requires("prices.manage")
@documented("Replace a price list's terms and prices (its code stays)", request=PRICE_LIST,
            tags=("prices",), responses={200: ("The price list", PRICE_LIST)})
def put_price_list(code: str):
    row = _price_list(code, to_change=True)
    body = json_body(PRICE_LIST, exact_numbers=True)
    if body.get("code") != code:
        raise invalid("/code", f"must stay {code!r}; add a new list for another code")
    session = db_session()
    terms = _checked(session, body)
    before = {**{k: v for k, v in lists.as_json(row).items() if k not in ("code", "name")},
              "prices": len(row.breaks)}
    lists.store(session, terms, row)
    audit.record(session, current_actor(), "price_list.changed", "price_list", code,
                 before=before, after=_summary(terms))
    _committed(session, code)
    return lists.as_json(row)


@api.put("/price-lists/<code>/prices-file")
@requires("prices.manage")
@documented("Replace a price list's prices with those of a CSV or .xlsx file uploaded as "
            "multipart field `file` (columns sku, min_quantity and price, or 商品编码, "
            "起订量, 单价); a bad row stores nothing and is named with its column",
            tags=("prices",), responses={200: ("The price list", PRICE_LIST)})
def put_price_list_file(code: str):
    content, filename = uploaded_file()
    try:
        read = read_prices(content, filename)
    except PriceFileError as error:
        raise invalid("/file", str(error)) from None
    except OrderError as error:  # not a spreadsheet, or over a limit
        raise invalid("/file", error.message) from None
    session = db_session()
    row = _price_list(code, to_change=True)
    body = {**lists.as_json(row), "prices": read.prices}
    try:
        terms = lists.checked(session, body, channel_keys(session))
    except PriceListError as error:
        parts = error.pointer.strip("/").split("/")
        if parts[0] != "prices" or len(parts) < 2:
            raise invalid(error.pointer, error.detail) from None
        column = f", {parts[2]}" if len(parts) > 2 else ""
        raise invalid("/file", f"row {read.rows[int(parts[1])]}{column}: "
                               f"{error.detail}") from None
    before = len(row.breaks)
    lists.store(session, terms, row)
    audit.record(session, current_actor(), "price_list.changed", "price_list", code,
                 file=filename, prices_before=before, prices=len(terms.breaks))
    _committed(session, code)
    return lists.as_json(row)


@api.delete("/price-lists/<code>")
@requires("prices.manage")
@documented("Delete a price list", tags=("prices",), responses={204: ("Deleted", None)})
def delete_price_list(code: str):
    row = _price_list(code, to_change=True)
    session = db_session()
    audit.record(session, current_actor(), "price_list.deleted", "price_list", code,
                 prices=len(row.breaks))
    session.delete(row)
    _committed(session, code)
    return "", 204


@api.get("/products/<sku>/unit-price")
@requires("orders.view")
@documented("The unit price that applies to quantity (default 1) pieces of the SKU for an "
            "order in currency, of channel, customer and customer tier, on day on "
            "(YYYY-MM-DD, default today): from the most specific valid price list, else "
            "the product's own price (docs/prices.md)", tags=("prices",),
            responses={200: ("The unit price", UNIT_PRICE)})
def get_unit_price(sku: str):
    args = request.args
    sku = sku.strip()
    if not sku or len(sku) > 64:
        raise Problem(404, "a SKU has at most 64 characters")
    quantity = whole(args, "quantity", 1, low=1, high=1_000_000_000)
    on = day(args, "on", business_calendar.instance_date(utcnow()))
    assert on is not None
    customer, tier = args.get("customer") or None, args.get("tier") or None
    channel = args.get("channel") or None
    _may_ask(channel, customer)
    tier = order_lines.tier_of(db_session(), customer, tier)  # as on an order
    buyer = Buyer(currency=args.get("currency") or None, day=on,
                  channel=channel, customer_code=customer,
                  customer_tier=tier)
    found = unit_price(db_session(), buyer, sku, quantity)
    if found is None:
        raise Problem(404, f"no price list and no product price gives {sku} a price")
    return {"sku": sku, "quantity": quantity,
            "price": lists.shown(found.price, buyer.currency or ""),
            "price_list": found.source, "min_quantity": found.min_quantity}


def _may_ask(channel: str | None, customer: str | None) -> None:
    """A negotiated price is the buyer's business: only for someone who sees the lines'
    money, a customer they may look up, and a channel whose orders they may see."""
    user = current_user()
    if field_sight.hides_line_money_anywhere(db_session()):
        raise Problem(403, "your roles may not see the prices of order lines")
    if customer is not None and not user.can("customers.view"):
        raise Problem(403, "your roles may not look customers up (customers.view)")
    if channel is not None and channel != MANUAL and not sees_every_order(user) and \
            not ("my_channels" in row_rules(user) and channel in (user.channels or [])):
        raise Problem(403, f"your orders are not those of channel {channel}")


def _summary(terms: lists.Terms) -> dict[str, Any]:
    return {"currency": terms.currency, "channel": terms.channel,
            "customer_tier": terms.customer_tier, "customer": terms.customer_code,
            "valid_from": terms.valid_from.isoformat() if terms.valid_from else None,
            "valid_to": terms.valid_to.isoformat() if terms.valid_to else None,
            "prices": len(terms.breaks)}

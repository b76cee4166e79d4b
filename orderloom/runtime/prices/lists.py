"""Checking, storing and reading price lists as the API and the admin page give them.

A list is checked whole before anything is stored, and every fault is named at its
JSON Pointer: a SKU the catalog lacks, a channel or customer that does not exist, a
currency no one uses, dates the wrong way round, a price that is negative, has more
places than the currency or more digits than a money column holds, and two breaks
of one SKU from the same quantity (which of the two would apply?).
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Collection
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from babel.numbers import is_currency
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from orderloom.db import utcnow
from orderloom.designer.numbers import LARGEST_QUANTITY, OutOfBounds, money_unit
from orderloom.designer.numbers import checked as checked_number
from orderloom.runtime.customers.records import Customer
from orderloom.runtime.prices.models import PriceBreak, PriceList
from orderloom.runtime.stock.catalog import Product

MOST_BREAKS = 20_000  # a catalogue of thousands of SKUs with a few breaks each


# Why a list is refused, for a page to say in its reader's language (``detail`` says
# it in English for the API).
REQUIRED, TOO_LONG, NOT_A_DATE, NOT_A_CURRENCY = "required", "too_long", "not_a_date", "currency"
NO_CHANNEL, NO_CUSTOMER, NO_PRODUCT, REVERSED = "channel", "customer", "product", "reversed"
NOT_A_PRICE, NEGATIVE, QUANTITY, SAME_BREAK = "price", "negative", "quantity", "same_break"
TOO_MANY, NOT_A_CODE = "too_many", "code"

# A code is part of the list's address (/price-lists/{code}): nothing a URL would split.
CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,39}")


class PriceListError(ValueError):
    """A price list that cannot be stored, with the JSON Pointer of what is wrong,
    why (one of the codes above) and the value at fault."""

    def __init__(self, pointer: str, detail: str, why: str = "", value: object = None
                 ) -> None:
        super().__init__(f"{pointer}: {detail}")
        self.pointer = pointer
        self.detail = detail
        self.why = why
        self.value = value


@dataclass(frozen=True)
class Break:
    sku: str
    min_quantity: int
    unit_price: Decimal


@dataclass(frozen=True)
class Terms:
    """A price list as checked, before it is stored."""
    code: str
    name: str
    currency: str
    channel: str | None
    customer_tier: str | None
    customer_code: str | None
    valid_from: dt.date | None
    valid_to: dt.date | None
    breaks: tuple[Break, ...]


def _text(body: dict[str, Any], member: str, longest: int, *, required: bool = False
          ) -> str | None:
    value = body.get(member)
    if value is None or (isinstance(value, str) and not value.strip() and not required):
        if required:
            raise PriceListError(f"/{member}", "is required", REQUIRED)
        return None
    if not isinstance(value, str) or not value.strip():
        raise PriceListError(f"/{member}", "must be a text that is not empty", REQUIRED)
    value = value.strip()
    if len(value) > longest:
        raise PriceListError(f"/{member}", f"is longer than {longest} characters", TOO_LONG,
                             longest)
    return value


def _date(body: dict[str, Any], member: str) -> dt.date | None:
    value = body.get(member)
    if value is None or value == "":
        return None
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise PriceListError(f"/{member}", f"{value!r} is not a date such as 2026-01-31",
                             NOT_A_DATE, value) from None


def _breaks(session: Session, entries: Any, currency: str) -> tuple[Break, ...]:
    if not isinstance(entries, list):
        raise PriceListError("/prices", "must be a list of prices", REQUIRED)
    if len(entries) > MOST_BREAKS:
        raise PriceListError("/prices", f"at most {MOST_BREAKS:,} prices in one list",
                             TOO_MANY, MOST_BREAKS)
    found: dict[tuple[str, int], int] = {}
    breaks = []
    for i, entry in enumerate(entries):
        where = f"/prices/{i}"
        if not isinstance(entry, dict):
            raise PriceListError(where, "each price must be an object with sku and price",
                                 REQUIRED)
        sku = _text(entry, "sku", 64, required=True)
        assert sku is not None
        quantity = entry.get("min_quantity", 1)
        if isinstance(quantity, bool) or not isinstance(quantity, int) \
                or not 1 <= quantity <= LARGEST_QUANTITY:
            raise PriceListError(f"{where}/min_quantity",
                                 f"must be a whole number from 1 to {LARGEST_QUANTITY:,}",
                                 QUANTITY, quantity)
        try:
            price = checked_number("money", entry.get("price"), currency)
        except OutOfBounds as error:
            raise PriceListError(f"{where}/price", str(error), NOT_A_PRICE,
                                 entry.get("price")) from None
        if price < 0:
            raise PriceListError(f"{where}/price", "must not be negative", NEGATIVE, price)
        if (sku, quantity) in found:
            raise PriceListError(f"{where}/min_quantity",
                                 f"{sku} has a price from {quantity} pieces already (at "
                                 f"/prices/{found[sku, quantity]}); each break starts at "
                                 "its own quantity", SAME_BREAK, sku)
        found[sku, quantity] = i
        breaks.append(Break(sku, quantity, price))
    known = _known_skus(session, {b.sku for b in breaks})
    for i, b in enumerate(breaks):
        if b.sku not in known:
            raise PriceListError(f"/prices/{i}/sku", f"no product {b.sku!r} in the catalog",
                                 NO_PRODUCT, b.sku)
    return tuple(breaks)


def _known_skus(session: Session, skus: set[str]) -> set[str]:
    known: set[str] = set()
    ordered = sorted(skus)
    for start in range(0, len(ordered), 500):  # within every database's parameter limit
        chunk = ordered[start:start + 500]
        known.update(session.scalars(select(Product.sku).where(Product.sku.in_(chunk))))
    return known


def checked(session: Session, body: dict[str, Any], channels: Collection[str]) -> Terms:
    """The list ``body`` asks for, or a PriceListError saying where it is wrong.
    ``channels``: the keys of the channels orders may come from (``manual`` among them)."""
    code = _text(body, "code", 40, required=True)
    if code is not None and not CODE.fullmatch(code):
        raise PriceListError("/code", f"{code!r} is not a code: use letters, digits, _ . and "
                                      "-, starting with a letter or digit", NOT_A_CODE, code)
    name = _text(body, "name", 200) or code
    currency = _text(body, "currency", 3, required=True)
    assert code is not None and name is not None and currency is not None
    if not is_currency(currency) or currency != currency.upper():
        raise PriceListError("/currency", f"{currency!r} is not a currency code such as CNY",
                             NOT_A_CURRENCY, currency)
    channel = _text(body, "channel", 40)
    if channel is not None and channel not in channels:
        raise PriceListError("/channel", f"there is no channel {channel!r}", NO_CHANNEL,
                             channel)
    tier = _text(body, "customer_tier", 40)
    customer = _text(body, "customer", 64)
    if customer is not None and session.scalar(
            select(Customer.id).where(Customer.code == customer)) is None:
        raise PriceListError("/customer", f"there is no customer {customer!r}",
                             NO_CUSTOMER, customer)
    valid_from, valid_to = _date(body, "valid_from"), _date(body, "valid_to")
    if valid_from and valid_to and valid_to < valid_from:
        raise PriceListError("/valid_to", f"{valid_to.isoformat()} is before valid_from "
                                          f"{valid_from.isoformat()}", REVERSED)
    return Terms(code, name, currency, channel, tier, customer, valid_from, valid_to,
                 _breaks(session, body.get("prices", []), currency))


def find(session: Session, code: str, *, to_change: bool = False) -> PriceList | None:
    """The list with ``code``. ``to_change``: locked until the caller commits, so two
    requests changing one list at once take turns (PostgreSQL; SQLite writes one at a
    time anyway) and the second works on what the first stored."""
    query = select(PriceList).where(PriceList.code == code)
    if to_change:
        query = query.with_for_update()
    return session.scalar(query.options(selectinload(PriceList.breaks)))


def every_list(session: Session) -> list[PriceList]:
    return list(session.scalars(select(PriceList).order_by(PriceList.code)
                                .options(selectinload(PriceList.breaks))))


def store(session: Session, terms: Terms, row: PriceList | None = None) -> PriceList:
    """Add the list, or replace ``row``'s terms and prices with ``terms``; the caller
    commits (and records who did it)."""
    if row is None:
        row = PriceList(created_at=utcnow())
        session.add(row)
    row.code, row.name, row.currency = terms.code, terms.name, terms.currency
    row.channel, row.customer_tier, row.customer_code = (terms.channel, terms.customer_tier,
                                                         terms.customer_code)
    row.valid_from, row.valid_to = terms.valid_from, terms.valid_to
    row.updated_at = utcnow()
    row.breaks.clear()
    session.flush()  # the old breaks go before new ones take their (sku, quantity)
    row.breaks.extend(PriceBreak(sku=b.sku, min_quantity=b.min_quantity,
                                 unit_price=b.unit_price) for b in terms.breaks)
    return row


def as_json(row: PriceList) -> dict[str, Any]:
    return {"code": row.code, "name": row.name, "currency": row.currency,
            "channel": row.channel, "customer_tier": row.customer_tier,
            "customer": row.customer_code,
            "valid_from": row.valid_from.isoformat() if row.valid_from else None,
            "valid_to": row.valid_to.isoformat() if row.valid_to else None,
            "prices": [{"sku": b.sku, "min_quantity": b.min_quantity,
                        "price": shown(b.unit_price, row.currency)}
                       for b in sorted(row.breaks, key=lambda b: (b.sku, b.min_quantity))]}


def shown(price: Decimal | None, currency: str) -> str | None:
    """A stored price as exact text with the currency's places ("79.00", not "79.0000")."""
    return None if price is None else str(price.quantize(money_unit(currency)))

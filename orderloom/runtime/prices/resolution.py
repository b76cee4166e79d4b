"""Which price applies to a line: the rules, in one place.

A price list applies to a line when it is in the order's currency, is valid on the
order's day (``valid_from`` and ``valid_to`` both included, either may be open),
names nothing the order is not (its channel, its customer's tier, its customer), and
has a break of the line's SKU at or below the line's quantity. Of the lists that
apply, the most specific wins: one naming the customer beats one naming a tier, which
beats one naming a channel, which beats one naming nobody; a list naming two of them
beats one naming only the higher of the two. Between lists as specific as each other,
the one valid from the latest day wins (an open start is the earliest), then the code
first in alphabetical order, so the choice never depends on how the database happened
to return them or when a list was typed in. Within the winning list the break with the largest
starting quantity at or below the line's quantity gives the price.

With no list applying, the product's own price in the catalog applies, if it has one.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from orderloom.designer import numbers
from orderloom.designer.numbers import OutOfBounds
from orderloom.runtime import remembered
from orderloom.runtime.prices.models import PriceBreak, PriceList
from orderloom.runtime.stock import catalog
from orderloom.runtime.stock.catalog import Product, price_of

PRODUCT = "product"  # the source of a price taken from the catalog, not from a list


@dataclass(frozen=True)
class Buyer:
    """Who is buying, where and when: what a list may be restricted to."""
    currency: str | None  # an order type without a currency: no list applies
    day: dt.date
    channel: str | None = None
    customer_code: str | None = None
    customer_tier: str | None = None


@dataclass(frozen=True)
class ListPrice:
    """The unit price that applies, and where it comes from: a list's code, or
    ``product`` for the catalog's own price."""
    price: Decimal
    source: str
    min_quantity: int = 1


def specificity(row: PriceList) -> tuple[bool, bool, bool]:
    """How specific a list is, compared as a tuple: customer, then tier, then channel."""
    return (row.customer_code is not None, row.customer_tier is not None,
            row.channel is not None)


def rank(row: PriceList) -> tuple:
    """Larger wins (see the module's docstring); of equals, the code first in order."""
    return (specificity(row), row.valid_from or dt.date.min)


# Asked for every order's lines: a shop that keeps no price lists pays nothing for them.
ANY_PRICE_LIST = remembered.Read("a price list", (PriceList,))


def unit_price(session: Session, buyer: Buyer, sku: str, quantity: int | Decimal
               ) -> ListPrice | None:
    """The unit price of ``quantity`` pieces of ``sku`` for ``buyer``, or None when
    neither a list nor the catalog prices it."""
    return unit_prices(session, buyer, [(sku, quantity)])[sku, quantity]


def unit_prices(session: Session, buyer: Buyer,
                lines: Collection[tuple[str, int | Decimal]]
                ) -> dict[tuple[str, int | Decimal], ListPrice | None]:
    """The unit price of each (SKU, quantity) for ``buyer``: two queries for a whole
    order, however many lines it has."""
    if not lines:
        return {}
    skus = sorted({sku for sku, _ in lines})
    found = _breaks(session, buyer, skus, max(quantity for _, quantity in lines))
    found.sort(key=lambda pair: pair[0].code)  # max keeps the first of equals: by code
    prices: dict[tuple[str, int | Decimal], ListPrice | None] = {}
    for sku, quantity in lines:
        reached = [pair for pair in found
                   if pair[1].sku == sku and pair[1].min_quantity <= quantity]
        if reached:
            # The list first (its rank, then its code), then its break: a larger break
            # of a list that lost the tie on its code must not win.
            winner = max(reached, key=lambda pair: rank(pair[0]))[0]
            best = max((pair[1] for pair in reached if pair[0] is winner),
                       key=lambda b: b.min_quantity)
            prices[sku, quantity] = ListPrice(best.unit_price, winner.code, best.min_quantity)
    unpriced = sorted({sku for sku, quantity in lines if (sku, quantity) not in prices})
    own = {p.sku: p for p in session.scalars(select(Product).where(Product.sku.in_(unpriced)))
           } if unpriced and catalog.has_products(session) else {}
    for sku, quantity in lines:
        if (sku, quantity) not in prices:
            prices[sku, quantity] = _own_price(own.get(sku), buyer.currency)
    return prices


def _breaks(session: Session, buyer: Buyer, skus: list[str], most: int | Decimal
            ) -> list[Any]:
    """The (list, break) pairs that may price these SKUs for ``buyer``."""
    if not remembered.anything(session, ANY_PRICE_LIST, select(PriceList.id)):
        return []
    return list(session.execute(
        select(PriceList, PriceBreak)
        .join(PriceBreak, PriceBreak.price_list_id == PriceList.id)
        .where(PriceBreak.sku.in_(skus),
               PriceBreak.min_quantity <= most,
               PriceBreak.unit_price.is_not(None),
               PriceList.currency == buyer.currency,
               or_(PriceList.valid_from.is_(None), PriceList.valid_from <= buyer.day),
               or_(PriceList.valid_to.is_(None), PriceList.valid_to >= buyer.day),
               _open_or(PriceList.channel, buyer.channel),
               _open_or(PriceList.customer_tier, buyer.customer_tier),
               _open_or(PriceList.customer_code, buyer.customer_code))))


def _own_price(product: Product | None, currency: str | None) -> ListPrice | None:
    """The catalog's price, when it is one a line could carry: a price typed by hand in
    the product's attributes ("1e40", "NaN", "12.345" in CNY, "-5") is no price at all,
    as a read path never fails because one stored row is odd."""
    own = price_of(product) if product is not None else None
    if own is None:
        return None
    try:
        price = numbers.checked("money", own, currency)
    except OutOfBounds:
        return None
    return ListPrice(price, PRODUCT) if price >= 0 else None


def _open_or(column, value: str | None):
    if value is None:
        return column.is_(None)
    return or_(column.is_(None), and_(column.is_not(None), column == value))

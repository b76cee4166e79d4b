"""Prices on an order's lines: filled in where a line arrives without one, flagged
where a line is priced below the price that applies (resolution.py), and looked up
by the formulas of the order's rules (LISTPRICE).

The lines are found by what their columns mean, never by their keys: line items
with a product column, the column meaning ``unit_price`` (or the one money column)
and the one meaning ``quantity`` (or the one integer column).
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from orderloom.designer.blueprint import Blueprint
from orderloom.designer.form import line_column
from orderloom.designer.numbers import OutOfBounds, money_unit, read_number
from orderloom.dsl.workdays import Calendar
from orderloom.runtime import business_calendar
from orderloom.runtime.customers import records as customers
from orderloom.runtime.formula_catalogue import FormulaCatalogue
from orderloom.runtime.prices.resolution import Buyer, ListPrice, unit_prices


@dataclass(frozen=True)
class PricedColumns:
    """Where a line items field keeps each line's SKU, quantity and unit price."""
    lines: str
    product: str
    quantity: str | None
    price: str


@dataclass(frozen=True)
class BelowList:
    """A line priced below the price that applies to it."""
    lines: str
    index: int
    sku: str
    quantity: int
    price: Decimal
    list_price: ListPrice

    def as_json(self, currency: str) -> dict[str, Any]:
        unit = money_unit(currency)
        return {"lines": self.lines, "line": self.index, "sku": self.sku,
                "quantity": self.quantity, "price": str(self.price.quantize(unit)),
                "list_price": str(self.list_price.price.quantize(unit)),
                "price_list": self.list_price.source}


def priced_columns(definition: dict[str, Any]) -> list[PricedColumns]:
    found = []
    for field in definition.get("form", {}).get("fields", []):
        if field.get("type") != "line_items":
            continue
        columns = field.get("fields", [])
        product = next((c for c in columns if c["type"] == "product"), None)
        price = line_column(columns, "unit_price")
        if product is None or price is None or price["type"] == "computed":
            continue
        quantity = line_column(columns, "quantity")
        found.append(PricedColumns(field["key"], product["key"], price=price["key"],
                                   quantity=quantity["key"] if quantity else None))
    return found


def buyer_for(session: Session, blueprint: Blueprint, data: dict[str, Any], *,
              channel: str | None, day: dt.date) -> Buyer:
    """Who buys on this order: its channel, and the customer its customer field names
    (see ``tier_of`` for the tier)."""
    key = customers.customer_field(blueprint)
    record = data.get(key) if key else None
    code = tier = None
    if isinstance(record, dict):
        code = _text(record.get("code"))
        tier = tier_of(session, code, _text(record.get("tier")))
    return Buyer(currency=blueprint.currency, day=day, channel=channel,
                 customer_code=code, customer_tier=tier)


def tier_of(session: Session, code: str | None, typed: str | None) -> str | None:
    """The tier prices are chosen by: a known customer's is the one kept on their
    record, whatever an order or a caller types (a tier typed on the order must not buy
    a known customer another tier's prices); a customer not on record is of the tier
    typed for them."""
    if code is None:
        return typed
    try:
        known = customers.find(session, code)
    except customers.CustomerNotFound:
        return typed
    return kept_tier(known.attributes)


def kept_tier(attributes: Any) -> str | None:
    """The tier kept on a customer's record (its ``attributes``)."""
    return _text(attributes.get("tier")) if isinstance(attributes, dict) else None


def typed_tier(blueprint: Blueprint, data: dict[str, Any]) -> str | None:
    """The tier typed on the order for its customer, in the form's customer field."""
    key = customers.customer_field(blueprint)
    record = data.get(key) if key else None
    return _text(record.get("tier")) if isinstance(record, dict) else None


def _text(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def _quantity(line: dict[str, Any], columns: PricedColumns) -> int | None:
    if columns.quantity is None:
        return 1
    try:
        number = read_number(line.get(columns.quantity, 1))
    except OutOfBounds:
        return None  # the order's own checks say what is wrong with it
    if number < 1 or number != number.to_integral_value():
        return None
    return int(number)


def _lines(blueprint: Blueprint, data: dict[str, Any]
           ) -> Iterator[tuple[PricedColumns, int, dict[str, Any], str, int]]:
    for columns in priced_columns(blueprint.definition):
        lines = data.get(columns.lines)
        for index, line in enumerate(lines if isinstance(lines, list) else []):
            if not isinstance(line, dict):
                continue
            sku = _text(line.get(columns.product))
            quantity = _quantity(line, columns)
            if sku is not None and quantity is not None:
                yield columns, index, line, sku, quantity


def fill_missing(session: Session, blueprint: Blueprint, data: dict[str, Any],
                 buyer: Buyer) -> int:
    """Give each line that arrived without a unit price the price that applies, in
    ``data`` itself; the number of lines filled. A line no price applies to stays
    empty, and the form's own checks say so if the price is required."""
    empty = [(columns, line, sku, quantity)
             for columns, _index, line, sku, quantity in _lines(blueprint, data)
             if line.get(columns.price) in (None, "")]
    prices = unit_prices(session, buyer, [(sku, quantity) for _c, _l, sku, quantity in empty])
    filled = 0
    for columns, line, sku, quantity in empty:
        found = prices[sku, quantity]
        if found is not None:
            line[columns.price] = str(found.price.quantize(money_unit(buyer.currency)))
            filled += 1
    return filled


def below_list(session: Session, blueprint: Blueprint, data: dict[str, Any],
               buyer: Buyer) -> list[BelowList]:
    """The lines priced below the price that applies to them."""
    priced = []
    for columns, index, line, sku, quantity in _lines(blueprint, data):
        try:
            priced.append((columns, index, sku, quantity,
                           read_number(line.get(columns.price))))
        except OutOfBounds:
            continue
    prices = unit_prices(session, buyer, [(sku, quantity) for _c, _i, sku, quantity, _p
                                          in priced])
    low = []
    for columns, index, sku, quantity, price in priced:
        found = prices[sku, quantity]
        if found is not None and price < found.price:
            low.append(BelowList(columns.lines, index, sku, quantity, price, found))
    return low


def priced_calendar(session: Session, calendar: Calendar,
                    buyer: Buyer | Callable[[], Buyer], blueprint: Blueprint,
                    data: dict[str, Any]) -> Calendar:
    """``calendar`` for the formulas of one order (``data``): LISTPRICE(sku, quantity)
    gives the prices that apply to ``buyer`` (or the buyer a callable gives, asked only
    when a formula looks a price up). The first look-up prices every line of the order
    at once (two queries), as a rule over the lines asks for each of them."""
    known: list[Buyer] = [buyer] if isinstance(buyer, Buyer) else []
    priced: dict[tuple[str, Decimal], ListPrice | None] = {}

    def book(sku: str, quantity: Decimal) -> Decimal | None:
        if not known:
            known.append(buyer())  # type: ignore[operator]
        if (sku, quantity) not in priced:
            wanted = {(s, Decimal(q)) for _c, _i, _l, s, q in _lines(blueprint, data)}
            wanted = {pair for pair in wanted | {(sku, quantity)} if pair not in priced}
            priced.update(unit_prices(session, known[0], wanted))
        found = priced[sku, quantity]
        return found.price if found is not None else None

    reader = calendar.catalogue if isinstance(calendar.catalogue, FormulaCatalogue) \
        else FormulaCatalogue(session)
    return replace(calendar, catalogue=reader.priced_by(book))


def order_calendar(session: Session, calendar: Calendar, blueprint: Blueprint,
                   data: dict[str, Any], *, channel: str | None, placed: dt.datetime
                   ) -> Calendar:
    """``calendar`` for the formulas of a stored order: its prices are those of the day
    it was placed, in the instance's time zone."""
    return priced_calendar(session, calendar, lambda: buyer_for(
        session, blueprint, data, channel=channel, day=business_calendar.instance_date(placed)),
        blueprint, data)



"""Whether a promotion rule applies to an order, and what it gives: decided from the
facts of the order alone (its channel, day, buyer's tier, total and lines), so the
arriving order and the backtest over thousands of past ones decide alike.

The lines are read by what their columns mean (prices.order_lines.priced_columns):
the product, quantity and unit price columns of each line-items field, never their
keys.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from orderloom.designer.numbers import OutOfBounds, money_unit, read_number
from orderloom.runtime.prices.order_lines import PricedColumns
from orderloom.runtime.promotions.models import ON_LINES, PromotionRule

HUNDRED = Decimal(100)


@dataclass(frozen=True)
class Line:
    sku: str
    quantity: int
    amount: Decimal  # quantity x unit price; 0 when the line has no price


@dataclass(frozen=True)
class OrderFacts:
    """What rules read of an order."""
    channel: str | None
    day: dt.date  # in the instance's time zone
    tier: str | None
    total: Decimal | None
    currency: str | None
    lines: tuple[Line, ...]


@dataclass(frozen=True)
class Terms:
    """A rule's conditions and effects, as plain values (a stored rule or a draft)."""
    code: str
    name: str
    skus: frozenset[str]
    min_amount: Decimal | None
    min_quantity: int | None
    channels: frozenset[str]
    customer_tiers: frozenset[str]
    starts_on: dt.date | None
    ends_on: dt.date | None
    gift_sku: str | None
    gift_quantity: int | None
    discount_percent: Decimal | None
    discount_amount: Decimal | None
    discount_on: str

    @classmethod
    def of(cls, rule: PromotionRule) -> Terms:
        return cls(code=rule.code, name=rule.name, skus=frozenset(rule.skus or ()),
                   min_amount=rule.min_amount, min_quantity=rule.min_quantity,
                   channels=frozenset(rule.channels or ()),
                   customer_tiers=frozenset(rule.customer_tiers or ()),
                   starts_on=rule.starts_on, ends_on=rule.ends_on, gift_sku=rule.gift_sku,
                   gift_quantity=rule.gift_quantity, discount_percent=rule.discount_percent,
                   discount_amount=rule.discount_amount, discount_on=rule.discount_on)


@dataclass(frozen=True)
class Outcome:
    """What a rule gives one order: gift units and a discount (either may be none)."""
    gift_sku: str | None
    gift_quantity: int
    discount: Decimal


def read_lines(columns: list[PricedColumns], data: dict[str, Any]) -> tuple[Line, ...]:
    found = []
    for priced in columns:
        lines = data.get(priced.lines)
        for line in lines if isinstance(lines, list) else ():
            if not isinstance(line, dict):
                continue
            sku = line.get(priced.product)
            if not isinstance(sku, str) or not sku.strip():
                continue
            quantity = _number(line.get(priced.quantity, 1)) if priced.quantity else 1
            if quantity is None or quantity < 1 or quantity != int(quantity):
                continue
            price = _number(line.get(priced.price)) or Decimal(0)
            found.append(Line(sku.strip(), int(quantity), price * int(quantity)))
    return tuple(found)


def _number(value: Any) -> Decimal | None:
    try:
        return read_number(value)
    except OutOfBounds:
        return None


def qualifies(terms: Terms, facts: OrderFacts) -> bool:
    if terms.channels and facts.channel not in terms.channels:
        return False
    if terms.customer_tiers and facts.tier not in terms.customer_tiers:
        return False
    if terms.starts_on is not None and facts.day < terms.starts_on:
        return False
    if terms.ends_on is not None and facts.day > terms.ends_on:
        return False
    if terms.min_amount is not None and (facts.total is None
                                         or facts.total < terms.min_amount):
        return False
    counted = _counted(terms, facts)
    if terms.skus and not counted:
        return False
    return terms.min_quantity is None or sum(line.quantity for line in counted) \
        >= terms.min_quantity


def _counted(terms: Terms, facts: OrderFacts) -> list[Line]:
    """The lines the rule's quantity and line discount count: those of its SKUs, or
    every line when it names none."""
    return [line for line in facts.lines if not terms.skus or line.sku in terms.skus]


def outcome(terms: Terms, facts: OrderFacts) -> Outcome | None:
    """What ``terms`` give the order, or None when it does not qualify."""
    if not qualifies(terms, facts):
        return None
    return Outcome(terms.gift_sku, terms.gift_quantity or 0 if terms.gift_sku else 0,
                   discount(terms, facts))


def discount(terms: Terms, facts: OrderFacts) -> Decimal:
    """The amount off: a percentage of the order's total (or of the lines of the rule's
    SKUs) and/or a fixed amount, never more than what it is taken off, rounded to the
    currency's smallest unit."""
    if terms.discount_percent is None and terms.discount_amount is None:
        return Decimal(0)
    base = (sum((line.amount for line in _counted(terms, facts)), Decimal(0))
            if terms.discount_on == ON_LINES else facts.total or Decimal(0))
    off = Decimal(0)
    if terms.discount_percent is not None:
        off += base * terms.discount_percent / HUNDRED
    if terms.discount_amount is not None:
        off += terms.discount_amount
    off = min(off, base, facts.total if facts.total is not None else base)
    return max(off, Decimal(0)).quantize(money_unit(facts.currency), ROUND_HALF_UP)

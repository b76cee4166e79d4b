"""Promotion rules as the admin pages and the API give them: checked member by
member (each refusal names its JSON Pointer and a code the pages word in the reader's
language), stored, listed and switched on or off. Nothing here commits."""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Collection
from decimal import ROUND_DOWN, Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from orderloom.db import utcnow
from orderloom.designer.numbers import LARGEST_QUANTITY, OutOfBounds, read_number
from orderloom.runtime import remembered
from orderloom.runtime.errors import OrderError
from orderloom.runtime.promotions.matching import Terms
from orderloom.runtime.promotions.models import (
    CODE_LENGTH,
    NAME_LENGTH,
    ON_LINES,
    ON_ORDER,
    SKU_LENGTH,
    PromotionRule,
)
from orderloom.runtime.stock.catalog import Product

CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,39}")
MOST_SKUS = 200
LARGEST_AMOUNT = Decimal("999999999999.99")
# The days a rule, a backtest or a pre-sale may name: a day beyond them is a typing
# slip, and the day after the last must still be a day.
FIRST_DAY, LAST_DAY = dt.date(1970, 1, 1), dt.date(9998, 12, 31)


def day_within(value: Any, pointer: str) -> dt.date:
    """``value`` (YYYY-MM-DD) as a day between FIRST_DAY and LAST_DAY, else a
    PromotionError at ``pointer``."""
    try:
        day = dt.date.fromisoformat(str(value))
    except ValueError:
        raise PromotionError(pointer, f"{value!r} is not a date such as 2026-01-31",
                             "not_a_date", value=str(value)) from None
    if not FIRST_DAY <= day <= LAST_DAY:
        raise PromotionError(pointer, f"{value!r} is not a day from {FIRST_DAY} to "
                                      f"{LAST_DAY}", "not_a_date", value=str(value))
    return day


class PromotionError(OrderError):
    """A rule that cannot be stored, at ``pointer``."""

    def __init__(self, pointer: str, message: str, code: str, **values: object) -> None:
        super().__init__(message, code=f"promotion.{code}", **values)
        self.pointer = pointer


def _text(body: dict[str, Any], member: str, longest: int, *, required: bool = False
          ) -> str | None:
    value = body.get(member)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise PromotionError(f"/{member}", "is required", "required")
        return None
    if not isinstance(value, str):
        raise PromotionError(f"/{member}", "must be a text", "required")
    value = value.strip()
    if len(value) > longest:
        raise PromotionError(f"/{member}", f"is longer than {longest} characters",
                             "too_long", longest=longest)
    return value


def _list(body: dict[str, Any], member: str) -> list[str]:
    value = body.get(member) or []
    if not isinstance(value, list) or len(value) > MOST_SKUS:
        raise PromotionError(f"/{member}", f"must be a list of at most {MOST_SKUS} texts",
                             "not_a_list", most=MOST_SKUS)
    found = []
    for index, item in enumerate(value):
        if not isinstance(item, str) or not item.strip() or len(item.strip()) > SKU_LENGTH:
            raise PromotionError(f"/{member}/{index}", "must be a text that is not empty",
                                 "required")
        found.append(item.strip())
    return list(dict.fromkeys(found))


STORED_PLACES = 4  # the rules' amounts and percents are Numeric(18, 4)


def _amount(body: dict[str, Any], member: str, *, largest: Decimal = LARGEST_AMOUNT
            ) -> Decimal | None:
    """The member's number; more places than are stored is refused, not rounded (a
    discount of 0.00001 was stored as 0: an active rule that gives nothing)."""
    value = body.get(member)
    if value is None or value == "":
        return None
    try:
        number = read_number(value)
    except OutOfBounds:
        raise PromotionError(f"/{member}", f"{value!r} is not a number", "not_a_number",
                             value=str(value)) from None
    if number <= 0 or number > largest:
        raise PromotionError(f"/{member}", f"must be more than 0 and at most {largest}",
                             "out_of_range", largest=str(largest))
    if number != number.quantize(Decimal(1).scaleb(-STORED_PLACES), rounding=ROUND_DOWN):
        raise PromotionError(f"/{member}", f"at most {STORED_PLACES} decimal places",
                             "too_many_places", places=STORED_PLACES)
    return number


def _count(body: dict[str, Any], member: str) -> int | None:
    number = _amount(body, member, largest=Decimal(LARGEST_QUANTITY))
    if number is None:
        return None
    if number != number.to_integral_value():
        raise PromotionError(f"/{member}", "must be a whole number", "not_whole")
    return int(number)


def _date(body: dict[str, Any], member: str) -> dt.date | None:
    value = body.get(member)
    if value is None or value == "":
        return None
    return day_within(value, f"/{member}")


def _known_skus(session: Session, skus: Collection[str]) -> set[str]:
    return set(session.scalars(select(Product.sku).where(Product.sku.in_(set(skus)))))


def checked(session: Session, body: dict[str, Any], channels: Collection[str]) -> Terms:
    """The rule ``body`` asks for, or a PromotionError at its first fault. ``channels``:
    the keys orders may come from."""
    code = _text(body, "code", CODE_LENGTH, required=True)
    assert code is not None
    if not CODE.fullmatch(code):
        raise PromotionError("/code", f"{code!r} is not a code: use letters, digits, _ . "
                                      "and -, starting with a letter or digit", "not_a_code",
                             value=code)
    name = _text(body, "name", NAME_LENGTH) or code
    skus = _list(body, "skus")
    gift_sku = _text(body, "gift_sku", SKU_LENGTH)
    known = _known_skus(session, [*skus, *([gift_sku] if gift_sku else [])])
    for index, sku in enumerate(skus):
        if sku not in known:
            raise PromotionError(f"/skus/{index}", f"there is no product {sku!r}",
                                 "no_product", sku=sku)
    if gift_sku is not None and gift_sku not in known:
        raise PromotionError("/gift_sku", f"there is no product {gift_sku!r}", "no_product",
                             sku=gift_sku)
    chosen_channels = _list(body, "channels")
    for index, channel in enumerate(chosen_channels):
        if channel not in channels:
            raise PromotionError(f"/channels/{index}", f"there is no channel {channel!r}",
                                 "no_channel", channel=channel)
    starts_on, ends_on = _date(body, "starts_on"), _date(body, "ends_on")
    if starts_on and ends_on and ends_on < starts_on:
        raise PromotionError("/ends_on", f"{ends_on.isoformat()} is before starts_on "
                                         f"{starts_on.isoformat()}", "reversed_dates")
    gift_quantity = _count(body, "gift_quantity")
    if gift_sku is not None and gift_quantity is None:
        gift_quantity = 1
    if gift_sku is None and gift_quantity is not None:
        raise PromotionError("/gift_sku", "name the gift's SKU", "gift_without_sku")
    percent = _amount(body, "discount_percent", largest=Decimal(100))
    amount = _amount(body, "discount_amount")
    discount_on = body.get("discount_on") or ON_ORDER
    if discount_on not in (ON_ORDER, ON_LINES):
        raise PromotionError("/discount_on", "must be \"order\" or \"lines\"", "discount_on")
    if gift_sku is None and percent is None and amount is None:
        raise PromotionError("/gift_sku", "give a gift or a discount", "gives_nothing")
    return Terms(code=code, name=name, skus=frozenset(skus),
                 min_amount=_amount(body, "min_amount"),
                 min_quantity=_count(body, "min_quantity"),
                 channels=frozenset(chosen_channels),
                 customer_tiers=frozenset(_list(body, "customer_tiers")),
                 starts_on=starts_on, ends_on=ends_on, gift_sku=gift_sku,
                 gift_quantity=gift_quantity, discount_percent=percent,
                 discount_amount=amount, discount_on=discount_on)


def find(session: Session, code: str, *, to_change: bool = False) -> PromotionRule | None:
    query = select(PromotionRule).where(PromotionRule.code == code)
    return session.scalar(query.with_for_update() if to_change else query)


def every_rule(session: Session) -> list[PromotionRule]:
    return list(session.scalars(select(PromotionRule).order_by(PromotionRule.code)))


# Asked on every order that arrives: many shops run no promotion.
ANY_ACTIVE = remembered.Read("an active promotion rule", (PromotionRule,))


def active_rules(session: Session) -> list[PromotionRule]:
    if not remembered.anything(session, ANY_ACTIVE,
                               select(PromotionRule.id).where(PromotionRule.active.is_(True))):
        return []
    return list(session.scalars(select(PromotionRule).where(PromotionRule.active.is_(True))
                                .order_by(PromotionRule.code)))


def store(session: Session, terms: Terms, *, active: bool,
          row: PromotionRule | None = None) -> PromotionRule:
    """Add the rule, or replace ``row``'s terms (its code stays)."""
    if row is None:
        row = PromotionRule(code=terms.code, created_at=utcnow())
        session.add(row)
    row.name = terms.name
    row.active = active
    row.skus = sorted(terms.skus)
    row.min_amount = terms.min_amount
    row.min_quantity = terms.min_quantity
    row.channels = sorted(terms.channels)
    row.customer_tiers = sorted(terms.customer_tiers)
    row.starts_on, row.ends_on = terms.starts_on, terms.ends_on
    row.gift_sku, row.gift_quantity = terms.gift_sku, terms.gift_quantity
    row.discount_percent, row.discount_amount = terms.discount_percent, terms.discount_amount
    row.discount_on = terms.discount_on
    row.updated_at = utcnow()
    return row


def _money(value: Decimal | None) -> str | None:
    return None if value is None else format(value.normalize(), "f")


def as_json(rule: PromotionRule) -> dict[str, Any]:
    return {"code": rule.code, "name": rule.name, "active": rule.active,
            "skus": list(rule.skus or []), "min_amount": _money(rule.min_amount),
            "min_quantity": rule.min_quantity, "channels": list(rule.channels or []),
            "customer_tiers": list(rule.customer_tiers or []),
            "starts_on": rule.starts_on.isoformat() if rule.starts_on else None,
            "ends_on": rule.ends_on.isoformat() if rule.ends_on else None,
            "gift_sku": rule.gift_sku, "gift_quantity": rule.gift_quantity,
            "discount_percent": _money(rule.discount_percent),
            "discount_amount": _money(rule.discount_amount), "discount_on": rule.discount_on}

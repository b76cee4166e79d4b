"""Promotions run again when a placed order is edited (order_edits/placed.py calls
``run_again`` once, in the edit's savepoint, after the edited values are computed).

The order is read as if no promotion had touched it: the discount promotions put in
its discount field is taken out first, so a threshold is judged on what the buyer's
lines and staff's own discount make, as on arrival. Then each promotion the order got,
and each active one, is asked again:

- a gift it no longer qualifies for is taken back and its units go back on the shelf;
- a gift it now qualifies for is given and reserved, or said to be out of stock;
- each promotion's discount is worked out again, and the discount field carries the
  staff's own share plus the promotions' new ones.

A promotion deleted since keeps what it gave: there are no terms left to ask. Each
change is an entry of the timeline; an edit that changes nothing of it writes none.
"""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from orderloom.designer.blueprint import to_json
from orderloom.designer.form import with_meaning
from orderloom.designer.numbers import money_unit, stored
from orderloom.designer.published import blueprint_for
from orderloom.runtime import business_calendar
from orderloom.runtime.audit import SYSTEM
from orderloom.runtime.orders import timeline
from orderloom.runtime.orders.models import Order
from orderloom.runtime.prices import order_lines
from orderloom.runtime.promotions import rules
from orderloom.runtime.promotions.giving import applied_to, facts_of, give_gift
from orderloom.runtime.promotions.matching import Terms, outcome
from orderloom.runtime.promotions.models import (
    DISCOUNT,
    DISCOUNT_NO_FIELD,
    GIFT,
    GIFT_OUT_OF_STOCK,
    PromotionApplied,
    PromotionRule,
)
from orderloom.runtime.stock import keeping
from orderloom.runtime.stock.catalog import Product, Warehouse

GIFTS = (GIFT, GIFT_OUT_OF_STOCK)
DISCOUNTS = (DISCOUNT, DISCOUNT_NO_FIELD)


def run_again(session: Session, order: Order) -> None:
    """Give and take back what the edited order now qualifies for."""
    given = applied_to(session, order.id)
    asked = _rules_to_ask(session, given)
    if not asked and not given:
        return
    blueprint = blueprint_for(order.version)
    field = with_meaning(blueprint.definition["form"]["fields"], "discount")
    if field is not None and field["type"] == "computed":
        field = None
    total_before = order.total
    by_promotions = sum((g.amount or Decimal(0) for g in given if g.kind == DISCOUNT),
                        Decimal(0))
    own = typed = Decimal(0)
    entered = order.data.get(field["key"]) if field is not None else None
    if field is not None:
        typed = stored(entered) or Decimal(0)
        # Staff may have lowered the discount below what promotions gave: none is theirs.
        own = max(typed - by_promotions, Decimal(0))
        if own != typed:
            _set_discount(session, order, blueprint, field["key"], _money(order, own))
    facts = facts_of(session, order)
    left = facts.total
    discounts: list[tuple[Terms, Decimal]] = []
    kept = Decimal(0)
    for rule, terms in asked:
        now = outcome(terms, facts) if rule is not None else None
        _gift_again(session, order, terms, rule is not None, now and (now.gift_sku,
                                                                      now.gift_quantity),
                    [g for g in given if g.rule_code == terms.code and g.kind in GIFTS])
        earlier = [g for g in given if g.rule_code == terms.code and g.kind in DISCOUNTS]
        if rule is None:
            kept += sum((g.amount or Decimal(0) for g in earlier if g.kind == DISCOUNT),
                        Decimal(0))
            continue
        amount = Decimal(0) if now is None else now.discount
        if left is not None:
            amount = min(amount, max(left, Decimal(0)))
        if left is not None and amount > 0:
            left -= amount
        discounts.append((terms, amount))
    if field is not None:
        new = own + kept + sum((amount for _terms, amount in discounts), Decimal(0))
        # Unchanged, the field keeps what was entered, as it was written (or left out).
        _set_discount(session, order, blueprint, field["key"],
                      entered if new == typed else _money(order, new))
    for terms, amount in discounts:
        earlier = [g for g in given if g.rule_code == terms.code and g.kind in DISCOUNTS]
        _discount_again(session, order, terms, amount, earlier, field is not None,
                        total_before)


def _rules_to_ask(session: Session, given: list[PromotionApplied]
                  ) -> list[tuple[PromotionRule | None, Terms]]:
    """The active rules, then those that gave the order something and are no longer
    active (asked on their present terms), then those deleted since (None: kept)."""
    asked: list[tuple[PromotionRule | None, Terms]] = [
        (rule, Terms.of(rule)) for rule in rules.active_rules(session)]
    seen = {terms.code for _rule, terms in asked}
    for record in given:
        if record.rule_code in seen:
            continue
        seen.add(record.rule_code)
        rule = rules.find(session, record.rule_code)
        if rule is not None:
            asked.append((rule, Terms.of(rule)))
        else:
            asked.append((None, _gone(record)))
    return asked


def _gone(record: PromotionApplied) -> Terms:
    return Terms(code=record.rule_code, name=record.rule_name, skus=frozenset(),
                 min_amount=None, min_quantity=None, channels=frozenset(),
                 customer_tiers=frozenset(), starts_on=None, ends_on=None, gift_sku=None,
                 gift_quantity=None, discount_percent=None, discount_amount=None,
                 discount_on="order")


def _money(order: Order, amount: Decimal) -> str:
    return str(amount.quantize(money_unit(order.currency)))


def _set_discount(session: Session, order: Order, blueprint: Any, key: str,
                  value: Any) -> None:
    if order.data.get(key) == value:
        return
    data = dict(order.data)
    if value is None:
        data.pop(key, None)
    else:
        data[key] = value
    calendar = order_lines.order_calendar(session, business_calendar.formula_calendar(session),
                                          blueprint, data, channel=order.channel,
                                          placed=order.created_at)
    order.take_values({k: to_json(v) for k, v in blueprint.compute(data, None, calendar)
                       .items()}, blueprint)


def _gift_again(session: Session, order: Order, terms: Terms, still_a_rule: bool,
                wanted: tuple[str | None, int] | None, earlier: list[PromotionApplied]
                ) -> None:
    if not still_a_rule:
        return  # deleted since: what it gave stays
    sku, quantity = wanted if wanted is not None else (None, 0)
    same = [g for g in earlier if sku is not None and g.sku == sku and g.quantity == quantity]
    for record in earlier:
        if record in same:
            continue
        if record.kind == GIFT:
            _take_back(session, order, record)
        session.delete(record)
    if sku is not None and quantity > 0 and not same:
        give_gift(session, order, terms, quantity)


def _take_back(session: Session, order: Order, record: PromotionApplied) -> None:
    """Give the gift's units back to the shelf and say so."""
    held = keeping.held_by(session, [order.id], lock=True).get(order.id, [])
    product = session.scalar(select(Product.id).where(Product.sku == record.sku))
    warehouse = session.scalar(select(Warehouse.id).where(Warehouse.code == record.warehouse))
    reservation = next((r for r in held if r.gift and r.product_id == product
                        and r.warehouse_id == warehouse and r.quantity == record.quantity),
                       None)
    if reservation is not None:
        keeping.release_held(session, SYSTEM.name, reservation)
    timeline.gift_taken_back_event(session, order, rule=record.rule_code,
                                   name=record.rule_name, sku=record.sku or "",
                                   quantity=record.quantity or 0,
                                   warehouse=record.warehouse or "")


def _discount_again(session: Session, order: Order, terms: Terms, amount: Decimal,
                    earlier: list[PromotionApplied], has_field: bool,
                    total_before: Decimal | None) -> None:
    was = sum((g.amount or Decimal(0) for g in earlier), Decimal(0))
    kind = DISCOUNT if has_field else DISCOUNT_NO_FIELD
    if was == amount and all(g.kind == kind for g in earlier):
        return
    for record in earlier:
        session.delete(record)
    if amount > 0:
        session.add(PromotionApplied(order_id=order.id, rule_code=terms.code,
                                     rule_name=terms.name, kind=kind, amount=amount))
    if not has_field:
        if amount > 0 and not earlier:
            timeline.discount_not_given_event(session, order, rule=terms.code,
                                              name=terms.name, amount=str(amount))
        return
    timeline.discount_changed_event(
        session, order, rule=terms.code, name=terms.name, amount=str(amount),
        total_before=None if total_before is None else str(total_before),
        total=None if order.total is None else str(order.total))

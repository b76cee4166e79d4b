"""Running the active promotion rules on an order as it is created, from whatever
path it came (API, order form, channel, file import: all create through the engine's
lifecycle, which calls hooks.ORDER_ARRIVED before ORDER_CREATED announces the order
to webhooks and the ERP, so they see its gifts' effects and its discounted total).

A gift is a line of its own kept beside the order (PromotionApplied), not a line of
the order's form: the order's own lines are what the buyer paid for, and a later
``reserve_stock`` of the workflow must not reserve the gift a second time. Its units
are reserved at once under the order, so they ship with it (keeping.ship) and go back
to the shelf when it is cancelled. Each reservation runs in a savepoint: of two
orders racing for the last gift unit, the conditional update lets one through, and
the other is told on its timeline that the gift ran out, its order unharmed.

A discount is added to the order's field that means ``discount`` (the one the form's
total subtracts), and the order's values are computed again, so the total, and what
payments are counted against, follow as if staff had typed it; the timeline says the
total before and after. A form without such a field cannot carry a discount: the
timeline says the discount was not given, and why.
"""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from orderloom.designer.blueprint import to_json
from orderloom.designer.form import with_meaning
from orderloom.designer.numbers import money_unit, stored
from orderloom.designer.published import blueprint_for
from orderloom.runtime import business_calendar, hooks
from orderloom.runtime.audit import SYSTEM
from orderloom.runtime.orders import timeline
from orderloom.runtime.orders.models import Order
from orderloom.runtime.prices import order_lines
from orderloom.runtime.promotions import rules
from orderloom.runtime.promotions.matching import OrderFacts, Terms, outcome, read_lines
from orderloom.runtime.promotions.models import (
    DISCOUNT,
    DISCOUNT_NO_FIELD,
    GIFT,
    GIFT_OUT_OF_STOCK,
    PromotionApplied,
)
from orderloom.runtime.stock import keeping
from orderloom.runtime.stock.catalog import Product, Warehouse
from orderloom.runtime.stock.models import StockLevel


def facts_of(session: Session, order: Order) -> OrderFacts:
    blueprint = blueprint_for(order.version)
    day = business_calendar.instance_date(order.created_at)
    buyer = order_lines.buyer_for(session, blueprint, order.data, channel=order.channel,
                                  day=day)
    return OrderFacts(channel=order.channel, day=day, tier=buyer.customer_tier,
                      total=order.total, currency=order.currency,
                      lines=read_lines(order_lines.priced_columns(blueprint.definition),
                                       order.data))


def _warehouses_with(session: Session, sku: str, quantity: int, preferred: str | None
                     ) -> list[tuple[int, int, str]]:
    """(product id, warehouse id, code) of the active warehouses that show enough of
    ``sku`` now: the order's own warehouse first, then by priority. Reserving may still
    find it gone (another order took it meanwhile)."""
    rows = session.execute(
        select(Product.id, Warehouse.id, Warehouse.code, Warehouse.priority)
        .join(StockLevel, StockLevel.product_id == Product.id)
        .join(Warehouse, Warehouse.id == StockLevel.warehouse_id)
        .where(Product.sku == sku, Warehouse.active.is_(True),
               StockLevel.on_hand - StockLevel.reserved >= quantity)).all()
    rows.sort(key=lambda row: (row[2] != preferred, row[3], row[2]))
    return [(product_id, warehouse_id, code) for product_id, warehouse_id, code, _p in rows]


def give_gift(session: Session, order: Order, terms: Terms, quantity: int) -> bool:
    """Reserve ``quantity`` of the rule's gift for ``order`` and say so; when no
    warehouse has it any more, say that instead. Whether the gift was given."""
    assert terms.gift_sku is not None
    for product_id, warehouse_id, code in _warehouses_with(session, terms.gift_sku, quantity,
                                                           order.warehouse):
        try:
            with session.begin_nested():
                keeping.reserve(session, SYSTEM.name, order.id,
                                [keeping.Line(product_id, warehouse_id, quantity)], gift=True)
        except keeping.OutOfStock:
            continue  # taken by another order since it was read: try the next one
        session.add(PromotionApplied(order_id=order.id, rule_code=terms.code,
                                     rule_name=terms.name, kind=GIFT, sku=terms.gift_sku,
                                     quantity=quantity, warehouse=code))
        timeline.gift_given_event(session, order, rule=terms.code, name=terms.name,
                                  sku=terms.gift_sku, quantity=quantity, warehouse=code)
        return True
    session.add(PromotionApplied(order_id=order.id, rule_code=terms.code,
                                 rule_name=terms.name, kind=GIFT_OUT_OF_STOCK,
                                 sku=terms.gift_sku, quantity=quantity))
    timeline.gift_out_of_stock_event(session, order, rule=terms.code, name=terms.name,
                                     sku=terms.gift_sku, quantity=quantity)
    return False


@hooks.ORDER_STOCK_RESERVED.subscribe
def order_stock_reserved(session: Session, order: Order) -> None:
    """The order's lines were just reserved where routing chose. A gift held since the
    order arrived in another warehouse moves to the order's own, so the order is one
    parcel there (a wave of one warehouse leaves out orders that also hold stock in
    another); a gift that warehouse lacks is given back, and the timeline says the gift
    ran out."""
    held = keeping.held_by(session, [order.id], lock=True).get(order.id, [])
    homes = {r.warehouse_id for r in held if not r.gift}
    strays = [r for r in held if r.gift and r.warehouse_id not in homes]
    if not homes or not strays:
        return
    codes = dict(session.execute(select(Warehouse.id, Warehouse.code)
                                 .where(Warehouse.id.in_(homes | {r.warehouse_id
                                                                  for r in strays})))
                 .tuples().all())
    home = next((wid for wid in sorted(homes) if codes.get(wid) == order.warehouse),
                min(homes))
    given = [g for g in applied_to(session, order.id) if g.kind == GIFT]
    for reservation in strays:
        sku = session.get(Product, reservation.product_id).sku
        record = next((g for g in given if g.sku == sku and g.quantity == reservation.quantity
                       and g.warehouse == codes.get(reservation.warehouse_id)), None)
        if record is None:
            continue
        given.remove(record)
        keeping.release_held(session, SYSTEM.name, reservation)
        try:
            with session.begin_nested():
                keeping.reserve(session, SYSTEM.name, order.id,
                                [keeping.Line(reservation.product_id, home,
                                              reservation.quantity)], gift=True)
        except keeping.OutOfStock:
            record.kind, record.warehouse = GIFT_OUT_OF_STOCK, None
            timeline.gift_out_of_stock_event(session, order, rule=record.rule_code,
                                             name=record.rule_name, sku=sku,
                                             quantity=record.quantity)
            continue
        record.warehouse = codes[home]
        timeline.gift_moved_event(session, order, rule=record.rule_code,
                                  name=record.rule_name, sku=sku, quantity=record.quantity,
                                  warehouse=codes[home])


def give_discount(session: Session, order: Order, terms: Terms, amount: Decimal) -> None:
    blueprint = blueprint_for(order.version)
    field = with_meaning(blueprint.definition["form"]["fields"], "discount")
    before = order.total
    if field is None or field["type"] == "computed":
        session.add(PromotionApplied(order_id=order.id, rule_code=terms.code,
                                     rule_name=terms.name, kind=DISCOUNT_NO_FIELD,
                                     amount=amount))
        timeline.discount_not_given_event(session, order, rule=terms.code, name=terms.name,
                                          amount=str(amount))
        return
    data = dict(order.data)
    typed = stored(data.get(field["key"])) or Decimal(0)
    data[field["key"]] = str((typed + amount).quantize(money_unit(order.currency)))
    calendar = order_lines.order_calendar(session, business_calendar.formula_calendar(session),
                                          blueprint, data, channel=order.channel,
                                          placed=order.created_at)
    order.take_values({key: to_json(value) for key, value in
                       blueprint.compute(data, None, calendar).items()}, blueprint)
    session.add(PromotionApplied(order_id=order.id, rule_code=terms.code,
                                 rule_name=terms.name, kind=DISCOUNT, amount=amount))
    timeline.discount_given_event(
        session, order, rule=terms.code, name=terms.name, amount=str(amount),
        total_before=None if before is None else str(before),
        total=None if order.total is None else str(order.total))


@hooks.ORDER_ARRIVED.subscribe
def order_arrived(session: Session, order: Order) -> None:
    """Every active rule the new order qualifies for gives what it gives. Each rule
    reads the order as it arrived: one rule's discount does not take the order below
    another's threshold. Each discount is capped at what the rules before it left of
    the total, so together they never take the total below zero."""
    active = rules.active_rules(session)
    if not active:
        return
    facts = facts_of(session, order)
    left = facts.total
    for rule in active:
        terms = Terms.of(rule)
        given = outcome(terms, facts)
        if given is None:
            continue
        if given.gift_sku is not None and given.gift_quantity > 0:
            give_gift(session, order, terms, given.gift_quantity)
        amount = given.discount if left is None else min(given.discount, max(left, Decimal(0)))
        if amount > 0:
            give_discount(session, order, terms, amount)
            left = None if left is None else left - amount


def applied_to(session: Session, order_id: int) -> list[PromotionApplied]:
    """What promotions gave the order, in the order given: for its page and the API."""
    return list(session.scalars(select(PromotionApplied)
                                .where(PromotionApplied.order_id == order_id)
                                .order_by(PromotionApplied.id)))

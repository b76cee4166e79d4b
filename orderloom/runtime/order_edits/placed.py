"""Editing a placed order: the one entry the order page and the API use.

The edit itself (checks, field access, computed fields, rules and approvals run again,
the timeline's per-field entry) is the engine's (engine/edits.py); around it this adds
what a placed order needs: refusal once the goods start to move (refusals.py), the
held stock following the lines by the difference (held_stock.py), a turn on the new
lines for any domain that subscribes to ``hooks.ORDER_LINES_EDITED`` (none does yet;
the computed values follow what its subscribers leave), promotions run again on the
order as edited (gifts given or taken back, discounts worked out again), and a
timeline entry with each line before and after, the stock moved and the money now
owed. All of it happens in
one savepoint: a refusal anywhere leaves the order, its stock and its timeline as they
were. The caller commits.
"""
from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from orderloom.designer.blueprint import money_unit, to_json
from orderloom.designer.published import blueprint_for
from orderloom.runtime import business_calendar, hooks
from orderloom.runtime.audit import Actor
from orderloom.runtime.engine import edits, type_rules
from orderloom.runtime.errors import StaleOrder
from orderloom.runtime.order_edits import held_stock, lines, refusals
from orderloom.runtime.orders import timeline
from orderloom.runtime.orders.models import Order, money_text
from orderloom.runtime.payments import received
from orderloom.runtime.promotions import edited_orders
from orderloom.runtime.stock import keeping


@dataclass
class Edit:
    """What an edit changed: each field [before, after], and the order's difference."""

    changes: dict[str, list[Any]] = field(default_factory=dict)
    lines: list[dict[str, Any]] = field(default_factory=list)
    stock: list[dict[str, Any]] = field(default_factory=list)
    total: list[str | None] = field(default_factory=lambda: [None, None])
    to_collect: str | None = None


def balance(order: Order) -> Decimal:
    """What the customer owes now, as the payments box says it (received.owed), in the
    order's currency's places; negative: what is to be given back."""
    return (received.owed(order) or Decimal(0)).quantize(money_unit(order.currency))


def edit_placed_order(session: Session, actor: Actor, order: Order, data: Any, *,
                      expected_revision: int | None = None, now: datetime | None = None,
                      language: str = "en", data_pointer: str = "/data",
                      roles: Collection[str] | None = None) -> Edit:
    """Apply ``data`` (fields left out keep their values) to a placed order; nothing
    changed, nothing written. ``roles``: those of the person editing, whose fields'
    access is honoured (None: every field may change)."""
    type_rules.check_order(order, "edit", actor, roles)
    # The order's row first, read afresh: two edits of one order run one after the
    # other, the second on what the first stored (or refused by its If-Match), and the
    # reservations below are always locked after the order, as a transition does.
    order = session.scalars(select(Order).where(Order.id == order.id)
                            .with_for_update(of=Order)
                            .execution_options(populate_existing=True)).one()
    if expected_revision is not None and expected_revision != order.revision:
        raise StaleOrder(order.number, order.revision, order.state)
    blueprint = blueprint_for(order.version)
    changing = edits.changing_fields(blueprint, order, data, data_pointer, roles)
    refused = refusals.refusal(session, order, blueprint, changing)
    if refused is not None:
        raise refusals.at_fields(refused, changing, data_pointer)
    line_keys = [f["key"] for f in lines.line_fields(blueprint)]
    before = {k: order.data.get(k) for k in line_keys}
    total_before = money_text(order.total, order.currency)
    # Locked before the edit, in the order every taker locks them.
    # A promotion's gift held for the order is not one of its lines: it never moves
    # with an edit, and an order holding only a gift holds nothing for its lines.
    held = [r for r in keeping.held_by(session, [order.id], lock=True).get(order.id, [])
            if not r.gift]
    with session.begin_nested():
        changes = edits.edit_order(session, actor, order, data, now=now, language=language,
                                   data_pointer=data_pointer, roles=roles,
                                   stock_follows=True)
        if not changes:
            return Edit()
        edit = Edit(changes=changes)
        if any(k in changes for k in line_keys):
            if hooks.ORDER_LINES_EDITED.subscribers:
                hooks.ORDER_LINES_EDITED(session, order, before, actor_name=actor.name)
                # A subscriber may have changed the lines: the computed values (line
                # amounts, the total) are worked out again from what they are now.
                calendar = business_calendar.formula_calendar(session)
                order.take_values({k: to_json(v) for k, v in blueprint.compute(
                    order.data, now, calendar).items()}, blueprint)
            edit.lines = lines.changed_lines(blueprint, before, order.data)
            if held:
                was, want = lines.wanted(blueprint, before), lines.wanted(blueprint, order.data)
                change = {sku: want.units.get(sku, 0) - was.units.get(sku, 0)
                          for sku in was.units.keys() | want.units.keys()}
                edit.stock = held_stock.follow(session, actor.name, order, held, change,
                                               want.pointers, data_pointer)
        # Promotions are asked again of the order as edited: they give and take back
        # gifts and work their discounts out again, before the money is counted below.
        edited_orders.run_again(session, order)
        edit.total = [total_before, money_text(order.total, order.currency)]
        if edit.lines or edit.total[0] != edit.total[1]:
            edit.to_collect = money_text(balance(order), order.currency)
            timeline.edit_difference_event(session, order, actor.name, lines=edit.lines,
                                           stock=edit.stock, total=edit.total,
                                           to_collect=edit.to_collect or "0", at=now)
        session.flush()
    return edit

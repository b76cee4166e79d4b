"""Where a packed order goes: the workflow's move that ships it, and the carrier that
move books, both read from what the definition declares (the target state's
category, the ``create_shipment`` action), never from names.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from orderloom.designer.blueprint import TransitionSpec
from orderloom.designer.published import blueprint_for
from orderloom.designer.state_categories import Category, category_in
from orderloom.runtime.audit import Actor
from orderloom.runtime.engine import lifecycle, type_rules
from orderloom.runtime.errors import OrderError
from orderloom.runtime.orders.models import Order
from orderloom.runtime.shipping import models as shipments
from orderloom.runtime.stock import keeping
from orderloom.runtime.stock.catalog import Warehouse

# Preferred first: a state where the goods are on their way, then one where the
# customer has them (a counter sale packed and handed over).
SHIPPING_CATEGORIES = (Category.SHIPPED, Category.FULFILLED)


def shipping_move(order: Order, roles: set[str]) -> TransitionSpec | None:
    """The transition out of the order's state into a state whose goods have left, for
    a person with ``roles``: one they may take now first, then one their roles allow
    but its condition or required fields hold back, then one for other roles (so the
    refusal says whose it is); within each, shipped before fulfilled, then in the
    workflow's order."""
    blueprint = blueprint_for(order.version)
    definition = blueprint.definition
    theirs = {t["key"]: t.get("blocked") for t in lifecycle.open_transitions(order, roles)}
    candidates = []
    for spec in blueprint.transitions.values():
        category = category_in(definition, spec.target)
        if order.state in spec.sources and category in SHIPPING_CATEGORIES:
            mine = 0 if spec.key in theirs and theirs[spec.key] is None else \
                1 if spec.key in theirs else 2
            candidates.append((mine, SHIPPING_CATEGORIES.index(category), spec))
    return min(candidates, key=lambda c: c[:2])[2] if candidates else None


def carrier_of(order: Order, roles: set[str]) -> str | None:
    """The carrier the order will ship with when a person with ``roles`` packs it: the
    shipping move's ``create_shipment`` action's, or the one the order's own carrier
    field names."""
    spec = shipping_move(order, roles)
    for action in spec.actions if spec else ():
        if action.get("type") == "create_shipment":
            chosen = order.data.get(action["carrier_field"]) if "carrier_field" in action \
                else None
            return chosen if isinstance(chosen, str) and chosen.strip() else \
                action.get("carrier")
    return None


@dataclass(frozen=True)
class Shipped:
    """The move that shipped a packed order, or why none did."""

    transition: str | None
    refused: str | None = None
    part: bool = False  # one warehouse's part left; the order waits for the others
    # What a part's parcel booked ({carrier, job}), for the packed timeline entry: the
    # shipping move that books a whole order notes its own.
    shipments: tuple[dict[str, Any], ...] = ()


# Said when the packer may work the floor but not move orders on (platform/permissions.py).
MAY_NOT_ACT = "moving an order on needs the permission 'orders.act'"


def held_elsewhere(session: Session, order: Order, warehouse: Warehouse) -> bool:
    """Whether the order still holds stock in another warehouse than ``warehouse``. The
    order is locked first: two benches closing the last two parts at once take turns,
    and the second sees the first's part gone, so one of them ships the order."""
    session.execute(select(Order.id).where(Order.id == order.id).with_for_update())
    return any(r.warehouse_id != warehouse.id
               for r in keeping.held_by(session, [order.id]).get(order.id, []))


def ship(session: Session, actor: Actor, order: Order, roles: set[str], *,
         may_act: bool, language: str = "en") -> Shipped:
    """Ship a packed order: take its shipping move, then deduct what it still holds,
    which packing has verified unit by unit. A move the packer may not take now (they
    may not move orders on at all, or not this move: their role, its condition) is not
    taken and says why: the parcel stays verified, and staff move the order on by
    hand. No move from the order's state: nothing moves. Why not is said in
    ``language`` where the workflow says it (a condition's message).

    When other warehouses shipped parts of the order before, this is its last part:
    the move's booking carries only what the order still holds (create_shipment)."""
    if not may_act:
        return Shipped(None, MAY_NOT_ACT)
    spec = shipping_move(order, roles)
    if spec is None:
        return Shipped(None, f"the workflow has no move from {order.state!r} into a "
                             f"shipped state")
    try:
        with session.begin_nested():
            lifecycle.take_transition(session, actor, order, spec.key, roles,
                                      language=language)
    except OrderError as refusal:
        return Shipped(None, refusal.message)
    # A shipping move without a deduct_stock action would leave the stock held though
    # the goods have left; with one, nothing is held any more and this deducts nothing.
    keeping.ship(session, actor.name, order.id)
    return Shipped(spec.key)


def _refusal(order: Order, roles: set[str], actor: Actor, spec: TransitionSpec) -> str | None:
    """Why the packer could not take the shipping move now (their roles, the type's
    access.act, its condition or required fields), as take_transition would refuse
    it; None when they could. A part leaves only when its order could leave."""
    theirs = {t["key"]: t for t in lifecycle.open_transitions(
        order, roles, actor=actor, whole_workflow=actor.whole_workflow)}
    if spec.key in theirs:
        return theirs[spec.key].get("blocked")
    try:
        type_rules.check_order(order, "act", actor, roles)
    except type_rules.TypeAccessRefused as refusal:
        return refusal.message
    return f"{spec.key!r} is for the roles {', '.join(sorted(spec.roles))}; you have none " \
           f"of them"


def ship_part(session: Session, actor: Actor, order: Order, roles: set[str],
              warehouse: Warehouse, parcel: list[dict[str, Any]], *,
              may_act: bool) -> Shipped:
    """Ship the part of an order reserved in several warehouses that ``warehouse``
    holds, packed as ``parcel`` ([{sku, qty}]): what it holds there is deducted and
    the parcel is booked on its own with the carrier the order's shipping move
    books, with its own tracking number. The order does not move: it ships when its
    last part does (ship). The packer needs what shipping the whole order needs: to
    move orders on, and a shipping move from the order's state they may take now;
    otherwise the part stays packed and holding its stock, and says why."""
    if not may_act:
        return Shipped(None, MAY_NOT_ACT)
    spec = shipping_move(order, roles)
    if spec is None:
        return Shipped(None, f"the workflow has no move from {order.state!r} into a "
                             f"shipped state")
    refused = _refusal(order, roles, actor, spec)
    if refused is not None:
        return Shipped(None, refused)
    keeping.ship(session, actor.name, order.id, warehouse.id)
    booked = tuple(shipments.request_booking(session, order, action,
                                             warehouse=warehouse.code, lines=parcel)
                   for action in spec.actions if action.get("type") == "create_shipment")
    return Shipped(None, part=True, shipments=booked)

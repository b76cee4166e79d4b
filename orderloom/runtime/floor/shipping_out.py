"""Where a packed order goes: the workflow's move that ships it, and the carrier that
move books, both read from what the definition declares (the target state's
category, the ``create_shipment`` action), never from names.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from orderloom.designer.blueprint import TransitionSpec
from orderloom.designer.published import blueprint_for
from orderloom.designer.state_categories import Category, category_in
from orderloom.runtime.audit import Actor
from orderloom.runtime.engine import lifecycle
from orderloom.runtime.errors import OrderError
from orderloom.runtime.orders.models import Order
from orderloom.runtime.stock import keeping

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


# Said when the packer may work the floor but not move orders on (platform/permissions.py).
MAY_NOT_ACT = "moving an order on needs the permission 'orders.act'"


def ship(session: Session, actor: Actor, order: Order, roles: set[str], *,
         may_act: bool, language: str = "en") -> Shipped:
    """Ship a packed order: take its shipping move, then deduct what it still holds,
    which packing has verified unit by unit. A move the packer may not take now (they
    may not move orders on at all, or not this move: their role, its condition) is not
    taken and says why: the parcel stays verified, and staff move the order on by
    hand. No move from the order's state: nothing moves. Why not is said in
    ``language`` where the workflow says it (a condition's message)."""
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

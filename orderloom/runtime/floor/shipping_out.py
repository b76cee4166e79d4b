"""Where a packed order goes: the workflow's move that ships it, and the carrier that
move books, both read from what the definition declares (the target state's
category, the ``create_shipment`` action), never from names.
"""
from __future__ import annotations

from sqlalchemy.orm import Session

from orderloom.designer.blueprint import TransitionSpec
from orderloom.designer.published import blueprint_for
from orderloom.designer.state_categories import Category, category_in
from orderloom.runtime.audit import Actor
from orderloom.runtime.engine import lifecycle
from orderloom.runtime.orders.models import Order
from orderloom.runtime.stock import keeping

# Preferred first: a state where the goods are on their way, then one where the
# customer has them (a counter sale packed and handed over).
SHIPPING_CATEGORIES = (Category.SHIPPED, Category.FULFILLED)


def shipping_move(order: Order) -> TransitionSpec | None:
    """The transition out of the order's state into a state whose goods have left."""
    blueprint = blueprint_for(order.version)
    definition = blueprint.definition
    for category in SHIPPING_CATEGORIES:
        for spec in blueprint.transitions.values():
            if order.state in spec.sources and category_in(definition, spec.target) == category:
                return spec
    return None


def carrier_of(order: Order) -> str | None:
    """The carrier the order will ship with: the shipping move's ``create_shipment``
    action's, or the one the order's own carrier field names."""
    spec = shipping_move(order)
    for action in spec.actions if spec else ():
        if action.get("type") == "create_shipment":
            chosen = order.data.get(action["carrier_field"]) if "carrier_field" in action \
                else None
            return chosen if isinstance(chosen, str) and chosen.strip() else \
                action.get("carrier")
    return None


def ship(session: Session, actor: Actor, order: Order, roles: set[str]) -> str | None:
    """Ship a packed order: take its shipping move (refused as any transition would
    be), then deduct what it still holds, which packing has verified unit by unit.
    Answers the transition taken; None, moving nothing, when the workflow has none
    from the order's state."""
    spec = shipping_move(order)
    if spec is None:
        return None
    lifecycle.take_transition(session, actor, order, spec.key, roles)
    # A shipping move without a deduct_stock action would leave the stock held though
    # the goods have left; with one, nothing is held any more and this deducts nothing.
    keeping.ship(session, actor.name, order.id)
    return spec.key

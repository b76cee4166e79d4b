"""Whether a placed order may still be edited, and why not.

An edit changes what the warehouse is to send, so it stops where the goods start to
move: once the order has shipped (its state means shipped or delivered, it has a
parcel, or its held stock left the warehouse) and once picking has started (the floor
says so through ``hooks.ORDER_EDIT_STARTING``). A finished order (its state ends the
workflow, or means cancelled or returned) is refused too. Each refusal points at the
fields the edit changes, so a page shows the reason beside each of them.
"""
from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from orderloom.designer.blueprint import Blueprint
from orderloom.designer.problems import pointer
from orderloom.designer.state_categories import GOODS_LEFT, NOT_SOLD, category_in
from orderloom.runtime import hooks
from orderloom.runtime.errors import EditRefused
from orderloom.runtime.orders.models import Order
from orderloom.runtime.shipping.models import parcels_carrying
from orderloom.runtime.stock.models import Reservation


def refusal(session: Session, order: Order, blueprint: Blueprint,
            fields: Iterable[str] = ()) -> EditRefused | None:
    """Why ``order`` cannot be edited now (the edit changing ``fields``), or None when it
    can."""
    definition = blueprint.definition
    state = next((s for s in definition["workflow"]["states"] if s["key"] == order.state),
                 None)
    category = category_in(definition, order.state)
    if (state is not None and state["kind"] == "terminal") or category in NOT_SOLD:
        return EditRefused(
            f"order {order.number} is finished ({order.state}); it can no longer be changed",
            code="order_edit.finished", number=order.number,
            state=(state or {}).get("label") or order.state)
    if category in GOODS_LEFT or parcels_carrying(session, order.id) or session.scalar(
            select(Reservation.id).where(Reservation.order_id == order.id,
                                         Reservation.status == "shipped").limit(1)):
        return EditRefused(
            f"order {order.number} has shipped; what left the warehouse can no longer be "
            "changed: take it back as a return instead",
            code="order_edit.shipped", number=order.number)
    try:
        hooks.ORDER_EDIT_STARTING(session, order, tuple(fields))
    except EditRefused as refused:
        return refused
    return None


def at_fields(refused: EditRefused, fields: Iterable[str], data_pointer: str) -> EditRefused:
    """``refused`` pointing at each of ``fields`` (at the data when none is named)."""
    pointers = [f"{data_pointer}{pointer(key)}" for key in fields] or [data_pointer]
    refused.pointer = pointers[0]
    refused.faults = [(p, refused.message) for p in pointers]
    return refused

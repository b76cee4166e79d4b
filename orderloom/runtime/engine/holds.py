"""Holding an order where it is, for staff, without a transition: a store cancelled
or refunded an order (售后拦截: stop it before it ships), or changed it in a way that
cannot be made here on its own.

The hold is a timeline entry listing a ``hold`` action with its reason, the shape a
transition's ``hold`` action leaves (engine/actions/hold.py), so the order page and
the list show the same note and automatic moves wait the same way; the next state
change releases it. Staff are told in the app: everyone holding a role that can move
the order on from its state. Nothing here commits.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from orderloom.designer.published import blueprint_for
from orderloom.runtime.audit import Actor
from orderloom.runtime.engine import actions
from orderloom.runtime.notify.in_app import Notification
from orderloom.runtime.orders import timeline
from orderloom.runtime.orders.models import Order, OrderEvent
from orderloom.runtime.orders.timeline import TimelineKind

# Who may move any order on (platform/permissions.py): told when no transition out of
# the order's state names a role.
ACTING_PERMISSION = "orders.act"


def roles_to_tell(order: Order) -> list[str]:
    """The roles that can take a transition out of the order's state; none when no
    transition out of it names one."""
    blueprint = blueprint_for(order.version)
    return sorted({role for spec in blueprint.transitions.values()
                   if order.state in spec.sources for role in spec.roles})


def hold(session: Session, actor: Actor, order: Order, reason: dict[str, str], *,
         details: dict[str, Any] | None = None) -> None:
    """Hold ``order`` where it is with ``reason`` ({"en": ..., "zh": ...}) and tell
    staff. ``details`` go into the timeline entry beside the hold."""
    timeline.held_event(session, order, actor.name, details={
        **(details or {}), "actions": [{"type": "hold", "reason": reason}]})
    tell_staff(session, order, reason)


def lift(session: Session, actor: Actor, order: Order, why: dict[str, str], *,
         placed: dict[str, str] | None = None) -> bool:
    """Lift the hold on ``order`` without moving it: a ``held`` entry that lists no
    hold, so the latest entry no longer holds it (engine/actions/hold.py). With
    ``placed`` (the reason of the hold the caller made), only when the order's latest
    hold is still that one: a hold a person chose since stands. Whether it lifted."""
    if placed is not None and latest_reason(session, order) != placed:
        return False
    timeline.held_event(session, order, actor.name, details={"lifted": why})
    return True


def latest_reason(session: Session, order: Order) -> dict[str, str] | None:
    """The reason of the hold the order's latest state change or hold entry made."""
    details = session.scalar(
        select(OrderEvent.details).where(
            OrderEvent.order_id == order.id,
            or_(OrderEvent.to_state.is_not(None), OrderEvent.kind == TimelineKind.HELD.value))
        .order_by(OrderEvent.id.desc()).limit(1))
    found = [a for a in (details or {}).get("actions", []) if a.get("type") == "hold"]
    return found[-1].get("reason") if found else None


def on_hold(session: Session, orders: Sequence[Order]) -> dict[int, dict[str, str]]:
    """Those of ``orders`` held where they are (a ``hold`` action, a store's
    cancellation, a short pick), by id, with the note saying why ({"en": ..., "zh": ...}).
    Work that moves an order on by itself (a wave, packing) leaves these for staff."""
    return {order_id: note.text
            for order_id, notes in actions.standing_notes(session, orders).items()
            for note in notes if note.holds_automatic_moves}


def tell_staff(session: Session, order: Order, message: dict[str, str]) -> None:
    # A notification has one title: both languages, so whoever reads it understands.
    title = f"{order.number}: {message.get('en', '')}"
    body = message.get("zh", "")
    roles = roles_to_tell(order)
    for role in roles:
        session.add(Notification(role=role, order_id=order.id, title=title[:300], body=body))
    if not roles:
        session.add(Notification(permission=ACTING_PERMISSION, order_id=order.id,
                                 title=title[:300], body=body))

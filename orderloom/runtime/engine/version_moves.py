"""Moving open orders to a newer version of their order type.

Orders stay on the version they were created with until someone moves them,
explicitly. A dry run lists the orders that would move and, for each one that
cannot, why: its state no longer exists, or its values break the new form.
Finished orders (in a terminal state) never move.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from orderloom.designer.blueprint import to_json
from orderloom.designer.models import DefinitionVersion, OrderType
from orderloom.designer.published import blueprint_for
from orderloom.runtime import business_calendar
from orderloom.runtime.audit import Actor
from orderloom.runtime.orders import timeline
from orderloom.runtime.orders.models import Order


@dataclass
class MovePlan:
    target: int
    movable: list[str] = field(default_factory=list)
    blocked: list[dict[str, str]] = field(default_factory=list)
    moved: bool = False

    def as_json(self) -> dict[str, Any]:
        return {"target_version": self.target, "dry_run": not self.moved,
                "movable": self.movable, "blocked": self.blocked}


def _terminal(version: DefinitionVersion) -> set[str]:
    return {s["key"] for s in version.definition["workflow"]["states"]
            if s["kind"] == "terminal"}


def move_open_orders(session: Session, actor: Actor, order_type: OrderType,
                     target: DefinitionVersion, *, dry_run: bool = True) -> MovePlan:
    plan = MovePlan(target=target.number)
    states = {s["key"] for s in target.definition["workflow"]["states"]}
    blueprint = blueprint_for(target)
    candidates = session.scalars(
        select(Order).where(Order.order_type_id == order_type.id,
                            Order.version_id != target.id).order_by(Order.id))
    moves: list[tuple[Order, dict[str, Any]]] = []
    for order in candidates:
        if order.state in _terminal(order.version):
            continue
        if order.version.number > target.number:
            plan.blocked.append({"number": order.number,
                                 "reason": f"it is on version {order.version.number}, newer "
                                           f"than {target.number}"})
            continue
        if order.state not in states:
            plan.blocked.append({"number": order.number,
                                 "reason": f"its state {order.state!r} does not exist in "
                                           f"version {target.number}"})
            continue
        known = {f["key"] for f in target.definition["form"]["fields"]}
        calendar = business_calendar.formula_calendar(session)
        values = blueprint.compute({k: v for k, v in order.data.items() if k in known},
                                   calendar=calendar)
        problems = blueprint.problems(values, calendar=calendar)
        if problems:
            plan.blocked.append({"number": order.number,
                                 "reason": f"its values break version {target.number}: "
                                           + "; ".join(str(p) for p in problems[:3])})
            continue
        plan.movable.append(order.number)
        moves.append((order, values))
    if dry_run:
        return plan
    for order, values in moves:
        before = order.version.number
        order.version = target
        order.take_values({key: to_json(value) for key, value in values.items()},
                          blueprint)
        session.flush()
        timeline.version_moved_event(session, order, actor.name, from_version=before,
                                     to_version=target.number)
    plan.moved = True
    return plan

"""Automatic transitions: moves the workflow makes by itself, either ``when`` a
condition about the order is TRUE or ``after_hours`` in a state (a timer).

Only the decisions live here; moving the order is runtime/engine/entering.py's work.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from orderloom.designer.blueprint import Blueprint
from orderloom.dsl.workdays import Calendar
from orderloom.runtime.engine.approvals.tasks import condition
from orderloom.runtime.orders.models import Order, formula_values

# Moves one change may cause in a row before the engine stops and says so: a
# definition whose conditions send an order back and forth must not spin forever.
MAX_MOVES = 20


def automatic_spec(blueprint: Blueprint, key: str) -> dict[str, Any] | None:
    return next((a for a in blueprint.definition["workflow"].get("automatic", [])
                 if a["key"] == key), None)


def timed(blueprint: Blueprint, state: str) -> list[dict[str, Any]]:
    """The ``after_hours`` moves out of ``state``."""
    return [a for a in blueprint.definition["workflow"].get("automatic", [])
            if a["from"] == state and "after_hours" in a]


def due_now(blueprint: Blueprint, order: Order, now: datetime | None,
            skip: set[str] | frozenset[str] = frozenset(), *,
            calendar: Calendar | None = None) -> dict[str, Any] | None:
    """The first ``when`` move out of the order's state whose condition is TRUE now
    (``skip``: moves an action of theirs blocked).

    A condition that fails while running counts as not TRUE: a broken formula
    never moves an order. ``calendar``: the instance's
    (business_calendar.formula_calendar), as every formula of the order reads it."""
    values = formula_values(order)
    for spec in blueprint.definition["workflow"].get("automatic", []):
        if spec["from"] == order.state and "when" in spec and spec["key"] not in skip:
            if condition(blueprint, spec["when"])(values, now, calendar) is True:
                return spec
    return None

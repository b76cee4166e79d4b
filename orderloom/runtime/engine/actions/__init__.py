"""Actions a rule or a transition runs inside the order's transaction.

Setting fields and tags, and blocking, happen here. Actions that need the
stored order (notifications, approvals, stock, webhooks, channel stock sync) are
collected here and carried out once it is stored. Actions whose modules this
version does not have yet (NOT_YET_AVAILABLE) are recorded in the timeline as
not carried out, so nobody is led to believe they happened.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from orderloom import dsl
from orderloom.designer.blueprint import Blueprint, to_json
from orderloom.designer.form import formula_type
from orderloom.runtime.errors import OrderError

NOT_YET_AVAILABLE: frozenset[str] = frozenset()
# create_document goes with the stock actions: it needs the stored order, and a pick
# list made after a reserve_stock in the same list must see that reservation.
STOCK_ACTIONS = frozenset({"choose_warehouse", "route", "reserve_stock", "release_stock",
                           "deduct_stock", "create_document",
                           # these tell the outside world about the stored order
                           # (integration_actions.py), so they go with them
                           "webhook", "sync_channel_stock",
                           # booked by a job after commit (shipments.request_booking)
                           "create_shipment",
                           # needs what the stored order was paid (refunds.refund_action)
                           "refund"})


class Blocked(OrderError):
    """A rule's ``block`` action: the order may not go on, for the stated reason."""


@dataclass
class ActionResult:
    data: dict[str, Any]
    tags: list[str]
    done: list[dict[str, Any]] = field(default_factory=list)
    not_carried_out: list[dict[str, Any]] = field(default_factory=list)
    # notify actions to become jobs once the order is stored (outbox.notify_jobs_for)
    notifications: list[dict[str, Any]] = field(default_factory=list)
    # stock actions, carried out on the stored order (stock_actions.carry_out)
    stock: list[dict[str, Any]] = field(default_factory=list)


def run_actions(blueprint: Blueprint, actions: tuple[dict[str, Any], ...] | list,
                result: ActionResult, language: str = "en", now=None) -> None:
    fields = {f["key"]: f for f in blueprint.definition["form"]["fields"]}
    places = blueprint_places(blueprint)
    for action in actions:
        kind = action["type"]
        if kind == "block":
            message = action["message"]
            raise Blocked(message.get(language) or next(iter(message.values())))
        if kind == "add_tag":
            if action["tag"] not in result.tags:
                result.tags.append(action["tag"])
            result.done.append(action)
        elif kind == "set_field":
            target = fields[action["field"]]
            wanted = formula_type(target)
            formula = dsl.compile(action["value"], blueprint.fields,
                                  wanted if isinstance(wanted, str) else None,
                                  money_places=places)
            value = formula(result.data, now)
            if isinstance(value, dsl.FormulaFault):
                raise OrderError(f"the formula that sets {action['field']!r} failed: "
                                 f"{value.message}")
            result.data[action["field"]] = to_json(value)
            result.done.append(action)
        elif kind == "notify":
            result.notifications.append(action)
            result.done.append(action)
        elif kind == "require_approval":
            # Carried out once the order is stored (runtime/engine/entering.py): the approval's
            # tasks are made, even if its `when` is not TRUE, when the order is in (or
            # next enters) the approval's state.
            result.done.append(action)
        elif kind in STOCK_ACTIONS:
            result.stock.append(action)
            result.done.append(action)
        elif kind in NOT_YET_AVAILABLE:
            result.not_carried_out.append(action)


def blueprint_places(blueprint: Blueprint) -> int:
    from orderloom.designer.blueprint import money_places

    return money_places(blueprint.definition.get("currency"))

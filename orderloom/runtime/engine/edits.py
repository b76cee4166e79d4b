"""Changing the entered values of an order that is still open.

An edit goes through the order's own (pinned) version of the form: the same checks
as a new order, computed fields recalculated on the server whatever a client sent,
and one timeline entry listing each field that changed. What an edit may not do:

- change a finished order (its state is terminal);
- change a field whose ``readonly_when`` formula is TRUE for the order as stored;
- change line items while the order holds or has shipped stock for them, because
  the reservations were made for the old lines.

Rules and decision tables run when an order is created and are not run again by an
edit; the workflow's conditions and approvals read the new values from then on.
The caller owns the transaction (nothing here commits).
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from orderloom import dsl
from orderloom.db import utcnow
from orderloom.designer.blueprint import Blueprint, money_places, to_json
from orderloom.designer.form import order_fields
from orderloom.designer.problems import DefinitionProblem, pointer
from orderloom.designer.published import blueprint_for
from orderloom.runtime.audit import Actor
from orderloom.runtime.engine.entering import save
from orderloom.runtime.engine.lifecycle import entered_values, field_changes
from orderloom.runtime.errors import OrderInputError, StaleOrder, TransitionRefused
from orderloom.runtime.orders import timeline
from orderloom.runtime.orders.models import Order, formula_values
from orderloom.runtime.stock.models import Reservation


def editable(order: Order) -> str | None:
    """Why ``order`` cannot be edited at all, or None when it can."""
    blueprint = blueprint_for(order.version)
    state = next((s for s in blueprint.definition["workflow"]["states"]
                  if s["key"] == order.state), None)
    if state is not None and state["kind"] == "terminal":
        return f"order {order.number} is finished ({order.state}); it can no longer be changed"
    return None


def locked_fields(order: Order, now: datetime | None = None) -> dict[str, str]:
    """The form fields that cannot be changed now, each with the reason."""
    blueprint = blueprint_for(order.version)
    definition = blueprint.definition
    fields = order_fields(definition)
    places = money_places(definition.get("currency"))
    locked: dict[str, str] = {}
    for f in definition["form"]["fields"]:
        condition = f.get("readonly_when")
        if condition:
            formula = dsl.compile(condition, fields, "boolean", money_places=places)
            if formula(formula_values(order), now) is True:
                locked[f["key"]] = f"cannot be changed now ({condition} is TRUE)"
    return locked


def _stock_bound(session: Session, order: Order) -> bool:
    return session.scalar(select(Reservation.id).where(
        Reservation.order_id == order.id,
        Reservation.status.in_(("held", "shipped"))).limit(1)) is not None


def _entered_now(blueprint: Blueprint, data: dict[str, Any]) -> dict[str, Any]:
    """The entered (not computed) form values of the stored order."""
    kept: dict[str, Any] = {}
    for f in blueprint.definition["form"]["fields"]:
        key = f["key"]
        if f["type"] == "computed" or key not in data:
            continue
        value = data[key]
        if f["type"] == "line_items" and isinstance(value, list):
            computed = {s["key"] for s in f["fields"] if s["type"] == "computed"}
            value = [{k: v for k, v in line.items() if k not in computed}
                     if isinstance(line, dict) else line for line in value]
        kept[key] = value
    return kept


def edit_order(session: Session, actor: Actor, order: Order, data: Any, *,
               expected_revision: int | None = None, now: datetime | None = None,
               language: str = "en", data_pointer: str = "/data") -> dict[str, list[Any]]:
    """Apply the entered values in ``data`` (fields left out keep their values) and
    return the changes as {field: [before, after]}; nothing changed, nothing written."""
    if expected_revision is not None and expected_revision != order.revision:
        raise StaleOrder(order.number, order.revision, order.state)
    why_not = editable(order)
    if why_not:
        raise TransitionRefused(why_not, 409)
    blueprint = blueprint_for(order.version)
    if not isinstance(data, dict):
        raise OrderInputError([DefinitionProblem(data_pointer, "the order data must be an "
                                                               "object")])
    before = _entered_now(blueprint, order.data)
    given = entered_values(blueprint, data, data_pointer)
    # Defaults fill only fields the order never had, not fields the caller left out.
    given = {k: v for k, v in given.items() if k in data}
    merged = {**before, **given}
    problems: list[DefinitionProblem] = []
    for key, reason in locked_fields(order, now).items():
        if key in given and given[key] != before.get(key):
            problems.append(DefinitionProblem(f"{data_pointer}{pointer(key)}", reason))
    line_keys = [f["key"] for f in blueprint.definition["form"]["fields"]
                 if f["type"] == "line_items"]
    moved = [k for k in line_keys if k in given and given[k] != before.get(k)]
    if moved and _stock_bound(session, order):
        for key in moved:
            problems.append(DefinitionProblem(
                f"{data_pointer}{pointer(key)}",
                "cannot be changed: stock is reserved or shipped for these lines"))
    if problems:
        raise OrderInputError(problems)
    values = blueprint.compute(merged, now)
    found = blueprint.problems(values, now, language)
    if found:
        raise OrderInputError([DefinitionProblem(data_pointer + p.pointer, p.message)
                               for p in found])
    after = {**order.data, **{k: to_json(v) for k, v in values.items()}}
    changes = field_changes(order.data, after)
    if not changes:
        return {}
    order.take_values(after, blueprint)  # the total (and payment status) follow the data
    order.updated_at = utcnow()
    save(session, order)
    timeline.order_edited_event(session, order, actor.name, changes=changes, at=now)
    return changes

"""Changing the entered values of an order that is still open.

An edit goes through the order's own (pinned) version of the form: the same checks
as a new order, computed fields recalculated on the server whatever a client sent,
and one timeline entry listing each field that changed. What an edit may not do:

- change a finished order (its state is terminal);
- change a field whose ``readonly_when`` formula is TRUE for the order as stored;
- change line items while the order holds or has shipped stock for them, because
  the reservations were made for the old lines.

Rules and decision tables run again with the new values: a rule the edit turns TRUE
acts as at creation (``rules_on_edit`` says which; a rule marked ``creation_only``
does not). Its ``block`` refuses the edit with the rule's message and nothing is
changed; ``set_field`` and ``add_tag`` change the values and tags being saved; a
``require_approval`` asks for the approval (``entering.ask_after_edit``: tasks now,
or back to the approval's state if the order had passed it); ``hold`` holds the order
where it is; ``notify`` and ``webhook`` send once. Actions that move goods or money
(reserve or deduct stock, book a shipment, refund) are not carried out on an edit;
the timeline says so. The edit's timeline entry names the rules and decision table
rows that acted. The workflow's conditions and approvals read the new values from
then on. The caller owns the transaction (nothing here commits).
"""
from __future__ import annotations

from collections.abc import Collection
from dataclasses import replace
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from orderloom import dsl
from orderloom.db import utcnow
from orderloom.designer.blueprint import Blueprint, money_places, to_json
from orderloom.designer.field_access import field_access
from orderloom.designer.form import order_fields
from orderloom.designer.problems import DefinitionProblem, pointer
from orderloom.designer.published import blueprint_for
from orderloom.dsl.workdays import Calendar
from orderloom.runtime import business_calendar
from orderloom.runtime.audit import Actor
from orderloom.runtime.engine import type_rules
from orderloom.runtime.engine.actions import ActionResult, Blocked, carry_out, run_actions
from orderloom.runtime.engine.entering import NOT_AVAILABLE, ask_after_edit, save
from orderloom.runtime.engine.lifecycle import entered_values, field_changes, unknown_products
from orderloom.runtime.engine.rules_on_edit import Acting, acting_on_edit
from orderloom.runtime.errors import OrderInputError, StaleOrder, TransitionRefused
from orderloom.runtime.jobs.outbox import notify_jobs_for
from orderloom.runtime.orders import timeline
from orderloom.runtime.orders.models import Order, formula_values
from orderloom.runtime.orders.timeline import TimelineKind
from orderloom.runtime.prices import order_lines
from orderloom.runtime.stock.models import Reservation


def editable(order: Order) -> str | None:
    """Why ``order`` cannot be edited at all, or None when it can."""
    blueprint = blueprint_for(order.version)
    state = next((s for s in blueprint.definition["workflow"]["states"]
                  if s["key"] == order.state), None)
    if state is not None and state["kind"] == "terminal":
        return f"order {order.number} is finished ({order.state}); it can no longer be changed"
    return None


def locked_fields(order: Order, now: datetime | None = None,
                  calendar: Calendar | None = None) -> dict[str, str]:
    """The form fields that cannot be changed now, each with the reason; ``calendar``:
    the instance's (business_calendar.formula_calendar), as every formula of the order
    reads it."""
    blueprint = blueprint_for(order.version)
    definition = blueprint.definition
    fields = order_fields(definition)
    places = money_places(definition.get("currency"))
    locked: dict[str, str] = {}
    for f in definition["form"]["fields"]:
        condition = f.get("readonly_when")
        if condition:
            formula = dsl.compile(condition, fields, "boolean", money_places=places)
            if formula(formula_values(order), now, calendar) is True:
                locked[f["key"]] = f"cannot be changed now ({condition} is TRUE)"
    return locked


def stock_bound(session: Session, order: Order) -> bool:
    """Whether stock is reserved or shipped for the order's lines: then its lines are
    the reservations' and cannot be changed by an edit. A promotion's gift held for
    the order is not one of its lines."""
    return session.scalar(select(Reservation.id).where(
        Reservation.order_id == order.id, Reservation.gift.is_(False),
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


def changing_fields(blueprint: Blueprint, order: Order, data: Any,
                    data_pointer: str = "/data",
                    roles: Collection[str] | None = None) -> list[str]:
    """The keys of the fields ``data`` would change: entered values normalised as
    edit_order takes them (computed values and hidden columns left aside) and numbers
    compared by value (20 sent is the "20.00" stored). Input the edit would refuse is
    compared as it came."""
    if not isinstance(data, dict):
        return []
    before = _entered_now(blueprint, order.data)
    try:
        given = entered_values(blueprint, data, data_pointer)
    except OrderInputError:
        return [k for k, v in data.items() if v != order.data.get(k)]
    given = {k: v for k, v in given.items() if k in data}
    if roles is not None:
        given = field_access(blueprint.definition, roles).with_hidden_kept(given, before)
    return [k for k, v in given.items() if not _same(v, before.get(k))]


def _same(given: Any, stored: Any) -> bool:
    """Equal values, numbers by value: 1250.50 sent is the 1250.5 stored."""
    if isinstance(given, dict) and isinstance(stored, dict):
        return given.keys() == stored.keys() and all(_same(v, stored[k])
                                                      for k, v in given.items())
    if isinstance(given, list) and isinstance(stored, list):
        return len(given) == len(stored) and all(map(_same, given, stored))
    if given == stored:
        return True
    number = _number(given)
    return number is not None and number == _number(stored)


def _number(value: Any) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, int | str | Decimal):
        return None
    try:
        found = Decimal(str(value))
    except InvalidOperation:
        return None
    return found if found.is_finite() else None


def edit_order(session: Session, actor: Actor, order: Order, data: Any, *,
               expected_revision: int | None = None, now: datetime | None = None,
               language: str = "en", data_pointer: str = "/data",
               roles: Collection[str] | None = None,
               stock_follows: bool = False) -> dict[str, list[Any]]:
    """Apply the entered values in ``data`` (fields left out keep their values) and
    return the changes as {field: [before, after]}; nothing changed, nothing written.
    ``roles``: those of the person editing, whose fields' access is then honoured
    (None: every field may change). ``stock_follows``: the caller moves the held stock
    to the edited lines (runtime/order_edits), so lines with stock held may change."""
    type_rules.check_order(order, "edit", actor, roles)
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
    problems: list[DefinitionProblem] = []
    if roles is not None:
        access = field_access(blueprint.definition, roles)
        given = access.with_hidden_kept(given, before)
        problems += access.unwritable_problems(given, before, data_pointer)
    merged = {**before, **given}
    calendar = business_calendar.formula_calendar(session)
    for key, reason in locked_fields(order, now, calendar).items():
        if key in given and given[key] != before.get(key):
            problems.append(DefinitionProblem(f"{data_pointer}{pointer(key)}", reason))
    line_keys = [f["key"] for f in blueprint.definition["form"]["fields"]
                 if f["type"] == "line_items"]
    moved = [k for k in line_keys if k in given and given[k] != before.get(k)]
    if moved and not stock_follows and stock_bound(session, order):
        for key in moved:
            problems.append(DefinitionProblem(
                f"{data_pointer}{pointer(key)}",
                "cannot be changed: stock is reserved or shipped for these lines"))
    if problems:
        raise OrderInputError(problems)
    # Lines given now without a price get the one that applies, as on a new order;
    # prices are those of the day the order was placed.
    buyer = order_lines.buyer_for(session, blueprint, merged, channel=order.channel,
                                  day=business_calendar.instance_date(order.created_at))
    order_lines.fill_missing(session, blueprint, {k: merged[k] for k in given}, buyer)
    calendar = order_lines.priced_calendar(session, calendar, buyer, blueprint, merged)
    values = blueprint.compute(merged, now, calendar)
    # Only lines given now are looked up: a product the catalog dropped since does not
    # stop an edit of another field.
    found = blueprint.problems(values, now, language, calendar) + unknown_products(
        session, blueprint, {k: v for k, v in values.items() if k in given})
    if found:
        raise OrderInputError([replace(p, pointer=data_pointer + p.pointer)
                               for p in found])
    acting = acting_on_edit(blueprint, blueprint.compute(before, now, calendar), values, now,
                            calendar)
    result = ActionResult(data={k: to_json(v) for k, v in values.items()},
                          tags=list(order.tags))
    try:
        for act in acting:
            run_actions(blueprint, act.actions, result, language, now, editing=True,
                        calendar=calendar)
    except Blocked as blocked:
        # Refused before anything is written: the order stays as it was.
        raise OrderInputError([DefinitionProblem(data_pointer, blocked.message)]) from None
    final = {k: to_json(v) for k, v in blueprint.compute(result.data, now, calendar).items()}
    after = {**order.data, **final}
    changes = field_changes(order.data, after)
    if not changes and not acting:
        return {}
    order.take_values(after, blueprint)  # the total (and payment status) follow the data
    order.tags = result.tags
    order.updated_at = utcnow()
    save(session, order)
    stock = carry_out(session, actor.name, order, blueprint, result.stored)
    timeline.order_edited_event(
        session, order, actor.name, changes=changes, at=now,
        details=_rule_details(acting, result, stock),
        holds=any(a["type"] == "hold" for a in result.done))
    if any(k in changes for k in line_keys):
        # The flag says how the lines stand now: a price raised to the list clears it, and
        # line numbers point at the lines as edited. The page shows the latest flag.
        low = order_lines.below_list(session, blueprint, {k: after.get(k) for k in line_keys},
                                     buyer)
        if low or timeline.has_event(session, order, TimelineKind.PRICE_BELOW_LIST):
            timeline.price_below_list_event(
                session, order, actor.name, at=now,
                lines=[line.as_json(order.currency) for line in low])
    ask_after_edit(session, order, _approvals_asked(acting, result), now or utcnow())
    notify_jobs_for(session, order, result.notifications)
    return changes


def _rule_details(acting: list[Acting], result: ActionResult,
                  stock: dict[str, Any]) -> dict[str, Any]:
    """What the rules did, as the timeline entry of the edit lists it."""
    details: dict[str, Any] = {}
    rules = [a.as_json() for a in acting if a.kind == "rule"]
    tables = [a.as_json() for a in acting if a.kind == "decision_table"]
    if rules:
        details["rules"] = rules
    if tables:
        details["decision_tables"] = tables
    if result.done:
        details["actions"] = result.done
    if result.not_carried_out:
        details["not_carried_out"] = [{**a, "reason": a.get("reason", NOT_AVAILABLE)}
                                      for a in result.not_carried_out]
    if stock:
        details["stock"] = stock
    return details


def _approvals_asked(acting: list[Acting], result: ActionResult) -> dict[str, str]:
    """Each approval a ``require_approval`` that ran asked for, with the rule (or table)
    whose actions held it."""
    ran = {id(a) for a in result.done}
    asked: dict[str, str] = {}
    for act in acting:
        for action in act.actions:
            if action["type"] == "require_approval" and id(action) in ran:
                asked.setdefault(action["approval"], act.key)
    return asked

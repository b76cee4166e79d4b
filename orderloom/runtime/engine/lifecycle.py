"""Creating orders and moving them through their workflow.

Every guard is evaluated before any side effect, and the functions take a
session and never commit: the caller owns the transaction, so an order, its
timeline entry and anything it causes are stored together or not at all.
"""
from __future__ import annotations

import difflib
from collections.abc import Collection
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from orderloom.db import utcnow
from orderloom.designer.blueprint import Blueprint, to_json
from orderloom.designer.field_access import field_access
from orderloom.designer.models import DefinitionVersion, OrderType
from orderloom.designer.problems import DefinitionProblem, pointer
from orderloom.designer.published import blueprint_for
from orderloom.dsl.workdays import Calendar
from orderloom.runtime import business_calendar, hooks, remembered
from orderloom.runtime.audit import Actor
from orderloom.runtime.customers import records as customers
from orderloom.runtime.engine import type_rules
from orderloom.runtime.engine.actions import ActionResult, Blocked, carry_out, run_actions
from orderloom.runtime.engine.entering import (
    arrive_again,
    enter_state,
    required_approvals,
    save,
)
from orderloom.runtime.errors import (
    OrderError,
    OrderInputError,
    OrderNotFound,
    StaleOrder,
    TransitionRefused,
)
from orderloom.runtime.jobs.outbox import notify_jobs_for
from orderloom.runtime.orders import timeline
from orderloom.runtime.orders.models import Order, formula_values
from orderloom.runtime.orders.numbering import next_number
from orderloom.runtime.prices import order_lines
from orderloom.runtime.stock import catalog

DEFAULT_PREFIX = "ORD"


# Built once: every transition looks its order up, and building the statement and its
# cache key anew each time cost about a tenth of a transition's CPU.
_ORDER_BY_NUMBER = select(Order).where(Order.number == bindparam("number"))


def find_order(session: Session, number: str) -> Order:
    order = session.scalar(_ORDER_BY_NUMBER, {"number": number})
    if order is None:
        raise OrderNotFound(f"there is no order {number}")
    return order


def entered_values(blueprint: Blueprint, data: Any, base: str) -> dict[str, Any]:
    """The values a person may enter: unknown fields refused, computed ones dropped
    (the server computes them), defaults filled in."""
    if not isinstance(data, dict):
        raise OrderInputError([DefinitionProblem(base, "the order data must be an object",
                                                 code="value.data_object")])
    form = {f["key"]: f for f in blueprint.definition["form"]["fields"]}
    problems: list[DefinitionProblem] = []
    entered: dict[str, Any] = {}
    for key, value in data.items():
        field = form.get(key)
        if field is None:
            close = difflib.get_close_matches(key, list(form), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            problems.append(DefinitionProblem(
                f"{base}{pointer(key)}", f"is not a field of this order type{hint}",
                code="value.not_a_field",
                values={"suggestion": repr(close[0]) if close else None}))
            continue
        if field["type"] == "computed":
            continue
        if field["type"] == "line_items" and isinstance(value, list):
            value = [_line(field, line, f"{base}{pointer(key, i)}", problems)
                     for i, line in enumerate(value)]
        entered[key] = to_json(value)
    for key, field in form.items():
        if key not in entered and "default" in field and field["type"] != "computed":
            entered[key] = field["default"]
    if problems:
        raise OrderInputError(problems)
    return entered


def _line(field: dict[str, Any], line: Any, where: str,
          problems: list[DefinitionProblem]) -> Any:
    if not isinstance(line, dict):
        problems.append(DefinitionProblem(where, "each line must be an object",
                                          code="value.line_object"))
        return line
    columns = {sub["key"]: sub for sub in field["fields"]}
    kept = {}
    for key, value in line.items():
        column = columns.get(key)
        if column is None:
            problems.append(DefinitionProblem(f"{where}{pointer(key)}",
                                              f"is not a column of {field['key']}",
                                              code="value.not_a_column",
                                              values={"field": field["key"]}))
        elif column["type"] != "computed":
            kept[key] = value
    return kept


def unknown_products(session: Session, blueprint: Blueprint, data: dict[str, Any]
                     ) -> list[DefinitionProblem]:
    """A problem at each line whose product the catalog does not have."""
    return [DefinitionProblem(pointer(key, index, column), f"no product {sku!r}",
                              code="value.no_product", values={"sku": repr(sku)})
            for key, index, column, sku in catalog.unknown_products(
                session, blueprint.definition, data)]


def _with_base(problems: list[DefinitionProblem], base: str) -> list[DefinitionProblem]:
    return [replace(p, pointer=base + p.pointer) for p in problems]


# An order type and its newest published version: read for every order created.
NEWEST_VERSION = remembered.Read("newest published version", (OrderType, DefinitionVersion))


def _newest_version(session: Session, order_type_key: str) -> tuple[OrderType, DefinitionVersion]:
    def load() -> tuple[OrderType, DefinitionVersion]:
        # One query: the type and its newest version (outer join: a type never published).
        # An unknown or unpublished type raises, so that nothing is remembered of it.
        found = session.execute(
            select(OrderType, DefinitionVersion)
            .outerjoin(DefinitionVersion, DefinitionVersion.order_type_id == OrderType.id)
            .where(OrderType.key == order_type_key)
            .order_by(DefinitionVersion.number.desc()).limit(1)).first()
        if found is None:
            raise OrderNotFound(f"there is no order type {order_type_key!r}")
        order_type, version = found
        if version is None:
            raise OrderError(f"order type {order_type_key!r} has no published version yet; "
                             "publish it first")
        # The large documents stay out of the copies: a blueprint is compiled once
        # per version, and an order never needs its type's draft.
        return (remembered.detached_copy(order_type, frozenset({"draft"})),
                remembered.detached_copy(version, frozenset({"definition"})))

    order_type, version = remembered.read(session, NEWEST_VERSION, order_type_key, load)
    return session.merge(order_type, load=False), session.merge(version, load=False)


def create_order(session: Session, actor: Actor, order_type_key: str, data: Any, *,
                 channel: str = "manual", now: datetime | None = None,
                 language: str = "en", data_pointer: str = "/data",
                 roles: Collection[str] | None = None,
                 products_checked: bool = True) -> Order:
    """Validate, compute and run the rules of a new order on the latest published
    version of its type, and add it to ``session``. ``roles``: those of the person
    entering it, whose fields' access is then honoured (None: every field).
    ``products_checked``: a SKU the catalog lacks is refused at its line; a channel
    turns it off, because a store's order is taken whatever it sold."""
    order_type, version = _newest_version(session, order_type_key)
    blueprint = blueprint_for(version)
    type_rules.check(blueprint.definition, order_type_key, "create", actor, roles)
    entered = entered_values(blueprint, data, data_pointer)
    if roles is not None:
        # Leaving a field empty or at its default is not entering it: a form sends its
        # locked controls too (an unticked box as false, a choice at its default), and
        # the values a new order starts with are the comparison, not nothing.
        defaults = entered_values(blueprint, {}, data_pointer)
        typed = {k: v for k, v in entered.items() if k in data and v not in (None, "", [])
                 and not (v is False and k not in defaults)}
        refused = field_access(blueprint.definition, roles).unwritable_problems(
            typed, defaults, data_pointer)
        if refused:
            raise OrderInputError(refused)
    calendar = business_calendar.formula_calendar(session)
    # A line that arrives without a unit price gets the one that applies to this buyer
    # (prices/resolution.py); formulas then see it as if it had been entered.
    buyer = order_lines.buyer_for(session, blueprint, entered, channel=channel,
                                  day=business_calendar.instance_date(now or utcnow()))
    order_lines.fill_missing(session, blueprint, entered, buyer)
    calendar = order_lines.priced_calendar(session, calendar, buyer, blueprint, entered)
    values = blueprint.compute(entered, now, calendar)
    problems = blueprint.problems(values, now, language, calendar)
    if products_checked:
        problems += unknown_products(session, blueprint, values)
    if problems:
        raise OrderInputError(_with_base(problems, data_pointer))
    result = ActionResult(data=_json_values(values), tags=[])
    outcomes = blueprint.evaluate_rules(values, now, calendar)
    tables = blueprint.evaluate_decision_tables(values, now, calendar)
    try:
        for outcome in outcomes:
            if outcome.matched:
                run_actions(blueprint, outcome.actions, result, language, now,
                            calendar=calendar)
        for table in tables:
            run_actions(blueprint, table.actions, result, language, now,
                        calendar=calendar)
    except Blocked as blocked:
        raise OrderInputError([DefinitionProblem(data_pointer, blocked.message)]) from None
    final = _json_values(blueprint.compute(result.data, now, calendar))
    prefix = blueprint.definition.get("number_prefix", DEFAULT_PREFIX)
    # A known customer costs one SELECT; the id then rides in the order's own INSERT.
    customer_id = customers.customer_for_order(session, actor, blueprint, final)
    order = Order(
        number=next_number(session, order_type.id, prefix),
        order_type=order_type,
        version=version,
        state=blueprint.start_state(),
        data=final,
        entered=_json_values(entered),
        total=blueprint.total_of(final),
        currency=blueprint.currency,
        tags=result.tags,
        customer_id=customer_id,
        channel=channel,
        created_by=actor.name,
        created_at=utcnow(),
        updated_at=utcnow(),
    )
    session.add(order)
    session.flush()
    stock = carry_out(session, actor.name, order, blueprint, result.stored)
    timeline.order_created_event(session, order, actor.name, details={
        "version": version.number,
        "rules": [{"key": o.key, "matched": o.matched, **({"fault": o.fault} if o.fault else {})}
                  for o in outcomes],
        **({"decision_tables": [{"key": t.key, "rows": list(t.matched_rows)} for t in tables]}
           if tables else {}),
        **_action_details(result),
        **({"stock": stock} if stock else {}),
    })
    low = order_lines.below_list(session, blueprint, final, buyer)
    if low:
        timeline.price_below_list_event(session, order, actor.name,
                                        lines=[line.as_json(order.currency) for line in low])
    hooks.ORDER_ARRIVED(session, order)
    hooks.ORDER_CREATED(session, order)
    enter_state(session, order, now=now, required=required_approvals(result.done), left=None)
    notify_jobs_for(session, order, result.notifications)
    return order


def field_changes(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """Each field whose value differs, as [before, after], for the timeline."""
    return {key: [before.get(key), after.get(key)]
            for key in sorted(before.keys() | after.keys())
            if before.get(key) != after.get(key)}


def _json_values(values: dict[str, Any]) -> dict[str, Any]:
    return {key: to_json(value) for key, value in values.items()}


def _action_details(result: ActionResult) -> dict[str, Any]:
    details: dict[str, Any] = {}
    if result.done:
        details["actions"] = result.done
    if result.not_carried_out:
        details["not_carried_out"] = [
            {**a, "reason": "this action is not available in this version of Orderloom"}
            for a in result.not_carried_out]
    return details


def take_transition(session: Session, actor: Actor, order: Order, key: str, roles: set[str],
                    *, expected_revision: int | None = None, now: datetime | None = None,
                    language: str = "en") -> Order:
    """Move ``order`` along transition ``key`` if everything allows it now."""
    blueprint = blueprint_for(order.version)
    spec = blueprint.transitions.get(key)
    if spec is None:
        close = difflib.get_close_matches(key, list(blueprint.transitions), n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise TransitionRefused(f"order type {order.order_type.key!r} (version "
                                f"{order.version.number}) has no transition {key!r}{hint}", 404)
    type_rules.check_order(order, "act", actor, roles)
    if expected_revision is not None and expected_revision != order.revision:
        raise StaleOrder(order.number, order.revision, order.state)
    if order.state not in spec.sources:
        raise TransitionRefused(f"{key!r} cannot be taken from state {order.state!r}; it "
                                f"starts from {', '.join(sorted(spec.sources))}", 409)
    if spec.roles and not (spec.roles & roles) and not actor.whole_workflow:
        raise TransitionRefused(f"{key!r} is for the roles {', '.join(sorted(spec.roles))}; "
                                "you have none of them", 403)
    missing = [k for k in spec.required_fields if order.data.get(k) in (None, "", [], {})]
    if missing:
        raise TransitionRefused(f"{key!r} needs these fields filled in first: "
                                f"{', '.join(missing)}", 422)
    # Conditions read the order's attributes too (``payment_status = "paid"``).
    calendar = business_calendar.formula_calendar(session)
    # LISTPRICE in a condition or an action prices as on the day the order was placed.
    calendar = order_lines.order_calendar(session, calendar, blueprint, order.data,
                                          channel=order.channel, placed=order.created_at)
    if spec.condition is not None and \
            spec.condition(formula_values(order), now, calendar) is not True:
        raise TransitionRefused(f"{key!r} is not allowed now: its condition "
                                f"{spec.condition.source!r} is not met", 422)
    result = ActionResult(data=dict(order.data), tags=list(order.tags))
    try:
        run_actions(blueprint, spec.actions, result, language, now, calendar=calendar)
    except Blocked as blocked:
        raise TransitionRefused(blocked.message, 422) from None
    before = order.state
    data_before = order.data
    order.take_values(_json_values(blueprint.compute(result.data, now, calendar)),
                      blueprint)
    order.tags = result.tags
    order.state = spec.target
    order.updated_at = utcnow()
    save(session, order)
    stock = carry_out(session, actor.name, order, blueprint, result.stored)
    changes = field_changes(data_before, order.data)
    timeline.transition_event(
        session, order, actor.name, transition=key, from_state=before, to_state=spec.target,
        details={**_action_details(result), **({"stock": stock} if stock else {}),
                 **({"changes": changes} if changes else {})})
    hooks.ORDER_STATE_CHANGED(session, order, before, transition=key, actor_name=actor.name)
    enter_state(session, order, now=now, required=required_approvals(result.done),
                left=before)
    notify_jobs_for(session, order, result.notifications)
    return order


def resume(session: Session, order: Order, now: datetime | None = None) -> bool:
    """Let the order flow on after whatever held it was lifted (an exception resolved):
    the arrival work the hold stopped is done now (entering.arrive_again), unless
    something still holds the order. Whether it moved."""
    return arrive_again(session, order, now or utcnow())


def open_transitions(order: Order, roles: set[str], now: datetime | None = None, *,
                     calendar: Calendar | None = None,
                     whole_workflow: bool = False,
                     actor: Actor | None = None) -> list[dict[str, Any]]:
    """What ``roles`` (every role, with ``whole_workflow``) may take from the order's
    state now; ``calendar``: the business calendar, as take_transition counts with it.
    With ``actor``, nothing where the type's access.act refuses them, as take_transition
    would."""
    if actor is not None and not type_rules.lets(order, "act", actor, roles):
        return []
    blueprint = blueprint_for(order.version)
    return [{"key": spec.key, "to": spec.target, **({"blocked": reason} if reason else {})}
            for spec, reason in blueprint.open_transitions(
                order.state, formula_values(order), roles, now, calendar,
                whole_workflow=whole_workflow)]

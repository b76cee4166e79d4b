"""Replaying real orders against a draft: what the last orders of a type would have
become under the draft, compared with what they become under the published version.
Nothing is written.

Each order's values as they were entered (``Order.entered``: before computed
fields, rules and later edits; with the unit prices the price list filled in then)
go through what creating an order decides (computed fields, rules, decision tables,
the start state's approvals and automatic moves), once with the published version
and once with the draft. An order created before entered values were kept starts
from its stored values, which include what happened since (edits, values
``set_field`` actions wrote). Both sides start from the same values and are judged
the same way, so the difference between them is the draft's alone. Work an action does
on the stored order (stock, documents, messages) is not done: only its decisions
are.
"""
from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, select, true
from sqlalchemy.orm import Session

from orderloom.db import utcnow
from orderloom.designer.blueprint import Blueprint, to_json
from orderloom.designer.published import blueprint_for
from orderloom.designer.versions import find
from orderloom.dsl.workdays import Calendar
from orderloom.runtime import business_calendar
from orderloom.runtime.engine import automatic
from orderloom.runtime.engine.actions import ActionResult, hold_automatic_moves, run_actions
from orderloom.runtime.engine.entering import MAX_MOVES, approvals_decided, required_approvals
from orderloom.runtime.engine.lifecycle import entered_values
from orderloom.runtime.errors import OrderError, OrderNotFound
from orderloom.runtime.orders.models import Order

# Orders one replay may take: each is run twice, all in one request.
MOST_ORDERS = 200
ASPECTS = ("state", "tags", "computed", "approvals", "refused")
# Said instead of a refusal that names a field the person replaying may not see.
REFUSED_UNSEEN = {"en": "a value you may not see is refused",
                  "zh": "一个您无权查看的值未通过检查"}


@dataclass
class Outcome:
    """What creating an order with these values would decide."""

    state: str | None = None
    tags: list[str] = field(default_factory=list)
    computed: dict[str, Any] = field(default_factory=dict)
    approvals: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)

    def seen(self, hidden: frozenset[str], language: str = "en") -> Outcome:
        """This outcome without computed fields ``hidden`` names and with refusals that
        name one of them said without it."""
        if not hidden:
            return self
        names = re.compile(r"\b(" + "|".join(map(re.escape, sorted(hidden))) + r")\b")
        return Outcome(state=self.state, tags=self.tags,
                       computed={k: v for k, v in self.computed.items() if k not in hidden},
                       approvals=self.approvals,
                       refused=[REFUSED_UNSEEN.get(language, REFUSED_UNSEEN["en"])
                                if names.search(text) else text
                                for text in self.refused])

    def as_json(self) -> dict[str, Any]:
        return {"state": self.state, "tags": self.tags, "computed": self.computed,
                "approvals": self.approvals, "refused": self.refused}


@dataclass(frozen=True)
class Stored:
    """What a dry run reads of one stored order, as plain values (``data``: the
    entered values, or the stored ones for orders from before the entered column): the
    dry run holds no database session, so it holds no lock while it runs."""

    number: str
    created_at: datetime
    data: dict[str, Any]
    channel: str | None
    payment_status: str


@dataclass(frozen=True)
class Taken:
    """What a replay compares, read from the database: the published version's
    blueprint and number, the business calendar and the newest orders."""

    published: Blueprint
    version: int
    calendar: Calendar | None
    orders: list[Stored]


def newest_orders(session: Session, order_type_key: str, count: int, *,
                  visible: ColumnElement[bool] | None = None,
                  calendar: Calendar | None = None) -> Taken:
    """The last ``count`` orders of the type (those ``visible`` lets through) and what
    comparing them needs; ``calendar``: what their formulas evaluate with (a person's
    preview calendar), else the instance's. The caller then ends its read (SQLite holds
    its write lock for a whole transaction) and hands this to ``compare``."""
    order_type = find(session, order_type_key)
    if order_type is None:
        raise OrderNotFound(f"there is no order type {order_type_key!r}")
    if order_type.latest is None:
        raise OrderError(f"{order_type_key!r} has no published version to compare with")
    orders = session.scalars(
        select(Order).where(Order.order_type_id == order_type.id,
                            visible if visible is not None else true())
        .order_by(Order.created_at.desc(), Order.id.desc()).limit(count)).all()
    return Taken(published=blueprint_for(order_type.latest),
                 version=order_type.latest.number,
                 calendar=calendar or business_calendar.formula_calendar(session),
                 orders=[Stored(o.number, o.created_at,
                                copy.deepcopy(o.entered if o.entered is not None else o.data),
                                o.channel, o.payment_status) for o in orders])


def compare(taken: Taken, draft: Blueprint, *, hidden: frozenset[str] = frozenset(),
            language: str = "en", now: datetime | None = None) -> dict[str, Any]:
    """``taken``'s orders under the published version and under ``draft``: a summary and
    one entry per order. Fields and columns ``hidden`` names (those the person asking
    may not see) are left out of both sides before they are compared, and so are
    refusals naming them. Refusals are in ``language`` where the form gives one;
    ``labels`` carries the published version's names of states, approvals and computed
    fields, for its side (the draft may have renamed or removed them)."""
    now = now or utcnow()
    entries = []
    changed = {aspect: 0 for aspect in ASPECTS}
    for order in taken.orders:
        before = dry_run(taken.published, order, now, taken.calendar, language
                         ).seen(hidden, language)
        after = dry_run(draft, order, now, taken.calendar, language).seen(hidden, language)
        differences = [a for a in ASPECTS
                       if getattr(before, a) != getattr(after, a)]
        for aspect in differences:
            changed[aspect] += 1
        entries.append({"number": order.number, "created_at": order.created_at.isoformat(),
                        "changes": differences, "published": before.as_json(),
                        "draft": after.as_json()})
    return {"version": taken.version, "labels": labels(taken.published, hidden),
            "summary": {"orders": len(entries),
                        "changed": sum(1 for e in entries if e["changes"]),
                        "by_aspect": changed},
            "orders": entries}


def labels(blueprint: Blueprint, hidden: frozenset[str]) -> dict[str, dict[str, Any]]:
    """The labels ({"en": ..., "zh": ...}) of the states, approvals and computed fields
    (but those ``hidden`` names) of ``blueprint``, by key."""
    definition = blueprint.definition
    return {"states": {s["key"]: s.get("label") for s in definition["workflow"]["states"]},
            "approvals": {a["key"]: a.get("label")
                          for a in definition["workflow"].get("approvals", [])},
            "computed": {f["key"]: f.get("label") for f in definition["form"]["fields"]
                         if f["type"] == "computed" and f["key"] not in hidden}}


def dry_run(blueprint: Blueprint, order: Stored, now: datetime,
            calendar: Calendar | None, language: str = "en") -> Outcome:
    """Creation's decisions for ``order``'s entered values (runtime/engine/lifecycle.py
    ``create_order`` and entering.py ``enter_state``), held in memory."""
    try:
        entered = entered_values(blueprint, known_values(blueprint, order.data), "/data")
    except OrderError as refused:
        return Outcome(refused=[refused.message])
    values = blueprint.compute(entered, now, calendar)
    problems = blueprint.problems(values, now, language, calendar)
    if problems:
        return Outcome(refused=[f"{p.pointer}: {p.message}" for p in problems])
    result = ActionResult(data={k: to_json(v) for k, v in values.items()}, tags=[])
    try:
        for outcome in blueprint.evaluate_rules(values, now, calendar):
            if outcome.matched:
                run_actions(blueprint, outcome.actions, result, language, now)
        for table in blueprint.evaluate_decision_tables(values, now, calendar):
            run_actions(blueprint, table.actions, result, language, now)
    except OrderError as blocked:
        return Outcome(refused=[blocked.message])
    data = {k: to_json(v) for k, v in blueprint.compute(result.data, now, calendar).items()}
    # Never added to a session: it only carries what formulas about an order read.
    stand_in = Order(state=blueprint.start_state(), data=data, tags=list(result.tags),
                     channel=order.channel, created_at=order.created_at,
                     payment_status=order.payment_status)
    waiting = enter(blueprint, stand_in, set(required_approvals(result.done)),
                    hold_automatic_moves(result.done), now, calendar)
    return Outcome(state=stand_in.state, tags=list(stand_in.tags),
                   computed={key: stand_in.data.get(key) for key, _f in blueprint.computed},
                   approvals=waiting)


def known_values(blueprint: Blueprint, data: dict[str, Any]) -> dict[str, Any]:
    """``data`` without the fields and line columns the form does not have: one the
    draft removed is not an error of the order's, so it is left out."""
    form = {f["key"]: f for f in blueprint.definition["form"]["fields"]}
    kept: dict[str, Any] = {}
    for key, value in data.items():
        field = form.get(key)
        if field is None:
            continue
        if field["type"] == "line_items" and isinstance(value, list):
            columns = {c["key"] for c in field["fields"]}
            value = [{k: v for k, v in line.items() if k in columns}
                     if isinstance(line, dict) else line for line in value]
        kept[key] = value
    return kept


def enter(blueprint: Blueprint, order: Order, forced: set[str], held: bool, now: datetime,
          calendar: Calendar | None) -> list[str]:
    """Move ``order`` as arriving in its state does (entering.py ``enter_state``: waived
    approvals and automatic moves, none while ``held``, at most MAX_MOVES taken, a
    blocked move not counted); answers the approvals it then waits for."""
    moves = 0
    blocked: set[str] = set()
    while True:
        needing, waived = approvals_decided(blueprint, order, forced, now)
        if held:
            break
        auto = None if waived else automatic.due_now(blueprint, order, now, blocked)
        if (waived is None and auto is None) or moves >= MAX_MOVES:
            break
        moves += 1
        if waived is not None:
            order.state = waived[0]["approved"]
            continue
        result = ActionResult(data=dict(order.data), tags=list(order.tags))
        try:
            run_actions(blueprint, auto.get("actions", []), result, now=now)
        except OrderError:
            blocked.add(auto["key"])
            moves -= 1
            continue
        order.data = {k: to_json(v) for k, v in
                      blueprint.compute(result.data, now, calendar).items()}
        order.tags = result.tags
        order.state = auto["to"]
        forced |= set(required_approvals(result.done))
        held = hold_automatic_moves(result.done)
    return [spec["key"] for spec, _why in needing]

"""What happens when an order enters a state.

On creation into the start state, after every transition, after every approval
outcome and after a timed move, the order arrives somewhere, and then:

1. Whatever belonged to the state it left ends: undecided approval tasks are
   cancelled and pending timers are cancelled.
2. Approvals of the new state: one whose ``when`` is not TRUE (and that no
   ``require_approval`` action asked for) is approved at once, unless another
   approval of the state needs people.
3. Otherwise automatic ``when`` moves out of the state are evaluated; the first
   TRUE one moves the order on. Moves chain, at most ``MAX_MOVES`` per change.
   Only an order that stays gets the tasks of the approvals that need people.
   While an action holds the order (its ``standing`` note says so) neither
   waived approvals nor automatic moves are taken; a person moves it on.
4. Where the order stays, its timers start: the state's SLA, its ``after_hours``
   moves and the escalation of each approval that got tasks.

Everything is added to the caller's session; the caller commits.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from orderloom import dsl
from orderloom.db import utcnow
from orderloom.designer.blueprint import Blueprint, to_json
from orderloom.designer.published import blueprint_for
from orderloom.dsl.workdays import Calendar
from orderloom.runtime import business_calendar, hooks
from orderloom.runtime.audit import SYSTEM, WHOLE_WORKFLOW
from orderloom.runtime.engine import automatic, timers
from orderloom.runtime.engine.actions import (
    ActionResult,
    Blocked,
    carry_out,
    holding_automatic_moves,
    run_actions,
)
from orderloom.runtime.engine.approvals import tasks as approvals
from orderloom.runtime.errors import OrderError, StaleOrder
from orderloom.runtime.exception_queue.raising import raise_exception
from orderloom.runtime.jobs.outbox import notify_jobs_for
from orderloom.runtime.orders import timeline
from orderloom.runtime.orders.models import Order, OrderEvent, formula_values
from orderloom.runtime.orders.timeline import TimelineKind
from orderloom.runtime.prices import order_lines
from orderloom.runtime.stock import keeping as stock_keeping

log = logging.getLogger(__name__)

MAX_MOVES = automatic.MAX_MOVES
NOT_AVAILABLE = "this action is not available in this version of Orderloom"
# What a move writes on the timeline: timeline.approval_event or automatic_move_event.
MoveEntry = Callable[..., OrderEvent]


def required_approvals(done: list[dict[str, Any]]) -> list[str]:
    """The approvals that ``require_approval`` actions (already run) asked for."""
    return [a["approval"] for a in done if a["type"] == "require_approval"]


def save(session: Session, order: Order) -> None:
    """Flush the order; a concurrent change (the revision moved on) is StaleOrder."""
    try:
        session.flush()
    except StaleDataError:
        session.rollback()
        current = session.get(Order, order.id)
        raise StaleOrder(order.number, current.revision if current else -1,
                         current.state if current else "?") from None


def move(session: Session, order: Order, target: str, now: datetime, *, actor_name: str,
         entry: MoveEntry, transition: str | None = None,
         details: dict[str, Any] | None = None) -> None:
    """Put the order in ``target`` (its revision goes up) and write the timeline entry
    with ``entry`` (``timeline.approval_event`` or ``timeline.automatic_move_event``).
    The caller then calls ``enter_state``."""
    before = order.state
    order.state = target
    order.updated_at = utcnow()
    save(session, order)
    entry(session, order, actor_name, details=details or {}, at=now, transition=transition,
          from_state=before, to_state=target)
    hooks.ORDER_STATE_CHANGED(session, order, before, transition=transition,
                              actor_name=actor_name)


UNKNOWN = object()


def order_calendar(session: Session, order: Order, blueprint: Blueprint) -> Calendar:
    """What the formulas of a stored order evaluate with: the business calendar, and
    LISTPRICE priced for the order's buyer as on the day it was placed."""
    return order_lines.order_calendar(session, business_calendar.formula_calendar(session),
                                      blueprint, order.data, channel=order.channel,
                                      placed=order.created_at)


def _may_leave_waiting(blueprint: Blueprint, state: str) -> bool:
    """Whether an order in ``state`` can have open tasks or timers: only states with an
    approval, an SLA or a timed move make them."""
    workflow = blueprint.definition["workflow"]
    return (any(a["state"] == state for a in workflow.get("approvals", []))
            or any(s["key"] == state and "sla_hours" in s for s in workflow["states"])
            or bool(automatic.timed(blueprint, state)))


def enter_state(session: Session, order: Order, *, now: datetime | None = None,
                required: list[str] | tuple[str, ...] = (), left: Any = UNKNOWN) -> None:
    """Do what arriving in ``order.state`` causes (see the module's description).
    ``required`` names approvals a ``require_approval`` action asked for. ``left`` is the
    state the order came from (None for a new order): tasks and timers are cancelled
    only where that state could have made some, which saves the queries otherwise."""
    now = now or utcnow()
    blueprint = blueprint_for(order.version)
    for key in dict.fromkeys(required):
        timeline.approval_required_event(session, order, approval=key, at=now)
    moves = 0
    blocked: set[str] = set()
    while True:
        if left is UNKNOWN or (left is not None and _may_leave_waiting(blueprint, left)):
            approvals.cancel_pending(session, order.id, now)
            timers.cancel_pending(session, order.id, now)
        left = order.state
        # Each pass reads the order as the last move left it, LISTPRICE included.
        calendar = order_calendar(session, order, blueprint)
        needing, waived = _approvals_here(session, order, blueprint, now, calendar)
        auto = None if waived else automatic.due_now(blueprint, order, now, blocked,
                                                     calendar=calendar)
        if waived is None and auto is None:
            break
        # Asked only when there is a move to hold back: the notes are read from the
        # database, and most states move on only by a person's hand.
        if holding_automatic_moves(session, order) is not None:
            break  # an action holds the order here until a person moves it on
        if moves >= MAX_MOVES:
            timeline.automatic_moves_stopped_event(
                session, order, moves=moves, at=now,
                reason=f"{MAX_MOVES} automatic moves in a row; the order stays here until "
                       "a person moves it")
            break
        moves += 1
        if waived is not None:
            spec, reason = waived
            move(session, order, spec["approved"], now, actor_name=SYSTEM.name,
                 entry=timeline.approval_event,
                 details={"approval": spec["key"], "outcome": "approved", "automatic": True,
                         **reason})
        elif not _take_automatic(session, order, blueprint, auto, now):
            blocked.add(auto["key"])
            moves -= 1
    _start_waiting(session, order, blueprint, needing, now)
    if order.state in _terminal_states(blueprint):
        # A finished order holds no stock: whatever a cancellation's or a rejection's
        # path did not release goes back to the shelf now (shipped stock is not held).
        released = stock_keeping.release(session, SYSTEM.name, order.id)
        if released:
            timeline.stock_released_event(session, order, units=released, state=order.state,
                                          at=now)


def ask_after_edit(session: Session, order: Order, asked: dict[str, str],
                   now: datetime) -> None:
    """Approvals that rules asked for when an edit turned them TRUE (``asked``: approval
    key -> the rule's key), as at creation: an approval already asked for and not
    decided is left as it is; one of the order's state gets its tasks now; one of a
    state the order has passed sends it back there to wait for the decision; one of a
    state still ahead is needed when the order arrives there."""
    blueprint = blueprint_for(order.version)
    undecided = _forced(session, order)
    for key, rule in asked.items():
        spec = approvals.approval_spec(blueprint, key)
        if spec is None or key in undecided or approvals.pending_tasks(session, order.id, key):
            continue
        reason = f"the edit made rule {rule!r} ask for it"
        if spec["state"] == order.state:
            timeline.approval_required_event(session, order, approval=key, at=now)
            _start_waiting(session, order, blueprint, [(spec, reason)], now)
        elif _has_been_in(session, order, spec["state"]):
            before = order.state
            move(session, order, spec["state"], now, actor_name=SYSTEM.name,
                 entry=timeline.approval_required_again_event,
                 details={"approval": key, "rule": rule, "reason": reason})
            enter_state(session, order, now=now, left=before)
        else:
            timeline.approval_required_event(session, order, approval=key, at=now)


def _has_been_in(session: Session, order: Order, state: str) -> bool:
    return session.scalar(select(OrderEvent.id).where(OrderEvent.order_id == order.id,
                                                      OrderEvent.to_state == state)
                          .limit(1)) is not None


def _terminal_states(blueprint: Blueprint) -> set[str]:
    return {s["key"] for s in blueprint.definition["workflow"]["states"]
            if s["kind"] == "terminal"}


def _forced(session: Session, order: Order) -> set[str]:
    """Approvals a ``require_approval`` action asked for and nobody has decided since."""
    events = session.execute(select(OrderEvent.kind, OrderEvent.details)
                             .where(OrderEvent.order_id == order.id,
                                    OrderEvent.kind.in_((TimelineKind.APPROVAL_REQUIRED,
                                                        TimelineKind.APPROVAL)))
                             .order_by(OrderEvent.id))
    forced: set[str] = set()
    for kind, details in events:
        key = (details or {}).get("approval")
        if kind == TimelineKind.APPROVAL_REQUIRED:
            forced.add(key)
        elif details.get("outcome") in ("approved", "rejected"):
            forced.discard(key)
    return forced


# An approval's spec with why it is asked for or waived (``_why``).
Why = tuple[dict[str, Any], dict[str, Any]]


def _approvals_here(session: Session, order: Order, blueprint: Blueprint, now: datetime,
                    calendar: Calendar
                    ) -> tuple[list[Why], Why | None]:
    if not approvals.approvals_in(blueprint, order.state):
        return [], None
    return approvals_decided(blueprint, order, _forced(session, order), now, calendar)


def approvals_decided(blueprint: Blueprint, order: Any, forced: set[str], now: datetime,
                      calendar: Calendar | None = None
                      ) -> tuple[list[Why], Why | None]:
    """The approvals of ``order``'s state that need people (each with why), and the
    first one approved automatically when none needs people. ``forced``: approvals a
    ``require_approval`` action asked for and nobody has decided. ``calendar``: what
    the conditions evaluate with (entering.order_calendar). Reads no database itself,
    so a dry run (runtime/engine/replay.py) decides as entering a state does."""
    specs = approvals.approvals_in(blueprint, order.state)
    values = formula_values(order) if specs else {}
    needing: list[Why] = []
    waivable: list[Why] = []
    for spec in specs:
        if spec["key"] in forced:
            needing.append((spec, _why("asked", "a require_approval action asked for it")))
        elif "when" not in spec:
            needing.append((spec, _why("always", "every order needs it")))
        else:
            result = approvals.condition(blueprint, spec["when"])(values, now, calendar)
            if result is True:
                needing.append((spec, _why("true", f"its condition {spec['when']!r} is TRUE",
                                           when=spec["when"])))
            elif isinstance(result, dsl.FormulaFault):
                # A broken condition never waves an order through.
                needing.append((spec, _why("failed", f"its condition failed: {result}",
                                           condition_fault=to_json(result))))
            else:
                waivable.append((spec, _why(
                    "not_true", f"its condition {spec['when']!r} is not TRUE",
                    when=spec["when"])))
    return needing, (waivable[0] if waivable and not needing else None)


def _why(kind: str, reason: str, **values: Any) -> dict[str, Any]:
    """Why an approval is asked for or waived, for the timeline: the English ``reason``
    and its ``why`` (a kind) with the values a page words it by in its reader's
    language (platform/pages/order_view.py)."""
    return {"reason": reason, "why": kind, **values}


def _take_automatic(session: Session, order: Order, blueprint: Blueprint,
                    spec: dict[str, Any], now: datetime) -> bool:
    """Move along an automatic transition, running its actions; False (and a timeline
    note) when one of them blocks it."""
    result = ActionResult(data=dict(order.data), tags=list(order.tags))
    try:
        run_actions(blueprint, spec.get("actions", []), result, now=now,
                    calendar=business_calendar.formula_calendar(session))
        # In a savepoint: stock that is not there stops this move, not the whole change.
        with session.begin_nested():
            stock = carry_out(session, SYSTEM.name, order, blueprint, result.stored)
    except (Blocked, OrderError) as blocked:
        timeline.automatic_move_blocked_event(session, order, transition=spec["key"],
                                              reason=blocked.message, at=now,
                                              code=blocked.code, values=blocked.values)
        if isinstance(blocked, stock_keeping.OutOfStock):
            # Routing found no warehouse with enough: the order waits in the exception
            # queue, where staff release it once stock arrives.
            where = "任一仓库" if blocked.warehouse == stock_keeping.ANY_WAREHOUSE \
                else f"仓库 {blocked.warehouse}"
            raise_exception(session, order, "out_of_stock",
                            {"en": blocked.message,
                             "zh": f"库存不足：{blocked.sku} 需要 {blocked.wanted} 件，"
                                   f"{where}仅有 {blocked.available} 件"},
                            actor_name=SYSTEM.name, now=now,
                            details={"sku": blocked.sku, "warehouse": blocked.warehouse,
                                     "wanted": blocked.wanted,
                                     "available": blocked.available})
        return False
    calendar = order_calendar(session, order, blueprint)
    order.take_values({k: to_json(v) for k, v in
                       blueprint.compute(result.data, now, calendar).items()}, blueprint)
    order.tags = result.tags
    details: dict[str, Any] = {"after_hours": spec["after_hours"]} if "after_hours" in spec \
        else {"when": spec["when"]}
    if result.done:
        details["actions"] = result.done
    if stock:
        details["stock"] = stock
    if result.not_carried_out:
        details["not_carried_out"] = [{**a, "reason": NOT_AVAILABLE}
                                      for a in result.not_carried_out]
    move(session, order, spec["to"], now, actor_name=SYSTEM.name,
         entry=timeline.automatic_move_event, transition=spec["key"], details=details)
    for key in required_approvals(result.done):
        timeline.approval_required_event(session, order, approval=key, at=now)
    notify_jobs_for(session, order, result.notifications)
    return True


def take_timed_move(session: Session, order: Order, spec: dict[str, Any],
                    now: datetime) -> bool:
    """An ``after_hours`` move whose timer fired, and what entering its target causes."""
    blueprint = blueprint_for(order.version)
    if holding_automatic_moves(session, order) is not None:
        return False
    if not _take_automatic(session, order, blueprint, spec, now):
        return False
    enter_state(session, order, now=now)
    return True


def arrive_again(session: Session, order: Order, now: datetime) -> bool:
    """Do again the arrival work a hold stopped, once nothing holds the order: the
    approval of its state that is waved through, the first ``when`` move that is TRUE
    now, and an ``after_hours`` move whose time passed while the order was held (its
    timer fired and found the order held). Whether the order moved.

    Tasks and timers the order got when it arrived stay as they are: only the moves
    the hold kept back are taken."""
    if holding_automatic_moves(session, order) is not None:
        return False
    blueprint = blueprint_for(order.version)
    needing, waived = _approvals_here(session, order, blueprint, now,
                                      order_calendar(session, order, blueprint))
    if waived is not None:
        spec, reason = waived
        before = order.state
        move(session, order, spec["approved"], now, actor_name=SYSTEM.name,
             entry=timeline.approval_event,
             details={"approval": spec["key"], "outcome": "approved", "automatic": True,
                      **reason})
        enter_state(session, order, now=now, left=before)
        return True
    spec = automatic.due_now(blueprint, order, now,
                             calendar=order_calendar(session, order, blueprint))
    if spec is not None and take_timed_move(session, order, spec, now):
        return True
    for key in timers.passed_automatic(session, order, now):
        spec = automatic.automatic_spec(blueprint, key)
        if spec is not None and take_timed_move(session, order, spec, now):
            return True
    return False


@hooks.PAYMENT_STATUS_CHANGED.subscribe
def payment_status_changed(session: Session, order: Order, before: str,
                           now: datetime) -> None:
    """A payment or refund changed the order's payment status: its state's automatic
    ``when`` moves (``payment_status = "paid"``, ...) get their chance, as does
    whatever else arriving in the state would have done."""
    arrive_again(session, order, now)


def _start_waiting(session: Session, order: Order, blueprint: Blueprint,
                   needing: list[Why], now: datetime) -> None:
    values = formula_values(order)
    for spec, reason in needing:
        people, notes = approvals.assignees(session, blueprint, spec, values, now)
        if not people:
            notes.append("no approver could be found, so the task goes to whoever may "
                         f"override the workflow ({WHOLE_WORKFLOW})")
            people = [approvals.Assignee(None, None)]
        approvals.create_tasks(session, order.id, spec, people, now)
        names = approvals.usernames(session, {p.user_id for p in people if p.user_id})
        details: dict[str, Any] = {"approval": spec["key"], "outcome": "requested",
                                   "mode": spec["mode"], **reason,
                                   "approvers": [p.as_json(names) for p in people]}
        if notes:
            details["notes"] = notes
        timeline.approval_event(session, order, SYSTEM.name, details=details, at=now)
        if "remind_after_hours" in spec:
            timers.schedule(session, order, timers.REMINDER, spec["key"],
                            business_calendar.later_by(session, now, spec["remind_after_hours"],
                                                       spec.get("time_counts")), now)
        if "escalate_after_hours" in spec and "escalate_to" in spec:
            timers.schedule(session, order, timers.ESCALATION, spec["key"],
                            business_calendar.later_by(session, now, spec["escalate_after_hours"],
                                                       spec.get("time_counts")), now)
    state = next(s for s in blueprint.definition["workflow"]["states"]
                 if s["key"] == order.state)
    # A definition may count these in business hours or business days
    # (`time_counts`): then only the business calendar's working time counts.
    if "sla_hours" in state:
        timers.schedule(session, order, timers.SLA, order.state,
                        business_calendar.later_by(session, now, state["sla_hours"],
                                                   state.get("time_counts")), now)
    for spec in automatic.timed(blueprint, order.state):
        timers.schedule(session, order, timers.AUTOMATIC, spec["key"],
                        business_calendar.later_by(session, now, spec["after_hours"],
                                                   spec.get("time_counts")), now)

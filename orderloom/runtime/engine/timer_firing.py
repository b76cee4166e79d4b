"""Firing timers: an SLA breached, a timed move taken, an approval escalated or its
approvers reminded.

Without Redis, due timers are fired by ``run_due_timers`` from the sweeper of
``orderloom serve`` (every 30 s). With Redis, ``jobs.scheduled_timers`` hands each
one to RQ's scheduler, which has it fired at its time, and the sweeper of
``orderloom worker`` fires only those left overdue. ``orderloom timers fire`` fires
the due ones once (cron, tests).
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from orderloom.db import utcnow
from orderloom.designer.published import blueprint_for
from orderloom.runtime.audit import SYSTEM, WHOLE_WORKFLOW
from orderloom.runtime.engine import automatic, entering, holds
from orderloom.runtime.engine.approvals import tasks as approvals
from orderloom.runtime.engine.approvals.tasks import OPEN, ApprovalTask
from orderloom.runtime.engine.timers import (
    AUTOMATIC,
    ESCALATION,
    REMINDER,
    SLA,
    Timer,
    due_timer_ids,
)
from orderloom.runtime.notify.in_app import Notification
from orderloom.runtime.orders import timeline
from orderloom.runtime.orders.models import Order

log = logging.getLogger(__name__)


def fire_due_timers(session: Session, now: datetime | None = None,
                    overdue_by: timedelta = timedelta(0)) -> int:
    """Fire every timer due at ``now`` (with ``overdue_by``: only those due that long
    ago); the number that took effect.

    Unlike the helpers, this owns its units of work: each timer is claimed, and its
    effect applied, in a transaction of its own that is committed before the next,
    so one order's trouble (a concurrent change, a failing formula) holds back no
    other timer. Give it a session with nothing pending. A timer that fails stays
    due and is tried again by the next sweep."""
    now = now or utcnow()
    ids = due_timer_ids(session, now, overdue_by=overdue_by)
    session.rollback()  # end the read: on SQLite every transaction holds the write lock
    fired = 0
    for timer_id in ids:
        try:
            if fire_timer(session, timer_id, now):
                fired += 1
            session.commit()
        except Exception:
            session.rollback()
            log.exception("timer %s could not fire; it will be tried again", timer_id)
    return fired


def run_due_timers(session_factory: Callable[[], Session], now: datetime | None = None,
                   overdue_by: timedelta = timedelta(0)) -> int:
    """One sweep: fire the timers due at ``now`` (default: the present), or due
    ``overdue_by`` before it, in a session of their own. The sweeper loops and
    ``orderloom timers fire`` call this."""
    with session_factory() as session:
        fired = fire_due_timers(session, now, overdue_by)
    if fired:
        log.info("fired %d due timer(s)", fired)
    return fired


def fire_timer(session: Session, timer_id: int, now: datetime) -> bool:
    """Claim one due timer and apply its effect; False when another sweeper claimed it
    first, it was cancelled, or the order is no longer in the timer's state.

    The claim is a conditional UPDATE: of two sweepers, the second one's UPDATE waits
    for the first one's transaction and then matches no row."""
    claimed = session.execute(
        update(Timer).where(Timer.id == timer_id, Timer.fired_at.is_(None),
                            Timer.cancelled_at.is_(None), Timer.fire_at <= now)
        .values(fired_at=now).execution_options(synchronize_session=False))
    if claimed.rowcount != 1:
        return False
    timer = session.get(Timer, timer_id, populate_existing=True)
    # Lock the order, so a person's change and this timer's effect do not interleave.
    session.execute(select(Order.id).where(Order.id == timer.order_id).with_for_update())
    order = session.get(Order, timer.order_id, populate_existing=True)
    if order is None or order.state != timer.state:
        log.info("timer %s fired after its order left state %r; nothing to do", timer.id,
                 timer.state)
        return False
    blueprint = blueprint_for(order.version)
    if timer.kind == SLA:
        _sla_breached(session, order, blueprint, now)
        return True
    if timer.kind == AUTOMATIC:
        spec = automatic.automatic_spec(blueprint, timer.key)
        return spec is not None and entering.take_timed_move(session, order, spec, now)
    if timer.kind == ESCALATION:
        spec = approvals.approval_spec(blueprint, timer.key)
        extra = approvals.escalate(session, order.id, spec, now) if spec else None
        if extra is None:
            return False
        timeline.approval_event(session, order, SYSTEM.name, at=now, details={
            "approval": spec["key"], "outcome": "escalated", "to_role": spec["escalate_to"],
            "after_hours": spec["escalate_after_hours"], "task": extra.id})
        _notify_roles(session, order, [spec["escalate_to"]],
                      f"Order {order.number} needs your approval: escalated after "
                      f"{_waited(spec, 'escalate_after_hours')}", now,
                      "escalated", _numbers(order, spec, "escalate_after_hours"))
        return True
    if timer.kind == REMINDER:
        spec = approvals.approval_spec(blueprint, timer.key)
        return spec is not None and _remind(session, order, spec, now)
    log.warning("timer %s has an unknown kind %r", timer.id, timer.kind)
    return False


def _waited(spec: dict[str, Any], number: str) -> str:
    """A timer's length as the definition counts it: "4 h", "4 business hours", "2
    business days"."""
    unit = {"business_hours": "business hours",
            "business_days": "business days"}.get(spec.get("time_counts", ""), "h")
    return f"{spec[number]:g} {unit}"


def _numbers(order: Any, spec: dict[str, Any], number: str) -> dict[str, Any]:
    """What a timer's notification is worded from when shown: the order, how long, and
    how that length counts."""
    return {"order": order.number, "amount": spec[number],
            "counts": spec.get("time_counts") or "all_hours"}


def _label(state: dict[str, Any]) -> str:
    label = state.get("label") or {}
    return label.get("en") or next(iter(label.values()), state["key"])


def _sla_breached(session: Session, order: Any, blueprint: Any, now: datetime) -> None:
    """Tell the people who can move the order on that it has waited too long."""
    state = next(s for s in blueprint.definition["workflow"]["states"]
                 if s["key"] == order.state)
    roles = holds.roles_to_tell(order)
    title = (f"Order {order.number} has been in {_label(state)} longer than its "
             f"{_waited(state, 'sla_hours')} SLA")
    # Transitions open to everyone: everyone who may move orders on is told.
    permission = None if roles else holds.ACTING_PERMISSION
    timeline.sla_breached_event(session, order, state=order.state,
                                sla_hours=state["sla_hours"], notified_roles=roles,
                                notified_permission=permission, at=now,
                                time_counts=state.get("time_counts"))
    what = "sla_breached"
    details = {**_numbers(order, state, "sla_hours"), "state": state.get("label") or {},
               "state_key": state["key"]}
    _notify_roles(session, order, roles, title, now, what, details)
    if permission is not None:
        session.add(Notification(permission=permission, order_id=order.id, title=title,
                                 created_at=now, what=what, details=details))


def _remind(session: Session, order: Any, spec: dict[str, Any], now: datetime) -> bool:
    """Remind whoever still has an open task of this approval; False when nobody has."""
    open_tasks = list(session.scalars(select(ApprovalTask).where(
        ApprovalTask.order_id == order.id, ApprovalTask.approval_key == spec["key"],
        ApprovalTask.status == OPEN)))
    if not open_tasks:
        return False
    title = (f"Reminder: order {order.number} has waited "
             f"{_waited(spec, 'remind_after_hours')} for your approval")
    for task in open_tasks:
        anyone = task.assignee_user_id is None and task.assignee_role is None
        session.add(Notification(user_id=task.assignee_user_id, role=task.assignee_role,
                                 permission=WHOLE_WORKFLOW if anyone else None,
                                 order_id=order.id, title=title, created_at=now,
                                 what="reminded",
                                 details=_numbers(order, spec, "remind_after_hours")))
    timeline.approval_event(session, order, SYSTEM.name, at=now, details={
        "approval": spec["key"], "outcome": "reminded", "tasks": [t.id for t in open_tasks]})
    return True


def _notify_roles(session: Session, order: Any, roles: list[str], title: str,
                  now: datetime, what: str | None = None,
                  details: dict[str, Any] | None = None) -> None:
    for role in roles:
        session.add(Notification(role=role, order_id=order.id, title=title, created_at=now,
                                 what=what, details=details))

"""Deciding approvals, the inbox of tasks waiting for a person, and delegation.

A decision is checked before anything changes (the task exists, it is the
person's to decide, it is still open, the order is still waiting for it), then
the task is closed with a conditional UPDATE and the order's revision goes up,
so of two simultaneous decisions on one order only one wins. The history of an
approval is its tasks plus the timeline entries of kind ``approval``.
"""
from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, or_, select, update
from sqlalchemy.orm import Session

from orderloom.db import utcnow
from orderloom.designer.published import blueprint_for
from orderloom.runtime.audit import WHOLE_WORKFLOW, Actor, record
from orderloom.runtime.engine import entering, type_rules
from orderloom.runtime.engine.approvals.tasks import (
    APPROVED,
    ESCALATION_STEP,
    OPEN,
    REJECTED,
    WAITING,
    ApprovalTask,
    Delegation,
    active_delegate,
    approval_spec,
    delegators,
    pending_tasks,
    user_ids,
    usernames,
)
from orderloom.runtime.errors import (
    DelegationRefused,
    NotYourTask,
    OrderError,
    StaleOrder,
    TaskClosed,
    TaskNotFound,
)
from orderloom.runtime.orders import timeline
from orderloom.runtime.orders.models import Order

log = logging.getLogger(__name__)


def _may_decide(session: Session, task: ApprovalTask, spec: dict[str, Any], actor: Actor,
                roles: set[str] | frozenset[str], now: datetime) -> str | None:
    """Raise NotYourTask unless ``actor`` may decide ``task``; the user id the actor
    stands in for, as a delegate (None when the task is theirs or their role's)."""
    if task.assignee_role is not None:
        if task.assignee_role in roles:
            return None
        raise NotYourTask(f"approval task {task.id} is for the role {task.assignee_role!r}; "
                          "you do not hold it", code="approval.role_not_held", task=task.id,
                          role=task.assignee_role)
    if task.assignee_user_id is None:
        if actor.whole_workflow:
            return None
        raise NotYourTask(f"approval task {task.id} is for whoever may override the "
                          f"workflow ({WHOLE_WORKFLOW}); you may not")
    if actor.user_id is not None and task.assignee_user_id == actor.user_id:
        return None
    if (spec.get("allow_delegation") and actor.user_id is not None
            and active_delegate(session, task.assignee_user_id, now) == actor.user_id):
        return task.assignee_user_id
    raise NotYourTask(f"approval task {task.id} is assigned to someone else, who has not "
                      "delegated it to you", code="approval.someone_elses", task=task.id)


def decide(session: Session, actor: Actor, task_id: int, approve: bool, comment: str = "",
           roles: set[str] | frozenset[str] = frozenset(), *, now: datetime | None = None,
           expected_revision: int | None = None,
           visible: ColumnElement[bool] | None = None) -> ApprovalTask:
    """Approve or reject one task, and move the order when that settles the approval:
    a rejection always does; an approval does in mode ``any``, when it is the last open
    task in mode ``all``, at the last step of a ``sequence`` (an earlier step opens the
    next), and always when it is the escalation task."""
    now = now or utcnow()
    comment = (comment or "").strip()
    task = session.get(ApprovalTask, task_id)
    # A task on an order the person may not see (``visible``, their data permission)
    # answers as one that does not exist.
    if task is None or (visible is not None and session.scalar(
            select(Order.id).where(Order.id == task.order_id, visible)) is None):
        raise TaskNotFound(f"there is no approval task {task_id}", code="approval.no_task",
                           task=task_id)
    order = session.get(Order, task.order_id)
    blueprint = blueprint_for(order.version)
    spec = approval_spec(blueprint, task.approval_key)
    if spec is None:  # cannot happen for tasks the runtime made; refuse rather than guess
        raise TaskClosed(f"order {order.number}'s version has no approval "
                         f"{task.approval_key!r}", code="approval.not_in_version",
                         order=order.number, approval=task.approval_key)
    on_behalf_of = _may_decide(session, task, spec, actor, roles, now)
    type_rules.check_order(order, "act", actor, roles)
    if task.status == WAITING:
        raise TaskClosed(f"approval task {task.id} is a later step of the sequence; it is not "
                         "its turn yet", code="approval.not_its_turn", task=task.id)
    if task.status != OPEN:
        by = f" by {task.decided_by}" if task.decided_by else ""
        raise TaskClosed(f"approval task {task.id} is {task.status}{by} already",
                         code=f"approval.already_{task.status}" + ("_by" if by else ""),
                         task=task.id, by=task.decided_by)
    if order.state != spec["state"]:
        raise TaskClosed(f"order {order.number} has moved on to {order.state!r}; it no "
                         "longer waits for this approval", code="approval.moved_on",
                         order=order.number, state=state_label(blueprint, order.state))
    if not approve and not comment:
        raise OrderError("a rejection needs a comment saying why",
                         code="approval.rejection_needs_comment")
    if expected_revision is not None and expected_revision != order.revision:
        raise StaleOrder(order.number, order.revision, order.state)
    closed = session.execute(
        update(ApprovalTask).where(ApprovalTask.id == task.id, ApprovalTask.status == OPEN)
        .values(status=APPROVED if approve else REJECTED, decided_by=actor.name,
                decided_at=now, comment=comment)
        .execution_options(synchronize_session=False))
    if closed.rowcount != 1:
        raise TaskClosed(f"approval task {task.id} was decided by someone else just now",
                         code="approval.decided_just_now", task=task.id)
    session.refresh(task)
    # Every decision changes the order's revision: two people deciding the last two
    # tasks of an `all` approval at once must not both see the other's still open.
    order.updated_at = utcnow()
    entering.save(session, order)
    outcome = _outcome(session, task, spec, approve)
    details: dict[str, Any] = {"approval": spec["key"], "task": task.id,
                               "decision": task.status, "comment": comment}
    if on_behalf_of is not None:
        details["on_behalf_of"] = _username(session, on_behalf_of)
    if task.step == ESCALATION_STEP:
        details["escalation"] = True
    record(session, actor, f"approval.{task.status}", "order", order.number,
           approval=spec["key"], task=task.id)
    if outcome is None:
        timeline.approval_event(session, order, actor.name, details=details, at=now)
        return task
    details["outcome"] = outcome
    entering.move(session, order, spec[outcome], now, actor_name=actor.name,
                  entry=timeline.approval_event, details=details)
    entering.enter_state(session, order, now=now)
    return task


def _outcome(session: Session, task: ApprovalTask, spec: dict[str, Any],
             approve: bool) -> str | None:
    if not approve:
        return "rejected"
    if task.step == ESCALATION_STEP or spec["mode"] == "any":
        return "approved"
    rest = [t for t in pending_tasks(session, task.order_id, spec["key"])
            if t.step != ESCALATION_STEP]
    if spec["mode"] == "all":
        return None if rest else "approved"
    later = [t for t in rest if t.step > task.step]
    if not later:
        return "approved"
    following = min(t.step for t in later)
    for t in later:
        if t.step == following:
            t.status = OPEN
    return None


def _username(session: Session, user_id: int) -> str:
    return usernames(session, {user_id}).get(user_id, f"#{user_id}")


def inbox(session: Session, user_id: int, roles: set[str] | frozenset[str], *,
          visible: ColumnElement[bool], status: str | None = OPEN, decided_by: str | None = None,
          now: datetime | None = None, limit: int = 200,
          whole_workflow: bool = False) -> list[ApprovalTask]:
    """Tasks for this person: assigned to them, to one of their roles, or to someone who
    has delegated to them now (for approvals that allow delegation); with
    ``whole_workflow``, also those no approver was found for. ``status`` None
    gives every status; for past statuses, tasks they decided themselves are included.
    ``visible`` is the person's data permission over orders: a task on an order they
    may not see is not theirs to see either."""
    now = now or utcnow()
    absent = delegators(session, user_id, now)
    mine = [ApprovalTask.assignee_user_id == user_id,
            ApprovalTask.assignee_user_id.in_(absent) if absent else None,
            ApprovalTask.assignee_role.in_(sorted(roles)) if roles else None,
            and_(ApprovalTask.assignee_role.is_(None), ApprovalTask.assignee_user_id.is_(None))
            if whole_workflow else None]
    if decided_by:
        mine.append(ApprovalTask.decided_by == decided_by)
    query = (select(ApprovalTask).join(Order, Order.id == ApprovalTask.order_id)
             .where(or_(*[m for m in mine if m is not None]), visible))
    if status is not None:
        query = query.where(ApprovalTask.status == status)
    tasks = list(session.scalars(query.order_by(ApprovalTask.id.desc()).limit(limit)))
    if not absent:
        return tasks
    absent_set = set(absent)

    def allowed(task: ApprovalTask) -> bool:
        if task.assignee_user_id not in absent_set or (decided_by and
                                                         task.decided_by == decided_by):
            return True
        order = session.get(Order, task.order_id)
        spec = approval_spec(blueprint_for(order.version), task.approval_key)
        return bool(spec and spec.get("allow_delegation"))

    return [t for t in tasks if allowed(t)]


def delegate(session: Session, actor: Actor, delegate_username: str, starts_at: datetime,
             ends_at: datetime) -> Delegation:
    """While ``actor`` is away (from ``starts_at`` to ``ends_at``), their new approval
    tasks go to ``delegate_username``, who may also decide their open ones."""
    if actor.user_id is None:
        raise DelegationRefused("", "only a person can delegate their approvals")
    if ends_at <= starts_at:
        raise DelegationRefused("/ends_at", "must be after starts_at")
    found = user_ids(session, [delegate_username]).get(delegate_username)
    if found is None:
        raise DelegationRefused("/delegate", f"there is no active user {delegate_username!r}")
    if found == actor.user_id:
        raise DelegationRefused("/delegate", "you cannot delegate to yourself")
    delegation = Delegation(user_id=actor.user_id, delegate_user_id=found,
                            starts_at=starts_at, ends_at=ends_at, created_at=utcnow())
    session.add(delegation)
    session.flush()
    record(session, actor, "delegation.created", "delegation", delegation.id,
           delegate=delegate_username, starts_at=starts_at.isoformat(),
           ends_at=ends_at.isoformat())
    return delegation


def delegations_of(session: Session, user_id: int) -> list[Delegation]:
    """Delegations the person gave or received, newest first."""
    return list(session.scalars(
        select(Delegation).where(or_(Delegation.user_id == user_id,
                                     Delegation.delegate_user_id == user_id))
        .order_by(Delegation.id.desc())))


def state_label(blueprint: Any, state: str) -> Any:
    """The label ({"en": ..., "zh": ...}) the definition gives ``state``; its key when it
    gives none, or when the version no longer has the state."""
    spec = next((s for s in blueprint.definition["workflow"]["states"] if s["key"] == state),
                None)
    return (spec or {}).get("label") or state

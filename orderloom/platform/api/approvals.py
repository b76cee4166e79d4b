"""Approvals over the API: the caller's inbox, approving and rejecting tasks, and
delegating one's approvals while away."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import request

from orderloom.db import utcnow
from orderloom.platform import query_args
from orderloom.platform.api import api
from orderloom.platform.api.body import json_body
from orderloom.platform.api.orders import expected_revision
from orderloom.platform.auth import current_actor, current_user, requires
from orderloom.platform.database import db_session
from orderloom.platform.openapi import documented
from orderloom.platform.problems import invalid
from orderloom.platform.row_access import orders_to_act_on, visible_orders
from orderloom.runtime.audit import WHOLE_WORKFLOW
from orderloom.runtime.engine.approvals import decisions as approving
from orderloom.runtime.engine.approvals.tasks import STATUSES, ApprovalTask, Delegation, usernames
from orderloom.runtime.orders.models import Order

TIMESTAMP = {"type": ["string", "null"], "format": "date-time"}
TASK = {"type": "object", "properties": {
    "id": {"type": "integer"}, "order": {"type": "string"},
    "order_state": {"type": "string"}, "approval": {"type": "string"},
    "step": {"type": "integer", "description": "Place in a sequence; -1 for an escalation"},
    "assignee": {"type": "object", "description": "{\"role\": ...}, {\"user\": ...}, or "
                                                  "{\"permission\": \"orders.override\"} "
                                                  "where no approver was found"},
    "status": {"enum": list(STATUSES)}, "due_at": TIMESTAMP, "escalated_at": TIMESTAMP,
    "delegated_from": {"type": ["string", "null"]}, "decided_by": {"type": ["string", "null"]},
    "decided_at": TIMESTAMP, "comment": {"type": "string"}, "created_at": TIMESTAMP}}
DECISION = {"type": "object", "additionalProperties": False, "properties": {
    "comment": {"type": "string", "maxLength": 5000,
                "description": "Why; required when rejecting"},
    "revision": {"type": "integer", "description": "The order revision you read; or If-Match"}}}
NEW_DELEGATION = {"type": "object", "required": ["delegate", "ends_at"],
                  "additionalProperties": False, "properties": {
                      "delegate": {"type": "string", "minLength": 1, "maxLength": 150,
                                   "description": "The username who decides for you"},
                      "starts_at": {"type": "string", "format": "date-time",
                                    "description": "Default: now"},
                      "ends_at": {"type": "string", "format": "date-time"}}}
DELEGATION = {"type": "object", "properties": {
    "id": {"type": "integer"}, "from": {"type": "string"}, "to": {"type": "string"},
    "starts_at": TIMESTAMP, "ends_at": TIMESTAMP, "active": {"type": "boolean"}}}


def _time(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def tasks_json(tasks: list[ApprovalTask]) -> list[dict[str, Any]]:
    session = db_session()
    names = usernames(session, {t.assignee_user_id for t in tasks if t.assignee_user_id})
    answer = []
    for task in tasks:
        order = session.get(Order, task.order_id)
        assignee = ({"role": task.assignee_role} if task.assignee_role is not None
                    else {"permission": WHOLE_WORKFLOW} if task.assignee_user_id is None
                    else {"user": names.get(task.assignee_user_id, f"#{task.assignee_user_id}")})
        answer.append({
            "id": task.id, "order": order.number, "order_state": order.state,
            "approval": task.approval_key, "step": task.step, "assignee": assignee,
            "status": task.status, "due_at": _time(task.due_at),
            "escalated_at": _time(task.escalated_at), "delegated_from": task.delegated_from,
            "decided_by": task.decided_by, "decided_at": _time(task.decided_at),
            "comment": task.comment, "created_at": _time(task.created_at)})
    return answer


def _roles() -> set[str]:
    return set(current_user().role_names)


@api.get("/approvals")
@requires("orders.view")
@documented("Your approval inbox: open tasks for you, your roles, or someone who delegated "
            "to you (?status=waiting|approved|rejected|cancelled|all for the history)",
            tags=("approvals",), responses={200: ("Tasks, newest first",
                                                  {"type": "array", "items": TASK})})
def approval_inbox():
    status = query_args.choice(request.args, "status", (*STATUSES, "all"), "open")
    user = current_user()
    # Open tasks are work offered: only on orders the type lets this person act on.
    visible = orders_to_act_on(user) if status == "open" else visible_orders(user)
    tasks = approving.inbox(db_session(), user.id, _roles(), visible=visible,
                            status=None if status == "all" else status,
                            decided_by=None if status == "open" else user.username,
                            whole_workflow=user.can(WHOLE_WORKFLOW))
    return tasks_json(tasks)


def _decide(task_id: int, approve: bool):
    body = json_body(DECISION) if request.get_data() else {}
    comment = body.get("comment", "").strip()
    if not approve and not comment:
        raise invalid("/comment", "a rejection needs a comment saying why")
    session = db_session()
    task = approving.decide(session, current_actor(), task_id, approve, comment, _roles(),
                            expected_revision=expected_revision(body),
                            visible=visible_orders(current_user()))
    session.commit()
    order = session.get(Order, task.order_id)
    answer = tasks_json([task])[0]
    answer["order_revision"] = order.revision
    return answer, 200, {"ETag": f'"{order.revision}"'}


@api.post("/approvals/<int:task_id>/approve")
@requires("orders.act")
@documented("Approve a task; the order moves on when that settles its approval",
            request=DECISION, tags=("approvals",),
            responses={200: ("The decided task, with the order's state", TASK)})
def approve_task(task_id: int):
    return _decide(task_id, True)


@api.post("/approvals/<int:task_id>/reject")
@requires("orders.act")
@documented("Reject a task, with a comment saying why; the order goes to the approval's "
            "rejected state", request=DECISION, tags=("approvals",),
            responses={200: ("The decided task, with the order's state", TASK)})
def reject_task(task_id: int):
    return _decide(task_id, False)


def delegations_json(delegations: list[Delegation]) -> list[dict[str, Any]]:
    names = usernames(db_session(), {d.user_id for d in delegations}
                      | {d.delegate_user_id for d in delegations})
    now = utcnow()
    return [{"id": d.id, "from": names.get(d.user_id, f"#{d.user_id}"),
             "to": names.get(d.delegate_user_id, f"#{d.delegate_user_id}"),
             "starts_at": _time(d.starts_at), "ends_at": _time(d.ends_at),
             "active": d.starts_at <= now < d.ends_at} for d in delegations]


@api.get("/delegations")
@requires("orders.act")
@documented("Delegations you gave or received, newest first", tags=("approvals",),
            responses={200: ("Delegations", {"type": "array", "items": DELEGATION})})
def list_delegations():
    return delegations_json(approving.delegations_of(db_session(), current_user().id))


def _timestamp(body: dict[str, Any], member: str) -> datetime:
    try:
        value = datetime.fromisoformat(body[member])
    except ValueError:
        raise invalid(f"/{member}", "must be a date and time like "
                                    "2026-11-25T09:30:00+08:00") from None
    if value.tzinfo is None:
        raise invalid(f"/{member}", "must say its time zone, e.g. +08:00 or Z")
    return value


@api.post("/delegations")
@requires("orders.act")
@documented("While you are away, your approval tasks go to another person",
            request=NEW_DELEGATION, tags=("approvals",),
            examples={"holiday": {"delegate": "wang.fang", "starts_at": "2026-12-20T00:00:00Z",
                                  "ends_at": "2027-01-04T00:00:00+08:00"}},
            responses={201: ("The delegation", DELEGATION)})
def create_delegation():
    body = json_body(NEW_DELEGATION)
    now = utcnow()
    starts_at = _timestamp(body, "starts_at") if "starts_at" in body else now
    ends_at = _timestamp(body, "ends_at")
    if ends_at <= now:
        raise invalid("/ends_at", "must be in the future")
    session = db_session()
    delegation = approving.delegate(session, current_actor(), body["delegate"],
                                    starts_at, ends_at)
    session.commit()
    return delegations_json([delegation])[0], 201

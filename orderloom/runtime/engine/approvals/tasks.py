"""Approval tasks: who must decide on an order waiting in an approval's state,
and what each decided.

Tasks are made when an order enters the approval's state (runtime/engine/entering.py)
and decided in runtime/engine/approvals/decisions.py. Approvers are named by role, by username or
by a formula giving usernames; a person who is away has their new tasks sent to
their delegate, when the approval allows delegation.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text, column, select, table
from sqlalchemy.orm import Mapped, Session, mapped_column

from orderloom import dsl
from orderloom.db import Base, UTCDateTime, utcnow
from orderloom.designer.blueprint import Blueprint, money_places
from orderloom.runtime import business_calendar
from orderloom.runtime.audit import WHOLE_WORKFLOW

log = logging.getLogger(__name__)

OPEN = "open"
APPROVED = "approved"
REJECTED = "rejected"
CANCELLED = "cancelled"    # the order left the state, or another approver decided (mode any)
WAITING = "waiting"        # a later step of a sequence, not yet anyone's turn
PENDING = frozenset({OPEN, WAITING})
DECIDED = frozenset({APPROVED, REJECTED})
STATUSES = (OPEN, WAITING, APPROVED, REJECTED, CANCELLED)

# The step of the extra task an escalation adds. It stands outside the sequence of
# steps (0, 1, ...): its holder decides the approval as a whole, whatever the mode.
ESCALATION_STEP = -1


class ApprovalTask(Base):
    __tablename__ = "approval_tasks"
    __table_args__ = (
        Index("ix_approval_tasks_role_status", "assignee_role", "status"),
        Index("ix_approval_tasks_user_status", "assignee_user_id", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"),
                                          index=True)
    approval_key: Mapped[str] = mapped_column(String(63))
    step: Mapped[int] = mapped_column(Integer, default=0)
    # Exactly one of the two: a person, or anyone holding a role.
    assignee_user_id: Mapped[int | None] = mapped_column(Integer)
    assignee_role: Mapped[str | None] = mapped_column(String(50))
    status: Mapped[str] = mapped_column(String(12), default=OPEN)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by: Mapped[str | None] = mapped_column(String(150))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    comment: Mapped[str] = mapped_column(Text, default="")
    delegated_from: Mapped[str | None] = mapped_column(String(150))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Delegation(Base):
    """While away, a person's approval tasks go to someone else."""

    __tablename__ = "delegations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(Integer, index=True)
    delegate_user_id: Mapped[int] = mapped_column(Integer)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


# --- people ------------------------------------------------------------------------------------

# Dependencies point one way (runtime never imports orderloom.platform, which owns the
# User model), so people are looked up in the users table by the columns it has always had.
_users = table("users", column("id"), column("username"), column("active"))


def user_ids(session: Session, names: list[str] | set[str]) -> dict[str, int]:
    """The ids of the active users with these usernames; unknown names are left out."""
    if not names:
        return {}
    rows = session.execute(select(_users.c.username, _users.c.id)
                           .where(_users.c.username.in_(sorted(set(names))),
                                  _users.c.active.is_(True)))
    return {name: user_id for name, user_id in rows}


def usernames(session: Session, ids: list[int] | set[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = session.execute(select(_users.c.id, _users.c.username)
                           .where(_users.c.id.in_(sorted(set(ids)))))
    return {user_id: name for user_id, name in rows}


def active_delegate(session: Session, user_id: int, now: datetime) -> int | None:
    """Whom ``user_id`` has handed their approvals to at ``now``; the latest delegation
    wins when periods overlap."""
    return session.scalar(select(Delegation.delegate_user_id)
                          .where(Delegation.user_id == user_id, Delegation.starts_at <= now,
                                 Delegation.ends_at > now)
                          .order_by(Delegation.id.desc()).limit(1))


def delegators(session: Session, delegate_user_id: int, now: datetime) -> list[int]:
    """The people whose approvals ``delegate_user_id`` may decide at ``now``."""
    found = session.scalars(select(Delegation.user_id)
                            .where(Delegation.delegate_user_id == delegate_user_id,
                                   Delegation.starts_at <= now, Delegation.ends_at > now))
    return [user_id for user_id in set(found)
            if active_delegate(session, user_id, now) == delegate_user_id]


# --- the approvals of a definition -------------------------------------------------------------

def approval_spec(blueprint: Blueprint, key: str) -> dict[str, Any] | None:
    return next((a for a in blueprint.definition["workflow"].get("approvals", [])
                 if a["key"] == key), None)


def approvals_in(blueprint: Blueprint, state: str) -> list[dict[str, Any]]:
    return [a for a in blueprint.definition["workflow"].get("approvals", [])
            if a["state"] == state]


def condition(blueprint: Blueprint, source: str) -> Any:
    """A compiled condition of the definition (compiled formulas are cached by the DSL)."""
    return dsl.compile(source, blueprint.fields, "boolean",
                       money_places=money_places(blueprint.definition.get("currency")))


# --- making tasks ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Assignee:
    """One person, everyone holding a role, or, with neither, everyone who may override
    the workflow (audit.WHOLE_WORKFLOW): where no approver could be found."""

    user_id: int | None
    role: str | None
    delegated_from: str | None = None

    def as_json(self, names: dict[int, str]) -> dict[str, Any]:
        if self.role is not None:
            return {"role": self.role}
        if self.user_id is None:
            return {"permission": WHOLE_WORKFLOW}
        found: dict[str, Any] = {"user": names.get(self.user_id, f"#{self.user_id}")}
        if self.delegated_from:
            found["delegated_from"] = self.delegated_from
        return found


def assignees(session: Session, blueprint: Blueprint, spec: dict[str, Any],
              values: dict[str, Any], now: datetime) -> tuple[list[Assignee], list[str]]:
    """Who must decide, in the order a sequence takes them (roles, then users, then the
    formula's users), and notes on approvers that could not be used."""
    approvers = spec["approvers"]
    notes: list[str] = []
    found: list[Assignee] = [Assignee(None, role) for role in approvers.get("roles", [])]
    wanted = list(approvers.get("users", []))
    if "formula" in approvers:
        formula = dsl.compile(approvers["formula"], blueprint.fields,
                              money_places=money_places(blueprint.definition.get("currency")))
        result = formula(values, now, business_calendar.formula_calendar(session))
        if isinstance(result, dsl.FormulaFault):
            notes.append(f"the approvers formula failed: {result}")
        elif isinstance(result, str):
            wanted.append(result)
        elif isinstance(result, list | tuple) and all(isinstance(r, str) for r in result):
            wanted.extend(result)
        elif result is not None:
            notes.append("the approvers formula must give a username or a list of usernames")
    ids = user_ids(session, wanted)
    seen: set[str] = set()
    for name in wanted:
        if name in seen or not name:
            continue
        seen.add(name)
        if name not in ids:
            notes.append(f"there is no active user {name!r}")
            continue
        user_id, delegated_from = ids[name], None
        if spec.get("allow_delegation"):
            delegate = active_delegate(session, user_id, now)
            if delegate is not None:
                user_id, delegated_from = delegate, name
        found.append(Assignee(user_id, None, delegated_from))
    return found, notes


def create_tasks(session: Session, order_id: int, spec: dict[str, Any],
                 people: list[Assignee], now: datetime) -> list[ApprovalTask]:
    """One task per approver; in a sequence only the first is open, the rest wait."""
    due = (business_calendar.later_by(session, now, spec["escalate_after_hours"],
                                      spec.get("time_counts"))
           if "escalate_after_hours" in spec else None)
    tasks = []
    for step, person in enumerate(people):
        status = WAITING if spec["mode"] == "sequence" and step > 0 else OPEN
        tasks.append(ApprovalTask(order_id=order_id, approval_key=spec["key"], step=step,
                                  assignee_user_id=person.user_id, assignee_role=person.role,
                                  status=status, due_at=due,
                                  delegated_from=person.delegated_from, created_at=now))
    session.add_all(tasks)
    session.flush()
    return tasks


def pending_tasks(session: Session, order_id: int, approval_key: str | None = None
                  ) -> list[ApprovalTask]:
    query = select(ApprovalTask).where(ApprovalTask.order_id == order_id,
                                       ApprovalTask.status.in_(PENDING))
    if approval_key is not None:
        query = query.where(ApprovalTask.approval_key == approval_key)
    return list(session.scalars(query.order_by(ApprovalTask.step, ApprovalTask.id)))


def cancel_pending(session: Session, order_id: int, now: datetime) -> int:
    """Close every undecided task of the order: it has left the state they were for."""
    tasks = pending_tasks(session, order_id)
    for task in tasks:
        task.status = CANCELLED
        task.decided_at = now
    return len(tasks)


def escalate(session: Session, order_id: int, spec: dict[str, Any], now: datetime
             ) -> ApprovalTask | None:
    """Add a task for the approval's ``escalate_to`` role and mark the open ones
    escalated; nothing when no task of the approval is open any more."""
    open_tasks = [t for t in pending_tasks(session, order_id, spec["key"]) if t.status == OPEN]
    if not open_tasks or "escalate_to" not in spec:
        return None
    for task in open_tasks:
        task.escalated_at = now
    extra = ApprovalTask(order_id=order_id, approval_key=spec["key"], step=ESCALATION_STEP,
                         assignee_role=spec["escalate_to"], status=OPEN, created_at=now)
    session.add(extra)
    session.flush()
    return extra

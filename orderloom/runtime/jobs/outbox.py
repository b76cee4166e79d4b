"""Writing jobs into the outbox, in the transaction of the change that causes them.

``enqueue`` only adds a row: if the change is rolled back, so is the job, and if
it commits, the job is durable before anyone tries to run it. Which new jobs a
transaction wrote is remembered on the session, so the dispatcher can hand them
over right after the commit (see ``dispatch.py``).
"""
from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlalchemy import inspect as sqlalchemy_inspect
from sqlalchemy.orm import Session
from sqlalchemy.orm.base import NO_VALUE

from orderloom.db import utcnow
from orderloom.runtime.jobs.models import PENDING, Job

log = logging.getLogger(__name__)

NEW_JOBS = "orderloom.new_jobs"  # key in Session.info: ids of jobs to hand over after commit
DEFAULT_MAX_ATTEMPTS = 5


def enqueue(session: Session, kind: str, payload: dict[str, Any], *, order_id: int | None = None,
            run_after: datetime | None = None, max_attempts: int = DEFAULT_MAX_ATTEMPTS) -> Job:
    """Add a pending job to ``session``; it is handed over once the caller commits."""
    if max_attempts < 1:
        raise ValueError("max_attempts must be at least 1")
    job = Job(kind=kind, payload=payload, order_id=order_id, status=PENDING, attempts=0,
              max_attempts=max_attempts, run_after=run_after or utcnow(), created_at=utcnow())
    session.add(job)
    return job


def collect_new_jobs(session: Session, _flush_context: Any = None) -> None:
    """After a flush: note the pending jobs it wrote (new ones, and failed ones an admin
    set pending again), so the commit can hand them over."""
    touched = [obj for obj in (*session.new, *session.dirty)
               if isinstance(obj, Job) and obj.status == PENDING]
    if touched:
        session.info.setdefault(NEW_JOBS, set()).update(job.id for job in touched)


def take_new_jobs(session: Session) -> list[int]:
    return sorted(session.info.pop(NEW_JOBS, ()))


def forget_new_jobs(session: Session, _previous_transaction: Any = None) -> None:
    """After a rollback the jobs were never stored; nothing to hand over. A savepoint
    rolled back leaves the jobs written before it standing (the ids of its own are
    handed over with them and found gone, which is harmless)."""
    if not session.in_nested_transaction():
        session.info.pop(NEW_JOBS, None)


def notify_jobs_for(session: Session, order: Any, actions: list[dict[str, Any]]) -> list[Job]:
    """One ``notify`` job per notify action an order's rule or transition ran.

    The payload keeps the order as it was at that moment (number, state, data,
    tags), so a mail sent a minute later still says what happened then.
    """
    snapshot = {"number": order.number, "state": order.state, "data": order.data,
                "tags": list(order.tags or [])}
    payload: dict[str, Any] = {"order": snapshot}
    pinned = version_of(order)
    if pinned is not None:
        payload["version"] = pinned
    return [enqueue(session, "notify", {"action": action, **payload}, order_id=order.id)
            for action in actions]


def version_of(order: Any) -> list[Any] | None:
    """The order's definition version as [id, published_at], when the order already
    holds it: the job then finds the blueprint without a query of its own. Never
    loaded here, as the version row carries the whole definition."""
    version = sqlalchemy_inspect(order).attrs.version.loaded_value
    if version is NO_VALUE or version is None or version.published_at is None:
        return None
    return [version.id, version.published_at.isoformat()]

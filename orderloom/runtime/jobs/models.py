"""The outbox: jobs written in the same transaction as the change that causes them.

A row here is the durable truth about a job; RQ (or the in-process runner) only
carries it out. The row's id is the RQ job id, so a job enqueued twice is one
job, and a job that RQ lost is found again by the sweeper.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Index, Integer, String, Text
from sqlalchemy.orm import Mapped, Session, mapped_column

from orderloom import runtime
from orderloom.db import Base, JSONDocument, UTCDateTime, utcnow

PENDING = "pending"    # written, not yet handed to a runner
QUEUED = "queued"      # handed to RQ or the in-process runner
RUNNING = "running"    # a runner claimed it
DONE = "done"          # finished; its effect is applied
FAILED = "failed"      # gave up after max_attempts; an admin can run it again
ACTIVE = frozenset({PENDING, QUEUED, RUNNING})


class Job(Base):
    __tablename__ = "jobs"
    __table_args__ = (Index("ix_jobs_status_run_after", "status", "run_after"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(50))
    payload: Mapped[dict[str, Any]] = mapped_column(JSONDocument, default=dict)
    order_id: Mapped[int | None] = mapped_column(Integer, index=True)
    status: Mapped[str] = mapped_column(String(12), default=PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer, default=5)
    run_after: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


# --- what each kind of job does ---------------------------------------------------------------
#
# A handler is called as ``handler(session, job, runner)`` inside the transaction
# that marks the job done: whatever it writes with ``session`` is committed
# together with DONE or not at all, so a job run twice has the effect of one run.
# It must not commit. ``runner`` carries what handlers need from the process
# (for example the SMTP settings). A handler may answer one line saying what it did,
# which the order's timeline shows with the job's result.

Handler = Callable[[Session, Job, Any], str | None]


class RetryLater(Exception):
    """A handler's failure whose receiver said when to try again (HTTP 429 or 503 with
    Retry-After): the next attempt waits at least ``after``, not only the backoff."""

    def __init__(self, message: str, after: timedelta) -> None:
        super().__init__(message)
        self.after = after
_HANDLERS: dict[str, Handler] = {}
_DELIVERY_TARGETS: dict[str, str] = {}


def register_handler(kind: str, handler: Handler, *, delivers_to: str | None = None) -> None:
    """Make ``kind`` runnable. Registering a kind again replaces its handler.
    ``delivers_to`` names the kind of system a run delivers to (``"channel"``), so that
    a failed run is also counted as a failed delivery there."""
    _HANDLERS[kind] = handler
    if delivers_to is not None:
        _DELIVERY_TARGETS[kind] = delivers_to


def delivers_to(kind: str) -> str | None:
    """The kind of system a job of ``kind`` delivers to, if it delivers to one."""
    handler_for(kind)  # registers the kind's module, as for running it
    return _DELIVERY_TARGETS.get(kind)


def handler_for(kind: str) -> Handler | None:
    if kind not in _HANDLERS:
        # Handlers register themselves where they are defined; a process that has not
        # imported that module yet (a worker just started) loads every domain once.
        runtime.load_domains()
    return _HANDLERS.get(kind)

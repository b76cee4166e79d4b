"""Running one job: claim its outbox row, run its handler, record the outcome.

Claiming is one conditional UPDATE, so of two runners handed the same job (RQ
ran it twice, or the sweeper re-handed a job whose worker died) only one gets
it. The handler's writes and the row's DONE are one transaction, conditional on
still holding the claim: a runner whose claim was taken over writes nothing.

``perform`` is what RQ calls, with the job's id.
"""
from __future__ import annotations

import logging
import os
import socket
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from orderloom.db import utcnow
from orderloom.runtime import metrics
from orderloom.runtime.jobs.models import (
    DONE,
    FAILED,
    PENDING,
    QUEUED,
    RUNNING,
    Job,
    RetryLater,
    handler_for,
)
from orderloom.runtime.notify.mail import SmtpSettings
from orderloom.runtime.orders import timeline

log = logging.getLogger(__name__)

# RQ stops a job after RUN_TIMEOUT; a claim older than CLAIM_TIMEOUT therefore
# belongs to a runner that died, never to one still working.
RUN_TIMEOUT = timedelta(minutes=5)
CLAIM_TIMEOUT = timedelta(minutes=10)
BACKOFF_FIRST = timedelta(seconds=30)
BACKOFF_LONGEST = timedelta(hours=1)
ERROR_LENGTH = 500


def process_name() -> str:
    """This process as a job claim names it: host, process id, and the process id
    namespace (containers that share a host name number their processes apart);
    the sweeper reads it to tell a runner that is gone (sweeper._release_orphans)."""
    return f"{socket.gethostname()}:{os.getpid()}:{pid_namespace()}"


def pid_namespace() -> str:
    try:
        return str(os.stat("/proc/self/ns/pid").st_ino)
    except OSError:  # not Linux: no claim of this machine is taken as orphaned
        return "unknown"


def backoff(attempts: int) -> timedelta:
    """Wait before the next attempt: 30 s, 1 min, 2 min, ... at most an hour."""
    return min(BACKOFF_FIRST * (2 ** max(attempts - 1, 0)), BACKOFF_LONGEST)


@dataclass
class Outcome:
    job_id: int
    status: str | None  # DONE, PENDING (will retry), FAILED, or None: not claimed
    error: str | None = None


class JobRunner:
    """Runs outbox jobs against one database; handlers read process settings from it."""

    def __init__(self, sessions: sessionmaker[Session], *, smtp: SmtpSettings | None = None,
                 name: str | None = None, secret_key: str | None = None,
                 public_url: str | None = None) -> None:
        self.sessions = sessions
        self.smtp = smtp
        self.name = name
        # The instance's key, for handlers that open sealed store credentials.
        self.secret_key = secret_key
        # Where customers reach the instance, for links handlers send outside it.
        self.public_url = public_url

    def run(self, job_id: int, now: datetime | None = None) -> Outcome:
        now = now or utcnow()
        # Made here, not when the runner is made: with `orderloom worker --fork` the
        # process running the job is a work horse forked since.
        token = f"{self.name or process_name()}:{uuid.uuid4().hex[:12]}"[:100]
        job = self._claim(job_id, token, now)
        if job is None:
            return Outcome(job_id, None)
        handler = handler_for(job.kind)
        try:
            if handler is None:
                raise LookupError(f"no handler for job kind {job.kind!r} in this process")
            with self.sessions() as session:
                result = handler(session, job, self)
                finished = session.execute(
                    update(Job)
                    .where(Job.id == job_id, Job.status == RUNNING, Job.claimed_by == token)
                    .values(status=DONE, finished_at=utcnow(), last_error=None)
                    .execution_options(synchronize_session=False)).rowcount
                if not finished:
                    # The sweeper gave the job to another runner meanwhile: that one's
                    # result counts, this one's writes are dropped.
                    session.rollback()
                    log.warning("job %s (%s) was taken over by another runner; its result "
                                "here is discarded", job_id, job.kind)
                    return Outcome(job_id, None)
                _on_timeline(session, job, DONE, result=result if isinstance(result, str)
                             else None)
                session.commit()
        except Exception as exc:  # a handler's failure is the job's, not the runner's
            return self._failed(job, token, exc, now)
        log.info("job %s (%s) done", job_id, job.kind)
        metrics.job_run(job.kind, metrics.DONE)
        return Outcome(job_id, DONE)

    def _claim(self, job_id: int, token: str, now: datetime) -> Job | None:
        stale = now - CLAIM_TIMEOUT
        with self.sessions() as session:
            claimed = session.execute(
                update(Job)
                .where(Job.id == job_id, Job.run_after <= now,
                       or_(Job.status.in_((PENDING, QUEUED)),
                           and_(Job.status == RUNNING, Job.claimed_at < stale)))
                .values(status=RUNNING, claimed_at=now, claimed_by=token,
                        attempts=Job.attempts + 1)
                .execution_options(synchronize_session=False)).rowcount
            if not claimed:
                session.rollback()
                return None
            job = session.scalar(select(Job).where(Job.id == job_id))
            session.commit()
            return job

    def _failed(self, job: Job, token: str, exc: Exception, now: datetime) -> Outcome:
        error = self.describe(exc)
        final = job.attempts >= job.max_attempts
        wait = backoff(job.attempts)
        if isinstance(exc, RetryLater):
            wait = max(wait, exc.after)
        values = ({"status": FAILED, "finished_at": utcnow()} if final else
                  {"status": PENDING, "run_after": now + wait})
        with self.sessions() as session:
            session.execute(
                update(Job)
                .where(Job.id == job.id, Job.status == RUNNING, Job.claimed_by == token)
                .values(last_error=error, claimed_by=None, **values)
                .execution_options(synchronize_session=False))
            if final:
                _on_timeline(session, job, FAILED, error)
            session.commit()
        metrics.job_run(job.kind, metrics.FAILED if final else metrics.RETRY)
        log.warning("job %s (%s) failed on attempt %s of %s%s: %s", job.id, job.kind,
                    job.attempts, job.max_attempts, "; giving up" if final else "", error)
        return Outcome(job.id, values["status"], error)

    def describe(self, exc: Exception) -> str:
        """One line about a failure, fit for the jobs list: no traceback, no password."""
        source = getattr(exc, "orig", None) or exc  # a database error's own message
        lines = str(source).strip().splitlines()
        text = f"{type(exc).__name__}: {lines[0] if lines else ''}".strip()
        if self.smtp and self.smtp.password:
            text = text.replace(self.smtp.password, "***")
        return text[:ERROR_LENGTH]


def _on_timeline(session: Session, job: Job, status: str, error: str | None = None, *,
                 result: str | None = None) -> None:
    """A job's result belongs to its order's history, written with the result itself."""
    if job.order_id is None:
        return
    timeline.job_event(session, job.order_id, job=job.id, job_kind=job.kind, status=status,
                       attempts=job.attempts, error=error, result=result)


# --- the RQ entry point ---------------------------------------------------------------------

_runner: JobRunner | None = None
_runner_pid: int | None = None


def configure(runner: JobRunner) -> None:
    """Set the runner ``perform`` uses; ``orderloom worker`` calls this before working."""
    global _runner, _runner_pid
    _runner, _runner_pid = runner, os.getpid()


def _configured_runner() -> JobRunner:
    global _runner_pid
    if _runner is None:
        raise RuntimeError("the job runner is not configured; run jobs with `orderloom worker`")
    if _runner_pid != os.getpid():
        # RQ forks a work horse per job: connections inherited from the parent must
        # not be used here, nor closed (the parent owns them).
        bind = _runner.sessions.kw.get("bind")
        if bind is not None:
            bind.dispose(close=False)
        _runner_pid = os.getpid()
    return _runner


def configured_sessions() -> sessionmaker[Session]:
    """The worker's session factory, for RQ jobs that are not outbox jobs (timers)."""
    return _configured_runner().sessions


def perform(job_id: int) -> str | None:
    """Run outbox job ``job_id``. Called by RQ in a worker's work horse."""
    return _configured_runner().run(job_id).status

"""Running jobs: claim their outbox rows, run each one's handler, record the outcomes.

Claiming is one conditional UPDATE for all the jobs one commit made, so of two
runners handed the same job (RQ ran it twice, or the sweeper re-handed a job whose
worker died) only one gets it. Each job's handler writes and its row's DONE are one
transaction, conditional on still holding the claim: a runner whose claim was taken
over writes nothing.

``perform_many`` is what RQ calls, with the ids of the jobs one commit made.
"""
from __future__ import annotations

import logging
import os
import socket
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, bindparam, or_, update
from sqlalchemy.orm import Session, sessionmaker

from orderloom.db import utcnow
from orderloom.runtime import metrics
from orderloom.runtime.errors import OrderError
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


# Built once: a runner claims and finishes jobs all day, and building the statement
# cost more than the database took to run it.
CLAIM = (
    update(Job)
    .where(Job.id.in_(bindparam("ids", expanding=True)), Job.run_after <= bindparam("now"),
           or_(Job.status.in_((PENDING, QUEUED)),
               and_(Job.status == RUNNING, Job.claimed_at < bindparam("stale"))))
    .values(status=RUNNING, claimed_at=bindparam("now"), claimed_by=bindparam("token"),
            attempts=Job.attempts + 1)
    .returning(Job)
    .execution_options(synchronize_session=False))
FINISH = (
    update(Job)
    .where(Job.id == bindparam("job_id"), Job.status == RUNNING,
           Job.claimed_by == bindparam("token"))
    .values(status=DONE, finished_at=bindparam("done_at"), last_error=None)
    .execution_options(synchronize_session=False))


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
        return self.run_many([job_id], now)[0]

    def run_many(self, job_ids: Sequence[int], now: datetime | None = None) -> list[Outcome]:
        """Run the jobs one commit made: claimed together in one statement, then each
        carried out in a transaction of its own, in id order. One claim for all is
        what coalescing saves; one transaction each keeps a job that fails, or one
        whose handler commits on its way (an import's progress), from undoing the
        others, and keeps one job's writes from waiting on another's outbound call."""
        now = now or utcnow()
        # Made here, not when the runner is made: with `orderloom worker --fork` the
        # process running the job is a work horse forked since.
        token = f"{self.name or process_name()}:{uuid.uuid4().hex[:12]}"[:100]
        claimed = {job.id: job for job in self._claim(sorted(set(job_ids)), token, now)}
        return [self._carry_out(claimed[job_id], token, now) if job_id in claimed
                else Outcome(job_id, None) for job_id in job_ids]

    def _carry_out(self, job: Job, token: str, now: datetime) -> Outcome:
        handler = handler_for(job.kind)
        try:
            if handler is None:
                raise LookupError(f"no handler for job kind {job.kind!r} in this process")
            with self.sessions() as session:
                result = handler(session, job, self)
                finished = session.execute(
                    FINISH, {"job_id": job.id, "token": token, "done_at": utcnow()}).rowcount
                if not finished:
                    # The sweeper gave the job to another runner meanwhile: that one's
                    # result counts, this one's writes are dropped.
                    session.rollback()
                    log.warning("job %s (%s) was taken over by another runner; its result "
                                "here is discarded", job.id, job.kind)
                    return Outcome(job.id, None)
                _on_timeline(session, job, DONE, result=result if isinstance(result, str)
                             else None)
                session.commit()
        except Exception as exc:  # a handler's failure is the job's, not the runner's
            return self._failed(job, token, exc, now)
        log.info("job %s (%s) done", job.id, job.kind)
        metrics.job_run(job.kind, metrics.DONE)
        return Outcome(job.id, DONE)

    def _claim(self, job_ids: list[int], token: str, now: datetime) -> list[Job]:
        """The jobs of ``job_ids`` this runner now holds; of two runners handed the same
        job only one gets it. Their rows come back with the claim (RETURNING): no
        second read."""
        if not job_ids:
            return []
        with self.sessions() as session:
            jobs = list(session.scalars(CLAIM, {
                "ids": job_ids, "now": now, "stale": now - CLAIM_TIMEOUT, "token": token}))
            session.commit()
            return jobs

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
                # A refusal with a code keeps it, so the order page says it in its
                # reader's language (a notify template that fails, say).
                coded = exc if isinstance(exc, OrderError) and exc.code else None
                _on_timeline(session, job, FAILED, error,
                             code=coded.code if coded else None,
                             values=coded.values if coded else None)
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
                 result: str | None = None, code: str | None = None,
                 values: dict | None = None) -> None:
    """A job's result belongs to its order's history, written with the result itself."""
    if job.order_id is None:
        return
    timeline.job_event(session, job.order_id, job=job.id, job_kind=job.kind, status=status,
                       attempts=job.attempts, error=error, result=result, code=code,
                       values=values)


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
    """Run outbox job ``job_id``. Called by RQ for a job handed over alone by an
    older release; this one hands jobs over with ``perform_many``."""
    return _configured_runner().run(job_id).status


def perform_many(job_ids: list[int]) -> list[str | None]:
    """Run the outbox jobs one commit made. Called by RQ in a worker, one RQ job for
    all of them: RQ's own bookkeeping per job cost more than most jobs do."""
    return [outcome.status for outcome in _configured_runner().run_many(job_ids)]

"""The sweeper: finds jobs nobody is carrying out and hands them over again.

Two kinds: pending jobs whose time has come (never handed over because Redis
was down or the process stopped after its commit, or waiting out a retry's
backoff), and jobs claimed (queued or running) longer than CLAIM_TIMEOUT ago,
whose worker died: RQ loses a job when its worker is killed. ``orderloom
worker`` runs it beside the RQ worker; ``orderloom serve`` without Redis runs
it in a thread.
"""
from __future__ import annotations

import logging
import threading
from datetime import datetime

from redis import Redis
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from orderloom.db import utcnow
from orderloom.runtime.dispatch import hand_over
from orderloom.runtime.job_runner import CLAIM_TIMEOUT, JobRunner
from orderloom.runtime.jobs import FAILED, PENDING, QUEUED, RUNNING, Job
from orderloom.runtime.timers import run_due_timers
from orderloom.runtime.tracking import poll_due

log = logging.getLogger(__name__)

BATCH = 500
SWEEP_EVERY_SECONDS = 30.0


def sweep(sessions: sessionmaker[Session], redis: Redis | None = None,
          now: datetime | None = None, *, runner: JobRunner | None = None) -> list[int]:
    """Hand over every due job: to RQ when ``redis`` is given, else run them here.
    Answers the ids handed over (or run)."""
    now = now or utcnow()
    _release_abandoned(sessions, now)
    with sessions() as session:
        due = list(session.scalars(select(Job.id)
                                   .where(Job.status == PENDING, Job.run_after <= now)
                                   .order_by(Job.run_after, Job.id).limit(BATCH)))
        session.rollback()
    if not due:
        return []
    log.info("sweeper: %s job(s) to hand over", len(due))
    if redis is not None:
        return hand_over(sessions, redis, due, now)
    runner = runner or JobRunner(sessions)
    return [job_id for job_id in due if runner.run(job_id, now).status is not None]


def _release_abandoned(sessions: sessionmaker[Session], now: datetime) -> None:
    """Claims older than CLAIM_TIMEOUT belong to a dead worker: make those jobs pending
    again, or failed when that was their last attempt. The conditions are repeated
    in each UPDATE, so a job that finished meanwhile is left alone."""
    stale = now - CLAIM_TIMEOUT
    abandoned = (Job.status.in_((QUEUED, RUNNING)), Job.claimed_at < stale)
    with sessions() as session:
        session.execute(
            update(Job).where(*abandoned, Job.status == RUNNING,
                              Job.attempts >= Job.max_attempts)
            .values(status=FAILED, finished_at=now, claimed_by=None,
                    last_error="the worker running it stopped before it finished, "
                               "on its last attempt")
            .execution_options(synchronize_session=False))
        released = session.execute(
            update(Job).where(*abandoned)
            .values(status=PENDING, claimed_at=None, claimed_by=None)
            .execution_options(synchronize_session=False)).rowcount
        session.commit()
    if released:
        log.warning("sweeper: %s job(s) whose worker stopped are pending again", released)


def start_sweeper(sessions: sessionmaker[Session], *, redis: Redis | None = None,
                  runner: JobRunner | None = None,
                  every: float = SWEEP_EVERY_SECONDS) -> threading.Event:
    """Sweep jobs and fire due timers every ``every`` seconds in a daemon thread; set the
    answered event to stop."""
    stop = threading.Event()

    def loop() -> None:
        while not stop.wait(every):
            try:
                sweep(sessions, redis, runner=runner)
            except Exception:  # a database or Redis outage; the next round tries again
                log.exception("the job sweeper failed; trying again in %s s", every)
            try:
                # Timers ride the same loop: SLAs, timed moves and escalations that
                # came due since the last round fire now, each once.
                run_due_timers(sessions)
            except Exception:
                log.exception("firing due timers failed; trying again in %s s", every)
            try:
                # Carriers without webhooks: shipments whose poll interval passed are
                # asked for news by a job each.
                poll_due(sessions)
            except Exception:
                log.exception("polling carriers failed; trying again in %s s", every)

    threading.Thread(target=loop, name="orderloom-sweeper", daemon=True).start()
    return stop

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
import os
import socket
import threading
from datetime import datetime, timedelta
from typing import Any

from redis import Redis
from redis.exceptions import RedisError
from rq.job import Job as RQJob
from rq.job import JobStatus
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from orderloom.db import utcnow
from orderloom.runtime.channels.marketplace_pull import poll_due as marketplace_polls_due
from orderloom.runtime.channels.store_sync import reconcile_due
from orderloom.runtime.engine.timer_firing import run_due_timers
from orderloom.runtime.erp.pulling import pull_due as erp_pulls_due
from orderloom.runtime.floor.wave_schedule import plan_due as waves_due
from orderloom.runtime.jobs.dispatch import BATCH as RQ_BATCH
from orderloom.runtime.jobs.dispatch import hand_over, rq_id_of
from orderloom.runtime.jobs.models import FAILED, PENDING, QUEUED, RUNNING, Job
from orderloom.runtime.jobs.runner import CLAIM_TIMEOUT, JobRunner, pid_namespace
from orderloom.runtime.jobs.scheduled_timers import SCHEDULER_GRACE, hand_to_scheduler
from orderloom.runtime.reports.daily_totals import fold_round as fold_daily_summary
from orderloom.runtime.shipping.tracking import poll_due

log = logging.getLogger(__name__)

BATCH = 500
SWEEP_EVERY_SECONDS = 30.0
# A job queued this long ago whose RQ job is gone was lost by Redis (restarted
# without persistence, or its memory flushed). Far longer than handing over takes.
LOST_AFTER = timedelta(seconds=30)
# RQ is done with these and will not run them again, yet our row is still queued
# (a finished one: its runner could not claim the row, e.g. a clock behind).
RQ_DONE_WITH = {JobStatus.FINISHED, JobStatus.FAILED, JobStatus.STOPPED, JobStatus.CANCELED}


def sweep(sessions: sessionmaker[Session], redis: Redis | None = None,
          now: datetime | None = None, *, runner: JobRunner | None = None) -> list[int]:
    """Hand over every due job: to RQ when ``redis`` is given, else run them here.
    Answers the ids handed over (or run)."""
    now = now or utcnow()
    # Each step on its own: one that fails (a database hiccup, a Redis reply that
    # cannot be read) must not keep the due jobs below from being handed over.
    _step(_release_orphans, sessions, now)
    _step(_release_abandoned, sessions, now)
    if redis is not None:
        _step(_release_lost, sessions, redis, now)
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
    ran = []
    for first in range(0, len(due), RQ_BATCH):
        outcomes = runner.run_many(due[first:first + RQ_BATCH], now)
        ran += [outcome.job_id for outcome in outcomes if outcome.status is not None]
    return ran


def _release_abandoned(sessions: sessionmaker[Session], now: datetime) -> None:
    """Claims older than CLAIM_TIMEOUT belong to a dead worker: make those jobs pending
    again, or failed when that was their last attempt. The conditions are repeated
    in each UPDATE, so a job that finished meanwhile is left alone."""
    abandoned = (Job.status.in_((QUEUED, RUNNING)), Job.claimed_at < now - CLAIM_TIMEOUT)
    with sessions() as session:
        released = _release_claims(session, now, *abandoned)
        session.commit()
    if released:
        log.warning("sweeper: %s job(s) whose worker stopped are pending again", released)


def _release_claims(session: Session, now: datetime, *claimed: Any) -> int:
    """Jobs matching ``claimed`` whose runner is gone: failed when that was their last
    attempt, else pending again; answers how many are pending again. The conditions
    are repeated in each UPDATE, so a job that finished meanwhile is left alone."""
    session.execute(
        update(Job).where(*claimed, Job.status == RUNNING, Job.attempts >= Job.max_attempts)
        .values(status=FAILED, finished_at=now, claimed_by=None,
                last_error="the worker running it stopped before it finished, "
                           "on its last attempt")
        .execution_options(synchronize_session=False))
    return session.execute(
        update(Job).where(*claimed)
        .values(status=PENDING, claimed_at=None, claimed_by=None)
        .execution_options(synchronize_session=False)).rowcount


def _step(step, *args) -> None:
    try:
        step(*args)
    except Exception:
        log.exception("sweeper: %s failed; the next round tries again", step.__name__)


def _release_orphans(sessions: sessionmaker[Session], now: datetime) -> None:
    """Jobs claimed by a runner process on this machine that no longer exists (killed,
    out of memory): released now, not after CLAIM_TIMEOUT. A claim names host, process
    id and pid namespace (job_runner.process_name); claims of other machines or
    other namespaces (containers sharing a host name) wait for the timeout, as does
    one whose process id was taken by a new process meanwhile."""
    host = socket.gethostname()
    with sessions() as session:
        claims = list(session.scalars(
            select(Job.claimed_by)
            .where(Job.status == RUNNING, Job.claimed_by.like(f"{host}:%"))))
        session.rollback()
    here = (host, pid_namespace())
    orphaned = []
    for claim in set(claims):  # the jobs claimed together share their runner's token
        claim_host, pid, namespace = _claimant(claim)
        # LIKE's "_" matches any character: the host is compared again here.
        if (claim_host, namespace) == here and not _runner_alive(pid):
            orphaned.append(claim)
    if not orphaned:
        return
    with sessions() as session:
        _release_claims(session, now, Job.status == RUNNING, Job.claimed_by.in_(orphaned))
        session.commit()
    log.warning("sweeper: %s job(s) whose worker process is gone are taken up again",
                len(orphaned))


def _claimant(claimed_by: str) -> tuple[str, int, str]:
    """(host, pid, pid namespace) of a claim "host:pid:namespace:token"; a claim of
    another form (a named runner, an older version) gives pid 0, never orphaned."""
    parts = claimed_by.split(":")
    try:
        return parts[0], int(parts[1]), parts[2] if len(parts) > 3 else ""
    except (IndexError, ValueError):
        return "", 0, ""


def _runner_alive(pid: int) -> bool:
    """Whether process ``pid`` of this namespace exists (a zombie or a reused id
    counts as alive: the claim then waits for the timeout)."""
    if pid <= 0:
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: it exists
        pass
    return True


def _release_lost(sessions: sessionmaker[Session], redis: Redis, now: datetime) -> None:
    """Jobs queued on RQ that Redis no longer has (it restarted without persistence)
    or that RQ gave up on: pending again at once, instead of after CLAIM_TIMEOUT.
    Under load a Redis restart loses the whole queue, thousands of jobs."""
    with sessions() as session:
        queued = list(session.execute(
            select(Job.id, Job.claimed_by)
            .where(Job.status == QUEUED, Job.claimed_at < now - LOST_AFTER)
            .order_by(Job.claimed_at).limit(BATCH)))
        session.rollback()
    if not queued:
        return
    # Several jobs ride one RQ job (handed over together): each RQ job is asked once.
    carriers = sorted({rq_id_of(job_id, claimed_by) for job_id, claimed_by in queued})
    try:
        found = RQJob.fetch_many(carriers, connection=redis)
        gone = {rq_id for rq_id, rq_job in zip(carriers, found, strict=True)
                if rq_job is None or rq_job.get_status(refresh=False) in RQ_DONE_WITH}
    except RedisError:
        return  # Redis is down: nothing can be told apart now; the next round tries
    lost = [job_id for job_id, claimed_by in queued if rq_id_of(job_id, claimed_by) in gone]
    if not lost:
        return
    with sessions() as session:
        released = session.execute(
            update(Job).where(Job.id.in_(lost), Job.status == QUEUED)
            .values(status=PENDING, claimed_at=None, claimed_by=None)
            .execution_options(synchronize_session=False)).rowcount
        session.commit()
    if released:
        log.warning("sweeper: %s queued job(s) Redis no longer had are pending again",
                    released)


def start_sweeper(sessions: sessionmaker[Session], *, redis: Redis | None = None,
                  runner: JobRunner | None = None,
                  every: float = SWEEP_EVERY_SECONDS) -> threading.Event:
    """Sweep jobs and fire due timers now and then every ``every`` seconds, in a daemon
    thread; set the answered event to stop. With ``redis``, upcoming timers are handed
    to RQ's scheduler and only those it left overdue are fired here."""
    stop = threading.Event()
    # With Redis a timer is fired at its time by RQ; here only when RQ has not.
    overdue_by = SCHEDULER_GRACE if redis is not None else timedelta(0)

    def loop() -> None:
        # The first round at once: a process (re)started after an outage takes up
        # what waited meanwhile without a round's delay.
        while True:
            try:
                sweep(sessions, redis, runner=runner)
            except Exception:  # a database or Redis outage; the next round tries again
                log.exception("the job sweeper failed; trying again in %s s", every)
            try:
                if redis is not None:
                    hand_to_scheduler(sessions, redis)
                # Timers ride the same loop: SLAs, timed moves and escalations that
                # came due since the last round fire now, each once.
                run_due_timers(sessions, overdue_by=overdue_by)
            except Exception:
                log.exception("firing due timers failed; trying again in %s s", every)
            try:
                # Carriers without webhooks: shipments whose poll interval passed are
                # asked for news by a job each.
                poll_due(sessions)
            except Exception:
                log.exception("polling carriers failed; trying again in %s s", every)
            try:
                # No lost orders: each store channel is compared with its store daily.
                reconcile_due(sessions)
            except Exception:
                log.exception("starting store reconciliations failed; trying again in %s s",
                              every)
            try:
                # Marketplaces that do not push: each polled at its own interval.
                marketplace_polls_due(sessions)
            except Exception:
                log.exception("starting marketplace polls failed; trying again in %s s", every)
            try:
                # ERPs: their items and stock counts read back at each connection's interval.
                erp_pulls_due(sessions)
            except Exception:
                log.exception("starting ERP pulls failed; trying again in %s s", every)
            try:
                # Warehouses whose wave time came: their waiting orders planned into waves.
                waves_due(sessions)
            except Exception:
                log.exception("planning scheduled waves failed; trying again in %s s", every)
            try:
                # The dashboards' daily summary only grows as orders change: a batch of
                # its rows of one day and key are folded into one.
                fold_daily_summary(sessions)
            except Exception:
                log.exception("folding the daily summary failed; trying again in %s s", every)
            if stop.wait(every):
                return

    threading.Thread(target=loop, name="orderloom-sweeper", daemon=True).start()
    return stop

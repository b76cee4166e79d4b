"""Timers handed to RQ's scheduler, so that with Redis each fires at its time.

The timers table stays the truth. The sweeper of ``orderloom worker`` hands every
timer due within the next HORIZON to RQ's scheduler as a job named after it
(``orderloom-timer-<id>``); the scheduler beside the worker (``rq_scheduler.py``)
moves the job to the queue at the timer's second, and a worker fires it. Firing
claims the timer with a conditional UPDATE, so a job that runs twice, or a job and
the sweeper, fire it once.

Whatever RQ does not fire (Redis was down, no scheduler is running, the job
failed), the sweeper fires itself once it is SCHEDULER_GRACE overdue. Without
Redis there is no scheduler, and the sweeper fires timers as they come due.
"""
from __future__ import annotations

import logging
import math
import time
from datetime import UTC, datetime, timedelta

from redis import Redis
from redis.exceptions import RedisError
from rq import Queue
from rq.exceptions import DuplicateJobError
from rq.job import Job as RQJob
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from orderloom.db import utcnow
from orderloom.runtime.engine.timer_firing import fire_timer
from orderloom.runtime.engine.timers import Timer
from orderloom.runtime.jobs import runner as job_runner
from orderloom.runtime.jobs.dispatch import KEEP_FAILURE_SECONDS, KEEP_RESULT_SECONDS
from orderloom.runtime.jobs.queues import TIMER_QUEUE

log = logging.getLogger(__name__)

# Two sweeps ahead: a timer is with the scheduler before its time even if one
# sweep round is missed.
HORIZON = timedelta(seconds=90)
# How overdue a timer must be before the sweeper fires it itself: long enough that
# a timer the scheduler holds is never taken from it, short enough that a lost one
# is hardly late.
SCHEDULER_GRACE = timedelta(seconds=60)
# Timers looked at per sweep at most. Most are with RQ already, which one pipelined
# round trip tells; a crowd due at once (an import's orders, all with one SLA) is
# handed over in one round.
HANDOVER_BATCH = 5000
# A job run by a scheduler whose clock is ahead of this machine's waits this long
# at most for its timer to be due here.
EARLY_TOLERANCE = timedelta(seconds=5)
FIRE = "orderloom.runtime.jobs.scheduled_timers.fire_scheduled_timer"


def rq_timer_id(timer_id: int) -> str:
    """The RQ id of timer ``timer_id``'s job: handing a timer over twice names one job."""
    return f"orderloom-timer-{timer_id}"


def at_whole_second(moment: datetime) -> datetime:
    """The first whole second at or after ``moment``: RQ's scheduler keeps whole
    seconds and moves a job once its second has begun, which must not be before the
    timer is due (the claim would then find it not yet due)."""
    return datetime.fromtimestamp(math.ceil(moment.timestamp()), UTC)


def hand_to_scheduler(sessions: sessionmaker[Session], redis: Redis,
                      now: datetime | None = None) -> list[int]:
    """Schedule on RQ every timer due within HORIZON that RQ does not hold yet;
    answers the ids scheduled now. A Redis outage schedules nothing and is logged:
    those timers are fired by the sweeper once overdue.

    Timers overdue by SCHEDULER_GRACE are the sweeper's already, and left out: a
    crowd of those whose firing keeps failing must not take the places of timers
    still to come."""
    now = now or utcnow()
    with sessions() as session:
        upcoming = session.execute(
            select(Timer.id, Timer.fire_at)
            .where(Timer.fired_at.is_(None), Timer.cancelled_at.is_(None),
                   Timer.fire_at > now - SCHEDULER_GRACE, Timer.fire_at <= now + HORIZON)
            .order_by(Timer.fire_at, Timer.id).limit(HANDOVER_BATCH)).all()
        session.rollback()
    if not upcoming:
        return []
    queue = Queue(TIMER_QUEUE, connection=redis)
    scheduled: list[int] = []
    try:
        with redis.pipeline(transaction=False) as pipeline:
            for timer_id, _ in upcoming:
                pipeline.exists(RQJob.key_for(rq_timer_id(timer_id)))
            held = pipeline.execute()
        for (timer_id, fire_at), with_rq in zip(upcoming, held, strict=True):
            if with_rq:
                continue
            job = queue.create_job(FIRE, args=(timer_id,), job_id=rq_timer_id(timer_id),
                                   timeout=int(job_runner.RUN_TIMEOUT.total_seconds()),
                                   result_ttl=KEEP_RESULT_SECONDS,
                                   failure_ttl=KEEP_FAILURE_SECONDS)
            try:
                # unique: checked and stored in one Lua script, so two sweepers
                # handing over the same timer at once make one job.
                queue.schedule_job(job, at_whole_second(fire_at), unique=True)
            except DuplicateJobError:
                continue  # another worker's sweeper was first
            scheduled.append(timer_id)
    except RedisError as exc:
        log.warning("Redis is unavailable (%s); due timers will be fired by the sweeper",
                    type(exc).__name__)
    if scheduled:
        log.info("handed %d timer(s) to the RQ scheduler", len(scheduled))
    return scheduled


def fire_scheduled_timer(timer_id: int) -> bool:
    """Fire one timer; called by RQ when the scheduler has moved its job to the
    queue. False when it had fired already, was cancelled, or its order had moved on.
    An error fails the RQ job and leaves the timer due: the sweeper fires it later."""
    sessions = job_runner.configured_sessions()
    with sessions() as session:
        fire_at = session.scalar(select(Timer.fire_at).where(Timer.id == timer_id))
        session.rollback()
    early = fire_at - utcnow() if fire_at is not None else timedelta(0)
    if early > EARLY_TOLERANCE:
        raise RuntimeError(f"timer {timer_id} is not due until {fire_at.isoformat()}: "
                           "the scheduler's clock is ahead of this machine's")
    if early > timedelta(0):
        # The scheduler's clock is a little ahead: the claim would find it not due.
        time.sleep(early.total_seconds())
    with sessions() as session:
        try:
            fired = fire_timer(session, timer_id, utcnow())
            session.commit()  # the claim stands even when there was nothing to do
        except Exception:
            session.rollback()
            raise
    return fired

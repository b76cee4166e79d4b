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
from datetime import UTC, datetime, timedelta

from redis import Redis
from redis.exceptions import RedisError
from rq import Queue
from rq.exceptions import DuplicateJobError
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from orderloom.db import utcnow
from orderloom.runtime import job_runner
from orderloom.runtime.queues import QUEUE_NAMES
from orderloom.runtime.timers import BATCH, Timer, fire_timer

log = logging.getLogger(__name__)

# Two sweeps ahead: a timer is with the scheduler before its time even if one
# sweep round is missed.
HORIZON = timedelta(seconds=90)
# How overdue a timer must be before the sweeper fires it itself: long enough that
# a timer the scheduler holds is never taken from it, short enough that a lost one
# is hardly late.
SCHEDULER_GRACE = timedelta(seconds=60)
QUEUE = QUEUE_NAMES[0]  # a timer is due now: it goes before the routine jobs
FIRE = "orderloom.runtime.scheduled_timers.fire_scheduled_timer"
KEEP_RESULT_SECONDS = 3600
KEEP_FAILURE_SECONDS = 7 * 24 * 3600
RUN_TIMEOUT_SECONDS = 300


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
    those timers are fired by the sweeper once overdue."""
    now = now or utcnow()
    with sessions() as session:
        upcoming = session.execute(
            select(Timer.id, Timer.fire_at)
            .where(Timer.fired_at.is_(None), Timer.cancelled_at.is_(None),
                   Timer.fire_at <= now + HORIZON)
            .order_by(Timer.fire_at, Timer.id).limit(BATCH)).all()
        session.rollback()
    queue = Queue(QUEUE, connection=redis)
    scheduled: list[int] = []
    try:
        for timer_id, fire_at in upcoming:
            job = queue.create_job(FIRE, args=(timer_id,), job_id=rq_timer_id(timer_id),
                                   timeout=RUN_TIMEOUT_SECONDS,
                                   result_ttl=KEEP_RESULT_SECONDS,
                                   failure_ttl=KEEP_FAILURE_SECONDS)
            try:
                # unique: checked and stored in one Lua script, so two sweepers
                # handing over the same timer make one job.
                queue.schedule_job(job, at_whole_second(fire_at), unique=True)
            except DuplicateJobError:
                continue  # scheduled, running or done already
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
        try:
            fired = fire_timer(session, timer_id, utcnow())
            session.commit()  # the claim stands even when there was nothing to do
        except Exception:
            session.rollback()
            raise
    return fired

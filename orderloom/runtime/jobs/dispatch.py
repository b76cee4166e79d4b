"""Handing committed jobs to whoever runs them: RQ, or this process.

The dispatcher listens to a session factory: a flush notes the pending jobs it
wrote, a commit hands them over, a rollback forgets them. Nothing here is
needed for correctness: a job the dispatcher fails to hand over (Redis down,
the process killed right after the commit) stays pending in the outbox and the
sweeper hands it over later.
"""
from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime

from redis import Redis
from redis.exceptions import RedisError
from rq import Queue
from sqlalchemy import event, update
from sqlalchemy.orm import Session, sessionmaker

from orderloom.db import utcnow
from orderloom.runtime.jobs.models import PENDING, QUEUED, Job
from orderloom.runtime.jobs.outbox import collect_new_jobs, forget_new_jobs, take_new_jobs
from orderloom.runtime.jobs.queues import QUEUE_NAMES
from orderloom.runtime.jobs.runner import RUN_TIMEOUT, JobRunner

log = logging.getLogger(__name__)

DEFAULT_QUEUE = QUEUE_NAMES[1]
PERFORM_MANY = "orderloom.runtime.jobs.runner.perform_many"
# Jobs in one RQ job at most: they run one after another within RQ's timeout for
# one job (RUN_TIMEOUT), and a commit that made thousands (a bulk action) is spread
# over several workers.
BATCH = 20
KEEP_RESULT_SECONDS = 3600
KEEP_FAILURE_SECONDS = 7 * 24 * 3600


def rq_job_id(job_id: int) -> str:
    """The RQ id an older release gave outbox job ``job_id``, handed over alone."""
    return f"orderloom-job-{job_id}"


def rq_batch_id(job_ids: list[int]) -> str:
    """The RQ id of a batch of outbox jobs, named by its first: handing the same jobs
    over twice names one RQ job."""
    return f"orderloom-jobs-{job_ids[0]}"


HANDED_TO = "rq:"  # a queued job's claimed_by: the RQ job that carries it


def rq_id_of(job_id: int, claimed_by: str | None) -> str:
    """The RQ job carrying queued outbox job ``job_id``."""
    if claimed_by and claimed_by.startswith(HANDED_TO):
        return claimed_by[len(HANDED_TO):]
    return rq_job_id(job_id)


def redis_connection(url: str) -> Redis:
    # Short timeouts: a request that committed an order must not hang on a Redis
    # that is down; the sweeper hands the job over when Redis is back.
    return Redis.from_url(url, socket_connect_timeout=2, socket_timeout=5)


def hand_over(sessions: sessionmaker[Session], redis: Redis, job_ids: Iterable[int],
              now: datetime | None = None) -> list[int]:
    """Queue pending jobs on RQ, one RQ job for each BATCH of them; answers the ids
    queued. The jobs are marked QUEUED (naming their RQ job) before they are queued,
    so the sweeper never hands one over twice; if Redis refuses, they go back to
    PENDING.

    One transaction and one Redis round trip for all of them, and one RQ job for a
    commit's jobs: this runs after every commit that made jobs, in the request's
    thread, and RQ's bookkeeping per job (its hash, its registries, its log lines)
    cost the worker more than most jobs do."""
    now = now or utcnow()
    wanted = sorted(set(job_ids))
    if not wanted:
        return []
    batches: list[tuple[str, list[int]]] = []
    with sessions() as session:
        for first in range(0, len(wanted), BATCH):
            chunk = wanted[first:first + BATCH]
            rq_id = rq_batch_id(chunk)
            # Those already taken or not due yet are left out.
            marked = sorted(session.scalars(
                update(Job)
                .where(Job.id.in_(chunk), Job.status == PENDING, Job.run_after <= now)
                .values(status=QUEUED, claimed_at=now, claimed_by=HANDED_TO + rq_id)
                .returning(Job.id).execution_options(synchronize_session=False)))
            if marked:
                batches.append((rq_id, marked))
        session.commit()
    if not batches:
        return []
    queue = Queue(DEFAULT_QUEUE, connection=redis)
    marked = [job_id for _, ids in batches for job_id in ids]
    try:
        # One pipeline (MULTI/EXEC) for all: queued together or not at all.
        queue.enqueue_many([
            Queue.prepare_data(PERFORM_MANY, (ids,), job_id=rq_id,
                               timeout=int(RUN_TIMEOUT.total_seconds()),
                               result_ttl=KEEP_RESULT_SECONDS, failure_ttl=KEEP_FAILURE_SECONDS)
            for rq_id, ids in batches])
    except RedisError as exc:
        with sessions() as session:
            session.execute(
                update(Job).where(Job.id.in_(marked), Job.status == QUEUED)
                .values(status=PENDING, claimed_at=None, claimed_by=None)
                .execution_options(synchronize_session=False))
            session.commit()
        log.warning("Redis is unavailable (%s); jobs %s stay pending until the sweeper "
                    "hands them over", type(exc).__name__, marked)
        return []
    return marked


class Dispatcher:
    """Hands each commit's new jobs to RQ (``redis`` given) or runs them in-process.

    In-process, the jobs run in the committing thread, right after the commit: in
    the web app that is the request's thread, before the response is sent. A
    thread pool would answer sooner but would compete with requests for SQLite's
    single write lock, and would make "the order's notification exists when the
    API answers" true only sometimes; embedded mode is for small teams where a
    notification's few milliseconds do not matter, and the sweeper retries
    whatever fails.
    """

    def __init__(self, sessions: sessionmaker[Session], runner: JobRunner,
                 redis: Redis | None = None) -> None:
        self.sessions = sessions
        self.runner = runner
        self.redis = redis

    def install(self) -> Dispatcher:
        event.listen(self.sessions, "after_flush", collect_new_jobs)
        event.listen(self.sessions, "after_commit", self._after_commit)
        event.listen(self.sessions, "after_rollback", forget_new_jobs)
        return self

    def _after_commit(self, session: Session) -> None:
        # A savepoint's release fires this too; its jobs are not visible to anyone
        # before the transaction around it commits.
        if session.in_nested_transaction():
            return
        job_ids = take_new_jobs(session)
        if job_ids:
            self.dispatch(job_ids)

    def dispatch(self, job_ids: list[int]) -> None:
        # The change that caused the jobs is committed whatever happens here.
        try:
            if self.redis is not None:
                hand_over(self.sessions, self.redis, job_ids)
            else:
                for first in range(0, len(job_ids), BATCH):
                    self.runner.run_many(job_ids[first:first + BATCH])
        except Exception:
            log.exception("handing over jobs %s failed; the sweeper will retry them", job_ids)

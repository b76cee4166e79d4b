"""The jobs one commit makes ride one RQ job: claimed together, then each carried out in
a transaction of its own, so a job that fails undoes only its own writes; and when
Redis forgets the RQ job, the sweeper finds every job it carried."""
from __future__ import annotations

import datetime as dt

import pytest
from redis import Redis
from rq import Queue
from sqlalchemy import select

from orderloom.db import utcnow
from orderloom.platform.settings import load_settings
from orderloom.runtime.jobs.dispatch import BATCH, DEFAULT_QUEUE, rq_batch_id
from orderloom.runtime.jobs.models import DONE, PENDING, QUEUED, Job, register_handler
from orderloom.runtime.jobs.outbox import enqueue
from orderloom.runtime.jobs.sweeper import LOST_AFTER, sweep
from orderloom.runtime.notify.in_app import Notification
from tests.conftest import TEST_SECRET
from tests.runtime.test_jobs_rq import worker

pytestmark = pytest.mark.redis
EFFECT = "batched-test"


def effect(session, job, runner):
    """Leaves a row behind, then fails when its payload says so."""
    session.add(Notification(role=EFFECT, title=f"effect of job {job.id}"))
    if job.payload.get("fail"):
        raise RuntimeError("the receiver refused")


register_handler("test_batched_effect", effect)


@pytest.fixture
def settings(tmp_path, database_url, redis_url):
    return load_settings({}, overrides={
        "instance_path": tmp_path / "instance", "database_url": database_url,
        "secret_key": TEST_SECRET, "redis_url": redis_url})


def queued_rq_jobs(redis_url: str) -> list[tuple[str, tuple]]:
    queue = Queue(DEFAULT_QUEUE, connection=Redis.from_url(redis_url))
    return [(job.id, job.args) for job in queue.get_jobs()]


def statuses(db, ids: list[int]) -> list[tuple[str, str | None]]:
    rows = {job.id: (job.status, job.last_error)
            for job in db.scalars(select(Job).where(Job.id.in_(ids))
                                  .execution_options(populate_existing=True))}
    db.rollback()
    return [rows[job_id] for job_id in ids]


def test_a_commits_jobs_ride_one_rq_job_and_a_failure_undoes_only_its_own(db, settings):
    jobs = [enqueue(db, "test_batched_effect", {"fail": n == 1}) for n in range(3)]
    db.commit()
    ids = [job.id for job in jobs]
    assert queued_rq_jobs(settings.redis_url) == [(rq_batch_id(ids), (ids,))]

    result = worker(settings.database_url, settings.redis_url, settings.instance_path,
                    preload="tests.runtime.test_jobs_batched")
    assert result.returncode == 0, result.stderr
    assert statuses(db, ids) == [(DONE, None),
                                 (PENDING, "RuntimeError: the receiver refused"),
                                 (DONE, None)]
    left = db.scalars(select(Notification.title).where(Notification.role == EFFECT)
                      .order_by(Notification.title)).all()
    assert left == [f"effect of job {ids[0]}", f"effect of job {ids[2]}"]


def test_a_bulk_commits_jobs_are_spread_over_rq_jobs_of_at_most_a_batch(db, settings):
    jobs = [enqueue(db, "test_batched_effect", {}) for _ in range(BATCH * 2 + 1)]
    db.commit()
    ids = [job.id for job in jobs]
    carried = queued_rq_jobs(settings.redis_url)
    assert [len(args[0]) for _, args in carried] == [BATCH, BATCH, 1]
    assert [job_id for _, args in carried for job_id in args[0]] == ids


def test_jobs_whose_rq_job_redis_forgot_are_handed_over_again_together(app, db, settings):
    jobs = [enqueue(db, "test_batched_effect", {}) for _ in range(3)]
    db.commit()
    ids = [job.id for job in jobs]
    redis = Redis.from_url(settings.redis_url)
    redis.flushdb()  # Redis restarted without persistence: the RQ job is gone
    assert statuses(db, ids) == [(QUEUED, None)] * 3

    sessions = app.extensions["orderloom.db"].sessions
    later = utcnow() + LOST_AFTER + dt.timedelta(seconds=1)
    assert sweep(sessions, redis, now=later) == ids
    assert queued_rq_jobs(settings.redis_url) == [(rq_batch_id(ids), (ids,))]
    result = worker(settings.database_url, settings.redis_url, settings.instance_path,
                    preload="tests.runtime.test_jobs_batched")
    assert result.returncode == 0, result.stderr
    assert statuses(db, ids) == [(DONE, None)] * 3

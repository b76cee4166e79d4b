"""Timers with Redis: handed to RQ's scheduler and fired at their time by `orderloom
worker`; the sweeper fires only what RQ left overdue, and each timer fires once."""
from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest
from redis import Redis
from rq.job import Job as RQJob
from rq.registry import ScheduledJobRegistry
from sqlalchemy import select

from orderloom.db import utcnow
from orderloom.platform.settings import load_settings
from orderloom.runtime.engine.timer_firing import run_due_timers
from orderloom.runtime.engine.timers import AUTOMATIC, Timer
from orderloom.runtime.jobs import runner as job_runner
from orderloom.runtime.jobs import scheduler as rq_scheduler
from orderloom.runtime.jobs.queues import TIMER_QUEUE
from orderloom.runtime.jobs.scheduled_timers import (
    SCHEDULER_GRACE,
    at_whole_second,
    fire_scheduled_timer,
    hand_to_scheduler,
    rq_timer_id,
)
from orderloom.runtime.jobs.scheduler import STOP_WAIT_SECONDS, SchedulerProcess
from orderloom.runtime.orders.models import Order
from tests.conftest import TEST_SECRET
from tests.designer.samples import retail
from tests.platform.test_api_tokens import bearer
from tests.runtime.support import create
from tests.runtime.test_jobs_rq import worker

pytestmark = pytest.mark.redis
LOCK = f"rq:scheduler-lock:{TIMER_QUEUE}"


@pytest.fixture
def settings(tmp_path, database_url, redis_url):
    return load_settings({}, overrides={
        "instance_path": tmp_path / "instance", "database_url": database_url,
        "secret_key": TEST_SECRET, "redis_url": redis_url})


def publish(client, token_for, cancel_unpaid_after_hours: float = 24) -> dict:
    """The sample retail type, whose drafts cancel themselves after the given hours;
    answers staff headers."""
    definition = retail()
    definition["workflow"]["automatic"][0]["after_hours"] = cancel_unpaid_after_hours
    response = client.post("/api/v1/import", headers=bearer(token_for("designer")), json={
        "format": "orderloom-package/1", "order_types": [definition]})
    assert response.status_code == 201, response.get_json()
    return bearer(token_for("staff"))


def state_of(db, number: str) -> str:
    value = db.scalar(select(Order.state).where(Order.number == number))
    db.rollback()  # end the read: on SQLite it holds the write lock
    return value


def wait_for(predicate, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def running(pid: int) -> bool:
    """Whether process ``pid`` runs (a zombie waiting to be reaped does not)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


@contextmanager
def running_worker(database_url: str, redis_url: str, tmp_path: Path,
                   name: str = "worker") -> Iterator[subprocess.Popen]:
    """`orderloom worker` running while the block runs, its output in
    tmp_path/<name>.log; asked to stop after it (killed if it will not)."""
    with (tmp_path / f"{name}.log").open("w") as log:
        process = worker(database_url, redis_url, tmp_path / "instance", burst=False,
                         stdout=log, stderr=subprocess.STDOUT)
        try:
            yield process
        finally:
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(20)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(10)


def scheduler_of(worker_pid: int) -> int:
    """The process id of the RQ scheduler a worker started."""
    def found() -> int | None:
        # Each thread's own children: the scheduler is started again from a thread.
        for task in Path(f"/proc/{worker_pid}/task").iterdir():
            try:
                for child in (task / "children").read_text().split():
                    command = Path(f"/proc/{child}/cmdline").read_bytes()
                    if b"orderloom.runtime.jobs.scheduler" in command:
                        return int(child)
            # A thread or child that just ended: its files are gone (ENOENT) or no
            # longer readable (ESRCH, while it is being reaped).
            except (FileNotFoundError, ProcessLookupError):
                continue
        return None

    wait_for(lambda: found() is not None, 20)
    return found()


def test_upcoming_timers_are_scheduled_on_rq_once_and_overdue_ones_left_to_the_sweeper(
        app, client, db, token_for, redis_url):
    staff = publish(client, token_for)
    number = create(client, staff).get_json()["number"]
    order = db.scalar(select(Order).where(Order.number == number))
    now = utcnow()
    # A draft cancels itself after 24 hours: that timer is far off.
    [in_a_day] = db.scalars(select(Timer)).all()

    def timer(**fields) -> Timer:
        made = Timer(order_id=order.id, kind=AUTOMATIC, key="auto_cancel", state="draft",
                     **fields)
        db.add(made)
        return made

    soon = timer(fire_at=now + timedelta(seconds=10, milliseconds=300))
    just_due = timer(fire_at=now - timedelta(seconds=10))
    overdue = timer(fire_at=now - timedelta(minutes=5))
    timer(fire_at=now - timedelta(minutes=6), fired_at=now - timedelta(minutes=6))
    timer(fire_at=now + timedelta(seconds=5), cancelled_at=now)
    db.commit()
    soon_id, soon_at, just_due_id = soon.id, soon.fire_at, just_due.id
    overdue_id, far_id = overdue.id, in_a_day.id
    db.rollback()  # end the read: on SQLite it holds the write lock
    sessions = app.extensions["orderloom.db"].sessions
    redis = Redis.from_url(redis_url)

    # The one just due first. Not handed over: the far one, those done with, and the
    # one long overdue (the sweeper's, see below).
    assert hand_to_scheduler(sessions, redis, now) == [just_due_id, soon_id]
    registry = ScheduledJobRegistry(TIMER_QUEUE, connection=redis)
    assert sorted(registry.get_job_ids()) == sorted([rq_timer_id(just_due_id),
                                                    rq_timer_id(soon_id)])
    # RQ keeps whole seconds: never the second before the timer is due.
    expected = at_whole_second(soon_at)
    assert expected >= soon_at
    assert registry.get_scheduled_time(rq_timer_id(soon_id)) == expected
    # A second sweep, or a second worker's, schedules nothing again.
    assert hand_to_scheduler(sessions, redis, now) == []
    assert registry.count == 2
    assert rq_timer_id(far_id) not in registry.get_job_ids()

    # The sweeper beside a scheduler fires only what is overdue by the grace period.
    assert run_due_timers(sessions, now, overdue_by=SCHEDULER_GRACE) == 1
    db.expire_all()
    assert db.get(Timer, overdue_id).fired_at is not None
    assert db.get(Timer, soon_id).fired_at is None
    db.rollback()

    # A job for a timer that fired already does nothing: firing twice acts once.
    job_runner.configure(job_runner.JobRunner(sessions))
    try:
        assert fire_scheduled_timer(overdue_id) is False
        assert fire_scheduled_timer(just_due_id) is False  # its order has moved on
    finally:
        job_runner.configure(None)
    assert state_of(db, number) == "cancelled"
    moves = [e for e in client.get(f"/api/v1/orders/{number}/timeline",
                                   headers=staff).get_json() if e["kind"] == "automatic"]
    assert [e["transition"] for e in moves] == ["auto_cancel"]


def test_a_worker_fires_a_timer_at_its_time_and_its_scheduler_stops_with_it(
        client, db, token_for, database_url, redis_url, tmp_path):
    staff = publish(client, token_for, cancel_unpaid_after_hours=0.002)  # 7.2 s
    number = create(client, staff).get_json()["number"]
    [timer] = db.scalars(select(Timer).where(Timer.kind == AUTOMATIC)).all()
    timer_id, fire_at = timer.id, timer.fire_at
    db.rollback()
    with running_worker(database_url, redis_url, tmp_path) as process:
        scheduler = scheduler_of(process.pid)
        fired_on_time_through_rq(db, number, timer_id, fire_at, redis_url,
                                 tmp_path / "worker.log")
        # A worker killed outright leaves no scheduler behind to hold RQ's lock.
        process.kill()
        process.wait(10)
        wait_for(lambda: not running(scheduler), 10)


def fired_on_time_through_rq(db, number: str, timer_id: int, fire_at, redis_url: str,
                             log: Path) -> None:
    """The timer cancelled its order at its time, by its RQ job: the sweeper would
    have waited a minute past it."""
    wait_for(lambda: state_of(db, number) == "cancelled", 40)
    fired_at = db.get(Timer, timer_id, populate_existing=True).fired_at
    db.rollback()
    assert fire_at <= fired_at < fire_at + timedelta(seconds=5), (
        fire_at, fired_at, log.read_text())
    # The job's own transaction commits before RQ records the job as finished: on a
    # busy machine the order reads cancelled a moment before RQ says so.
    connection = Redis.from_url(redis_url)
    wait_for(lambda: RQJob.fetch(rq_timer_id(timer_id), connection=connection).is_finished,
             10)
    rq_job = RQJob.fetch(rq_timer_id(timer_id), connection=connection)
    assert rq_job.is_finished and rq_job.return_value() is True


def test_a_worker_asked_to_stop_stops_its_scheduler_which_lets_go_of_rqs_lock(
        database_url, redis_url, tmp_path, app):
    with running_worker(database_url, redis_url, tmp_path) as process:
        scheduler = scheduler_of(process.pid)
        wait_for(lambda: lock_holder(redis_url) is not None, 20)
        process.terminate()
        # Well within the time after which the worker would kill it.
        assert process.wait(STOP_WAIT_SECONDS / 2) == 0, (tmp_path / "worker.log").read_text()
        assert not running(scheduler)
        assert lock_holder(redis_url) is None  # another worker's may take it now


def lock_holder(redis_url: str) -> bytes | None:
    """The name of the scheduler holding RQ's lock on the timers' queue."""
    return Redis.from_url(redis_url).get(LOCK)


def test_a_scheduler_that_dies_is_started_again_and_takes_its_lock_back_at_once(
        database_url, redis_url, tmp_path, app):
    with running_worker(database_url, redis_url, tmp_path) as process:
        first = scheduler_of(process.pid)
        wait_for(lambda: lock_holder(redis_url) is not None, 20)
        holder = lock_holder(redis_url)
        os.kill(first, signal.SIGKILL)
        # Its lock stays (here for 3 s more, not a minute, to tell the cases apart).
        Redis.from_url(redis_url).expire(LOCK, 3)
        wait_for(lambda: scheduler_of(process.pid) != first, 20)
        # The new process has the old one's name: it renews the lock it finds (a
        # stranger would have to wait for it to expire, then take it in its name).
        wait_for(lambda: Redis.from_url(redis_url).ttl(LOCK) > 10, 10)
        assert lock_holder(redis_url) == holder
        assert "scheduler process ended (exit code -9); starting it again" in (
            tmp_path / "worker.log").read_text()


def standby_heartbeat(redis_url: str, holder: bytes) -> bytes | None:
    """When a scheduler other than ``holder`` last went round its loop (it tries the
    lock, then beats, every second)."""
    redis = Redis.from_url(redis_url)
    for key in redis.scan_iter("rq:scheduler:*"):
        if key != b"rq:scheduler:" + holder:
            return redis.hget(key, "last_heartbeat")
    return None


def test_when_the_scheduler_holding_the_lock_stops_another_workers_takes_over_at_once(
        app, client, db, token_for, database_url, redis_url, tmp_path):
    staff = publish(client, token_for)
    number = create(client, staff).get_json()["number"]
    order_id = db.scalar(select(Order.id).where(Order.number == number))
    db.rollback()
    with running_worker(database_url, redis_url, tmp_path, "worker-1") as first:
        wait_for(lambda: lock_holder(redis_url) is not None, 20)
        first_holder = lock_holder(redis_url)
        with running_worker(database_url, redis_url, tmp_path, "worker-2"):
            # The other scheduler has tried the lock and lost: it must try again, not
            # win on its first try once the first worker has gone.
            wait_for(lambda: standby_heartbeat(redis_url, first_holder) is not None, 20)
            seen = standby_heartbeat(redis_url, first_holder)
            wait_for(lambda: standby_heartbeat(redis_url, first_holder) != seen, 10)
            first_scheduler = scheduler_of(first.pid)
            first.terminate()
            assert first.wait(STOP_WAIT_SECONDS) == 0
            assert not running(first_scheduler)
            # The standby tries the lock every second (RQ's own would wait two minutes).
            wait_for(lambda: lock_holder(redis_url) not in (None, first_holder), 5)

            # A timer set now reaches RQ (as a sweeper round would hand it over) and
            # fires at its time through the second worker's scheduler.
            timer = Timer(order_id=order_id, kind=AUTOMATIC, key="auto_cancel", state="draft",
                          fire_at=utcnow() + timedelta(seconds=3))
            db.add(timer)
            db.commit()
            timer_id, fire_at = timer.id, timer.fire_at
            db.rollback()
            sessions = app.extensions["orderloom.db"].sessions
            assert hand_to_scheduler(sessions, Redis.from_url(redis_url)) == [timer_id]
            fired_on_time_through_rq(db, number, timer_id, fire_at, redis_url,
                                     tmp_path / "worker-2.log")


class FakeProcess:
    """Stands for a scheduler process: ended already with ``code``, or running until
    terminated."""

    pid = 0

    def __init__(self, code: int | None = None) -> None:
        self.code = code
        self.ended = threading.Event()
        if code is not None:
            self.ended.set()

    def wait(self, timeout: float | None = None) -> int | None:
        self.ended.wait(timeout)
        return self.code

    def poll(self) -> int | None:
        return self.code if self.ended.is_set() else None

    def terminate(self) -> None:
        self.code = 0
        self.ended.set()

    kill = terminate


def test_a_worker_starts_its_scheduler_again_whatever_ended_it_until_it_stops(
        monkeypatch, caplog):
    monkeypatch.setattr(rq_scheduler, "FIRST_WAIT_SECONDS", 0.01)
    # Killed; then no process could be made; then a clean exit (a stray SIGTERM);
    # then one that runs until the worker stops.
    outcomes: list = [FakeProcess(-9), OSError("Resource temporarily unavailable"),
                      FakeProcess(0), FakeProcess()]
    started: list[FakeProcess] = []

    def spawn(self):
        outcome = outcomes.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        started.append(outcome)
        return outcome

    monkeypatch.setattr(SchedulerProcess, "_spawn", spawn)
    scheduler = SchedulerProcess("redis://127.0.0.1:1/0").start()
    wait_for(lambda: len(started) == 3, 10)
    assert started[2].poll() is None  # the one now running
    scheduler.stop()
    assert started[2].poll() == 0  # told to stop
    time.sleep(0.2)
    assert len(started) == 3 and outcomes == []  # nothing started after the stop
    assert "could not be started (Resource temporarily unavailable)" in caplog.text
    assert "ended (exit code -9)" in caplog.text and "ended (exit code 0)" in caplog.text

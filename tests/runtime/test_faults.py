"""Faults with real processes: a worker killed in the middle of a job, and Redis down
while orders come in. Nothing is lost and every job's effect is applied once."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from redis import Redis
from redis.exceptions import RedisError
from rq import Worker
from sqlalchemy import func, select

from orderloom.db import utcnow
from orderloom.platform.settings import load_settings
from orderloom.runtime.jobs.models import DONE, PENDING, RUNNING, Job, register_handler
from orderloom.runtime.jobs.outbox import enqueue
from orderloom.runtime.jobs.runner import CLAIM_TIMEOUT, Outcome
from orderloom.runtime.jobs.sweeper import LOST_AFTER, sweep
from orderloom.runtime.jobs.worker import StopSignals, work
from orderloom.runtime.notify.in_app import Notification
from tests.conftest import TEST_SECRET, service_unavailable
from tests.runtime.support import create
from tests.runtime.test_jobs import publish
from tests.runtime.test_jobs_rq import worker
from tests.runtime.test_scheduled_timers import LOCK as SCHEDULER_LOCK
from tests.runtime.test_scheduled_timers import scheduler_of

pytestmark = pytest.mark.redis
EFFECT = "fault-test"


def slow_effect(session, job, runner):
    """Says it started, waits until released (or 30 s), then leaves one row behind."""
    Path(job.payload["started"]).open("a").write(f"{os.getpid()}\n")
    deadline = time.monotonic() + 30
    while not Path(job.payload["release"]).exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    session.add(Notification(role=EFFECT, title=f"effect of job {job.id}"))


register_handler("test_slow_effect", slow_effect)


def effects(session) -> int:
    value = session.scalar(select(func.count()).select_from(Notification)
                           .where(Notification.role == EFFECT))
    session.rollback()
    return value


def wait_for(predicate, seconds: float = 15.0) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# --- a worker killed with SIGKILL in the middle of a job ------------------------------------

@pytest.fixture
def settings(tmp_path, database_url, request):
    # The Redis test stops its Redis: it must be a private one, never the shared server.
    redis_url = (request.getfixturevalue("redis_server").url
                 if "redis_server" in request.fixturenames
                 else request.getfixturevalue("redis_url"))
    return load_settings({}, overrides={
        "instance_path": tmp_path / "instance", "database_url": database_url,
        "secret_key": TEST_SECRET, "redis_url": redis_url})


def test_a_job_whose_worker_was_killed_runs_again_and_counts_once(app, db, settings,
                                                                  tmp_path):
    """RQ loses a job whose worker is SIGKILLed; the outbox row finds it again."""
    started, release = tmp_path / "started", tmp_path / "release"
    job = enqueue(db, "test_slow_effect", {"started": str(started), "release": str(release)})
    db.commit()  # handed to RQ
    job_id = job.id
    first = worker(settings.database_url, settings.redis_url, settings.instance_path,
                   burst=False, preload="tests.runtime.test_faults", start_new_session=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(lambda: started.exists() and started.read_text().strip())
    finally:
        os.killpg(first.pid, signal.SIGKILL)  # the worker and its work horse, as a crash
        first.wait(10)
    row = db.get(Job, job_id, populate_existing=True)
    assert (row.status, row.attempts) == (RUNNING, 1)
    db.rollback()
    assert effects(db) == 0

    sessions = app.extensions["orderloom.db"].sessions
    redis = Redis.from_url(settings.redis_url)
    # The claim names this machine and a process that is gone: taken up at the next
    # sweep, not after the claim timeout.
    assert sweep(sessions, redis) == [job_id]
    release.touch()
    second = worker(settings.database_url, settings.redis_url, settings.instance_path,
                    preload="tests.runtime.test_faults")
    assert second.returncode == 0, second.stderr
    row = db.get(Job, job_id, populate_existing=True)
    assert (row.status, row.attempts) == (DONE, 2)
    db.rollback()
    assert effects(db) == 1
    assert len(started.read_text().split()) == 2  # it really ran twice


# --- Redis stopped while orders are created -------------------------------------------------

class RedisServer:
    """A redis-server of this test's own, which it may stop and start."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.url = f"redis://127.0.0.1:{port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--daemonize", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        client = Redis.from_url(self.url, socket_connect_timeout=0.2)

        def answers() -> bool:
            try:
                return bool(client.ping())
            except RedisError:
                return False

        wait_for(answers, 10)
        client.close()

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(10)
            self.process = None


@pytest.fixture
def redis_server():
    try:
        server = RedisServer(free_port())
        server.start()
    except (FileNotFoundError, AssertionError) as exc:
        service_unavailable(f"cannot start a private redis-server: {exc}")
    yield server
    server.stop()


def test_orders_taken_while_redis_is_down_get_their_jobs_run_once(app, client, db, token_for,
                                                                  redis_server):
    staff = publish(client, token_for)
    assert create(client, staff).status_code == 201  # Redis up: queued at once
    redis_server.stop()
    for _ in range(3):
        response = create(client, staff)
        assert response.status_code == 201, response.get_json()  # orders are still taken
    rows = db.execute(select(Job.id, Job.status).order_by(Job.id)).all()
    db.rollback()
    assert [status for _, status in rows[1:]] == [PENDING] * 3

    redis_server.start()
    sessions = app.extensions["orderloom.db"].sessions
    redis = Redis.from_url(redis_server.url)
    assert len(sweep(sessions, redis)) == 3  # the jobs that were never handed over
    # The first job was in Redis when it stopped, and a Redis without persistence
    # forgets it: the sweeper sees that RQ no longer has it and hands it over again,
    # well before a dead worker's claim would run out.
    assert rows[0].id not in sweep(sessions, redis)  # queued moments ago: left alone
    soon = utcnow() + LOST_AFTER + timedelta(seconds=1)
    assert soon < utcnow() + CLAIM_TIMEOUT
    assert sweep(sessions, redis, now=soon) == [rows[0].id]
    result = worker(str(app.config["ORDERLOOM_SETTINGS"].database_url), redis_server.url,
                    app.config["ORDERLOOM_SETTINGS"].instance_path)
    assert result.returncode == 0, result.stderr
    assert db.scalars(select(Job.status)).all() == [DONE] * 4
    orders = db.scalars(select(Notification.order_id).where(Notification.role == "staff")
                        .order_by(Notification.order_id)).all()
    db.rollback()
    assert len(orders) == 4 and len(set(orders)) == 4  # one notification per order


def started_worker(app, redis_server, tmp_path, burst: bool = False):
    """`orderloom worker` in a session of its own; its output goes to
    tmp_path/worker.log. Answers the process and the open log."""
    settings = app.config["ORDERLOOM_SETTINGS"]
    log = (tmp_path / "worker.log").open("w")
    running = worker(str(settings.database_url), redis_server.url, settings.instance_path,
                     burst=burst, start_new_session=True, stdout=log,
                     stderr=subprocess.STDOUT)
    return running, log


def worker_started_while_redis_is_down(app, redis_server, tmp_path, burst: bool = False):
    """`orderloom worker` started with the test's Redis stopped (see started_worker)."""
    redis_server.stop()
    return started_worker(app, redis_server, tmp_path, burst)


def test_a_worker_waits_out_redis_outages_and_goes_on(app, client, db, token_for,
                                                      redis_server, tmp_path):
    """Started while Redis is down, and Redis restarted under it: the same worker
    process runs the jobs made afterwards, and the same scheduler process schedules
    timers again, without a supervisor."""
    staff = publish(client, token_for)
    running, log = worker_started_while_redis_is_down(app, redis_server, tmp_path)
    redis = Redis.from_url(redis_server.url)
    try:
        scheduler = scheduler_of(running.pid)
        time.sleep(2)
        assert running.poll() is None, "the worker gave up while Redis was down"

        def notifications() -> int:
            value = db.scalar(select(func.count()).select_from(Notification)
                              .where(Notification.role == "staff"))
            db.rollback()
            return value

        redis_server.start()
        assert create(client, staff).status_code == 201
        wait_for(lambda: notifications() == 1, 30)
        wait_for(lambda: redis.exists(SCHEDULER_LOCK) == 1, 20)

        redis_server.stop()  # a restart under a running worker
        time.sleep(2)
        redis_server.start()
        assert running.poll() is None, "the worker stopped when Redis went away"
        wait_for(lambda: redis.exists(SCHEDULER_LOCK) == 1, 20)
        assert scheduler_of(running.pid) == scheduler, "the scheduler had to be restarted"
        assert create(client, staff).status_code == 201
        wait_for(lambda: notifications() == 2, 30)
        assert db.scalars(select(Job.status)).all() == [DONE, DONE]
        db.rollback()
    finally:
        os.killpg(running.pid, signal.SIGTERM)
        try:
            running.wait(20)
        except subprocess.TimeoutExpired:
            # Stopping is not what this test shows (the tests of SIGTERM below do): a
            # worker still reconnecting after the restarts is stopped for good.
            os.killpg(running.pid, signal.SIGKILL)
            running.wait(20)
        log.close()
    output = (tmp_path / "worker.log").read_text()
    assert "Redis does not answer" in output
    assert "the scheduler lost Redis" in output


def test_a_claim_of_another_machine_waits_for_the_claim_timeout(app, db):
    """Whether a process on another machine still runs cannot be told from here: its
    job is taken up again only when the claim is CLAIM_TIMEOUT old."""
    job = enqueue(db, "test_slow_effect", {"started": "/nonexistent", "release": "/"})
    job.status, job.claimed_at, job.attempts = RUNNING, utcnow(), 1
    job.claimed_by = "another-machine:4242:abc123"
    db.commit()
    job_id = job.id
    sessions = app.extensions["orderloom.db"].sessions
    sweep(sessions, runner=NoRunner())
    assert db.get(Job, job_id, populate_existing=True).status == RUNNING
    db.rollback()
    later = utcnow() + CLAIM_TIMEOUT + timedelta(minutes=1)
    sweep(sessions, now=later, runner=NoRunner())
    assert db.get(Job, job_id, populate_existing=True).status == PENDING
    db.rollback()


class NoRunner:
    """Runs nothing: the test looks at what the sweeper released."""

    def run_many(self, job_ids, now=None):
        return [Outcome(job_id, None) for job_id in job_ids]


def test_a_claim_in_another_process_namespace_waits_for_the_claim_timeout(app, db):
    """A container with this machine's host name numbers its processes apart: a
    process id missing here says nothing about it."""
    job = enqueue(db, "test_slow_effect", {"started": "/nonexistent", "release": "/"})
    job.status, job.claimed_at, job.attempts = RUNNING, utcnow(), 1
    job.claimed_by = f"{socket.gethostname()}:{2 ** 22 + 7}:4026531999:abc123"
    db.commit()
    job_id = job.id
    sweep(app.extensions["orderloom.db"].sessions, runner=NoRunner())
    assert db.get(Job, job_id, populate_existing=True).status == RUNNING
    db.rollback()


@pytest.mark.parametrize("burst", [False, True], ids=["worker", "burst"])
def test_a_worker_waiting_for_redis_stops_cleanly_on_sigterm(app, redis_server, tmp_path,
                                                             burst):
    running, log = worker_started_while_redis_is_down(app, redis_server, tmp_path, burst)
    try:
        wait_for(lambda: "Redis does not answer" in (tmp_path / "worker.log").read_text())
        time.sleep(2.5)  # into a longer pause between tries: the stop must not wait for it
        running.send_signal(signal.SIGTERM)
        assert running.wait(2) == 0
    finally:
        if running.poll() is None:
            os.killpg(running.pid, signal.SIGKILL)
        log.close()
    assert "Traceback" not in (tmp_path / "worker.log").read_text()


def test_a_worker_asked_to_stop_while_redis_is_away_stops(app, redis_server, tmp_path):
    """Idle when Redis went away, then SIGTERM (a service stopped during the outage):
    it stops, and does not wait for Redis to come back."""
    running, log = started_worker(app, redis_server, tmp_path)
    try:
        wait_for(lambda: Worker.all(connection=Redis.from_url(redis_server.url)), 20)
        redis_server.stop()
        time.sleep(1.5)
        running.send_signal(signal.SIGTERM)
        assert running.wait(10) == 0, (tmp_path / "worker.log").read_text()
    finally:
        if running.poll() is None:
            os.killpg(running.pid, signal.SIGKILL)
        log.close()


class SignalledWhileRegistering(Redis):
    """Sends this process SIGTERM at its first pipeline: the RQ worker's first is the one
    that registers it, before RQ sets its own signal handlers."""

    signalled = False

    def pipeline(self, *args, **kwargs):
        if not self.signalled:
            self.signalled = True
            os.kill(os.getpid(), signal.SIGTERM)
        return super().pipeline(*args, **kwargs)


def test_a_stop_signal_while_the_rq_worker_registers_itself_stops_it(redis_url):
    # Once RQ's loop, with its handlers not yet set, missed the signal and waited for jobs.
    handlers = {signum: signal.getsignal(signum) for signum in (signal.SIGINT, signal.SIGTERM)}
    # A worker that missed the stop would wait for jobs for minutes: RQ's own SIGINT
    # handler ends it, so that the test fails instead of hanging.
    rescue = threading.Timer(10, os.kill, (os.getpid(), signal.SIGINT))
    rescue.start()
    started = time.monotonic()
    try:
        work(lambda: SignalledWhileRegistering.from_url(redis_url), signals=StopSignals())
    finally:
        rescue.cancel()
        for signum, handler in handlers.items():
            signal.signal(signum, handler)
    assert time.monotonic() - started < 5

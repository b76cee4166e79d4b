"""RQ's scheduler in a process of its own beside ``orderloom worker``: it moves each
timer's job (scheduled_timers.py) to its queue when the timer's time comes.

RQ can fork its scheduler from inside a worker (``with_scheduler``), but that child
outlives a worker killed with SIGKILL, and our worker starts a new RQ worker after
every Redis outage (worker_loop.py), which would start another child each time.
Here ``orderloom worker`` starts exactly one scheduler process, which waits out
Redis outages on its own, stops when asked (SIGTERM), and stops by itself within a
second or two when its worker is gone. Of several workers' schedulers, the one
that holds RQ's lock on a queue moves its jobs; the others stand by.
"""
from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading

from redis import Redis
from redis.exceptions import RedisError
from rq.scheduler import RQScheduler

from orderloom.runtime.queues import QUEUE_NAMES
from orderloom.runtime.worker_loop import wait_for_redis

log = logging.getLogger(__name__)

URL_VARIABLE = "ORDERLOOM_REDIS_URL"
STOP_WAIT_SECONDS = 10


class _Scheduler(RQScheduler):
    """RQ's scheduler, which also stops once the process that started it is gone."""

    def __init__(self, *args, parent: int, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.parent = parent

    def enqueue_scheduled_jobs(self) -> None:
        # Once a second. An orphan is adopted by another process: the worker was
        # killed, and its scheduler must not live on holding the lock.
        if os.getppid() != self.parent:
            log.warning("the worker that started this scheduler is gone; stopping")
            self.request_stop()
            return
        super().enqueue_scheduled_jobs()


def start(redis_url: str) -> subprocess.Popen:
    """Start the scheduler process for the Redis at ``redis_url`` (passed in the
    environment, not the command line, where anyone could read a password)."""
    env = {**os.environ, URL_VARIABLE: redis_url}
    return subprocess.Popen([sys.executable, "-m", "orderloom.runtime.rq_scheduler",
                             str(os.getpid())], env=env)


def stop(process: subprocess.Popen) -> None:
    """Ask the scheduler process to stop and wait for it; killed if it will not."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(STOP_WAIT_SECONDS)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def run(redis_url: str, parent: int) -> None:
    """Move scheduled jobs to their queues until stopped or orphaned."""
    stopping = threading.Event()

    def our_signals() -> None:
        # RQ's scheduler sets its own handlers while it works; between two
        # schedulers (waiting for Redis) a stop signal must end this loop.
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda *_: stopping.set())

    def stop_waiting() -> bool:
        return stopping.is_set() or os.getppid() != parent

    our_signals()
    while True:
        connection = wait_for_redis(lambda: Redis.from_url(redis_url), stop=stop_waiting,
                                    sleep=stopping.wait)
        if connection is None:
            return
        scheduler = _Scheduler(list(QUEUE_NAMES), connection=connection, parent=parent)
        try:
            scheduler.work()  # returns once asked to stop, or orphaned
            return
        except RedisError as exc:
            our_signals()
            log.warning("the scheduler lost Redis (%s: %s); starting over when it answers",
                        type(exc).__name__, exc)


def main() -> None:
    logging.basicConfig(level=logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("orderloom").setLevel(logging.INFO)
    logging.getLogger("rq.scheduler").setLevel(logging.INFO)
    run(os.environ[URL_VARIABLE], int(sys.argv[1]))


if __name__ == "__main__":
    main()

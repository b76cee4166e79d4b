"""RQ's scheduler in a process of its own beside ``orderloom worker``: it puts each
timer's job (scheduled_timers.py) on its queue when the timer's second begins, and
a worker fires the timer.

RQ can fork its scheduler from inside a worker (``with_scheduler``), but that child
outlives a worker killed with SIGKILL, and our worker starts a new RQ worker after
every Redis outage (worker_loop.py), which would start another child each time.
Here each ``orderloom worker`` runs exactly one scheduler process, started again if
it fails. The process waits out Redis outages itself, stops when asked (SIGTERM),
and stops by itself within a few seconds of its worker being gone.

Of several workers' schedulers, the one holding RQ's lock on the queue moves the
jobs; the others try the lock every second, so one of them takes over as soon as
the holder stops (or, when the holder was killed, once its lock expires, in about
a minute; the sweeper fires the timers that are late meanwhile).
"""
from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from uuid import uuid4

from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError
from redis.exceptions import TimeoutError as RedisTimeoutError
from rq.scheduler import RQScheduler

from orderloom.runtime import log_lines
from orderloom.runtime.jobs.dispatch import redis_connection
from orderloom.runtime.jobs.queues import TIMER_QUEUE
from orderloom.runtime.jobs.worker import (
    FIRST_WAIT_SECONDS,
    LONGEST_WAIT_SECONDS,
    StopSignals,
    wait_for_redis,
)

log = logging.getLogger(__name__)

URL_VARIABLE = "ORDERLOOM_REDIS_URL"
NAME_VARIABLE = "ORDERLOOM_SCHEDULER_NAME"
# The worker's log level and format ("INFO json"), so that both processes' lines look alike.
LOG_VARIABLE = "ORDERLOOM_SCHEDULER_LOG"
STOP_WAIT_SECONDS = 10
# A scheduler that ran this long was well: the pause before the next try starts
# from FIRST_WAIT_SECONDS again.
STEADY_SECONDS = 60.0


class _Scheduler(RQScheduler):
    """RQ's scheduler, which also stops once ``should_stop`` says so (checked every
    second), and which a standby tries the lock with every second."""

    def __init__(self, queues: list[str], *args, should_stop: Callable[[], bool],
                 **kwargs) -> None:
        super().__init__(queues, *args, **kwargs)
        self.should_stop = should_stop
        self.queues_to_lock = frozenset(queues)
        self.asked_to_stop = False

    def request_stop(self, signum=None, frame=None) -> None:
        # Every stop goes through here: RQ's signal handlers, ours and should_stop.
        self.asked_to_stop = True
        super().request_stop(signum, frame)

    @property
    def should_reacquire_locks(self) -> bool:
        # RQ's own waits two minutes between tries: timers would wait for the
        # sweeper that long after the scheduler holding the lock stopped.
        return self.queues_to_lock != self.acquired_locks

    def enqueue_scheduled_jobs(self) -> None:
        if self.should_stop():
            self.request_stop()  # RQ's loop stops, releasing its lock, next round
            return
        super().enqueue_scheduled_jobs()


def run(redis_url: str, parent: int, name: str) -> None:
    """Move scheduled jobs to their queue until stopped, or until ``parent`` is gone.

    ``name`` is the scheduler's name in RQ, the same for every process its worker
    starts: after a Redis error, or a restart after a crash, the scheduler renews
    the lock it held instead of waiting a minute for it to expire."""
    signals = StopSignals()

    def should_stop() -> bool:
        # An orphan is adopted by another process: its worker was killed.
        return signals.is_set() or os.getppid() != parent

    def pause(seconds: float) -> None:
        # In steps of a second at most, so that an orphan notices soon.
        deadline = time.monotonic() + seconds
        while not should_stop() and (left := deadline - time.monotonic()) > 0:
            signals.wait(min(1.0, left))

    backoff = FIRST_WAIT_SECONDS
    while True:
        # Ours between schedulers; RQ's scheduler sets its own while it works.
        signals.install()
        connection = wait_for_redis(lambda: redis_connection(redis_url), stop=should_stop,
                                    sleep=pause)
        if connection is None:
            return
        scheduler = _Scheduler([TIMER_QUEUE], connection=connection, name=name,
                               should_stop=should_stop)
        signals.tell(scheduler.request_stop)
        if should_stop():
            return
        started = time.monotonic()
        try:
            scheduler.work()  # returns once asked to stop, or orphaned
            return
        except RedisError as exc:
            signals.install()  # RQ's handlers would only stop the scheduler now gone
            # RQ lets go of its lock only on a clean stop; let go now, if Redis
            # answers, so that another worker's scheduler can take over meanwhile.
            _let_go(scheduler)
            if should_stop() or scheduler.asked_to_stop:
                return
            if isinstance(exc, (RedisConnectionError, RedisTimeoutError)):
                # Redis went away: waiting for it to answer PING is pause enough.
                log.warning("the scheduler lost Redis (%s: %s); starting over when it "
                            "answers", type(exc).__name__, exc)
                if time.monotonic() - started < FIRST_WAIT_SECONDS:
                    pause(FIRST_WAIT_SECONDS)  # it answers PING only: not in a tight loop
                continue
            # Redis answers PING but refuses the scheduler's commands (a read-only
            # replica, memory full): not again in a tight loop.
            if time.monotonic() - started > STEADY_SECONDS:
                backoff = FIRST_WAIT_SECONDS
            log.warning("Redis refused the scheduler (%s: %s); starting over in %.0f s",
                        type(exc).__name__, exc, backoff)
            pause(backoff)
            backoff = min(backoff * 2, LONGEST_WAIT_SECONDS)


def _let_go(scheduler: _Scheduler) -> None:
    try:
        scheduler.release_locks()
    except RedisError:
        pass  # it expires within a minute


class SchedulerProcess:
    """One worker's scheduler process, started again whenever it ends while the
    worker runs (a crash, a stray kill): without it timers would wait for the
    sweeper."""

    def __init__(self, redis_url: str, log: tuple[str, str] = ("INFO", "plain")) -> None:
        self.redis_url = redis_url
        self.log = log
        self.name = uuid4().hex
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._process: subprocess.Popen | None = None

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def start(self) -> SchedulerProcess:
        self._process = self._spawn()
        threading.Thread(target=self._watch, name="orderloom-scheduler-watch",
                         daemon=True).start()
        return self

    def _spawn(self) -> subprocess.Popen:
        # URL and name go in the environment, not the command line, where anyone
        # could read a password. A session of its own: a Ctrl+C in the worker's
        # terminal reaches the worker, which then stops this process itself.
        env = {**os.environ, URL_VARIABLE: self.redis_url, NAME_VARIABLE: self.name,
               LOG_VARIABLE: " ".join(self.log)}
        return subprocess.Popen([sys.executable, "-m", "orderloom.runtime.jobs.scheduler",
                                 str(os.getpid())], env=env, start_new_session=True)

    def _watch(self) -> None:
        backoff = FIRST_WAIT_SECONDS
        process = self._process
        while process is not None:
            started = time.monotonic()
            code = process.wait()
            if self._stopping.is_set():
                return
            # Whatever ended it (a crash, a stray kill, a SIGTERM to the whole service
            # while the worker finishes a job), the worker needs one until it stops.
            if time.monotonic() - started > STEADY_SECONDS:
                backoff = FIRST_WAIT_SECONDS
            log.warning("RQ's scheduler process ended (exit code %s); starting it again "
                        "in %.0f s", code, backoff)
            process = self._restart(backoff)
            backoff = min(backoff * 2, LONGEST_WAIT_SECONDS)

    def _restart(self, pause: float) -> subprocess.Popen | None:
        """A new scheduler process after ``pause``; None once the worker stops."""
        while not self._stopping.wait(pause):
            with self._lock:
                if self._stopping.is_set():
                    return None
                try:
                    self._process = self._spawn()
                    return self._process
                except OSError as exc:  # out of memory, process limit
                    log.error("RQ's scheduler process could not be started (%s); timers "
                              "fire from the sweeper until it can", exc)
            pause = min(pause * 2, LONGEST_WAIT_SECONDS)
        return None

    def stop(self) -> None:
        """Ask the scheduler process to stop and wait for it; killed if it will not."""
        with self._lock:
            self._stopping.set()
            process = self._process
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(STOP_WAIT_SECONDS)
        except subprocess.TimeoutExpired:
            log.warning("RQ's scheduler process did not stop in %s s; killing it",
                        STOP_WAIT_SECONDS)
            process.kill()
            process.wait()


def main() -> None:
    level, fmt = os.environ.get(LOG_VARIABLE, "INFO plain").split()
    log_lines.configure(level, fmt)
    run(os.environ[URL_VARIABLE], int(sys.argv[1]), os.environ[NAME_VARIABLE])


if __name__ == "__main__":
    main()

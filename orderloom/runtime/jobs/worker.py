"""The RQ worker of ``orderloom worker``: keeps working through Redis outages.

RQ's own worker retries a lost connection only while it waits for a job; a
connection lost anywhere else (its heartbeat, the bookkeeping after a job)
ends ``work()``, and a worker started while Redis is down stops at once. Here
the worker waits for Redis to answer again and starts over, so jobs run again
after a Redis restart without a supervisor stepping in. Nothing is lost
meanwhile: jobs live in the outbox, and the sweeper hands over again those
Redis forgot.

Jobs run in the worker's own process by default (RQ's ``SimpleWorker``): a
fork per job also meant a new database connection per job, which cost more
than most jobs do. ``fork=True`` keeps RQ's work horses, for handlers that
must not share the worker's memory.
"""
from __future__ import annotations

import logging
import signal
import time
from collections.abc import Callable

from redis import Redis
from redis.exceptions import RedisError
from rq import SimpleWorker, Worker
from rq.exceptions import StopRequested

from orderloom.runtime.jobs.queues import QUEUE_NAMES

log = logging.getLogger(__name__)

FIRST_WAIT_SECONDS = 1.0
LONGEST_WAIT_SECONDS = 30.0


class _StopNoted:
    """Notes a SIGINT/SIGTERM: RQ's ``work()`` returns the same way whether it was
    asked to stop or gave up on an error, and only the first must end the loop.

    A stop noted before RQ set its own signal handlers (while it registers itself
    in Redis) ends RQ's loop where it looks for suspension, the first thing each
    round does."""

    stop_signalled = False

    def request_stop(self, signum, frame) -> None:
        self.stop_signalled = True
        super().request_stop(signum, frame)

    def check_for_suspension(self, burst: bool) -> None:
        if self.stop_signalled:
            raise StopRequested()
        super().check_for_suspension(burst)


class _InProcessWorker(_StopNoted, SimpleWorker):
    pass


class _ForkingWorker(_StopNoted, Worker):
    pass


def wait_for_redis(connect: Callable[[], Redis], stop: Callable[[], bool] = lambda: False,
                   sleep: Callable[[float], None] = time.sleep) -> Redis | None:
    """A connection that answers PING, trying with a growing pause (1 s, 2 s, ... 30 s);
    None when ``stop`` says to give up."""
    pause = FIRST_WAIT_SECONDS
    while not stop():
        connection = connect()
        try:
            connection.ping()
            return connection
        except RedisError as exc:
            log.warning("Redis does not answer (%s: %s); trying again in %.0f s",
                        type(exc).__name__, exc, pause)
        sleep(pause)
        pause = min(pause * 2, LONGEST_WAIT_SECONDS)
    return None


class StopSignals:
    """SIGINT and SIGTERM as a request to stop, noted from the moment ``install`` is
    called: a signal during start-up (before RQ sets its own handlers) must stop the
    process as surely as one while it works, and not kill it half started.

    The handler only sets plain attributes: one that took a lock (``Event.set``)
    could wait forever for the lock the interrupted main thread holds. Waiting is
    done in short sleeps that look at the flag."""

    STEP_SECONDS = 0.2

    def __init__(self) -> None:
        self.noted = False
        self._tell: list[Callable[[], None]] = []

    def install(self) -> StopSignals:
        self._tell.clear()
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, self._note)
        return self

    def tell(self, stop: Callable[[], None]) -> None:
        """Call ``stop`` (which must only set attributes) on a stop signal, until the
        next ``install``: for an RQ worker or scheduler whose own handlers are not
        set yet."""
        self._tell.append(stop)

    def is_set(self) -> bool:
        return self.noted

    def wait(self, seconds: float) -> bool:
        """Sleep up to ``seconds``, less once a stop is noted; whether one is."""
        deadline = time.monotonic() + seconds
        while not self.noted and (left := deadline - time.monotonic()) > 0:
            time.sleep(min(self.STEP_SECONDS, left))
        return self.noted

    def _note(self, signum, frame) -> None:
        self.noted = True
        for stop in self._tell:
            stop()


def _stop_rq_worker(worker: _StopNoted) -> Callable[[], None]:
    def stop() -> None:
        worker.stop_signalled = True
    return stop


def work(connect: Callable[[], Redis], *, burst: bool = False, fork: bool = False,
         signals: StopSignals | None = None) -> None:
    """Run jobs from Orderloom's queues until stopped (SIGINT/SIGTERM), or, with
    ``burst``, until none is waiting."""
    worker_class = _ForkingWorker if fork else _InProcessWorker
    signals = signals or StopSignals()

    def stop_between_workers() -> None:
        # Between RQ workers (waiting for Redis) a stop signal ends the loop; the
        # handlers RQ leaves behind would raise out of the wait instead.
        signals.install()

    stop_between_workers()
    # RQ's own lines say this only at DEBUG now (runtime/log_lines.py): an operator
    # still sees at INFO which queues the worker takes jobs from.
    log.info("worker taking jobs from the queues %s%s", ", ".join(QUEUE_NAMES),
             " until they are empty" if burst else "")
    while True:
        connection = wait_for_redis(connect, stop=signals.is_set, sleep=signals.wait)
        if connection is None:
            return
        worker = worker_class(list(QUEUE_NAMES), connection=connection)
        signals.tell(_stop_rq_worker(worker))
        if signals.is_set():
            return
        try:
            worker.work(burst=burst)
        except RedisError as exc:
            stop_between_workers()
            _unsubscribe(worker)
            if worker.stop_signalled:
                # Asked to stop while Redis was away: RQ took the signal, then failed
                # to note its own death in Redis on the way out.
                return
            log.warning("lost Redis while working (%s: %s); starting over when it answers",
                        type(exc).__name__, exc)
            continue
        stop_between_workers()
        if burst or worker.stop_signalled:
            return
        # work() returned on its own: RQ logs "found an unhandled exception,
        # quitting" for a lost connection outside its dequeue loop.
        log.warning("the RQ worker stopped on its own; starting over when Redis answers")
        if signals.wait(FIRST_WAIT_SECONDS):
            return


def _unsubscribe(worker: Worker) -> None:
    """End the pubsub thread of a worker that failed on its way out: RQ skips this when
    Redis is gone, and the thread would live on, trying to reconnect."""
    thread = getattr(worker, "pubsub_thread", None)
    if thread is None:
        return
    try:
        worker.pubsub.unsubscribe()  # tells Redis, which may not answer
    except RedisError:
        pass
    thread.stop()
    thread.join(timeout=1)
    worker.pubsub.close()

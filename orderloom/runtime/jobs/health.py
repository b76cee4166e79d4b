"""What a readiness probe asks of the jobs in Redis: is some worker alive, and are the
queues being worked off. Answers are checks as /readyz shows them: ``ok`` and the
figures behind it."""
from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from redis import Redis
from rq import Queue, Worker
from rq.defaults import DEFAULT_WORKER_TTL

from orderloom.runtime.jobs.queues import QUEUE_NAMES

# An idle RQ worker beats once per dequeue wait (its TTL less 15 s); a beat older than
# the TTL and a minute is a worker that is gone or stuck.
HEARTBEAT_STALE_SECONDS = DEFAULT_WORKER_TTL + 60
# A job waiting this long means the workers do not keep up (or none takes this queue).
QUEUE_TOO_OLD_SECONDS = 600


def workers(redis: Redis, now: datetime | None = None) -> dict[str, Any]:
    now = now or datetime.now(UTC)
    ages = [(now - worker.last_heartbeat).total_seconds()
            for worker in Worker.all(connection=redis) if worker.last_heartbeat]
    if not ages:
        return {"ok": False, "detail": "no worker is running: start `orderloom worker`",
                "count": 0}
    newest = min(ages)
    check: dict[str, Any] = {"ok": newest <= HEARTBEAT_STALE_SECONDS, "count": len(ages),
                             "last_heartbeat_seconds": round(newest, 1)}
    if not check["ok"]:
        check["detail"] = (f"no worker has sent a heartbeat for {round(newest)} s "
                           f"(more than {HEARTBEAT_STALE_SECONDS} s)")
    return check


def queue(redis: Redis, now: datetime | None = None) -> dict[str, Any]:
    now = now or datetime.now(UTC)
    depth, oldest = 0, 0.0
    for name in QUEUE_NAMES:
        waiting = Queue(name, connection=redis)
        depth += waiting.count
        first = waiting.get_jobs(0, 0)
        if first and first[0].enqueued_at:
            oldest = max(oldest, (now - first[0].enqueued_at).total_seconds())
    check: dict[str, Any] = {"ok": oldest <= QUEUE_TOO_OLD_SECONDS, "depth": depth,
                             "oldest_seconds": round(oldest, 1)}
    if not check["ok"]:
        check["detail"] = (f"the oldest waiting job has waited {round(oldest)} s "
                           f"(more than {QUEUE_TOO_OLD_SECONDS} s)")
    return check

"""What Prometheus counts in every process: requests, job runs, orders taken in, failed
deliveries and refused reservations. Each figure has one home that counts it: the access
line's request end (``platform/logs.py``), the job runner's outcome, the ORDER_CREATED
hook, a webhook attempt's record, and the reserve_stock action's refusal.

Counters live in the process that counts. Under gunicorn and ``orderloom worker`` there
are several processes: with ``PROMETHEUS_MULTIPROC_DIR`` set (to one folder per host,
emptied when the services start) prometheus_client writes each process's figures to that
folder and ``/metrics`` adds them up (``platform/metrics.py``). Figures about the whole
cluster, the jobs waiting, are read from the database when scraped instead
(``waiting_jobs``), so every node reports the same and none has to count them.
"""
from __future__ import annotations

from datetime import datetime

from prometheus_client import Counter, Histogram
from sqlalchemy import event, func, inspect, select
from sqlalchemy.orm import Session

from orderloom.db import utcnow
from orderloom.runtime import hooks
from orderloom.runtime.jobs.models import ACTIVE, Job, delivers_to

REQUESTS = Counter("orderloom_http_requests_total",
                   "HTTP requests answered, by route (the URL rule), method and status",
                   ["route", "method", "status"])
REQUEST_SECONDS = Histogram("orderloom_http_request_duration_seconds",
                            "Time to answer an HTTP request, by route and method",
                            ["route", "method"])
JOBS = Counter("orderloom_jobs_total",
               "Job runs, by kind and outcome (done, retry: failed and will be tried "
               "again, failed: gave up)", ["kind", "outcome"])
ORDERS_CREATED = Counter("orderloom_orders_created_total", "Orders created, by channel",
                         ["channel"])
DELIVERY_FAILURES = Counter("orderloom_delivery_failures_total",
                            "Failed attempts to deliver to another system: a webhook "
                            "subscriber or a channel (stock pushes, write-backs)",
                            ["target"])
RESERVATIONS_REFUSED = Counter("orderloom_stock_reservations_refused_total",
                               "Stock reservations refused for want of stock, by warehouse "
                               "(\"any warehouse\" when none could fill the order)",
                               ["warehouse"])

# Outcomes of a job run, as ``JOBS`` labels them.
DONE, RETRY, FAILED = "done", "retry", "failed"
# A request that matched no route: one label for them all, so a scan of random paths
# cannot make a series per path.
NO_ROUTE = "(no route)"


# The methods a client may send are any word: those we do not serve share one label, so
# that random methods cannot make a series each.
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
OTHER_METHOD = "other"
# The orders a session created since its last commit, counted when they are committed.
_CREATED = "orderloom.metrics.orders_created"


def request_answered(route: str | None, method: str, status: int, seconds: float) -> None:
    route = route or NO_ROUTE
    method = method if method in METHODS else OTHER_METHOD
    REQUESTS.labels(route, method, str(status)).inc()
    REQUEST_SECONDS.labels(route, method).observe(seconds)


def job_run(kind: str, outcome: str) -> None:
    JOBS.labels(kind, outcome).inc()
    target = delivers_to(kind)
    if target is not None and outcome != DONE:
        DELIVERY_FAILURES.labels(target).inc()


def webhook_attempt_failed() -> None:
    # A webhook's job succeeds when it has recorded a failed attempt and scheduled the
    # next one, so its failures are counted where the attempt is recorded, not by job.
    DELIVERY_FAILURES.labels("webhook").inc()


def reservation_refused(warehouse: str) -> None:
    RESERVATIONS_REFUSED.labels(warehouse).inc()


@hooks.ORDER_CREATED.subscribe
def order_created(session: Session, order) -> None:
    # The hook runs inside the order's transaction, which may still be rolled back (a
    # savepoint around a channel's order, a state that cannot be entered): an order is
    # counted once its commit has taken it.
    session.info.setdefault(_CREATED, []).append(order)


@event.listens_for(Session, "after_commit")
def count_committed_orders(session: Session) -> None:
    if session.in_nested_transaction():
        return
    for order in session.info.pop(_CREATED, ()):
        # An order made in a savepoint that was rolled back left the session.
        if inspect(order).persistent:
            ORDERS_CREATED.labels(order.channel).inc()


@event.listens_for(Session, "after_rollback")
def forget_rolled_back_orders(session: Session) -> None:
    if not session.in_nested_transaction():
        session.info.pop(_CREATED, None)


def waiting_jobs(session: Session, now: datetime | None = None) -> tuple[int, float]:
    """Jobs not yet finished (written, queued or running) and how long the oldest of
    them has been due, in seconds: from the outbox, the same on every node and whether
    jobs run on Redis or in-process."""
    now = now or utcnow()
    count, oldest = session.execute(
        select(func.count(Job.id), func.min(Job.run_after))
        .where(Job.status.in_(ACTIVE), Job.run_after <= now)).one()
    age = (now - oldest).total_seconds() if oldest is not None else 0.0
    return count, max(age, 0.0)

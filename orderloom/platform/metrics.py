"""``GET /metrics``: the figures of ``runtime/metrics.py`` in Prometheus's text format.

Only for a scraper that sends ``Authorization: Bearer <ORDERLOOM_METRICS_TOKEN>``; with
no token set the address does not exist (404). A token rather than a list of addresses:
behind nginx on the same host every visitor comes from 127.0.0.1, so an address rule
would let the world read the figures.

With ``PROMETHEUS_MULTIPROC_DIR`` set, the answer adds up every process on this host
that writes to that folder (gunicorn's workers, ``orderloom worker``); without it, it is
this process's own figures, which is right for ``orderloom serve``.
"""
from __future__ import annotations

import hmac
import logging
import os

from flask import Response, request
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector
from sqlalchemy.exc import SQLAlchemyError

from orderloom.platform.database import database
from orderloom.platform.settings import MULTIPROCESS_FOLDER, Settings
from orderloom.runtime import metrics

log = logging.getLogger(__name__)


class WaitingJobs(Collector):
    """The outbox's unfinished jobs, read at each scrape: a figure of the cluster that
    every node reports alike (alert on its max, never its sum)."""

    def collect(self):
        try:
            with database().sessions() as session:
                count, oldest = metrics.waiting_jobs(session)
        except SQLAlchemyError as exc:
            # The processes' own figures still answer; the gauges are missing, which is
            # what Prometheus shows for a figure that could not be read.
            log.warning("metrics: the outbox could not be read: %s", exc)
            return
        yield GaugeMetricFamily("orderloom_jobs_waiting",
                                "Jobs due and not finished (pending, queued or running), "
                                "the whole cluster's", value=count)
        yield GaugeMetricFamily("orderloom_jobs_oldest_waiting_seconds",
                                "How long the longest-due unfinished job has been due, "
                                "the whole cluster's", value=oldest)


def answer(settings: Settings) -> Response:
    if settings.metrics_token is None:
        return Response("not found\n", status=404, mimetype="text/plain")
    sent = request.headers.get("Authorization", "")
    expected = f"Bearer {settings.metrics_token}"
    if not hmac.compare_digest(sent.encode("utf-8"), expected.encode("utf-8")):
        return Response("send Authorization: Bearer with ORDERLOOM_METRICS_TOKEN\n",
                        status=401, mimetype="text/plain",
                        headers={"WWW-Authenticate": 'Bearer realm="metrics"'})
    cluster = CollectorRegistry()
    cluster.register(WaitingJobs())
    if os.environ.get(MULTIPROCESS_FOLDER):
        processes = CollectorRegistry()
        MultiProcessCollector(processes)
    else:
        processes = REGISTRY
    return Response(generate_latest(processes) + generate_latest(cluster),
                    mimetype=CONTENT_TYPE_LATEST)

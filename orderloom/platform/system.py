"""Endpoints for operators and tools: liveness, readiness, metrics and the API
description."""
from __future__ import annotations

import logging

from flask import Blueprint, current_app, g, request
from sqlalchemy import text

from orderloom.platform import cluster_key, query_args, schema
from orderloom.platform import metrics as metrics_text
from orderloom.platform.auth import checks_its_own_bearer
from orderloom.platform.database import database
from orderloom.platform.openapi import build_document
from orderloom.platform.settings import Settings

log = logging.getLogger(__name__)

system = Blueprint("system", __name__)


@system.get("/healthz")
def healthz():
    """The database (reachable, schema current) and, where configured, Redis."""
    settings: Settings = current_app.config["ORDERLOOM_SETTINGS"]
    checks: dict[str, str] = {}
    if "db_session" in g:
        # A logged-in visitor's request already opened a transaction to load them; on
        # SQLite it holds the lock the check below waits for (and would report 503).
        g.db_session.rollback()
    try:
        engine = database().engine
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        checks["database"] = "ok" if schema.is_up_to_date(engine) else \
            "schema out of date: run `orderloom db upgrade`"
    except Exception as exc:  # any driver error means "not healthy", never a 500
        log.warning("health check: database unreachable: %s", exc)
        checks["database"] = "unreachable"
    if settings.redis_url is None:
        checks["redis"] = "not configured (jobs run in-process)"
    else:
        try:
            from redis import Redis

            Redis.from_url(settings.redis_url, socket_timeout=2).ping()
            checks["redis"] = "ok"
        except Exception as exc:
            log.warning("health check: redis unreachable: %s", exc)
            checks["redis"] = "unreachable"
    healthy = checks["database"] == "ok" and checks["redis"] in (
        "ok", "not configured (jobs run in-process)")
    return {"status": "ok" if healthy else "failing", "checks": checks}, 200 if healthy else 503


@system.get("/readyz")
def readyz():
    """Whether this node should get traffic: each check named, with what it found. The
    jobs' checks only when jobs run on Redis; in-process jobs need no worker."""
    settings: Settings = current_app.config["ORDERLOOM_SETTINGS"]
    if "db_session" in g:
        g.db_session.rollback()  # as in /healthz: a visitor's open transaction holds SQLite
    checks: dict[str, dict] = {}
    try:
        engine = database().engine
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        checks["database"] = {"ok": True}
        current, needed = schema.current_revision(engine), schema.head_revision()
        checks["schema"] = {"ok": current == needed, "revision": current, "needed": needed}
        if current == needed:
            checks["secret_key"] = _key_agreement(settings)
    except Exception as exc:  # any driver error means "not ready", never a 500
        log.warning("readiness: database unreachable: %s", exc)
        checks["database"] = {"ok": False, "detail": "unreachable"}
    # `?scope=node`: this node's own checks only, for a load balancer. Orders are taken
    # while jobs are behind (they wait in the outbox), so a queue or worker problem,
    # which every node shares, must not take every node out of traffic at once.
    scope = query_args.choice(request.args, "scope", ("all", "node"), "all")
    if settings.redis_url is not None and scope == "all":
        checks.update(_jobs_checks(settings.redis_url))
    ready = all(check["ok"] for check in checks.values()) and "schema" in checks and \
        "secret_key" in checks
    return ({"status": "ready" if ready else "unready", "checks": checks},
            200 if ready else 503)


def _key_agreement(settings: Settings) -> dict:
    with database().sessions() as session:
        disagreement = cluster_key.disagreement(session, settings)
    if disagreement:
        log.warning("readiness: %s", disagreement)
        return {"ok": False, "detail": disagreement}
    return {"ok": True}


def _jobs_checks(redis_url: str) -> dict[str, dict]:
    from redis import Redis

    from orderloom.runtime.jobs import health

    redis = Redis.from_url(redis_url, socket_timeout=2, socket_connect_timeout=2)
    try:
        redis.ping()
        return {"redis": {"ok": True}, "workers": health.workers(redis),
                "queue": health.queue(redis)}
    except Exception as exc:
        log.warning("readiness: redis unreachable: %s", exc)
        return {"redis": {"ok": False, "detail": "unreachable"}}
    finally:
        redis.close()


@system.get("/metrics")
@checks_its_own_bearer
def metrics():
    """Prometheus figures, for a scraper holding ORDERLOOM_METRICS_TOKEN."""
    return metrics_text.answer(current_app.config["ORDERLOOM_SETTINGS"])


@system.get("/api/openapi.json")
def openapi_document():
    return build_document(current_app)

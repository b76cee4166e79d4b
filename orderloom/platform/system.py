"""Endpoints for operators and tools: health, and the API description."""
from __future__ import annotations

import logging

from flask import Blueprint, current_app, g
from sqlalchemy import text

from orderloom.platform import schema
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


@system.get("/api/openapi.json")
def openapi_document():
    return build_document(current_app)

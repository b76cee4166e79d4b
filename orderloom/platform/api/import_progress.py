"""Order imports that run in the background, and their progress over the API.

``POST /order-imports`` (api/channels.py) imports a small file at once and
answers its report, as it always has; a large one (or ``?background=1``) is
handed to ``start_run`` and answered 202 with the run, whose figures
``GET /order-imports/{id}`` reports while it grows.
"""
from __future__ import annotations

import threading
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from flask import current_app, url_for
from sqlalchemy import select
from sqlalchemy.orm import Session

from orderloom.db import utcnow
from orderloom.platform.api import api
from orderloom.platform.auth import current_actor, requires
from orderloom.platform.database import db_session
from orderloom.platform.openapi import documented
from orderloom.platform.problems import Problem
from orderloom.runtime import audit
from orderloom.runtime.channels import import_runs
from orderloom.runtime.channels.import_runs import ImportRun

# Up to this many rows a file is imported inside the request (a few seconds at
# most); a larger one gets a progress bar instead of a long wait.
BACKGROUND_ROWS = 500
RECENT_RUNS = 50
EMBEDDED_FALLBACK = timedelta(minutes=1)
IMPORT_RUN = {"type": "object", "properties": {
    "id": {"type": "integer"},
    "status": {"enum": list(import_runs.STATUSES)},
    "rows_total": {"type": "integer"}, "rows_done": {"type": "integer"},
    "percent": {"type": "integer", "minimum": 0, "maximum": 100},
    "orders_created": {"type": "integer"}, "duplicates": {"type": "integer"},
    "rows_failed": {"type": "integer"},
    "errors": {"type": "array", "description": "Failed rows with their problems "
                                               "(the first 1000)"},
    "created": {"type": "array", "description": "Rows, external id and order number "
                                                "(the first 1000)"},
    "failure": {"type": ["string", "null"],
                "description": "Why the run stopped, when its status is failed"},
    "progress_url": {"type": "string"}, "page_url": {"type": "string"}}}


def in_background(args: Mapping[str, str], rows: list[Any]) -> bool:
    wanted = args.get("background", "").lower()
    if wanted in ("0", "false", "no"):
        return False
    return wanted in ("1", "true", "yes") or len(rows) > BACKGROUND_ROWS


def run_json(run: ImportRun) -> dict[str, Any]:
    return {**run.as_json(),
            "progress_url": url_for("api.get_order_import", run_id=run.id),
            "page_url": url_for("pages.import_run_page", run_id=run.id)}


def start_run(session: Session, rows: list[Any], content: bytes, filename: str, *,
              order_type_key: str, mapping: dict[str, Any], source: str,
              channel_id: int | None):
    """Store the upload as an import run, commit, and answer 202 with it."""
    from orderloom.platform.app import JOBS  # the app module imports this one

    dispatcher = current_app.extensions[JOBS]
    embedded = dispatcher.redis is None
    # Embedded, jobs run in the committing thread, so the request would wait for the
    # whole import: the run's job is written not yet due (the sweeper's fallback if
    # this process stops) and a thread of its own runs it at once.
    run_after = utcnow() + EMBEDDED_FALLBACK if embedded else None
    run, job = import_runs.start(
        session, current_actor(), order_type_key=order_type_key, mapping=mapping,
        source=source, channel_id=channel_id, filename=filename,
        content=content, rows_total=len(rows), run_after=run_after)
    audit.record(session, current_actor(), "orders.import_started", "import_run", run.id,
                 order_type=order_type_key, rows=len(rows))
    answer = run_json(run)
    session.commit()
    if embedded:
        threading.Thread(target=dispatcher.runner.run, args=(job.id, run_after),
                         name=f"orderloom-import-{run.id}", daemon=True).start()
    return answer, 202, {"Location": url_for("api.get_order_import", run_id=run.id)}


@api.get("/order-imports")
@requires("orders.create")
@documented("The latest 50 order imports that ran in the background, newest first",
            tags=("channels",),
            responses={200: ("Import runs", {"type": "array", "items": IMPORT_RUN})})
def list_order_imports():
    runs = db_session().scalars(select(ImportRun).order_by(ImportRun.id.desc())
                                .limit(RECENT_RUNS))
    return [{**run_json(run), "errors": [], "created": []} for run in runs]


@api.get("/order-imports/<int:run_id>")
@requires("orders.create")
@documented("How far a background import has got: rows done of total, orders created, "
            "duplicates, failed rows with their problems, status", tags=("channels",),
            responses={200: ("The import run", IMPORT_RUN)})
def get_order_import(run_id: int):
    run = import_runs.find(db_session(), run_id)
    if run is None:
        raise Problem(404, f"there is no order import {run_id}")
    return run_json(run)

"""One start-up for every process: ``orderloom serve``, gunicorn's app
(``orderloom.platform.wsgi``), ``orderloom worker`` and the other commands read the
settings, configure logging and check the database here, and refuse the same way: one
line on stderr, exit status 2.
"""
from __future__ import annotations

import logging
import sys
from typing import NoReturn

from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError

from orderloom.platform.settings import Settings, SettingsError, load_settings
from orderloom.runtime import business_calendar, log_lines, sealing

USAGE_ERROR = 2
# gunicorn's arbiter starts another worker after any other exit status of a worker that
# failed while loading the app; this one ("worker failed to boot") makes it stop.
GUNICORN_WORKER_BOOT_ERROR = 3

log = logging.getLogger(__name__)


class Refusal(Exception):
    """This process must not start; the message is the one line that says why."""


def process_settings() -> Settings:
    """The settings, with logging configured by them; a bad setting is a Refusal."""
    try:
        settings = load_settings()
    except SettingsError as exc:
        raise Refusal(str(exc)) from None
    log_lines.configure(settings.log_level, settings.log_format)
    sealing.accept_old_keys(settings.secret_key_fallbacks)
    business_calendar.use_time_zone(settings.time_zone)
    return settings


def unreachable(where: str, exc: OperationalError) -> Refusal:
    reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
    return Refusal(f"cannot reach {where}: {reason}")


def schema_problem(engine: Engine) -> str | None:
    """Why this code cannot run on the database's schema, or None when it can."""
    from orderloom.platform import schema

    current = schema.current_revision(engine)
    if current is None:
        return "the database is not initialised: run `orderloom init` first"
    if current != schema.head_revision():
        return (f"the database schema is at {current}, this version needs "
                f"{schema.head_revision()}: run `orderloom db upgrade`")
    return None


def check_database(settings: Settings) -> None:
    """Refuse unless the database answers and its schema is this code's; then record
    this node's key fingerprint, or report (in the log) that it disagrees."""
    from orderloom.db import make_engine, make_session_factory
    from orderloom.platform import cluster_key

    engine = make_engine(settings.database_url)
    try:
        problem = schema_problem(engine)
        if problem:
            raise Refusal(problem)
        with make_session_factory(engine)() as session:
            disagreement = cluster_key.agree(session, settings)
            session.commit()
        if disagreement:
            log.error("%s", disagreement)
    except OperationalError as exc:
        raise unreachable(settings.database_url_safe, exc) from None
    finally:
        # Nothing of this engine may reach a process forked later (gunicorn --preload).
        engine.dispose()


def refuse(message: str, status: int = USAGE_ERROR) -> NoReturn:
    print(f"orderloom: error: {message}", file=sys.stderr, flush=True)
    sys.exit(status)


def serving_app():
    """The WSGI app for gunicorn, after the same checks as ``orderloom serve``."""
    from orderloom.platform.app import create_app

    try:
        settings = process_settings()
        check_database(settings)
    except Refusal as refusal:
        refuse(str(refusal), GUNICORN_WORKER_BOOT_ERROR if _in_gunicorn_worker()
               else USAGE_ERROR)
    return create_app(settings)


def _in_gunicorn_worker() -> bool:
    # Without --preload each gunicorn worker loads the app itself, under the worker's
    # init_process; with it the arbiter does, before any worker exists.
    frame = sys._getframe()
    while frame is not None:
        if frame.f_globals.get("__name__") == "gunicorn.workers.base":
            return True
        frame = frame.f_back
    return False

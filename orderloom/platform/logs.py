"""Logging, configured the same way in every process (``orderloom serve``, gunicorn's
workers, ``orderloom worker``, the other commands), and the request id that ties a
request's log lines to its answer.

One handler on the root logger, writing to stderr: libraries' records (RQ's, Alembic's)
come out in the same format as ours rather than as bare text or not at all. Every record
carries ``request_id`` (``-`` outside a request), set by the record factory so that a
record made anywhere in a request's thread, by any library, has it.
"""
from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid
from contextvars import ContextVar
from datetime import UTC, datetime

from flask import Flask, Response, g, request

REQUEST_ID_HEADER = "X-Request-Id"
# An incoming id is kept when a proxy or client made it in a shape that cannot forge log
# lines or smuggle markup: letters, digits and - _ . : only, at most 128 of them.
ACCEPTED_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
PLAIN = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"
# Loggers at the configured level; other libraries' say only warnings and errors. RQ's is
# the worker's own voice (which queues it listens on, each job it runs); RQ sets its
# worker's logger to INFO when imported, so that one is named too.
OURS = ("orderloom", "rq", "rq.worker")
ACCESS_LOGGER = "orderloom.access"

current_request_id: ContextVar[str | None] = ContextVar("orderloom_request_id", default=None)
access_log = logging.getLogger(ACCESS_LOGGER)

# What every LogRecord has; anything else on a record was given as ``extra`` and goes
# into the JSON line as a member of its own.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {
    "message", "asctime", "request_id", "taskName"}


class JsonFormatter(logging.Formatter):
    """One JSON object a line: what log collectors read without a parsing rule."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(
                timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                line[key] = value
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


class _OurHandler(logging.StreamHandler):
    """The handler ``configure`` installs, found again by its class when called twice."""


def configure(level: str = "INFO", fmt: str = "plain") -> None:
    """Send every process's log to stderr at ``level`` (for the loggers in ``OURS``;
    other libraries' from WARNING) in the ``plain`` or ``json`` format. Calling it again
    changes the level and format; it never adds a second handler."""
    _install_record_factory()
    root = logging.getLogger()
    handler = next((h for h in root.handlers if isinstance(h, _OurHandler)), None)
    if handler is None:
        handler = _OurHandler(sys.stderr)
        root.addHandler(handler)
    handler.setFormatter(JsonFormatter() if fmt == "json" else logging.Formatter(PLAIN))
    root.setLevel(logging.WARNING)
    for name in OURS:
        logging.getLogger(name).setLevel(level)


def _install_record_factory() -> None:
    make = logging.getLogRecordFactory()
    if getattr(make, "adds_request_id", False):
        return

    def with_request_id(*args, **kwargs) -> logging.LogRecord:
        record = make(*args, **kwargs)
        record.request_id = current_request_id.get() or "-"
        return record

    with_request_id.adds_request_id = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(with_request_id)


def request_id() -> str | None:
    """The id of the request being answered, for problem responses."""
    return current_request_id.get()


def init_app(app: Flask) -> None:
    """A request id on every request (kept from ``X-Request-Id`` when sane), on its
    answer's header, and one access line per request when it ends."""
    _install_record_factory()

    @app.before_request
    def _start():
        incoming = request.headers.get(REQUEST_ID_HEADER, "")
        g.request_id = (incoming if ACCEPTED_REQUEST_ID.fullmatch(incoming)
                        else uuid.uuid4().hex)
        g.request_started = time.perf_counter()
        g.request_id_token = current_request_id.set(g.request_id)

    @app.after_request
    def _finish(response: Response) -> Response:
        if "request_id" not in g:  # a request refused before before_request ran
            return response
        response.headers[REQUEST_ID_HEADER] = g.request_id
        duration_ms = round((time.perf_counter() - g.request_started) * 1000, 1)
        access_log.info("%s %s %s %.1fms", request.method, request.path, response.status_code,
                        duration_ms, extra={"method": request.method, "path": request.path,
                                            "status": response.status_code,
                                            "duration_ms": duration_ms})
        return response

    @app.teardown_request
    def _forget(_exc: BaseException | None) -> None:
        token = g.pop("request_id_token", None)
        if token is None:
            return
        try:
            current_request_id.reset(token)
        except ValueError:  # the teardown ran in another context than the start
            current_request_id.set(None)

"""Log lines, the same in every process: one handler on the root logger writing to stderr,
in a plain or a JSON format, at the configured level (``orderloom serve``, gunicorn's
workers, ``orderloom worker`` and its scheduler process, the other commands).

One handler on the root logger: libraries' records (RQ's, Alembic's) come out in the
same format as ours rather than as bare text or not at all. Every record carries
``request_id`` (``-`` outside a request), set by the record factory so that a record
made anywhere in a request's thread, by any library, has it; the web app sets the id
(``platform/logs.py``).
"""
from __future__ import annotations

import json
import logging
import sys
from contextvars import ContextVar
from datetime import UTC, datetime

PLAIN = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"
FORMATS = ("plain", "json")
# Loggers at the configured level; other libraries' say only warnings and errors.
OURS = ("orderloom",)
# RQ's loggers, set here because RQ sets its worker's to INFO when imported. They speak
# at DEBUG only: at INFO RQ writes several lines for every job it runs (a worker's
# logging was a tenth of its time per job), and the runner's own line says the same.
RQ = ("rq", "rq.worker")

current_request_id: ContextVar[str | None] = ContextVar("orderloom_request_id", default=None)

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
    other libraries', RQ's included, from WARNING, or all at DEBUG) in the ``plain``
    or ``json`` format. Calling it again changes the level and format; it never adds
    a second handler."""
    install_record_factory()
    root = logging.getLogger()
    handler = next((h for h in root.handlers if isinstance(h, _OurHandler)), None)
    if handler is None:
        handler = _OurHandler(sys.stderr)
        root.addHandler(handler)
    handler.setFormatter(JsonFormatter() if fmt == "json" else logging.Formatter(PLAIN))
    root.setLevel(logging.WARNING)
    for name in OURS:
        logging.getLogger(name).setLevel(level)
    for name in RQ:
        logging.getLogger(name).setLevel(level if level == "DEBUG" else logging.WARNING)


def install_record_factory() -> None:
    make = logging.getLogRecordFactory()
    if getattr(make, "adds_request_id", False):
        return

    def with_request_id(*args, **kwargs) -> logging.LogRecord:
        record = make(*args, **kwargs)
        record.request_id = current_request_id.get() or "-"
        return record

    with_request_id.adds_request_id = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(with_request_id)

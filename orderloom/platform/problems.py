"""Errors over HTTP: RFC 9457 ``application/problem+json`` for the API, HTML pages
for people.

Every error the API can give passes through here, so none leaks a traceback,
and every input error names the field with a JSON Pointer.
"""
from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping
from typing import Any

from flask import Flask, Response, json, make_response, render_template, request
from flask_babel import lazy_gettext
from sqlalchemy.exc import DBAPIError, DisconnectionError, IntegrityError
from werkzeug.exceptions import HTTPException, InternalServerError

from orderloom.platform import logs
from orderloom.platform.database import drop_uncommitted
from orderloom.runtime.retry import is_collision

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"
API_PREFIX = "/api/"


class Problem(Exception):
    """An API error with a status, a short title, a detail and, for bad input, the
    list of fields at fault as ``{"pointer": "/a/b", "detail": "..."}``."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        title: str | None = None,
        errors: list[dict[str, str]] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.title = title or _TITLES.get(status, "Error")
        self.errors = errors or []
        self.extra = extra or {}


def invalid(pointer: str, detail: str, status: int = 422) -> Problem:
    """A Problem about one input field."""
    return Problem(status, f"{pointer or '/'}: {detail}",
                   errors=[{"pointer": pointer, "detail": detail}])


_TITLES = {
    400: "Bad request",
    401: "Not authenticated",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    413: "Payload too large",
    415: "Unsupported media type",
    422: "Invalid input",
    429: "Too many requests",
    500: "Internal server error",
    503: "Service unavailable",
}


def problem_response(problem: Problem) -> Response:
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": problem.title,
        "status": problem.status,
        "detail": problem.detail,
        "instance": request.path,
    }
    if problem.errors:
        body["errors"] = problem.errors
    body.update(problem.extra)
    if logs.request_id():
        # What the operator searches the log for when a user reports this answer.
        body["request_id"] = logs.request_id()
    response = Response(json.dumps(body), status=problem.status, mimetype=PROBLEM_JSON)
    if problem.status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="orderloom"'
    return response


def wants_problem_json() -> bool:
    return request.path.startswith(API_PREFIX)


def _from_http_exception(exc: HTTPException) -> Problem:
    status = exc.code or 500
    detail = exc.description or _TITLES.get(status, "Error")
    if status == 400 and "JSON" in detail:
        detail = "the request body is not valid JSON"
    if status == 413:
        detail = "the request body is larger than this server accepts"
    return Problem(status, detail)


def register_error_handlers(
        app: Flask, families: Mapping[type[Exception], Callable[[Any], Problem]]) -> None:
    """Answer every error a request raises: a Problem as it is, each family of typed
    errors in ``families`` as the Problem its function makes, anything else as a
    500 that tells nothing of the inside."""
    def _answer(problem: Problem):
        if wants_problem_json():
            return problem_response(problem)
        return _error_page(problem.status, problem.title, problem.detail)

    @app.errorhandler(Problem)
    def _problem(problem: Problem):
        # A refused change is dropped before anything is rendered: the error page's
        # own reads must neither see it nor flush it (the teardown would drop it
        # too, but only after the answer is made).
        drop_uncommitted()
        return _answer(problem)

    def _refusal(to_problem: Callable[[Any], Problem]) -> Callable[[Exception], Any]:
        return lambda error: _problem(to_problem(error))

    # Flask answers an error with the handler of the nearest class in its MRO,
    # so a subclass in ``families`` refines the answer of its base.
    for family, to_problem in families.items():
        app.register_error_handler(family, _refusal(to_problem))

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        if wants_problem_json():
            response = problem_response(_from_http_exception(exc))
            if exc.code == 405 and exc.valid_methods:
                response.headers["Allow"] = ", ".join(exc.valid_methods)
            return response
        return _error_page(exc.code or 500, exc.name, _http_detail(exc))

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        if is_collision(exc):
            # Another transaction won a race (serialization failure or deadlock): the
            # request changed nothing and may simply be sent again.
            log.info("%s %s collided with another transaction", request.method, request.path)
            return _answer(Problem(409, "this change collided with another one made at the "
                                        "same moment; nothing was changed, send it again"))
        if is_unique_violation(exc):
            # Two requests stored the same unique value at the same moment (the check
            # before the insert saw neither), or a request repeated one: the database
            # let the first in. Dropped before anything is rendered, like any refusal.
            log.info("%s %s: %s", request.method, request.path, str(exc.orig).splitlines()[0])
            return _problem(duplicate_problem(exc))
        if is_database_unreachable(exc):
            # The server restarted or the network dropped: the transaction never
            # committed, and the pool replaces the connection. Worth trying again soon.
            log.warning("%s %s: the database is unreachable: %s", request.method,
                        request.path, str(exc).splitlines()[0])
            response = make_response(_answer(Problem(
                503, "the database cannot be reached just now; nothing was changed, try "
                     "again shortly")))
            response.headers["Retry-After"] = "2"
            return response
        # Logged in full for the operator; the caller learns only that it failed.
        log.exception("unhandled error on %s %s", request.method, request.path)
        return _http(InternalServerError("the server failed to handle this request; "
                                         "nothing was changed"))


def is_unique_violation(exc: BaseException) -> bool:
    """A unique constraint (or primary key) refused a row, on PostgreSQL or SQLite."""
    if not isinstance(exc, IntegrityError):
        return False
    sqlstate = getattr(exc.orig, "sqlstate", None)
    if sqlstate is not None:
        return sqlstate == "23505"
    return getattr(exc.orig, "sqlite_errorname", None) in (
        "SQLITE_CONSTRAINT_UNIQUE", "SQLITE_CONSTRAINT_PRIMARYKEY")


# PostgreSQL: 'Key (carrier, tracking_number)=(sf, SF1) already exists.'
_PG_KEY = re.compile(r"Key \((?P<columns>[^)]*)\)=")
# SQLite: 'UNIQUE constraint failed: shipments.carrier, shipments.tracking_number'
_SQLITE_KEY = re.compile(r"constraint failed: (?P<columns>.*)$")


def duplicate_problem(exc: IntegrityError) -> Problem:
    """409 naming the columns whose values are taken, without their values (which
    may be another record's)."""
    diag = getattr(exc.orig, "diag", None)
    found = (_PG_KEY.search(getattr(diag, "message_detail", None) or "")
             or _SQLITE_KEY.search(str(exc.orig).splitlines()[0]))
    named = [c.strip().rpartition(".")[2] for c in found["columns"].split(",")] if found else []
    columns = [c for c in named if c.isidentifier()]  # an expression index names none
    what = " and ".join(columns) if columns else "key"
    return Problem(409, f"a record with the same {what} exists already (another request "
                        "may have stored it at the same moment); nothing was changed",
                   extra={"duplicate": columns})


def is_database_unreachable(exc: BaseException) -> bool:
    """A lost or refused database connection (not a wrong statement)."""
    if isinstance(exc, DisconnectionError):
        return True
    if not isinstance(exc, DBAPIError):
        return False
    if exc.connection_invalidated:
        return True
    # psycopg's "connection failed" / "server closed the connection" are OperationalError
    # with SQLSTATE class 08 (connection exception) or none at all.
    sqlstate = getattr(exc.orig, "sqlstate", None)
    return type(exc.orig).__name__ == "OperationalError" and (
        sqlstate is None or sqlstate.startswith("08") or sqlstate == "57P01")


# The error page's headings in the reader's language; the API keeps _TITLES, which
# clients may match on.
_PAGE_TITLES = {
    400: lazy_gettext("Bad request"),
    401: lazy_gettext("Not authenticated"),
    403: lazy_gettext("Forbidden"),
    404: lazy_gettext("Not found"),
    405: lazy_gettext("Method not allowed"),
    409: lazy_gettext("Conflict"),
    413: lazy_gettext("Payload too large"),
    415: lazy_gettext("Unsupported media type"),
    422: lazy_gettext("Invalid input"),
    429: lazy_gettext("Too many requests"),
    500: lazy_gettext("Internal server error"),
    503: lazy_gettext("Service unavailable"),
}
# What the error page says when the error brought no words of its own (werkzeug's
# English defaults: an address that names no page, a method a page does not take).
_PAGE_DETAILS = {
    404: lazy_gettext("There is no page at this address. Check the link, or start again "
                      "from the start page."),
    405: lazy_gettext("This page cannot be used this way."),
    500: lazy_gettext("The server failed to handle this request; nothing was changed."),
}


def _error_page(status: int, title: str, detail: str):
    # The request id, as in a problem answer: what a person quotes when reporting the
    # error, and what the operator searches the log for.
    return render_template("error.html", status=status,
                           title=str(_PAGE_TITLES.get(status, title)), detail=detail,
                           request_id=logs.request_id()), status


def _http_detail(exc: HTTPException) -> str:
    """The exception's own description, unless it is werkzeug's default one."""
    status = exc.code or 500
    own = exc.description or ""
    if status in _PAGE_DETAILS and own in ("", type(exc).description,
                                           InternalServerError.description,
                                           "the server failed to handle this request; "
                                           "nothing was changed"):
        return str(_PAGE_DETAILS[status])
    return own

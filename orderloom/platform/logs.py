"""The request id that ties a request's log lines to its answer, and one access line per
request, which also counts the request for ``/metrics``. How lines look, and their
level, is ``runtime/log_lines.py``, shared with the processes that serve no requests.
"""
from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Callable
from typing import Any

from flask import Flask, Response, current_app, g, request

from orderloom.runtime import metrics
from orderloom.runtime.log_lines import current_request_id, install_record_factory

REQUEST_ID_HEADER = "X-Request-Id"
# An incoming id is kept when a proxy or client made it in a shape that cannot forge log
# lines or smuggle markup: letters, digits and - _ . : only, at most 128 of them.
ACCEPTED_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
ACCESS_LOGGER = "orderloom.access"

access_log = logging.getLogger(ACCESS_LOGGER)


def path_kept_out_of_logs(view: Callable[..., Any]) -> Callable[..., Any]:
    """Marks a view whose address holds a key (the public tracking page's token): its
    access line shows the route's pattern, `/track/<code>`, never the key, which would
    otherwise sit in every log collector for anyone reading logs to open."""
    view.path_kept_out_of_logs = True  # type: ignore[attr-defined]
    return view


def logged_path() -> str:
    view = current_app.view_functions.get(request.endpoint or "")
    if getattr(view, "path_kept_out_of_logs", False) and request.url_rule is not None:
        return request.url_rule.rule
    return request.path


def request_id() -> str | None:
    """The id of the request being answered, for problem responses."""
    return current_request_id.get()


def init_app(app: Flask) -> None:
    """A request id on every request (kept from ``X-Request-Id`` when sane), on its
    answer's header, and one access line per request when it ends."""
    install_record_factory()

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
        seconds = time.perf_counter() - g.request_started
        # By the route's pattern, never the path: one series per route, not per order.
        metrics.request_answered(request.url_rule.rule if request.url_rule else None,
                                 request.method, response.status_code, seconds)
        duration_ms = round(seconds * 1000, 1)
        path = logged_path()
        access_log.info("%s %s %s %.1fms", request.method, path, response.status_code,
                        duration_ms, extra={"method": request.method, "path": path,
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

"""How often one user may run previews and simulations.

A print preview or a simulation runs a designer's templates and formulas on the
server. Each run is bounded (runtime/template_sandbox.py: about a second at most;
REGEXMATCH on RE2), but a client sending them without pause would still keep the
server's threads busy for everyone else. So per user:

- at most MAX_RUNS runs within WINDOW_SECONDS (the designer's live preview, sent a
  moment after each pause in typing, stays far below it);
- at most MAX_AT_ONCE runs at the same time.

Beyond either the answer is 429 with Retry-After, as the login throttle's. The
counts are kept in each app process: they bound what one process spends on one
user, which is what keeps the process answering others; with several processes
behind a load balancer a user's allowance is per process.
"""
from __future__ import annotations

import functools
import math
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import TypeVar

from flask import current_app

from orderloom.platform.auth import current_user
from orderloom.platform.problems import Problem, problem_response

WINDOW_SECONDS = 60.0
MAX_RUNS = 120
MAX_AT_ONCE = 2

F = TypeVar("F", bound=Callable)
# The OpenAPI description of the answer beyond the limits.
THROTTLED = ("Too many previews and simulations by this user just now (problem+json); "
             "the Retry-After header says in how many seconds to try again", None)


class _Runs:
    """Start times of recent runs and the number running, per user id."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.started: dict[int, deque[float]] = {}
        self.running: dict[int, int] = {}

    def begin(self, user_id: int, now: float) -> int | None:
        """None when the run may start (and it is counted), else seconds to wait."""
        with self.lock:
            started = self.started.setdefault(user_id, deque())
            while started and started[0] <= now - WINDOW_SECONDS:
                started.popleft()
            if len(started) >= MAX_RUNS:
                return max(1, math.ceil(started[0] + WINDOW_SECONDS - now))
            if self.running.get(user_id, 0) >= MAX_AT_ONCE:
                return 1
            started.append(now)
            self.running[user_id] = self.running.get(user_id, 0) + 1
            return None

    def end(self, user_id: int) -> None:
        with self.lock:
            self.running[user_id] -= 1
            if not self.running[user_id]:
                del self.running[user_id]
            if not self.started.get(user_id):
                self.started.pop(user_id, None)



def _runs() -> _Runs:
    """This app's counts (each app, as each test's, counts its own users)."""
    return current_app.extensions.setdefault("orderloom.preview_runs", _Runs())


def throttled(view: F) -> F:
    """Route decorator, under @requires: the logged-in user's runs are counted."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        user_id = current_user().id  # read now: the view may end the transaction
        runs = _runs()
        wait = runs.begin(user_id, time.monotonic())
        if wait is not None:
            response = problem_response(Problem(
                429, f"too many previews and simulations: at most {MAX_RUNS} a minute and "
                     f"{MAX_AT_ONCE} at a time for each user; try again in {wait} "
                     f"second{'s' if wait != 1 else ''}"))
            response.headers["Retry-After"] = str(wait)
            return response
        try:
            return view(*args, **kwargs)
        finally:
            runs.end(user_id)

    return wrapper  # type: ignore[return-value]

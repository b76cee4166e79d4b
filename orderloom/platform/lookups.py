"""What a request's address names, found in the database or answered with 404."""
from __future__ import annotations

from typing import Any, TypeVar

from orderloom.platform.database import db_session
from orderloom.platform.problems import Problem
from orderloom.runtime.engine import lifecycle
from orderloom.runtime.orders.models import Order

Model = TypeVar("Model")


def order_or_404(number: str) -> Order:
    """The order numbered ``number``. When there is none, the runtime's OrderNotFound
    passes on to the registered handler, which answers 404 (a problem, or the error
    page)."""
    return lifecycle.find_order(db_session(), number)


def get_or_404(model: type[Model], key: Any, what: str) -> Model:
    """The ``model`` row with primary key ``key``; 404 "there is no <what> <key>"
    when there is none."""
    found = db_session().get(model, key)
    if found is None:
        raise Problem(404, f"there is no {what} {key}")
    return found

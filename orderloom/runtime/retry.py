"""Running a unit of work again when the database says it collided with another.

PostgreSQL answers a transaction that lost a race at SERIALIZABLE or REPEATABLE
READ with a serialization failure (SQLSTATE 40001), and one of two transactions
that wait on each other with a deadlock (40P01). Both are safe to retry from
the start: nothing of the failed attempt was kept.
"""
from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

log = logging.getLogger(__name__)

T = TypeVar("T")
RETRYABLE = frozenset({"40001", "40P01"})
ATTEMPTS = 5


def is_collision(error: BaseException) -> bool:
    """A serialization failure or a deadlock, which a retry can resolve."""
    original = getattr(error, "orig", None)
    return getattr(original, "sqlstate", None) in RETRYABLE


def in_transaction(sessions: sessionmaker[Session], work: Callable[[Session], T],
                   attempts: int = ATTEMPTS) -> T:
    """Run ``work`` in a fresh session and commit; on a collision, roll back and run it
    again (up to ``attempts`` times, with a short random pause so the two colliding
    transactions do not meet again at once)."""
    for attempt in range(1, attempts + 1):
        with sessions() as session:
            try:
                result = work(session)
                session.commit()
                return result
            except DBAPIError as error:
                session.rollback()
                if not is_collision(error) or attempt == attempts:
                    raise
                log.info("transaction collided (%s); attempt %s of %s",
                         error.orig.sqlstate, attempt + 1, attempts)
        time.sleep(random.uniform(0.005, 0.05) * attempt)
    raise AssertionError("unreachable")

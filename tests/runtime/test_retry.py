"""Colliding transactions are run again, not lost."""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError

from orderloom.db import make_engine, make_session_factory
from orderloom.runtime.retry import in_transaction
from orderloom.runtime.stock import keeping as stock_keeping
from orderloom.runtime.stock.catalog import Product, Warehouse
from orderloom.runtime.stock.models import StockLevel

ON_POSTGRESQL = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)


@pytest.fixture
def serializable(database_url):
    """Sessions at SERIALIZABLE, where PostgreSQL fails the loser of a race (40001)."""
    engine = make_engine(database_url, isolation_level="SERIALIZABLE")
    sessions = make_session_factory(engine)
    with sessions() as s:
        s.add_all([Product(sku="TEA-01", name="Tea"), Warehouse(code="HZ", name="Hangzhou")])
        s.commit()
        stock_keeping.receive(s, "li", "TEA-01", "HZ", 1)
        s.commit()
    yield sessions
    engine.dispose()


def _racing_receipts(sessions, attempts: int):
    """Two receipts that both read the level, then both write it."""
    both_read = threading.Barrier(2, timeout=10)
    tries: list[int] = []
    errors: list[BaseException] = []

    def work(session):
        tries.append(1)
        session.scalar(select(StockLevel.on_hand))  # the read a SERIALIZABLE race hinges on
        if len(tries) <= 2:
            both_read.wait()
        stock_keeping.receive(session, "li", "TEA-01", "HZ", 1)

    def run():
        try:
            in_transaction(sessions, work, attempts=attempts)
        except BaseException as error:  # noqa: BLE001 - recorded for the assertion
            errors.append(error)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return tries, errors


@ON_POSTGRESQL
def test_a_serialization_failure_is_retried_and_both_changes_count(serializable):
    tries, errors = _racing_receipts(serializable, attempts=5)
    assert errors == []
    assert len(tries) == 3  # the loser ran once more
    with serializable() as s:
        assert s.scalar(select(StockLevel.on_hand)) == 3
        assert stock_keeping.verify(s) == []


@ON_POSTGRESQL
def test_without_retries_the_loser_fails_and_changes_nothing(serializable):
    tries, errors = _racing_receipts(serializable, attempts=1)
    (error,) = errors
    assert isinstance(error, DBAPIError)
    assert error.orig.sqlstate == "40001"
    with serializable() as s:
        assert s.scalar(select(StockLevel.on_hand)) == 2
        assert stock_keeping.verify(s) == []

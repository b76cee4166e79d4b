"""Stock that never oversells: atomic reservations, a ledger that always agrees."""
from __future__ import annotations

import multiprocessing
import threading

import pytest
from sqlalchemy import func, select

from orderloom.db import make_engine, make_session_factory
from orderloom.runtime.stock import keeping as stock_keeping
from orderloom.runtime.stock.catalog import Product, Warehouse
from orderloom.runtime.stock.keeping import Line, OutOfStock, StockError
from orderloom.runtime.stock.models import StockLevel, StockMovement


@pytest.fixture
def sessions(database_url):
    engine = make_engine(database_url, pool_size=60, max_overflow=0) \
        if database_url.startswith("postgresql") else make_engine(database_url)
    factory = make_session_factory(engine)
    with factory() as session:
        session.add_all([Product(sku="TEA-01", name="Longjing tea"),
                         Product(sku="CUP-02", name="Cup"),
                         Warehouse(code="HZ", name="Hangzhou"),
                         Warehouse(code="SH", name="Shanghai")])
        session.commit()
    yield factory
    engine.dispose()


def ids(session, sku, code):
    return (session.scalar(select(Product.id).where(Product.sku == sku)),
            session.scalar(select(Warehouse.id).where(Warehouse.code == code)))


def level(session, sku, code) -> StockLevel:
    product_id, warehouse_id = ids(session, sku, code)
    return session.scalar(select(StockLevel).where(StockLevel.product_id == product_id,
                                                   StockLevel.warehouse_id == warehouse_id))


def test_receive_reserve_release_ship_keep_the_ledger_in_step(sessions):
    with sessions() as s:
        stock_keeping.receive(s, "li", "TEA-01", "HZ", 20, "PO-1")
        product_id, warehouse_id = ids(s, "TEA-01", "HZ")
        stock_keeping.reserve(s, "li", 1, [Line(product_id, warehouse_id, 5)])
        stock_keeping.reserve(s, "li", 2, [Line(product_id, warehouse_id, 3)])
        s.commit()
        assert (level(s, "TEA-01", "HZ").on_hand, level(s, "TEA-01", "HZ").reserved) == (20, 8)
        assert stock_keeping.release(s, "li", 1) == 5
        assert stock_keeping.release(s, "li", 1) == 0  # twice has the effect of once
        assert stock_keeping.ship(s, "li", 2) == 3
        s.commit()
        final = level(s, "TEA-01", "HZ")
        assert (final.on_hand, final.reserved, final.available) == (17, 0, 17)
        assert stock_keeping.verify(s) == []


def test_a_reservation_beyond_availability_changes_nothing(sessions):
    with sessions() as s:
        stock_keeping.receive(s, "li", "TEA-01", "HZ", 4)
        stock_keeping.receive(s, "li", "CUP-02", "HZ", 10)
        s.commit()
        tea, hz = ids(s, "TEA-01", "HZ")
        cup, _ = ids(s, "CUP-02", "HZ")
        with pytest.raises(OutOfStock) as refused:
            stock_keeping.reserve(s, "li", 9, [Line(cup, hz, 2), Line(tea, hz, 5)])
        s.rollback()
        assert str(refused.value) == "only 4 of TEA-01 available in HZ, 5 wanted"
        assert level(s, "CUP-02", "HZ").reserved == 0  # all lines or none
        assert stock_keeping.verify(s) == []


def test_bad_requests_say_what_is_wrong(sessions):
    with sessions() as s:
        with pytest.raises(StockError, match="no product with SKU 'NOPE'"):
            stock_keeping.receive(s, "li", "NOPE", "HZ", 1)
        with pytest.raises(StockError, match="no warehouse 'XX'"):
            stock_keeping.receive(s, "li", "TEA-01", "XX", 1)
        with pytest.raises(StockError, match="positive quantity"):
            stock_keeping.receive(s, "li", "TEA-01", "HZ", 0)
        with pytest.raises(StockError, match="needs a reference"):
            stock_keeping.adjust(s, "li", "TEA-01", "HZ", -1, " ")


def test_an_adjustment_cannot_take_reserved_stock(sessions):
    with sessions() as s:
        stock_keeping.receive(s, "li", "TEA-01", "HZ", 5)
        tea, hz = ids(s, "TEA-01", "HZ")
        stock_keeping.reserve(s, "li", 1, [Line(tea, hz, 4)])
        s.commit()
        with pytest.raises(OutOfStock):
            stock_keeping.adjust(s, "li", "TEA-01", "HZ", -2, "count")
        s.rollback()
        stock_keeping.adjust(s, "li", "TEA-01", "HZ", -1, "broken in the count")
        s.commit()
        assert level(s, "TEA-01", "HZ").available == 0


def test_verify_finds_a_level_that_disagrees_with_its_ledger(sessions):
    with sessions() as s:
        stock_keeping.receive(s, "li", "TEA-01", "HZ", 5)
        s.commit()
        level(s, "TEA-01", "HZ").on_hand = 6  # a change that bypassed the ledger
        s.commit()
        (mismatch,) = stock_keeping.verify(s)
        assert str(mismatch) == ("TEA-01 in HZ: on hand 6 but the ledger says 5; reserved 0 "
                                 "but the ledger says 0")


def _race(sessions, count, work):
    barrier = threading.Barrier(count)
    outcomes = []
    lock = threading.Lock()

    def run(index):
        with sessions() as s:
            barrier.wait()
            result = work(s, index)
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return outcomes


def _reserve_one(s, index):
    tea, hz = ids(s, "TEA-01", "HZ")
    try:
        stock_keeping.reserve(s, f"client-{index}", 1000 + index, [Line(tea, hz, 1)])
        s.commit()
        return True
    except OutOfStock:
        s.rollback()
        return False


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_fifty_clients_racing_for_the_last_ten_units_on_postgresql(sessions):
    with sessions() as s:
        stock_keeping.receive(s, "li", "TEA-01", "HZ", 10)
        s.commit()
    outcomes = _race(sessions, 50, _reserve_one)
    assert outcomes.count(True) == 10
    assert outcomes.count(False) == 40
    with sessions() as s:
        final = level(s, "TEA-01", "HZ")
        assert (final.on_hand, final.reserved, final.available) == (10, 10, 0)
        assert stock_keeping.verify(s) == []


def _process_reserve(url: str, index: int, start, results) -> None:
    engine = make_engine(url)
    factory = make_session_factory(engine)
    start.wait()
    with factory() as s:
        results.put(_reserve_one(s, index))
    engine.dispose()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_several_processes_racing_for_the_last_units_on_sqlite(sessions, database_url):
    with sessions() as s:
        stock_keeping.receive(s, "li", "TEA-01", "HZ", 10)
        s.commit()
    context = multiprocessing.get_context("spawn")
    start = context.Event()
    results = context.Queue()
    processes = [context.Process(target=_process_reserve, args=(database_url, i, start, results))
                 for i in range(16)]
    for process in processes:
        process.start()
    start.set()
    for process in processes:
        process.join(timeout=120)
    outcomes = [results.get(timeout=10) for _ in processes]
    assert outcomes.count(True) == 10
    with sessions() as s:
        assert level(s, "TEA-01", "HZ").available == 0
        assert stock_keeping.verify(s) == []


def test_parallel_receipts_adjustments_and_shipments_balance_with_the_ledger(sessions):
    with sessions() as s:
        stock_keeping.receive(s, "li", "TEA-01", "HZ", 100)
        s.commit()

    def work(s, index):
        tea, hz = ids(s, "TEA-01", "HZ")
        for step in range(5):
            kind = (index + step) % 3
            if kind == 0:
                stock_keeping.receive(s, f"c{index}", "TEA-01", "HZ", 3, f"PO-{index}-{step}")
            elif kind == 1:
                stock_keeping.adjust(s, f"c{index}", "TEA-01", "HZ", -1, "count")
            else:
                order = 10_000 + index * 10 + step
                stock_keeping.reserve(s, f"c{index}", order, [Line(tea, hz, 2)])
                stock_keeping.ship(s, f"c{index}", order)
            s.commit()
        return True

    assert all(_race(sessions, 8, work))
    with sessions() as s:
        final = level(s, "TEA-01", "HZ")
        ledger = s.scalar(select(func.sum(StockMovement.on_hand_change)))
        assert final.on_hand == ledger
        assert final.reserved == 0
        assert stock_keeping.verify(s) == []

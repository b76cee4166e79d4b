"""Reservations per second on PostgreSQL: one hot SKU, and 1,000 different SKUs.

16 client threads, each with its own connection, reserve one unit at a time
(each reservation its own transaction: the conditional UPDATE, the ledger line
and the reservation row). The baseline in the same run does the same writes
without the availability condition (what an implementation that can oversell
would do), so the ratio is the price of never overselling.

    python benchmarks/stock_bench.py [--clients 16] [--per-client 200]
"""
from __future__ import annotations

import argparse
import os
import threading
import time
import uuid

from scratch_database import create_database, drop_database
from sqlalchemy import insert, update

from orderloom.db import make_engine, make_session_factory, utcnow
from orderloom.platform import schema
from orderloom.runtime.stock import keeping as stock_keeping
from orderloom.runtime.stock.catalog import Product, Warehouse
from orderloom.runtime.stock.keeping import Line
from orderloom.runtime.stock.models import StockLevel, StockMovement


def run(factory, clients: int, per_client: int, pick, reserve) -> float:
    barrier = threading.Barrier(clients + 1)

    def client(index: int) -> None:
        with factory() as session:
            barrier.wait()
            for n in range(per_client):
                reserve(session, index, n, pick(index, n))
                session.commit()

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    barrier.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    return clients * per_client / (time.perf_counter() - began)


def safe(session, index, n, line):
    stock_keeping.reserve(session, "bench", index * 1_000_000 + n, [line])


def unguarded(session, index, n, line):
    table = StockLevel.__table__
    session.execute(update(table).where(table.c.product_id == line.product_id,
                                        table.c.warehouse_id == line.warehouse_id)
                    .values(reserved=table.c.reserved + 1, updated_at=utcnow()))
    session.execute(insert(StockMovement.__table__).values(
        product_id=line.product_id, warehouse_id=line.warehouse_id, kind="reservation",
        on_hand_change=0, reserved_change=1, order_id=index * 1_000_000 + n, reference="",
        actor_name="bench", at=utcnow()))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--per-client", type=int, default=200)
    args = parser.parse_args()
    name = f"orderloom_bench_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    url = create_database(name)
    engine = make_engine(url, pool_size=args.clients + 2)
    try:
        schema.upgrade(engine)
        factory = make_session_factory(engine)
        total = args.clients * args.per_client
        with factory() as s:
            s.add(Warehouse(code="HZ", name="Hangzhou"))
            s.add_all(Product(sku=f"SKU-{i:04d}", name=f"Product {i}") for i in range(1000))
            s.commit()
            for i in range(1000):
                stock_keeping.receive(s, "bench", f"SKU-{i:04d}", "HZ", 4 * total)
            s.commit()
            warehouse_id = s.query(Warehouse.id).scalar()
            product_ids = [p for (p,) in s.query(Product.id).order_by(Product.id)]

        def hot(index, n):
            return Line(product_ids[0], warehouse_id, 1)

        def spread(index, n):
            return Line(product_ids[(index * args.per_client + n) % 1000], warehouse_id, 1)

        print(f"Reservations of 1 unit, {args.clients} clients x {args.per_client}, "
              "PostgreSQL on loopback (reservations per second)")
        for label, pick in (("one hot SKU", hot), ("1,000 different SKUs", spread)):
            baseline = run(factory, args.clients, args.per_client, pick, unguarded)
            ours = run(factory, args.clients, args.per_client, pick, safe)
            print(f"  {label:<22} never-oversell {ours:8.0f}/s   baseline without the "
                  f"check {baseline:8.0f}/s   ratio {baseline / ours:.2f}x")
        with factory() as s:
            mismatches = stock_keeping.verify(s)
        print(f"  ledger check after the run: {'OK' if not mismatches else mismatches[:2]}")
        return 0 if not mismatches else 1
    finally:
        engine.dispose()
        drop_database(name)


if __name__ == "__main__":
    raise SystemExit(main())

"""A wave of 500 orders on PostgreSQL: planned, its pick list walked and totalled, and
its shipping labels as one PDF.

500 orders of 1 to 4 lines over 60 binned SKUs in three zones hold their stock in one
warehouse. Timed: planning the wave by hand (locking the orders, writing the wave and
its lines), reading its pick list (the walk with each SKU totalled), and the labels
PDF. The baseline in the same run is the batched pick list document the order list
prints for the same orders (documents/fulfilment.py), which the wave's pick list
replaces on the floor.

    python benchmarks/wave_bench.py [--orders 500]
"""
from __future__ import annotations

import argparse
import os
import random
import time
import uuid

from scratch_database import create_database, drop_database
from sqlalchemy import true
from sqlalchemy.orm import Session

from orderloom.db import make_engine
from orderloom.designer import exchange
from orderloom.designer.validation import Context
from orderloom.platform import schema
from orderloom.runtime.audit import Actor
from orderloom.runtime.documents import fulfilment
from orderloom.runtime.engine import lifecycle
from orderloom.runtime.floor import planning, printing, scanning
from orderloom.runtime.stock import keeping
from orderloom.runtime.stock.catalog import Product, Warehouse

TARGET_SECONDS = 5.0
ACTOR = Actor(None, "benchmark", "cli")
SKUS = 60

DEFINITION = {
    "key": "bench_order", "name": {"en": "Bench order"}, "number_prefix": "BO",
    "currency": "CNY",
    "form": {"fields": [
        {"key": "customer", "type": "customer", "label": {"en": "Customer"}, "required": True},
        {"key": "ship_to", "type": "address", "label": {"en": "Ship to"}},
        {"key": "items", "type": "line_items", "label": {"en": "Items"}, "required": True,
         "fields": [
             {"key": "sku", "type": "product", "label": {"en": "SKU"}, "required": True},
             {"key": "qty", "type": "integer", "label": {"en": "Qty"}, "required": True,
              "min": 1},
             {"key": "price", "type": "money", "label": {"en": "Price"}, "required": True}]}]},
    "workflow": {
        "states": [{"key": "draft", "label": {"en": "Draft"}, "kind": "start"},
                   {"key": "confirmed", "label": {"en": "Confirmed"}, "kind": "normal"},
                   {"key": "shipped", "label": {"en": "Shipped"}, "kind": "terminal"}],
        "transitions": [
            {"key": "confirm", "from": ["draft"], "to": "confirmed",
             "label": {"en": "Confirm"}, "actions": [{"type": "reserve_stock"}]},
            {"key": "ship", "from": ["confirmed"], "to": "shipped", "label": {"en": "Ship"},
             "actions": [{"type": "deduct_stock"}]}]},
}


def prepare(session: Session, orders: int) -> list[str]:
    exchange.import_package(session, "benchmark", exchange.package([DEFINITION]), Context())
    session.add(Warehouse(code="HZ", name="Hangzhou", zone_order=["C", "A", "B"]))
    for n in range(SKUS):
        zone = "ABC"[n % 3]
        session.add(Product(sku=f"SKU-{n:03d}", name=f"Product {n}", barcode=f"69{n:06d}",
                            attributes={"bin": f"{zone}-{n // 3:02d}-{n % 4}"}))
    session.flush()
    for n in range(SKUS):
        keeping.receive(session, "benchmark", f"SKU-{n:03d}", "HZ", 100_000)
    session.commit()
    chance = random.Random(7)
    numbers = []
    for _ in range(orders):
        items = [{"sku": f"SKU-{chance.randrange(SKUS):03d}", "qty": chance.randint(1, 3),
                  "price": "9.90"} for _line in range(chance.randint(1, 4))]
        order = lifecycle.create_order(session, ACTOR, "bench_order", {
            "customer": {"code": "C1", "name": "Li Wei"},
            "ship_to": {"country": "CN", "province": "Zhejiang", "city": "Hangzhou"},
            "items": items})
        lifecycle.take_transition(session, ACTOR, order, "confirm", {"admin"})
        numbers.append(order.number)
    session.commit()
    return numbers


def timed(work) -> tuple[float, object]:
    began = time.perf_counter()
    result = work()
    return time.perf_counter() - began, result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=500)
    args = parser.parse_args()
    name = f"orderloom_bench_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    url = create_database(name)
    engine = make_engine(url)
    try:
        schema.upgrade(engine)
        with Session(engine) as session:
            numbers = prepare(session, args.orders)
        with Session(engine) as session:
            baseline, _doc = timed(lambda: fulfilment.pick_list(
                session, "HZ", numbers, visible=true()))
            session.rollback()
            plan, wave = timed(lambda: planning.plan_by_hand(
                session, ACTOR, "HZ", numbers, true()))
            session.commit()
            walk, summary = timed(lambda: scanning.summary(session, wave))
            labels, (pdf, _name) = timed(lambda: printing.wave_pdf(
                session, ACTOR, wave.number, ["shipping_label"]))
            session.commit()
        total = plan + walk + labels
        print(f"{args.orders} orders, {summary['total_units']} units, "
              f"{len(summary['pick_list'])} stops")
        print(f"baseline: batched pick list document      {baseline:6.2f} s")
        print(f"wave planned                              {plan:6.2f} s")
        print(f"pick list walked and totalled             {walk:6.2f} s "
              f"({walk / baseline:.2f} x baseline)")
        print(f"shipping labels as one PDF ({len(pdf) // 1024} KiB)      {labels:6.2f} s")
        print(f"planned, pick list and labels             {total:6.2f} s "
              f"(target {TARGET_SECONDS:.0f} s: {'met' if total < TARGET_SECONDS else 'missed'})")
        return 0
    finally:
        engine.dispose()
        drop_database(name)


if __name__ == "__main__":
    raise SystemExit(main())

"""A wave of 500 orders on PostgreSQL: planned, its pick list walked and totalled, and
its packing slips and shipping labels as one PDF.

500 orders of 1 to 4 lines over 60 binned SKUs in three zones hold their stock in one
warehouse. Timed: planning the wave by hand (locking the orders, writing the wave and
its lines), reading its pick list (the walk with each SKU totalled), and the slips
and labels PDF. Baselines in the same run: for the pick list, the batched pick list
document the order list prints for the same orders (documents/fulfilment.py), which
the wave's pick list replaces on the floor; for the PDF, the same documents laid out
one by one and joined, rounds of the two taking turns.

    python benchmarks/wave_bench.py [--orders 500] [--rounds 2]
"""
from __future__ import annotations

import argparse
import io
import os
import random
import time
import uuid

from pypdf import PdfReader, PdfWriter
from scratch_database import create_database, drop_database, sample_order_type
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

DEFINITION = sample_order_type(
    {"states": [{"key": "draft", "label": {"en": "Draft"}, "kind": "start"},
                {"key": "confirmed", "label": {"en": "Confirmed"}, "kind": "normal"},
                {"key": "shipped", "label": {"en": "Shipped"}, "kind": "terminal"}],
     "transitions": [
         {"key": "confirm", "from": ["draft"], "to": "confirmed",
          "label": {"en": "Confirm"}, "actions": [{"type": "reserve_stock"}]},
         {"key": "ship", "from": ["confirmed"], "to": "shipped", "label": {"en": "Ship"},
          "actions": [{"type": "deduct_stock"}]}]})
KINDS = ["packing_slip", "shipping_label"]


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


def one_by_one(session: Session, number: str) -> bytes:
    """The baseline for the PDF: the wave's documents laid out each alone and joined,
    as the wave printed them before they were bound into one layout."""
    wave = scanning.find_wave(session, number)
    writer = PdfWriter()
    for _member, order in scanning.wave_orders(session, wave):
        for kind in KINDS:
            document = fulfilment.order_document(session, order, kind, for_pdf=True)
            writer.append(PdfReader(io.BytesIO(document.pdf())))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=2,
                        help="PDF rounds, each the baseline then the wave's print")
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
            alone, bound = [], []
            for _round in range(args.rounds):  # A B A B: both see the same machine
                seconds, _pdf = timed(lambda: one_by_one(session, wave.number))
                alone.append(seconds)
                seconds, (pdf, _name) = timed(lambda: printing.wave_pdf(
                    session, ACTOR, wave.number, KINDS))
                bound.append(seconds)
                session.commit()
        labels = min(bound)
        total = plan + walk + labels
        print(f"{args.orders} orders, {summary['total_units']} units, "
              f"{len(summary['pick_list'])} stops")
        print(f"baseline: batched pick list document      {baseline:6.2f} s")
        print(f"wave planned                              {plan:6.2f} s")
        print(f"pick list walked and totalled             {walk:6.2f} s "
              f"({walk / baseline:.2f} x baseline)")
        print(f"baseline: slips and labels laid out one by one {min(alone):6.2f} s")
        print(f"slips and labels as one PDF ({len(pdf) // 1024} KiB)  {labels:6.2f} s "
              f"({labels / min(alone):.2f} x baseline)")
        print(f"planned, pick list, slips and labels      {total:6.2f} s "
              f"(target {TARGET_SECONDS:.0f} s: {'met' if total < TARGET_SECONDS else 'missed'})")
        return 0
    finally:
        engine.dispose()
        drop_database(name)


if __name__ == "__main__":
    raise SystemExit(main())

"""Reconciling a 10,000-line statement against 10,000 orders, with planted mismatches
of every kind, against reading the same file alone, measured in the same run.

Seeds a scratch database (SQLite in a temporary folder, or a scratch PostgreSQL
database with --postgresql) with one order type, 10,000 orders and their
payments, and writes a provider's CSV statement of 10,000 lines:

- 9,950 lines, one per payment: nine in ten name the payment's reference, one in
  ten has no reference and must be matched by amount and date;
- planted: 50 of those lines with an amount that differs (amount_difference),
  25 lines repeating another line's reference (duplicate), 25 lines of money
  nobody recorded (unmatched_line); and among the orders 50 paid ten days ago
  and not shipped (paid_not_shipped) and 50 shipped and not paid (shipped_unpaid).

Measures the whole import (read the file with the saved mapping, match, store
the lines and mismatches, commit) and checks that every planted mismatch is
found, nothing else is, and every line matched exactly the payment it was
written for.

    python benchmarks/reconciliation_bench.py [--orders 10000] [--postgresql] [--runs 3]
    ORDERLOOM_BENCH_POSTGRES_URL=postgresql+psycopg://postgres@127.0.0.1/test (default)
"""
from __future__ import annotations

import argparse
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from scratch_database import create_database, drop_database
from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from orderloom.db import make_engine
from orderloom.designer import exchange
from orderloom.designer.models import DefinitionVersion
from orderloom.designer.validation import Context
from orderloom.platform import schema
from orderloom.runtime.audit import Actor
from orderloom.runtime.channels.order_files import read_rows
from orderloom.runtime.orders.models import Order
from orderloom.runtime.payments import reconciliation, statements
from orderloom.runtime.payments.received import Payment
from orderloom.runtime.payments.reconciliation import Mismatch
from orderloom.runtime.payments.statements import StatementImport, StatementLine

TARGET_SECONDS = 10
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
ACTOR = Actor(None, "benchmark", "cli")
PLANTED = 50       # orders shipped unpaid; orders paid and not shipped; amount differences
DUPLICATES = 25
UNMATCHED = 25
MAPPING = {"reference": "Transaction ID", "amount": "Amount", "date": "Date",
           "description": "Memo"}


# What the states mean: reconciliation counts shipped and fulfilled orders as shipped.
CATEGORIES = {"shipped": "shipped", "delivered": "fulfilled", "cancelled": "cancelled"}


def definition() -> dict:
    states = ["draft", "confirmed", "shipped", "delivered", "cancelled"]
    return {
        "key": "retail_order", "name": {"en": "Retail order"}, "number_prefix": "SO",
        "currency": "CNY",
        "form": {"fields": [
            {"key": "items", "type": "line_items", "label": {"en": "Items"}, "required": True,
             "fields": [
                 {"key": "sku", "type": "product", "label": {"en": "SKU"}, "required": True},
                 {"key": "qty", "type": "integer", "label": {"en": "Qty"}, "required": True},
                 {"key": "price", "type": "money", "label": {"en": "Price"}, "required": True},
                 {"key": "amount", "type": "computed", "label": {"en": "Amount"},
                  "formula": "qty * price", "result_type": "money"}]},
            {"key": "total", "type": "computed", "label": {"en": "Total"},
             "formula": "SUM(items.amount)", "result_type": "money"}]},
        "workflow": {
            "states": [{"key": k, "label": {"en": k}, "kind": "start" if k == "draft" else
                        "terminal" if k in ("delivered", "cancelled") else "normal",
                        "category": CATEGORIES.get(k, "open")}
                       for k in states],
            "transitions": [{"key": "confirm", "from": ["draft"], "to": "confirmed",
                             "label": {"en": "Confirm"}},
                            {"key": "ship", "from": ["confirmed"], "to": "shipped",
                             "label": {"en": "Ship"}},
                            {"key": "deliver", "from": ["shipped"], "to": "delivered",
                             "label": {"en": "Deliver"}},
                            {"key": "cancel", "from": ["draft"], "to": "cancelled",
                             "label": {"en": "Cancel"}}]},
    }


def amount_of(i: int) -> Decimal:
    """A different total for every order, so a line matched by amount and date has
    one right payment."""
    return Decimal(100 + i) + Decimal(i % 100) / 100


def seed(engine, orders: int) -> dict[int, int]:
    """Orders and payments; answers order index -> payment id."""
    with Session(engine) as session:
        exchange.import_package(session, "benchmark", exchange.package([definition()]),
                                Context())
        session.commit()
        version = session.scalars(select(DefinitionVersion)).one()
    order_rows, payment_rows = [], []
    for i in range(orders):
        total = amount_of(i)
        shipped_unpaid = i < PLANTED
        waiting = PLANTED <= i < 2 * PLANTED  # paid ten days ago, not shipped
        order_rows.append({
            "number": f"SO-{i:06d}", "order_type_id": version.order_type_id,
            "version_id": version.id, "state": "confirmed" if waiting else "shipped",
            "data": {"total": str(total)}, "tags": [], "channel": "web", "total": total,
            "currency": "CNY", "payment_status": "unpaid" if shipped_unpaid else "paid",
            "amount_paid": Decimal(0) if shipped_unpaid else total,
            "amount_refunded": Decimal(0), "revision": 1,
            "created_at": NOW - timedelta(days=12), "updated_at": NOW - timedelta(days=1),
            "created_by": "benchmark"})
    with Session(engine) as session:
        ids = list(session.scalars(insert(Order).returning(Order.id,
                                                           sort_by_parameter_order=True),
                                   order_rows))
        for i, order_id in enumerate(ids):
            if i < PLANTED:
                continue
            received = NOW - timedelta(days=10 if i < 2 * PLANTED else 1)
            payment_rows.append({
                "order_id": order_id, "amount": amount_of(i), "currency": "CNY",
                "method": "alipay", "reference": "" if i % 10 == 0 else f"PAY-{i:06d}",
                "received_at": received, "source": "channel", "recorded_by": "benchmark",
                "created_at": received})
        payment_ids = list(session.scalars(
            insert(Payment).returning(Payment.id, sort_by_parameter_order=True),
            payment_rows))
        statements.save_mapping(session, "benchmark", "alipay", MAPPING)
        session.commit()
    return dict(zip(range(PLANTED, orders), payment_ids, strict=True))


def statement(orders: int) -> tuple[bytes, dict[int, int], dict[str, set[int]]]:
    """The CSV, the order index each row was written for, and the planted rows."""
    lines = ["Transaction ID,Amount,Date,Memo"]
    written_for: dict[int, int] = {}
    planted: dict[str, set[int]] = {"amount_difference": set(), "duplicate": set(),
                                    "unmatched_line": set()}
    for i in range(PLANTED, orders):
        row = len(lines) + 1
        amount = amount_of(i)
        # Only a line that names its payment can differ from it: without a reference
        # a different amount is just a line that matches nothing.
        if 2 * PLANTED <= i < 4 * PLANTED and i % 10 and \
                len(planted["amount_difference"]) < PLANTED:
            amount += Decimal("1.00")
            planted["amount_difference"].add(row)
        day = (NOW - timedelta(days=10 if i < 2 * PLANTED else 1)).date().isoformat()
        reference = "" if i % 10 == 0 else f"PAY-{i:06d}"
        lines.append(f"{reference},{amount},{day},order {i}")
        written_for[row] = i
    for k in range(DUPLICATES):
        i = 4 * PLANTED + 1 + k  # clean lines with a reference, repeated
        planted["duplicate"].add(len(lines) + 1)
        lines.append(f"PAY-{i:06d},{amount_of(i)},{(NOW - timedelta(days=1)).date()},again")
    for k in range(UNMATCHED):
        planted["unmatched_line"].add(len(lines) + 1)
        lines.append(f"UNKNOWN-{k},{1_000_000 + k}.55,{NOW.date()},nobody's")
    return ("\n".join(lines) + "\n").encode(), written_for, planted


def check(engine, statement_id: int, written_for: dict[int, int],
          planted: dict[str, set[int]], payments: dict[int, int]) -> list[str]:
    """What the run got wrong: missed or extra mismatches, and false matches."""
    faults = []
    with Session(engine) as session:
        rows = dict(session.execute(
            select(StatementLine.id, StatementLine.row_number)
            .where(StatementLine.import_id == statement_id)).all())
        found: dict[str, set] = {kind: set() for kind in reconciliation.KINDS}
        for kind, line_id, order_number in session.execute(
                select(Mismatch.kind, Mismatch.line_id, Order.number)
                .outerjoin(Order, Order.id == Mismatch.order_id)
                .where(Mismatch.import_id == statement_id)):
            found[kind].add(rows[line_id] if line_id else order_number)
        expected = {**planted,
                    "paid_not_shipped": {f"SO-{i:06d}" for i in range(PLANTED, 2 * PLANTED)},
                    "shipped_unpaid": {f"SO-{i:06d}" for i in range(PLANTED)}}
        for kind in reconciliation.KINDS:
            if found[kind] != expected[kind]:
                faults.append(f"{kind}: missed {sorted(expected[kind] - found[kind])[:5]}, "
                              f"extra {sorted(found[kind] - expected[kind])[:5]}")
        for row, payment_id in session.execute(
                select(StatementLine.row_number, StatementLine.payment_id)
                .where(StatementLine.import_id == statement_id)):
            wanted = payments.get(written_for[row]) if row in written_for else None
            if payment_id != wanted:
                faults.append(f"row {row}: matched payment {payment_id}, wrote it for "
                              f"{wanted}")
    return faults


def reset(engine) -> None:
    with Session(engine) as session:
        session.execute(delete(Mismatch))
        session.execute(delete(StatementLine))
        session.execute(delete(StatementImport))
        session.commit()


def run(url: str, orders: int, runs: int) -> bool:
    engine = make_engine(url)
    schema.upgrade(engine)
    started = time.perf_counter()
    payments = seed(engine, orders)
    content, written_for, planted = statement(orders)
    print(f"{engine.dialect.name}: seeded {orders:,} orders and {len(payments):,} payments "
          f"in {time.perf_counter() - started:.1f} s; statement of "
          f"{len(written_for) + DUPLICATES + UNMATCHED:,} lines")
    ok = True
    for attempt in range(1, runs + 1):
        reset(engine)
        begin = time.perf_counter()
        read_rows(content, "statement.csv")
        baseline = time.perf_counter() - begin
        begin = time.perf_counter()
        with Session(engine) as session:
            mapping = statements.find_mapping(session, "alipay")
            lines = statements.read_statement(content, "statement.csv", mapping)
            outcome = reconciliation.import_statement(session, ACTOR, "alipay",
                                                      "statement.csv", lines, now=NOW)
            session.commit()
            statement_id = outcome.statement.id
        elapsed = time.perf_counter() - begin
        faults = check(engine, statement_id, written_for, planted, payments)
        verdict = "PASS" if elapsed < TARGET_SECONDS and not faults else "FAIL"
        ok = ok and verdict == "PASS"
        print(f"  run {attempt}: reconcile {elapsed:.2f} s (target < {TARGET_SECONDS} s), "
              f"reading the file alone {baseline:.3f} s, ratio {elapsed / baseline:.1f}x; "
              f"matched {outcome.statement.matched_count:,}; mismatches "
              f"{outcome.counts}; wrong: {len(faults)} -> {verdict}")
        for fault in faults[:10]:
            print("    ", fault)
    engine.dispose()
    return ok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--orders", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--postgresql", action="store_true")
    args = parser.parse_args()
    if args.postgresql:
        name = f"orderloom_bench_reconcile_{uuid.uuid4().hex[:6]}"
        try:
            ok = run(create_database(name), args.orders, args.runs)
        finally:
            drop_database(name)
    else:
        with tempfile.TemporaryDirectory() as folder:
            ok = run(f"sqlite:///{folder}/bench.db", args.orders, args.runs)
    raise SystemExit(0 if ok else 1)


if __name__ == "__main__":
    main()

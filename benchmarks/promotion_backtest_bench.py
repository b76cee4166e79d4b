"""The backtest of a gift rule over 10,000 past orders in PostgreSQL, against the bare
read of the same orders measured in the same run.

Creates a scratch database (orderloom_bench_backtest), migrates it, imports an order
type and generates in SQL 10,000 orders over the last 90 days (one to three lines of
200 SKUs, five channels, 2,000 customers of three tiers). Then runs, interleaved
A B A B, RUNS times each:

- baseline: the orders of the 90 days read with the columns the backtest reads
  (``SELECT number, created_at, channel, total, currency, data, version_id,
  customer_id``), every row fetched: the least any look at every order costs;
- backtest: ``promotions.backtest.run`` of a gift and discount rule (SKUs, an amount
  threshold, a quantity, channels and tiers) over the same 90 days.

The target is 2 s for the backtest. Drops the database at the end unless --keep
(then --reuse skips generating).

    python benchmarks/promotion_backtest_bench.py [--orders 10000] [--runs 20] [--keep]
    ORDERLOOM_BENCH_POSTGRES_URL=postgresql+psycopg://postgres@127.0.0.1/test (default)
"""
from __future__ import annotations

import argparse
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from scratch_database import create_database, database_url, drop_database, percentile
from sqlalchemy import text
from sqlalchemy.orm import Session

from orderloom.db import make_engine
from orderloom.platform import schema
from orderloom.runtime import business_calendar
from orderloom.runtime.promotions import backtest
from orderloom.runtime.promotions.matching import Terms

DATABASE = "orderloom_bench_backtest"
TARGET_MS = 2000
NOW = datetime.now(UTC)
SPAN_DAYS = 90
CHANNELS = ("manual", "web", "tmall", "jd", "store")

RULE = Terms(code="summer-fan", name="A fan with tea", skus=frozenset(
    f"SKU-{n:03d}" for n in range(1, 41)), min_amount=Decimal("200"), min_quantity=2,
    channels=frozenset({"web", "tmall", "jd"}), customer_tiers=frozenset({"gold", "silver"}),
    starts_on=None, ends_on=None, gift_sku="GIFT-FAN", gift_quantity=1,
    discount_percent=Decimal("5"), discount_amount=None, discount_on="order")


def definition() -> dict:
    return {
        "key": "retail_order", "name": {"en": "Retail order"}, "number_prefix": "RO",
        "currency": "CNY",
        "form": {"fields": [
            {"key": "customer", "type": "customer", "label": {"en": "Customer"}},
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
            "states": [{"key": "placed", "label": {"en": "Placed"}, "kind": "start",
                        "category": "open"},
                       {"key": "done", "label": {"en": "Done"}, "kind": "terminal",
                        "category": "fulfilled"}],
            "transitions": [{"key": "finish", "from": ["placed"], "to": "done",
                             "label": {"en": "Finish"}}]},
    }


def generate(url: str, orders: int) -> None:
    from orderloom.designer import exchange
    from orderloom.designer.validation import Context

    engine = make_engine(url)
    schema.upgrade(engine)
    with Session(engine) as session:
        exchange.import_package(session, "benchmark", exchange.package([definition()]),
                                Context())
        session.commit()
    started = time.perf_counter()
    channels = "ARRAY[" + ", ".join(f"'{c}'" for c in CHANNELS) + "]"
    with engine.begin() as connection:
        type_id, version_id = connection.execute(text(
            "SELECT order_type_id, id FROM definition_versions")).one()
        connection.execute(text("""
            INSERT INTO products (sku, name, attributes, created_at)
            SELECT 'SKU-' || lpad(s::text, 3, '0'), 'Product ' || s, '{}'::jsonb, :now
            FROM generate_series(1, 200) AS s
            UNION ALL SELECT 'GIFT-FAN', 'Paper fan', '{"price": "12.00"}'::jsonb, :now
        """), {"now": NOW})
        connection.execute(text("""
            INSERT INTO customers (code, name, tags, attributes, revision, created_at,
                                   updated_at)
            SELECT 'C' || lpad(c::text, 5, '0'), 'Customer ' || c, '[]',
                   jsonb_build_object('tier', (ARRAY['gold', 'silver', 'bronze'])[1 + c % 3]),
                   1, :now, :now
            FROM generate_series(1, 2000) AS c
        """), {"now": NOW - timedelta(days=SPAN_DAYS + 1)})
        connection.execute(text(f"""
            INSERT INTO orders (number, order_type_id, version_id, state, data, tags, channel,
                                total, currency, revision, created_at, updated_at,
                                created_by, customer_id)
            SELECT 'RO' || lpad(i::text, 7, '0'), :type_id, :version_id, 'done',
                   jsonb_build_object('customer', jsonb_build_object(
                       'code', 'C' || lpad(r.customer::text, 5, '0')),
                     'items', l.items, 'total', l.total::text),
                   '[]', ({channels})[1 + r.channel], l.total, 'CNY', 1,
                   :now - (:span * (1 - i::float8 / :n)) * interval '1 day',
                   :now - (:span * (1 - i::float8 / :n)) * interval '1 day',
                   'bench', r.customer
            FROM generate_series(1, :n) AS i
            CROSS JOIN LATERAL (SELECT floor(random() * {len(CHANNELS)})::int AS channel,
                                       1 + floor(random() * 2000)::int AS customer,
                                       1 + floor(random() * 3)::int AS lines,
                                       i AS seed) AS r
            CROSS JOIN LATERAL (
              SELECT jsonb_agg(jsonb_build_object(
                       'sku', 'SKU-' || lpad(sku::text, 3, '0'), 'qty', qty,
                       'price', price::text, 'amount', (qty * price)::text)) AS items,
                     sum(qty * price) AS total
              FROM (SELECT 1 + floor(random() * 200)::int AS sku,
                           1 + floor(random() * 4)::int AS qty,
                           (10 + floor(random() * 290))::numeric(10, 2) + 0.90 AS price,
                           r.seed
                    FROM generate_series(1, r.lines)) AS line) AS l
        """), {"type_id": type_id, "version_id": version_id, "now": NOW, "span": SPAN_DAYS,
               "n": orders})
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE"))
    print(f"Generated {orders:,} orders and 2,000 customers in "
          f"{time.perf_counter() - started:.1f} s")
    engine.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--reuse", action="store_true")
    args = parser.parse_args()
    url = database_url(DATABASE) if args.reuse else create_database(DATABASE, replace=True)
    try:
        if not args.reuse:
            generate(url, args.orders)
        engine = make_engine(url)
        period = backtest.Period.checked((NOW - timedelta(days=SPAN_DAYS)).date(),
                                         NOW.date())
        bare = text("SELECT number, created_at, channel, total, currency, data, version_id, "
                    "customer_id FROM orders WHERE created_at >= :start AND created_at < :end "
                    "ORDER BY created_at, id")
        start = business_calendar.day_start(period.first)
        end = business_calendar.day_start(period.last + timedelta(days=1))
        times: dict[str, list[float]] = {"baseline": [], "backtest": []}
        answer = None
        for _run in range(args.runs):  # interleaved: A B A B
            with Session(engine) as session:
                began = time.perf_counter()
                rows = session.execute(bare, {"start": start, "end": end}).all()
                times["baseline"].append(time.perf_counter() - began)
            with Session(engine) as session:
                began = time.perf_counter()
                answer = backtest.run(session, RULE, period)
                times["backtest"].append(time.perf_counter() - began)
        assert answer is not None and answer["orders"] == len(rows)
        print(f"{answer['orders']:,} orders, {answer['hits']:,} hit, gifts "
              f"{answer['gifts']}, cost {answer['cost']}")
        base = percentile(times["baseline"], 0.95)
        print(f"{'what':<10} {'p50':>10} {'p95':>10} {'p95/baseline':>13}")
        for what, values in times.items():
            p50, p95 = percentile(values, 0.5) * 1000, percentile(values, 0.95) * 1000
            ratio = "" if what == "baseline" else f"{percentile(values, 0.95) / base:.1f}x"
            print(f"{what:<10} {p50:>8.1f}ms {p95:>8.1f}ms {ratio:>13}")
        worst = percentile(times["backtest"], 0.95) * 1000
        print(f"target {TARGET_MS} ms: {'met' if worst < TARGET_MS else 'MISSED'}")
        engine.dispose()
        return 0 if worst < TARGET_MS else 1
    finally:
        if not args.keep:
            drop_database(DATABASE)


if __name__ == "__main__":
    raise SystemExit(main())

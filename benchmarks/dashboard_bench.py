"""The order list's first page and every dashboard chart over 1,000,000 orders in
PostgreSQL, each against a bare query measured in the same run.

Creates a scratch database (orderloom_bench_1m), migrates it, imports two order
types and generates the orders in SQL (INSERT ... SELECT generate_series: about a
minute), with 50,000 customers and a shipment for every shipped or delivered
order. Then measures, RUNS times each with a different state and 30-day window:

- the order list's first page (50 orders, a state and a date filter) through
  order_search.order_query, through GET /api/v1/orders and through the staff
  console's /orders page (which also counts the orders per state), against the
  baseline ``SELECT * FROM orders ORDER BY id DESC LIMIT 50``;
- the staff /orders page with no filter, which counts every order per state;
- every dashboard chart over the last 365 days and the default 30, from the daily
  summary and from the orders in turns (interleaved), against the baseline
  ``SELECT count(*), sum(total)`` over the same orders: the least any aggregate
  over them costs. The 1 s target holds for what the dashboard shows;
- what the summary's trigger adds to inserting orders, with and without it in turns.

Drops the database at the end unless --keep (then --reuse skips generating).

    python benchmarks/dashboard_bench.py [--orders 1000000] [--runs 200] [--keep] [--reuse]
                                         [--database orderloom_bench_1m] [--list-only]
                                         [--sqlite FILE]

With --sqlite FILE the same shop (one line per order) is generated in an embedded
SQLite file instead, with the summary kept by its triggers as orders are inserted.
    ORDERLOOM_BENCH_POSTGRES_URL=postgresql+psycopg://postgres@127.0.0.1/test (default)
"""
from __future__ import annotations

import argparse
import random
import re
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from scratch_database import create_database, database_url, drop_database, percentile
from sqlalchemy import and_, bindparam, text, true
from sqlalchemy.orm import Session

from orderloom.db import UTCDateTime, make_engine
from orderloom.platform import accounts, schema
from orderloom.runtime.audit import Actor
from orderloom.runtime.orders.models import Order
from orderloom.runtime.orders.search import OrderFilter, order_query
from orderloom.runtime.reports import daily_totals, dashboards
from orderloom.runtime.reports.dashboards import CHARTS, DashboardFilter

DATABASE = "orderloom_bench_1m"
LIST_TARGET_MS = 100
PASSWORD = "quiet-ledger-42"
CHART_TARGET_MS = 1000
# The last order is placed at NOW; orders go back one year, newest with the highest id.
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
SPAN_DAYS = 365
# (state, share of orders): most orders are done, a few are open.
STATES = (("delivered", 55), ("shipped", 15), ("confirmed", 10), ("review", 5),
          ("draft", 5), ("cancelled", 8), ("rejected", 2))
CHANNELS = ("manual", "web", "shopify", "woocommerce", "phone")
LIST_STATES = ("shipped", "confirmed", "review", "cancelled", "on_hold")
# What the states mean: cancelled and rejected orders are not sales.
CATEGORIES = {"delivered": "fulfilled", "shipped": "shipped", "cancelled": "cancelled",
              "rejected": "cancelled"}


def definition(key: str, name: str) -> dict:
    return {
        "key": key, "name": {"en": name}, "number_prefix": key[:2].upper(), "currency": "CNY",
        "form": {"fields": [
            {"key": "customer", "type": "customer", "label": {"en": "Customer"},
             "required": True},
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
            "states": [{"key": k, "label": {"en": k.capitalize()},
                        "kind": "start" if k == "draft" else
                        "terminal" if k in ("delivered", "cancelled", "rejected") else "normal",
                        "category": CATEGORIES.get(k, "open")}
                       for k in [k for k, _share in STATES] + ["on_hold"]],
            "transitions": [
                {"key": "confirm", "from": ["draft"], "to": "confirmed",
                 "label": {"en": "Confirm"}},
                {"key": "ship", "from": ["confirmed"], "to": "shipped", "label": {"en": "Ship"}},
                {"key": "deliver", "from": ["shipped"], "to": "delivered",
                 "label": {"en": "Deliver"}},
                {"key": "check", "from": ["draft"], "to": "review", "label": {"en": "Check"}},
                {"key": "hold", "from": ["review"], "to": "on_hold", "label": {"en": "Hold"}},
                {"key": "release", "from": ["on_hold"], "to": "confirmed",
                 "label": {"en": "Release"}},
                {"key": "cancel", "from": ["draft", "review", "confirmed"], "to": "cancelled",
                 "label": {"en": "Cancel"}},
                {"key": "reject", "from": ["review"], "to": "rejected",
                 "label": {"en": "Reject"}}]},
    }


def _state_case(column: str) -> str:
    """SQL choosing a state from a number 0..99 in ``column`` by the shares in STATES."""
    parts, upto = [], 0
    for state, share in STATES:
        upto += share
        parts.append(f"WHEN {column} < {upto} THEN '{state}'")
    return "CASE " + " ".join(parts) + " END"


def generate(url: str, orders: int) -> str:
    """Schema, a staff user with a token, two order types, customers, orders, shipments.
    Returns the API token."""
    from orderloom.designer import exchange
    from orderloom.designer.validation import Context

    engine = make_engine(url)
    schema.upgrade(engine)
    with Session(engine) as session:
        actor = Actor(None, "benchmark", "cli")
        user = accounts.create_user(session, actor, "bench", PASSWORD,
                                    ["admin"])
        _token, secret = accounts.issue_token(session, actor, user, "bench")
        exchange.import_package(session, "benchmark", exchange.package(
            [definition("retail_order", "Retail order"),
             definition("wholesale_order", "Wholesale order")]), Context())
        session.commit()
    started = time.perf_counter()
    channels = "ARRAY[" + ", ".join(f"'{c}'" for c in CHANNELS) + "]"
    with engine.begin() as connection:
        # Generated in bulk with the summary's trigger off, then summed once (below):
        # a million trigger calls would only make generating slower.
        connection.execute(text("ALTER TABLE orders DISABLE TRIGGER daily_order_totals_follow"))
        versions = connection.execute(text(
            "SELECT order_type_id, id FROM definition_versions ORDER BY order_type_id")).all()
        connection.execute(text("""
            INSERT INTO customers (code, name, tags, attributes, revision, created_at,
                                   updated_at)
            SELECT 'C' || lpad(c::text, 6, '0'), 'Customer ' || c, '[]', '{}', 1,
                   :now, :now
            FROM generate_series(1, 50000) AS c
        """), {"now": NOW - timedelta(days=SPAN_DAYS + 1)})
        # Order i: placed SPAN_DAYS x (1 - i/N) days before NOW; one to three lines of 500
        # SKUs; 70% retail, 30% wholesale; customers with a long tail (squared random).
        connection.execute(text(f"""
            INSERT INTO orders (number, order_type_id, version_id, state, data, tags, channel,
                                total, currency, revision, created_at, updated_at,
                                created_by, customer_id)
            SELECT 'B' || lpad(i::text, 8, '0'),
                   CASE WHEN r.kind < 70 THEN :type1 ELSE :type2 END,
                   CASE WHEN r.kind < 70 THEN :version1 ELSE :version2 END,
                   {_state_case('r.state')}, jsonb_build_object(
                     'customer', jsonb_build_object('code', 'C' || lpad(r.customer::text, 6, '0'),
                                                    'name', 'Customer ' || r.customer),
                     'items', l.items, 'total', l.total::text),
                   '[]', ({channels})[1 + r.channel], l.total, 'CNY', 1,
                   :now - (:span * (1 - i::float8 / :n)) * interval '1 day',
                   :now - (:span * (1 - i::float8 / :n)) * interval '1 day',
                   'bench', r.customer
            FROM generate_series(1, :n) AS i
            CROSS JOIN LATERAL (SELECT (random() * 100)::int AS kind,
                                       floor(random() * 100)::int AS state,
                                       floor(random() * {len(CHANNELS)})::int AS channel,
                                       1 + floor(power(random(), 2) * 50000)::int AS customer,
                                       1 + floor(random() * 3)::int AS lines,
                                       i AS seed) AS r
            CROSS JOIN LATERAL (
              SELECT jsonb_agg(jsonb_build_object(
                       'sku', 'SKU-' || lpad(sku::text, 3, '0'), 'qty', qty,
                       'price', price::text, 'amount', (qty * price)::text)) AS items,
                     sum(qty * price) AS total
              FROM (SELECT 1 + floor(power(random(), 3) * 500)::int AS sku,
                           1 + floor(random() * 5)::int AS qty,
                           (10 + floor(random() * 990))::numeric(10, 2) + 0.90 AS price,
                           r.seed
                    FROM generate_series(1, r.lines)) AS line) AS l
        """), {"type1": versions[0][0], "version1": versions[0][1],
               "type2": versions[1][0], "version2": versions[1][1], "now": NOW,
               "span": SPAN_DAYS, "n": orders})
        # A rare state, one order in a thousand: the list's index must find its pages
        # without reading every order of the window.
        connection.execute(text("UPDATE orders SET state = 'on_hold' WHERE id % 1000 = 7"))
        # Shipped within 2 to 96 hours of the order, delivered 12 to 120 hours later.
        connection.execute(text("""
            INSERT INTO shipments (order_id, carrier, tracking_number, status, label,
                                   public_token, created_at, shipped_at, delivered_at)
            SELECT o.id, 'local', 'T' || o.id, CASE o.state WHEN 'delivered' THEN 'delivered'
                                                 ELSE 'in_transit' END,
                   '{}', md5(o.id::text || 'token'), o.created_at, s.shipped_at,
                   CASE WHEN o.state = 'delivered'
                        THEN s.shipped_at + (12 + random() * 108) * interval '1 hour' END
            FROM orders o
            CROSS JOIN LATERAL (SELECT o.created_at + (2 + random() * 94) * interval '1 hour'
                                       AS shipped_at) AS s
            WHERE o.state IN ('shipped', 'delivered')
        """))
        connection.execute(text("ALTER TABLE orders ENABLE TRIGGER daily_order_totals_follow"))
    with Session(engine) as session:
        summed = time.perf_counter()
        rows = daily_totals.rebuild(session, daily_totals.counting_zone())
        session.commit()
        print(f"Daily summary: {rows:,} rows, built in {time.perf_counter() - summed:.1f} s")
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE"))
    print(f"Generated {orders:,} orders, 50,000 customers and their shipments in "
          f"{time.perf_counter() - started:.0f} s")
    engine.dispose()
    return secret


SQLITE_ORDERS = """
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < :n)
INSERT INTO orders (number, order_type_id, version_id, state, data, tags, channel, total,
                    currency, revision, created_at, updated_at, created_by, customer_id)
SELECT 'B' || printf('%08d', i),
       CASE WHEN kind < 70 THEN :type1 ELSE :type2 END,
       CASE WHEN kind < 70 THEN :version1 ELSE :version2 END,
       {states},
       json_object('customer', json_object('code', printf('C%06d', customer),
                                           'name', 'Customer ' || customer),
                   'items', json_array(json_object('sku', printf('SKU-%03d', sku), 'qty', qty,
                                                   'price', printf('%.2f', price),
                                                   'amount', printf('%.2f', qty * price))),
                   'total', printf('%.2f', qty * price)),
       '[]', {channels}, round(qty * price, 2), 'CNY', 1, at, at, 'bench', customer
FROM (SELECT i, abs(random()) % 100 AS kind, abs(random()) % 100 AS state,
             abs(random()) % 5 AS channel, 1 + abs(random()) % 50000 AS customer,
             1 + abs(random()) % 500 AS sku, 1 + abs(random()) % 5 AS qty,
             10 + abs(random()) % 990 + 0.9 AS price,
             strftime('%Y-%m-%d %H:%M:%S', julianday(:now) - :span * (1.0 - i * 1.0 / :n)) AS at
      FROM n)
"""
SQLITE_SHIPMENTS = """
INSERT INTO shipments (order_id, carrier, tracking_number, status, label, public_token,
                       created_at, shipped_at, delivered_at)
SELECT id, 'local', 'T' || id,
       CASE state WHEN 'delivered' THEN 'delivered' ELSE 'in_transit' END, '{}',
       hex(randomblob(16)), created_at, shipped_at,
       CASE WHEN state = 'delivered'
            THEN strftime('%Y-%m-%d %H:%M:%S',
                          julianday(shipped_at) + (12 + abs(random()) % 108) / 24.0) END
FROM (SELECT id, state, created_at,
             strftime('%Y-%m-%d %H:%M:%S',
                      julianday(created_at) + (2 + abs(random()) % 94) / 24.0) AS shipped_at
      FROM orders WHERE state IN ('shipped', 'delivered'))
"""


def generate_sqlite(url: str, orders: int) -> str:
    """The same shop on SQLite, smaller: one line per order, the summary kept by its
    triggers as the orders are inserted."""
    from orderloom.designer import exchange
    from orderloom.designer.validation import Context

    engine = make_engine(url)
    schema.upgrade(engine)
    with Session(engine) as session:
        actor = Actor(None, "benchmark", "cli")
        user = accounts.create_user(session, actor, "bench", PASSWORD, ["admin"])
        _token, secret = accounts.issue_token(session, actor, user, "bench")
        exchange.import_package(session, "benchmark", exchange.package(
            [definition("retail_order", "Retail order"),
             definition("wholesale_order", "Wholesale order")]), Context())
        session.commit()
    started = time.perf_counter()
    channels = "CASE channel " + " ".join(
        f"WHEN {i} THEN '{c}'" for i, c in enumerate(CHANNELS)) + " END"
    with engine.begin() as connection:
        versions = connection.execute(text(
            "SELECT order_type_id, id FROM definition_versions ORDER BY order_type_id")).all()
        connection.execute(text("""
            WITH RECURSIVE n(c) AS (SELECT 1 UNION ALL SELECT c + 1 FROM n WHERE c < 50000)
            INSERT INTO customers (code, name, tags, attributes, revision, created_at,
                                   updated_at)
            SELECT printf('C%06d', c), 'Customer ' || c, '[]', '{}', 1, :now, :now FROM n
        """), {"now": "2025-11-01 00:00:00"})
        connection.execute(text(SQLITE_ORDERS.format(states=_state_case("state"),
                                                      channels=channels)),
                           {"type1": versions[0][0], "version1": versions[0][1],
                            "type2": versions[1][0], "version2": versions[1][1],
                            "now": NOW.strftime("%Y-%m-%d %H:%M:%S"), "span": SPAN_DAYS,
                            "n": orders})
        connection.execute(text("UPDATE orders SET state = 'on_hold' WHERE id % 1000 = 7"))
        connection.execute(text(SQLITE_SHIPMENTS))
    with engine.connect() as connection:
        connection.exec_driver_sql("ANALYZE")
    print(f"Generated {orders:,} orders on SQLite, the summary kept by its triggers, in "
          f"{time.perf_counter() - started:.0f} s")
    engine.dispose()
    return secret


def token_for(url: str) -> str:
    engine = make_engine(url)
    with Session(engine) as session:
        from orderloom.platform.models import User

        user = session.query(User).filter_by(username="bench").one()
        _token, secret = accounts.issue_token(session, Actor(None, "benchmark", "cli"), user,
                                              "bench-again")
        session.commit()
    engine.dispose()
    return secret


def timed(runs: int, work: Callable[[int], object]) -> list[float]:
    work(0)  # warm-up: plans, caches, connections
    times = []
    for run in range(runs):
        start = time.perf_counter()
        work(run)
        times.append((time.perf_counter() - start) * 1000)
    return times


def line(label: str, times: list[float], baseline: list[float] | None, target: float) -> bool:
    p50, p95 = percentile(times, 0.5), percentile(times, 0.95)
    ratio = f"{p95 / percentile(baseline, 0.95):6.1f}x" if baseline else "      -"
    verdict = "ok" if p95 < target else "SLOW"
    print(f"  {label:<46} p50 {p50:8.1f} ms   p95 {p95:8.1f} ms   {ratio}   {verdict}")
    return p95 < target


def windows(runs: int) -> list[tuple[str, datetime, datetime]]:
    """A state and a 30-day window for each run, spread over the year."""
    chooser = random.Random(9)
    picks = []
    for _ in range(runs + 1):
        end = NOW - timedelta(days=chooser.randrange(0, SPAN_DAYS - 30))
        picks.append((chooser.choice(LIST_STATES), end - timedelta(days=30), end))
    return picks


def measure_list(url: str, token: str, runs: int) -> bool:
    from orderloom.platform.app import create_app
    from orderloom.platform.settings import load_settings

    engine = make_engine(url)
    picks = windows(runs)
    ok = True
    with Session(engine) as session:
        def bare(_run: int) -> None:
            session.execute(text("SELECT * FROM orders ORDER BY id DESC LIMIT 50")).all()
            session.rollback()

        def search(run: int) -> None:
            state, start, end = picks[run]
            spec = OrderFilter(states=[state], created_from=start, created_to=end)
            found = list(session.scalars(order_query(spec, visible=true()).limit(51)))
            assert found, "the benchmark's filter found no orders"
            session.rollback()

        baseline = timed(runs, bare)
        print(f"Order list, first page of 50 with a state and a 30-day window "
              f"({runs} runs, each another state and window):")
        line("baseline: SELECT * ... ORDER BY id DESC LIMIT 50", baseline, None,
             LIST_TARGET_MS)
        ok &= line("order_search.order_query", timed(runs, search), baseline, LIST_TARGET_MS)
    engine.dispose()

    instance = tempfile.mkdtemp(prefix="orderloom-bench-")
    app = create_app(load_settings({}, overrides={
        "instance_path": instance, "database_url": url,
        "secret_key": "bench-secret-" + "x" * 32}))
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}

    def api(run: int) -> None:
        state, start, end = picks[run]
        response = client.get(f"/api/v1/orders?state={state}&created_from={start.date()}"
                              f"&created_to={end.date()}", headers=headers)
        assert response.status_code == 200 and response.get_json()["orders"], response.data

    ok &= line("GET /api/v1/orders (test client)", timed(runs, api), baseline, LIST_TARGET_MS)
    login = client.get("/login").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', login).group(1)
    client.post("/login", data={"username": "bench", "password": PASSWORD,
                                "csrf_token": csrf})

    def page(run: int) -> None:
        state, start, end = picks[run]
        response = client.get(f"/orders?state={state}&created_from={start.date()}"
                              f"&created_to={end.date()}")
        assert response.status_code == 200, response.status_code

    def default_page(_run: int) -> None:
        response = client.get("/orders")
        assert response.status_code == 200, response.status_code

    if client.get("/orders").status_code == 200:
        # The page also counts the window's orders per state, for the state tabs.
        ok &= line("GET /orders staff page, with state counts", timed(runs, page),
                   baseline, LIST_TARGET_MS)
        # With no filter it counts every order per state.
        ok &= line("GET /orders, no filter: counts all orders", timed(runs, default_page),
                   baseline, LIST_TARGET_MS)
    app.extensions["orderloom.db"].engine.dispose()
    return ok


def _live(spec: DashboardFilter) -> DashboardFilter:
    """The same filter with a data permission the daily summary cannot say (every order
    has an id): the chart counts the orders, as before the summary."""
    return DashboardFilter(**{**spec.__dict__,
                              "visible": and_(spec.visible, Order.id.is_not(None))})


def measure_charts(url: str, runs: int) -> bool:
    """Every chart over 365 days and over the default 30 days, from the daily summary
    and from the orders, interleaved (summary, orders, summary, ...), with the bare
    count and sum over the same orders as the baseline. The 1 s target holds for the
    figures the dashboard shows: the summary's where it answers, else the orders'."""
    engine = make_engine(url)
    ok = True
    today = (NOW + timedelta(days=1)).date()
    with Session(engine) as session:
        for days in (SPAN_DAYS, 30):
            # Whole days, as the dashboard page and the API always ask.
            start = datetime.combine(today - timedelta(days=days), datetime.min.time(), UTC)
            spec = DashboardFilter(created_from=start)
            since = bindparam("start", start, type_=UTCDateTime)
            orders = session.scalar(text("SELECT count(*) FROM orders WHERE created_at >= :start"
                                         ).bindparams(since))

            def bare(_run: int, since=since) -> None:
                session.execute(text("SELECT count(*), sum(total) FROM orders "
                                     "WHERE created_at >= :start").bindparams(since)).one()
                session.rollback()

            baseline = timed(runs, bare)
            print(f"Dashboard charts over the last {days} days ({orders:,} orders; "
                  f"{runs} runs each, interleaved):")
            line("baseline: SELECT count(*), sum(total)", baseline, None, CHART_TARGET_MS)
            for name in (*CHARTS, "headline"):
                grains = ("day", "week", "month") if name == "sales_over_time" else ("day",)
                for grain in grains:
                    def chart(which: DashboardFilter, name=name, grain=grain) -> None:
                        if name == "headline":
                            dashboards.headline(session, which, {"late": 0})
                        else:
                            dashboards.chart(session, name, which, grain)
                        session.rollback()

                    title = f"{name} ({grain})" if name == "sales_over_time" else name
                    if daily_totals.conditions(session, spec) is None or name not in SUMMED:
                        alone = timed(runs, lambda _r, s=spec, c=chart: c(s))
                        ok &= line(title + ", orders", alone, baseline, CHART_TARGET_MS)
                        continue
                    summary, live = interleaved(runs, lambda s=spec, c=chart: c(s),
                                                lambda s=spec, c=chart: c(_live(s)))
                    ok &= line(title + ", summary", summary, baseline, CHART_TARGET_MS)
                    line(title + ", orders", live, baseline, CHART_TARGET_MS)
                    print(f"    {'orders / summary (p50)':<44} "
                          f"{percentile(live, 0.5) / percentile(summary, 0.5):8.1f}x")
    engine.dispose()
    return ok


# The charts the daily summary answers (runtime/reports/daily_totals.py).
SUMMED = ("sales_over_time", "orders_by_state", "orders_by_channel", "headline")


def interleaved(runs: int, first: Callable[[], object], second: Callable[[], object]
                ) -> tuple[list[float], list[float]]:
    """Times of ``first`` and ``second`` taken in turns, so that both see the same load."""
    first(), second()  # warm-up
    times: tuple[list[float], list[float]] = ([], [])
    for _ in range(runs):
        for work, found in ((first, times[0]), (second, times[1])):
            start = time.perf_counter()
            work()
            found.append((time.perf_counter() - start) * 1000)
    return times


def measure_trigger(url: str, runs: int, batch: int = 2000) -> None:
    """What keeping the summary costs a write: ``batch`` orders inserted (copies of
    existing ones) with the summary's trigger and without it, in turns, each rolled
    back."""
    engine = make_engine(url)
    copy = text(f"""
        INSERT INTO orders (number, order_type_id, version_id, state, data, tags, channel,
                            total, currency, revision, created_at, updated_at, created_by,
                            customer_id)
        SELECT 'X' || id, order_type_id, version_id, state, data, tags, channel, total,
               currency, revision, created_at, updated_at, created_by, customer_id
        FROM orders WHERE id <= {batch}""")

    def insert(trigger: bool) -> None:
        with engine.begin() as connection:
            if not trigger:
                connection.execute(text(
                    "ALTER TABLE orders DISABLE TRIGGER daily_order_totals_follow"))
            connection.execute(copy)
            connection.rollback()

    kept, bare = interleaved(runs, lambda: insert(True), lambda: insert(False))
    print(f"Inserting {batch:,} orders in one statement ({runs} runs each, interleaved):")
    print(f"  {'without the summary trigger':<46} p50 {percentile(bare, 0.5):8.1f} ms")
    print(f"  {'with the summary trigger':<46} p50 {percentile(kept, 0.5):8.1f} ms   "
          f"{percentile(kept, 0.5) / percentile(bare, 0.5):6.2f}x")
    engine.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=200, help="runs of each list query")
    parser.add_argument("--database", default=DATABASE, help="scratch database's name")
    parser.add_argument("--list-only", action="store_true",
                        help="measure the order list only, not the charts")
    parser.add_argument("--sqlite", metavar="FILE",
                        help="measure an embedded SQLite database in FILE instead")
    parser.add_argument("--chart-runs", type=int, default=5, help="runs of each chart")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--reuse", action="store_true",
                        help="measure a database kept by an earlier --keep run")
    args = parser.parse_args()
    if args.sqlite:
        return sqlite_main(args)
    url = database_url(args.database)
    if args.reuse:
        token = token_for(url)
    else:
        create_database(args.database, replace=True)
    try:
        if not args.reuse:
            token = generate(url, args.orders)
        ok = measure_list(url, token, args.runs)
        if not args.list_only:
            ok &= measure_charts(url, args.chart_runs)
            measure_trigger(url, args.chart_runs)
    finally:
        if not args.keep:
            drop_database(args.database)
    print("PASS" if ok else "FAIL: a p95 above its target (100 ms list, 1 s chart)")
    return 0 if ok else 1


def sqlite_main(args: argparse.Namespace) -> int:
    path = Path(args.sqlite)
    url = f"sqlite:///{path}"
    if args.reuse:
        token = token_for(url)
    else:
        for old in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
            old.unlink(missing_ok=True)
        token = generate_sqlite(url, args.orders)
    try:
        ok = measure_list(url, token, args.runs)
        ok &= measure_charts(url, args.chart_runs)
    finally:
        if not args.keep:
            path.unlink(missing_ok=True)
    print("PASS" if ok else "FAIL: a p95 above its target (100 ms list, 1 s chart)")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())

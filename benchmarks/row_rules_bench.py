"""The order list's first page under each row rule (data permissions) over 1,000,000
orders in PostgreSQL, against the same page for someone who sees every order,
measured in the same run.

Creates a scratch database (orderloom_bench_rows), migrates it, imports one order
type and generates the orders in SQL (INSERT ... SELECT generate_series): 200 people
in 10 teams enter them, through 20 channels, shipped from 8 warehouses. Then takes
the first page (50 orders, newest first, no other filter) through
order_search.order_query with platform/row_access.visible_orders for:

- baseline: a user whose role sees every order;
- my_channels: a seller of one channel (one order in 20);
- my_warehouses: a packer of one warehouse (one in 8);
- mine: an agent who entered one order in 200, with approvals assigned to them;
- my_team: a member of one team of 20 people (one order in 10).

The runs interleave A B A B, so a change of load on the machine touches both. The
target: each rule's p50 within 1.5x of the baseline's. Drops the database at the end
unless --keep (then --reuse skips generating).

    python benchmarks/row_rules_bench.py [--orders 1000000] [--runs 300] [--keep] [--reuse]
    ORDERLOOM_BENCH_POSTGRES_URL=postgresql+psycopg://postgres@127.0.0.1/test (default)
"""
from __future__ import annotations

import argparse
import time
from datetime import UTC, datetime

from scratch_database import create_database, database_url, drop_database, percentile
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from orderloom.db import make_engine
from orderloom.platform import accounts, order_scope, schema
from orderloom.platform.models import User
from orderloom.platform.row_access import visible_orders
from orderloom.runtime.audit import Actor
from orderloom.runtime.orders.search import OrderFilter, order_query

DATABASE = "orderloom_bench_rows"
TARGET_RATIO = 1.5
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
SPAN_DAYS = 365
PEOPLE, TEAMS, CHANNELS, WAREHOUSES = 200, 10, 20, 8
PAGE = 50
RULES = ("my_channels", "my_warehouses", "mine", "my_team")
CLI = Actor(None, "benchmark", "cli")

DEFINITION = {
    "key": "retail_order", "name": {"en": "Retail order"}, "number_prefix": "RO",
    "currency": "CNY",
    "form": {"fields": [{"key": "note", "type": "text", "label": {"en": "Note"}}]},
    "workflow": {
        "states": [{"key": "draft", "label": {"en": "Draft"}, "kind": "start",
                    "category": "open"},
                   {"key": "done", "label": {"en": "Done"}, "kind": "terminal",
                    "category": "fulfilled"}],
        "transitions": [{"key": "finish", "from": ["draft"], "to": "done",
                         "label": {"en": "Finish"}}]},
}


def generate(url: str, orders: int) -> None:
    from orderloom.designer import exchange
    from orderloom.designer.validation import Context

    engine = make_engine(url)
    schema.upgrade(engine)
    with Session(engine) as session:
        exchange.import_package(session, "benchmark", exchange.package([DEFINITION]),
                                Context())
        accounts.create_user(session, CLI, "boss", "quiet-ledger-42", ["admin"])
        for rule in RULES:
            role = accounts.create_role(session, CLI, rule.replace("_", "-"), "",
                                        ["orders.view"])
            order_scope.set_row_rule(session, CLI, role, rule)
        session.commit()
    started = time.perf_counter()
    with engine.begin() as connection:
        type_id, version_id = connection.execute(text(
            "SELECT order_type_id, id FROM definition_versions")).one()
        connection.execute(text("""
            INSERT INTO channels (key, name, kind, order_type_key, mapping, secret, active,
                                  created_at, updated_at)
            SELECT 'ch' || c, 'Channel ' || c, 'manual', 'retail_order', '{}', '', true, :now,
                   :now
            FROM generate_series(1, :n) AS c"""), {"n": CHANNELS, "now": NOW})
        connection.execute(text("""
            INSERT INTO warehouses (code, name, address, regions, priority, active, created_at)
            SELECT 'WH' || w, 'Warehouse ' || w, '{}', '[]', w, true, :now
            FROM generate_series(1, :n) AS w"""), {"n": WAREHOUSES, "now": NOW})
        # People p1..p200, in teams t1..t10; the orders name them as their creators.
        connection.execute(text("""
            INSERT INTO users (username, display_name, password_hash, active, session_epoch,
                               created_at, channels, warehouses, team)
            SELECT 'p' || p, 'Person ' || p, '!', true, 0, :now, '[]', '[]',
                   't' || (1 + p % :teams)
            FROM generate_series(1, :people) AS p"""),
            {"people": PEOPLE, "teams": TEAMS, "now": NOW})
        connection.execute(text("""
            INSERT INTO orders (number, order_type_id, version_id, state, data, tags, channel,
                                warehouse, total, currency, revision, created_at, updated_at,
                                created_by)
            SELECT 'R' || lpad(i::text, 8, '0'), :type_id, :version_id,
                   CASE WHEN i % 10 = 0 THEN 'draft' ELSE 'done' END,
                   jsonb_build_object('note', 'order ' || i), '[]',
                   'ch' || (1 + floor(random() * :channels)::int),
                   'WH' || (1 + floor(random() * :warehouses)::int),
                   (10 + floor(random() * 990))::numeric(10, 2), 'CNY', 1,
                   :now - (:span * (1 - i::float8 / :n)) * interval '1 day',
                   :now - (:span * (1 - i::float8 / :n)) * interval '1 day',
                   'p' || (1 + floor(random() * :people)::int)
            FROM generate_series(1, :n) AS i"""),
            {"type_id": type_id, "version_id": version_id, "channels": CHANNELS,
             "warehouses": WAREHOUSES, "people": PEOPLE, "now": NOW, "span": SPAN_DAYS,
             "n": orders})
        # An approval assigned to the agent (p3) on one order in 1,000, entered by others.
        connection.execute(text("""
            INSERT INTO approval_tasks (order_id, approval_key, step, assignee_user_id,
                                        status, comment, created_at)
            SELECT id, 'review', 1, (SELECT id FROM users WHERE username = 'p3'), 'open', '',
                   created_at
            FROM orders WHERE id % 1000 = 3"""))
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE"))
    print(f"Generated {orders:,} orders in {time.perf_counter() - started:.0f} s")
    with Session(engine) as session:
        person = {name: session.scalar(select(User).where(User.username == name))
                  for name in ("p1", "p2", "p3", "p4")}
        for name, rule in zip(person, RULES, strict=True):
            accounts.set_roles(session, CLI, person[name], [rule.replace("_", "-")])
        order_scope.set_scope(session, CLI, person["p2"], warehouses=["WH1"])
        order_scope.set_scope(session, CLI, person["p1"], channels=["ch1"])
        session.commit()
    engine.dispose()


def first_page(session: Session, user: User) -> int:
    query = order_query(OrderFilter(), visible=visible_orders(user)).limit(PAGE + 1)
    found = len(session.scalars(query).all())
    session.rollback()
    return found


def measure(url: str, runs: int) -> bool:
    engine = make_engine(url)
    ok = True
    with Session(engine, expire_on_commit=False) as session:
        users = {name: session.scalar(select(User).where(User.username == name))
                 for name in ("boss", "p1", "p2", "p3", "p4")}
        for user in users.values():
            list(user.roles)  # loaded once: the benchmark times the orders query
        baseline_user = users["boss"]
        by_rule = dict(zip(RULES, ("p1", "p2", "p3", "p4"), strict=True))
        print(f"Order list, first page of {PAGE} newest orders ({runs} runs each, "
              "interleaved with the baseline):")
        print(f"  {'rule':<16} {'p50':>9} {'p95':>9}   {'baseline p50':>12}   ratio (p50)")
        for rule, name in by_rule.items():
            user = users[name]
            assert first_page(session, user) > 0, f"{rule} found no orders"
            first_page(session, baseline_user)
            ours, theirs = [], []
            for _run in range(runs):
                start = time.perf_counter()
                first_page(session, baseline_user)
                theirs.append((time.perf_counter() - start) * 1000)
                start = time.perf_counter()
                first_page(session, user)
                ours.append((time.perf_counter() - start) * 1000)
            ratio = percentile(ours, 0.5) / percentile(theirs, 0.5)
            verdict = "ok" if ratio <= TARGET_RATIO else "SLOW"
            ok &= ratio <= TARGET_RATIO
            print(f"  {rule:<16} {percentile(ours, 0.5):7.2f}ms {percentile(ours, 0.95):7.2f}ms"
                  f"   {percentile(theirs, 0.5):10.2f}ms   {ratio:5.2f}x  {verdict}")
    engine.dispose()
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=300)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--reuse", action="store_true",
                        help="use the database a --keep run left")
    args = parser.parse_args()
    url = database_url(DATABASE)
    if not args.reuse:
        create_database(DATABASE, replace=True)
        generate(url, args.orders)
    try:
        ok = measure(url, args.runs)
    finally:
        if not args.keep:
            drop_database(DATABASE)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())

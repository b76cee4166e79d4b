"""The SQL statements and commits one order costs the whole system: created, submitted,
shipped (with stock reserved and deducted, as benchmarks/load_test.py runs it) and its
five jobs run by `orderloom worker --burst`. Counted with SQLAlchemy's engine events in
this one process, on PostgreSQL, with Redis: the app is the real one (Flask's test
client, jobs handed to RQ after each commit) and so is the worker.

    python benchmarks/statements_per_order.py [--orders 100] [--show 15]
    ORDERLOOM_BENCH_POSTGRES_URL=postgresql+psycopg://postgres@127.0.0.1/test (default)
    ORDERLOOM_BENCH_REDIS_URL=redis://127.0.0.1:6379/12 (default; flushed)

Prints, per order, the statements of each request and of the jobs, and with --show the
statements run most often (their first words), to see where they come from. A
statement run with many rows at once (executemany) counts once. Setting up the products,
warehouses, stock and the webhook subscription is not counted; the worker's start (its
first sweep) is, spread over the orders.
"""
from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
import uuid
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from threading import Thread

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from load_test import catalogue, order_data, order_lines, prepare  # noqa: E402
from redis import Redis  # noqa: E402
from scratch_database import create_database, drop_database  # noqa: E402
from sqlalchemy import create_engine, event, text  # noqa: E402
from sqlalchemy.engine import Engine  # noqa: E402

REDIS_URL = os.environ.get("ORDERLOOM_BENCH_REDIS_URL", "redis://127.0.0.1:6379/12")
SECRET = "statements-bench-secret-key-0123456789abcdef"
TARGET = 40


class Counting:
    """Statements and commits of every engine in this process, by the phase named."""

    def __init__(self) -> None:
        self.phase = "setup"
        self.statements: Counter = Counter()
        self.commits: Counter = Counter()
        self.texts: Counter = Counter()
        event.listen(Engine, "before_cursor_execute", self._statement)
        event.listen(Engine, "commit", self._commit)

    def _statement(self, _conn, _cursor, statement, _parameters, _context, _many) -> None:
        self.statements[self.phase] += 1
        if self.phase != "setup":
            self.texts[f"{self.phase:6s} {_shape(statement)}"] += 1

    def _commit(self, _conn) -> None:
        self.commits[self.phase] += 1


def _shape(statement: str) -> str:
    words = re.sub(r"\s+", " ", statement).strip()
    return re.sub(r"\(\S+\)s|\$\d+|%\(\w+\)s", "?", words)[:150]


class Receiver:
    """Answers every webhook delivery 204."""

    def __init__(self) -> None:
        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                self.rfile.read(int(self.headers["Content-Length"]))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks"
        Thread(target=self.server.serve_forever, daemon=True).start()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=100)
    parser.add_argument("--skus", type=int, default=50)
    parser.add_argument("--show", type=int, default=0,
                        help="also list the statements run most often")
    parser.add_argument("--database", default=f"orderloom_statements_{os.getpid()}_"
                                              f"{uuid.uuid4().hex[:6]}",
                        help="name of the scratch database made and dropped")
    args = parser.parse_args()
    Redis.from_url(REDIS_URL).flushdb()
    url = create_database(args.database)
    receiver = Receiver()
    try:
        with tempfile.TemporaryDirectory() as folder:
            os.environ.update(ORDERLOOM_DATABASE_URL=url, ORDERLOOM_REDIS_URL=REDIS_URL,
                              ORDERLOOM_INSTANCE_PATH=folder, ORDERLOOM_SECRET_KEY=SECRET,
                              ORDERLOOM_LOG_LEVEL="WARNING",
                              ORDERLOOM_OUTBOUND_ALLOW="127.0.0.1")
            return measure(url, args, receiver)
    finally:
        receiver.server.shutdown()
        drop_database(args.database)


def measure(url: str, args: argparse.Namespace, receiver: Receiver) -> int:
    from orderloom.platform.app import create_app
    from orderloom.platform.cli import cli
    from orderloom.platform.settings import load_settings

    skus = catalogue(args.skus)
    admin, staff, stock = prepare(url, args.orders, skus)
    client = create_app(load_settings()).test_client()

    def call(token: str, method: str, path: str, body=None, expect=(200, 201)) -> dict:
        answer = client.open(path, method=method, json=body,
                             headers={"Authorization": f"Bearer {token}"})
        if answer.status_code not in expect:
            raise SystemExit(f"{method} {path}: {answer.status_code} {answer.get_json()}")
        return answer.get_json()

    call(admin, "POST", "/api/v1/webhooks", {"name": "statements", "url": receiver.url,
                                             "events": ["order.state_changed"]})
    for sku in skus:
        call(admin, "POST", "/api/v1/products", {"sku": sku, "name": sku})
    call(admin, "POST", "/api/v1/warehouses", {"code": "HZ", "name": "HZ",
                                               "regions": ["Zhejiang"]})
    for sku, quantity in stock.items():
        call(admin, "POST", "/api/v1/stock/receipts",
             {"sku": sku, "warehouse": "HZ", "quantity": quantity})
    cli.main(["worker", "--burst"], standalone_mode=False)  # the set-up's jobs, not counted

    counting = Counting()
    for n in range(args.orders):
        counting.phase = "create"
        order = call(staff, "POST", "/api/v1/orders",
                     {"order_type": "retail_order",
                      "data": order_data(order_lines(skus, f"statements-{n}"))})
        for key in ("submit", "ship"):
            counting.phase = key
            call(staff, "POST", f"/api/v1/orders/{order['number']}/transitions/{key}")
    counting.phase = "jobs"
    cli.main(["worker", "--burst"], standalone_mode=False)
    counting.phase = "done"

    engine = create_engine(url)
    with engine.connect() as connection:
        jobs = dict(connection.execute(text(
            "SELECT status, count(*) FROM jobs GROUP BY status")).all())
    engine.dispose()
    orders = args.orders
    print(f"{orders} orders, each created, submitted (reserve stock, notify), shipped "
          f"(deduct stock, notify), with a webhook subscription to order.state_changed; "
          f"jobs afterwards: {jobs}")
    total_statements = total_commits = 0
    for phase in ("create", "submit", "ship", "jobs"):
        statements = counting.statements[phase] / orders
        commits = counting.commits[phase] / orders
        total_statements += statements
        total_commits += commits
        print(f"  {phase:8s} {statements:6.1f} statements {commits:5.1f} commits per order")
    print(f"  {'total':8s} {total_statements:6.1f} statements {total_commits:5.1f} commits "
          f"per order (target at most {TARGET} statements)")
    for shape, count in counting.texts.most_common(args.show):
        print(f"  {count / orders:5.2f}  {shape}")
    return 0 if total_statements <= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())

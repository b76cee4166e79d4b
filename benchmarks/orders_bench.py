"""Creating and submitting orders through the HTTP API on PostgreSQL, against a
bare SQLAlchemy Core insert of the same rows, measured in the same run.

Starts `orderloom serve` (waitress) on 127.0.0.1 against a fresh PostgreSQL
database, publishes a small retail order type, then has CLIENTS threads each
create an order with 5 lines and submit it, over kept-alive connections. The
baseline inserts the same rows (the order with the same JSON data and its two
timeline entries, then the state update) with SQLAlchemy Core, with the same
number of threads. Prints throughput, p50 and p99, and the ratio.

    python benchmarks/orders_bench.py [--orders 400] [--clients 4] [--workers 1]
                                      [--worker-class sync|gthread] [--threads 4]
                                      [--rounds 4]
    ORDERLOOM_BENCH_POSTGRES_URL=postgresql+psycopg://postgres@127.0.0.1/test (default)
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

from scratch_database import create_database, drop_database, percentile
from sqlalchemy import insert, text, update
from sqlalchemy.orm import Session

from orderloom.db import make_engine, utcnow
from orderloom.platform import accounts, schema
from orderloom.runtime.audit import Actor
from orderloom.runtime.orders.models import Order, OrderEvent

TARGET_RATIO = 4.0

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
             {"key": "price", "type": "money", "label": {"en": "Price"}, "required": True},
             {"key": "amount", "type": "computed", "label": {"en": "Amount"},
              "formula": "qty * price", "result_type": "money"}]},
        {"key": "total", "type": "computed", "label": {"en": "Total"},
         "formula": "SUM(items.amount)", "result_type": "money"}]},
    "workflow": {
        "states": [{"key": "draft", "label": {"en": "Draft"}, "kind": "start"},
                   {"key": "submitted", "label": {"en": "Submitted"}, "kind": "normal"},
                   {"key": "done", "label": {"en": "Done"}, "kind": "terminal"}],
        "transitions": [
            {"key": "submit", "from": ["draft"], "to": "submitted", "label": {"en": "Submit"},
             "roles": ["staff"], "required_fields": ["customer", "items"]},
            {"key": "finish", "from": ["submitted"], "to": "done", "label": {"en": "Finish"}}]},
    "rules": [{"key": "big", "when": "total > 10000",
               "then": [{"type": "add_tag", "tag": "big"}]}],
}

ORDER = {"order_type": "bench_order", "data": {
    "customer": {"code": "C1", "name": "Li Wei", "tier": "gold"},
    "ship_to": {"country": "CN", "province": "Zhejiang", "city": "Hangzhou"},
    "items": [{"sku": f"SKU-{i}", "qty": i + 1, "price": "19.90"} for i in range(5)]}}


def fresh_database() -> tuple[str, str]:
    name = f"orderloom_bench_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    return name, create_database(name)


def prepare(url: str) -> str:
    """Schema, a staff user with a token, the published order type. Returns the token."""
    from orderloom.designer import exchange
    from orderloom.designer.validation import Context

    engine = make_engine(url)
    schema.upgrade(engine)
    with Session(engine) as session:
        actor = Actor(None, "benchmark", "cli")
        user = accounts.create_user(session, actor, "bench", "quiet-ledger-42", ["staff"])
        _token, secret = accounts.issue_token(session, actor, user, "bench")
        exchange.import_package(session, "benchmark", exchange.package([DEFINITION]),
                                Context())
        session.commit()
    engine.dispose()
    return secret


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def run_api(port: int, token: str, orders: int, clients: int) -> tuple[list[float], float]:
    body = json.dumps(ORDER)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    latencies: list[float] = []
    lock = threading.Lock()
    per_client = orders // clients
    failures: list[str] = []

    def client() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine = []
        for _ in range(per_client):
            start = time.perf_counter()
            connection.request("POST", "/api/v1/orders", body, headers)
            response = connection.getresponse()
            created = json.loads(response.read())
            if response.status != 201:
                failures.append(f"create: {response.status} {created}")
                return
            connection.request("POST", f"/api/v1/orders/{created['number']}/transitions/submit",
                               "", {"Authorization": headers["Authorization"],
                                    "If-Match": f'"{created["revision"]}"'})
            response = connection.getresponse()
            response.read()
            if response.status != 200:
                failures.append(f"submit: {response.status}")
                return
            mine.append(time.perf_counter() - start)
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    if failures:
        raise SystemExit(f"the API refused requests: {failures[:3]}")
    return latencies, elapsed


def run_bare(url: str, orders: int, clients: int) -> tuple[list[float], float]:
    engine = make_engine(url, pool_size=clients)
    with Session(engine) as session:
        order_type_id, version_id = session.execute(text(
            "SELECT order_type_id, id FROM definition_versions LIMIT 1")).one()
    data = {**ORDER["data"], "total": "298.50",
            "items": [{**line, "amount": "19.90"} for line in ORDER["data"]["items"]]}
    latencies: list[float] = []
    lock = threading.Lock()
    per_client = orders // clients
    run = uuid.uuid4().hex[:8]  # numbers unique across rounds

    def client(index: int) -> None:
        mine = []
        with engine.connect() as connection:
            for n in range(per_client):
                start = time.perf_counter()
                with connection.begin():
                    order_id = connection.execute(insert(Order.__table__).values(
                        number=f"BARE-{run}-{index}-{n}", order_type_id=order_type_id,
                        version_id=version_id, state="draft", data=data, tags=[],
                        channel="manual", revision=1, created_at=utcnow(),
                        updated_at=utcnow(), created_by="bench",
                    ).returning(Order.__table__.c.id)).scalar_one()
                    connection.execute(insert(OrderEvent.__table__).values(
                        order_id=order_id, at=utcnow(), actor_name="bench", kind="created",
                        to_state="draft", details={}))
                with connection.begin():
                    connection.execute(update(Order.__table__).where(
                        Order.__table__.c.id == order_id).values(state="submitted",
                                                                 revision=2))
                    connection.execute(insert(OrderEvent.__table__).values(
                        order_id=order_id, at=utcnow(), actor_name="bench",
                        kind="transition", transition="submit", from_state="draft",
                        to_state="submitted", details={}))
                mine.append(time.perf_counter() - start)
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    engine.dispose()
    return latencies, elapsed


def report(label: str, latencies: list[float], elapsed: float) -> float:
    rate = len(latencies) / elapsed
    print(f"  {label:<34} {rate:8.1f} orders/s   p50 {percentile(latencies, 0.5) * 1000:7.2f} ms"
          f"   p99 {percentile(latencies, 0.99) * 1000:7.2f} ms")
    return rate


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=400)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--workers", type=int, default=1,
                        help="app processes: 1 runs `orderloom serve` (waitress), more run "
                             "gunicorn with that many workers")
    parser.add_argument("--worker-class", choices=("sync", "gthread"), default="sync",
                        help="gunicorn's worker class, with --workers above 1")
    parser.add_argument("--threads", type=int, default=4,
                        help="threads per gunicorn worker, with --worker-class gthread")
    parser.add_argument("--rounds", type=int, default=4,
                        help="API and baseline rounds, taken in turn")
    args = parser.parse_args()
    name, url = fresh_database()
    server = None
    try:
        token = prepare(url)
        port = free_port()
        instance = tempfile.mkdtemp(prefix="orderloom-bench-")
        env = {**os.environ, "ORDERLOOM_DATABASE_URL": url, "ORDERLOOM_INSTANCE_PATH": instance,
               "ORDERLOOM_LOG_LEVEL": "WARNING"}
        if args.workers > 1:
            # The scaled-out setup: gunicorn with several processes (pip install '.[scale]').
            # Sync workers are gunicorn's default and what docs/operations.md runs: each
            # takes a connection only when it is free, so the load spreads evenly.
            workers = ["-k", "sync"] if args.worker_class == "sync" else [
                "-k", "gthread", "--threads", str(args.threads)]
            command = [sys.executable, "-m", "gunicorn", "-w", str(args.workers), *workers,
                       "-b", f"127.0.0.1:{port}", "orderloom.platform.wsgi:app"]
        else:
            command = [sys.executable, "-m", "orderloom.platform", "serve", "--port",
                       str(port), "--threads", str(max(4, args.clients * 2))]
        server = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.2)
        run_api(port, token, args.clients * 5, args.clients)  # warm-up
        # Rounds of each, taken in turn: a burst of load from elsewhere on the machine
        # then falls on both sides instead of on one.
        api_latencies, bare_latencies = [], []
        api_elapsed = bare_elapsed = 0.0
        for _ in range(args.rounds):
            latencies, elapsed = run_api(port, token, args.orders // args.rounds, args.clients)
            api_latencies += latencies
            api_elapsed += elapsed
            latencies, elapsed = run_bare(url, args.orders // args.rounds, args.clients)
            bare_latencies += latencies
            bare_elapsed += elapsed
        print(f"Create an order with 5 lines and submit it: {args.orders} orders, "
              f"{args.clients} clients, PostgreSQL on loopback")
        server_name = ("orderloom serve" if args.workers == 1
                       else f"gunicorn, {args.workers} {args.worker_class} workers")
        api_rate = report(f"HTTP API ({server_name})", api_latencies, api_elapsed)
        bare_rate = report("baseline: bare Core insert", bare_latencies, bare_elapsed)
        ratio = bare_rate / api_rate
        p50_ratio = percentile(api_latencies, 0.5) / percentile(bare_latencies, 0.5)
        print(f"  cost ratio (baseline throughput / API throughput): {ratio:.2f}x; "
              f"p50 ratio {p50_ratio:.2f}x")
        verdict = "PASS" if ratio <= TARGET_RATIO else "FAIL"
        print(f"  target: at most {TARGET_RATIO:.0f}x the bare insert -> {verdict}")
        return 0 if verdict == "PASS" else 1
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=10)
        drop_database(name)
        Path(tempfile.gettempdir())  # the instance folder is left for inspection


if __name__ == "__main__":
    raise SystemExit(main())

"""Creating and submitting orders through the HTTP API on PostgreSQL, against a
bare SQLAlchemy Core insert of the same rows, measured in the same run.

Starts `orderloom serve` (waitress) on 127.0.0.1 against a fresh PostgreSQL
database, publishes a small retail order type, then has CLIENTS threads each
create an order with 5 lines and submit it, over kept-alive connections. The
baseline inserts the same rows (the order with the same JSON data and its two
timeline entries, then the state update) with SQLAlchemy Core, with the same
number of threads. Prints throughput, p50 and p99, and the ratio.

With --baseline, another checkout of Orderloom (e.g. the commit before a change,
`git worktree add /tmp/orderloom-base <commit>`, with its own .venv) serves the
same orders the same way from a database of its own, and its rounds take turns
with this checkout's and the bare insert's (A B C A B C ...), so that the load
of a shared machine falls on all three; the throughput of this checkout against
the other's is printed too.

    python benchmarks/orders_bench.py [--orders 400] [--clients 4] [--workers 1]
                                      [--worker-class sync|gthread] [--threads 4]
                                      [--rounds 4] [--baseline DIR]
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

from scratch_database import create_database, drop_database, percentile, sample_order_type
from sqlalchemy import insert, text, update
from sqlalchemy.orm import Session

from orderloom.db import make_engine, utcnow
from orderloom.platform import accounts, schema
from orderloom.runtime.audit import Actor
from orderloom.runtime.orders.models import Order, OrderEvent

TARGET_RATIO = 2.2  # issue 25: create+submit at most 2.2x the bare insert

DEFINITION = sample_order_type(
    {"states": [{"key": "draft", "label": {"en": "Draft"}, "kind": "start"},
                {"key": "submitted", "label": {"en": "Submitted"}, "kind": "normal"},
                {"key": "done", "label": {"en": "Done"}, "kind": "terminal"}],
     "transitions": [
         {"key": "submit", "from": ["draft"], "to": "submitted", "label": {"en": "Submit"},
          "roles": ["staff"], "required_fields": ["customer", "items"]},
         {"key": "finish", "from": ["submitted"], "to": "done", "label": {"en": "Finish"}}]},
    rules=[{"key": "big", "when": "total > 10000",
            "then": [{"type": "add_tag", "tag": "big"}]}])

ORDER = {"order_type": "bench_order", "data": {
    "customer": {"code": "C1", "name": "Li Wei", "tier": "gold"},
    "ship_to": {"country": "CN", "province": "Zhejiang", "city": "Hangzhou"},
    "items": [{"sku": f"SKU-{i}", "qty": i + 1, "price": "19.90"} for i in range(5)]}}


HERE = Path(__file__).resolve().parent
TARGET_SPEED_UP = 1.8
TARGET_P99 = 0.2
# Run in the other checkout's own Python: its schema, its user and token, its order type.
PREPARE = "import sys, orders_bench; print(orders_bench.prepare(sys.argv[1]))"


def fresh_database(prefix: str = "orderloom_bench") -> tuple[str, str]:
    name = f"{prefix}_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    return name, create_database(name)


def python_of(checkout: Path) -> str:
    """The checkout's own virtual environment's Python, else this one."""
    own = checkout / ".venv" / "bin" / "python"
    return str(own) if own.exists() else sys.executable


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
        try:
            orders_of_one_client()
        except OSError as error:  # a lost or timed-out answer fails the run, not silently
            failures.append(f"no answer: {error!r}")

    def orders_of_one_client() -> None:
        # A generous timeout: on a shared machine under load a request can wait long.
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=180)
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


def start_server(checkout: Path, url: str, args: argparse.Namespace
                 ) -> tuple[subprocess.Popen, int]:
    """The app of ``checkout`` serving ``url``, as --workers and --worker-class say."""
    port = free_port()
    instance = tempfile.mkdtemp(prefix="orderloom-bench-")
    env = {**os.environ, "ORDERLOOM_DATABASE_URL": url, "ORDERLOOM_INSTANCE_PATH": instance,
           "ORDERLOOM_LOG_LEVEL": "WARNING",
           "PYTHONPATH": f"{checkout}{os.pathsep}{checkout / 'benchmarks'}"}
    python = python_of(checkout)
    if args.workers > 1:
        # The scaled-out setup: gunicorn with several processes (pip install '.[scale]').
        # Sync workers are gunicorn's default and what docs/operations.md runs: each
        # takes a connection only when it is free, so the load spreads evenly.
        workers = ["-k", "sync"] if args.worker_class == "sync" else [
            "-k", "gthread", "--threads", str(args.threads)]
        command = [python, "-m", "gunicorn", "-w", str(args.workers), *workers,
                   "-b", f"127.0.0.1:{port}", "orderloom.platform.wsgi:app"]
    else:
        command = [python, "-m", "orderloom.platform", "serve", "--port",
                   str(port), "--threads", str(max(4, args.clients * 2))]
    server = subprocess.Popen(command, env=env, cwd=checkout, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.2)
    return server, port


def prepare_in(checkout: Path, url: str) -> str:
    """``prepare`` as the other checkout's own code does it; its token."""
    done = subprocess.run(
        [python_of(checkout), "-c", PREPARE, url], cwd=checkout, check=True,
        capture_output=True, text=True,
        env={**os.environ, "PYTHONPATH": f"{checkout}{os.pathsep}{checkout / 'benchmarks'}"})
    return done.stdout.strip().splitlines()[-1]


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
    parser.add_argument("--baseline", type=Path,
                        help="another checkout of Orderloom to measure in the same rounds")
    parser.add_argument("--database-prefix", default="orderloom_bench",
                        help="name of the scratch databases, before a unique ending")
    args = parser.parse_args()
    sides = [("this checkout", HERE.parent)]
    if args.baseline is not None:
        sides.insert(0, ("baseline checkout", args.baseline.resolve()))
    databases: list[str] = []
    servers: list[subprocess.Popen] = []
    try:
        ports: dict[str, tuple[int, str]] = {}
        url = ""
        for label, checkout in sides:
            name, side_url = fresh_database(args.database_prefix)
            databases.append(name)
            token = prepare(side_url) if checkout == HERE.parent else \
                prepare_in(checkout, side_url)
            server, port = start_server(checkout, side_url, args)
            servers.append(server)
            ports[label] = (port, token)
            run_api(port, token, args.clients * 5, args.clients)  # warm-up
            url = side_url if checkout == HERE.parent else url
        # Rounds of each, taken in turn: a burst of load from elsewhere on the machine
        # then falls on every side instead of on one.
        latencies: dict[str, list[float]] = {label: [] for label in [*ports, "bare"]}
        elapsed: dict[str, float] = dict.fromkeys(latencies, 0.0)
        per_round = args.orders // args.rounds
        for number in range(1, args.rounds + 1):
            rates = []
            for label, (port, token) in ports.items():
                taken, seconds = run_api(port, token, per_round, args.clients)
                latencies[label] += taken
                elapsed[label] += seconds
                rates.append(f"{label} {len(taken) / seconds:.1f}/s")
            taken, seconds = run_bare(url, per_round, args.clients)
            latencies["bare"] += taken
            elapsed["bare"] += seconds
            rates.append(f"bare insert {len(taken) / seconds:.1f}/s")
            load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
            print(f"  round {number}: {'; '.join(rates)} (load average {load})", flush=True)
        print(f"Create an order with 5 lines and submit it: {args.orders} orders per side, "
              f"{args.clients} clients, PostgreSQL on loopback")
        server_name = ("orderloom serve" if args.workers == 1
                       else f"gunicorn, {args.workers} {args.worker_class} workers")
        rates = {label: report(f"HTTP API, {label} ({server_name})", latencies[label],
                               elapsed[label]) for label in ports}
        bare_rate = report("baseline: bare Core insert", latencies["bare"], elapsed["bare"])
        mine = latencies["this checkout"]
        ratio = bare_rate / rates["this checkout"]
        p50_ratio = percentile(mine, 0.5) / percentile(latencies["bare"], 0.5)
        print(f"  cost ratio (baseline throughput / API throughput): {ratio:.2f}x; "
              f"p50 ratio {p50_ratio:.2f}x")
        verdicts = [ratio <= TARGET_RATIO]
        print(f"  target: at most {TARGET_RATIO:.1f}x the bare insert -> "
              f"{'PASS' if verdicts[-1] else 'FAIL'}")
        if args.baseline is not None:
            speed_up = rates["this checkout"] / rates["baseline checkout"]
            verdicts.append(speed_up >= TARGET_SPEED_UP)
            print(f"  this checkout / baseline checkout: {speed_up:.2f}x the throughput "
                  f"(target at least {TARGET_SPEED_UP}x) -> {'PASS' if verdicts[-1] else 'FAIL'}")
            p99 = percentile(mine, 0.99)
            verdicts.append(p99 < TARGET_P99)
            print(f"  p99 {p99 * 1000:.1f} ms (target under {TARGET_P99 * 1000:.0f} ms) -> "
                  f"{'PASS' if verdicts[-1] else 'FAIL'}")
        return 0 if all(verdicts) else 1
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            try:
                server.wait(timeout=60)  # gunicorn's workers finish what they hold first
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
        for name in databases:
            drop_database(name)


if __name__ == "__main__":
    raise SystemExit(main())

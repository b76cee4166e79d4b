"""A load test of the whole system, with faults injected while it runs, and a
reconciliation of what it left behind.

Starts, on 127.0.0.1: a fresh PostgreSQL database (on the shared server), a
redis-server of its own on a free port, WORKERS `orderloom worker` processes and
gunicorn (4 sync workers, as docs/getting-started-operators.md runs it). CLIENTS
threads then each create an order over a kept-alive connection (with an
Idempotency-Key, so a retried create cannot make a second order), submit it
(reserves stock, notifies the admins) and ship it (deducts stock, notifies the
admins again). 409 and 503 answers and lost
connections are retried a bounded number of times, as a client would.

With --faults, while the load runs: one worker is killed with SIGKILL (its
process group, work horse included) and a new one started; the private Redis is
stopped for a few seconds and started again; with --restart-postgres also the
SHARED PostgreSQL server is restarted (`pg_ctlcluster ... main restart`: every
other database on it loses its connections; use it only on a machine of your own).
A worker that ends on its own is started again, as a process supervisor would,
and reported.

Afterwards it waits for the jobs to drain and prints PASS/FAIL lines: every
accepted order exists once, no stock level is negative and the ledger agrees,
every job is done and no notification was doubled, a webhook receiver on
127.0.0.1 heard each state change under one Idempotency-Key, each order is in the state the
client last saw. Then the baseline (orders_bench.run_bare: the same rows inserted
with SQLAlchemy Core, same client count) and the ratios.

    python benchmarks/load_test.py [--orders 600] [--clients 8] [--workers 2]
                                   [--skus 50] [--faults] [--restart-postgres]
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from redis import Redis
from redis.exceptions import RedisError
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session, sessionmaker

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from orders_bench import drop_database, free_port, fresh_database, percentile, run_bare  # noqa: E402

from orderloom.db import make_engine, utcnow  # noqa: E402
from orderloom.platform import accounts, schema  # noqa: E402
from orderloom.runtime.audit import Actor  # noqa: E402
from orderloom.runtime.jobs.models import ACTIVE, Job  # noqa: E402
from orderloom.runtime.jobs.runner import CLAIM_TIMEOUT  # noqa: E402
from orderloom.runtime.jobs.sweeper import sweep  # noqa: E402
from orderloom.runtime.notify.in_app import Notification  # noqa: E402
from orderloom.runtime.orders.models import Order  # noqa: E402
from orderloom.runtime.stock import keeping as stock_keeping
from orderloom.runtime.stock.models import StockLevel  # noqa: E402
from tests.designer.samples import retail  # noqa: E402

TARGET_RATE = 300.0      # orders/s created and submitted (issue 12)
TARGET_P99 = 0.200       # seconds
RETRIES = 8
LINES_PER_ORDER = 2      # products per order, quantities 1 and 2
ROOT = Path(__file__).resolve().parent.parent
STOCK_PER_ORDER_SLACK = 2  # stock received: twice what the orders need


def definition() -> dict:
    """The sample retail order type: submit reserves stock and notifies the admins,
    ship deducts it and notifies them again (each notification is a job)."""
    order_type = retail()
    for transition in order_type["workflow"]["transitions"]:
        if transition["key"] == "submit":
            transition["actions"] = [
                {"type": "reserve_stock"},
                {"type": "notify", "to": {"roles": ["admin"]},
                 "subject": "{{ order.number }} submitted", "template": "{{ order.number }}"}]
        if transition["key"] == "ship":
            transition["actions"] = [
                {"type": "deduct_stock"},
                {"type": "notify", "to": {"roles": ["admin"]},
                 "subject": "{{ order.number }} shipped", "template": "{{ order.number }}"}]
    return order_type


def catalogue(size: int) -> list[str]:
    return [f"SKU-{n:04d}" for n in range(size)]


def order_lines(skus: list[str], key: str) -> dict[str, int]:
    """The products of the order made under ``key``, the same on every retry: two
    different products when the catalogue has them, quantities 1 and 2. With a
    catalogue of 2 every order contends for the same two stock rows."""
    chooser = random.Random(key)
    chosen = chooser.sample(skus, min(LINES_PER_ORDER, len(skus)))
    return {sku: qty for qty, sku in enumerate(chosen, start=1)}


def order_data(lines: dict[str, int]) -> dict:
    return {"customer": {"code": "C1", "name": "Li Wei", "tier": "gold"},
            "ship_to": {"country": "CN", "province": "Zhejiang", "city": "Hangzhou"},
            "items": [{"sku": sku, "qty": qty, "price": "19.90"}
                      for sku, qty in lines.items()]}


# --- processes --------------------------------------------------------------------------

class Processes:
    """Every process this run starts, so that all of them are ended in `finally`."""

    def __init__(self, env: dict[str, str]) -> None:
        self.env = env
        self.redis: subprocess.Popen | None = None
        self.redis_port = free_port()
        self.workers: list[subprocess.Popen] = []
        self.app: subprocess.Popen | None = None
        self.app_port = free_port()
        self.logs = Path(env["ORDERLOOM_INSTANCE_PATH"])
        self.killed: set[int] = set()
        self.exits: list[str] = []   # workers that ended on their own, restarted
        self.supervising = threading.Event()

    @property
    def redis_url(self) -> str:
        return f"redis://127.0.0.1:{self.redis_port}/0"

    def start_redis(self) -> None:
        self.redis = subprocess.Popen(
            ["redis-server", "--port", str(self.redis_port), "--bind", "127.0.0.1",
             "--save", "", "--appendonly", "no", "--daemonize", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        client = Redis.from_url(self.redis_url, socket_connect_timeout=0.2)
        wait(lambda: _pings(client), 10, "redis-server did not answer")
        client.close()

    def stop_redis(self) -> None:
        if self.redis is not None:
            self.redis.terminate()
            self.redis.wait(10)
            self.redis = None

    def start_worker(self) -> subprocess.Popen:
        log = (self.logs / f"worker-{len(self.workers)}.log").open("w")
        # A session of its own: SIGKILL to its group also kills the RQ work horse.
        process = subprocess.Popen([sys.executable, "-m", "orderloom.platform", "worker"],
                                   env=self.env, cwd=ROOT, stdout=log, stderr=log,
                                   start_new_session=True)
        self.workers.append(process)
        return process

    def kill_worker(self, process: subprocess.Popen) -> None:
        self.killed.add(process.pid)
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(10)

    def supervise(self) -> None:
        """Start a worker again when one ends on its own, as a process supervisor
        (systemd `Restart=always`) would; each such end is reported."""
        while not self.supervising.wait(1):
            for process in list(self.workers):
                if process.poll() is not None and process.pid not in self.killed:
                    self.killed.add(process.pid)
                    self.exits.append(f"{time.strftime('%H:%M:%S')} worker pid {process.pid} "
                                      f"exited with {process.returncode}; started again")
                    self.start_worker()

    def start_app(self) -> None:
        gunicorn = Path(sys.executable).parent / "gunicorn"
        log = (self.logs / "gunicorn.log").open("w")
        self.app = subprocess.Popen(
            [str(gunicorn), "-w", "4", "-b", f"127.0.0.1:{self.app_port}",
             "orderloom.platform.wsgi:app"], env=self.env, cwd=ROOT, stdout=log, stderr=log,
            start_new_session=True)

        def answers() -> bool:
            try:
                connection = http.client.HTTPConnection("127.0.0.1", self.app_port, timeout=2)
                connection.request("GET", "/api/v1/openapi.json")
                connection.getresponse().read()
                return True
            except OSError:
                return False
        wait(answers, 60, "gunicorn did not answer")

    def stop_all(self) -> None:
        self.supervising.set()
        for process in [self.app, *self.workers]:
            if process is not None and process.poll() is None:
                try:
                    os.killpg(process.pid, signal.SIGTERM)
                    process.wait(15)
                except (ProcessLookupError, subprocess.TimeoutExpired):
                    try:
                        os.killpg(process.pid, signal.SIGKILL)
                    except ProcessLookupError:
                        pass
        self.stop_redis()


def _pings(client: Redis) -> bool:
    try:
        return bool(client.ping())
    except RedisError:
        return False


def wait(predicate, seconds: float, message: str) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        if time.monotonic() > deadline:
            raise SystemExit(message)
        time.sleep(0.1)


class Receiver:
    """A webhook receiver on 127.0.0.1 that records every delivery's Idempotency-Key
    and what it reported, as a receiver that acts once per key would."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.deliveries: Counter = Counter()               # key -> times heard
        self.facts: dict[tuple, set[str]] = defaultdict(set)  # (order, to_state) -> keys
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                data = body.get("data", {})
                with receiver.lock:
                    receiver.deliveries[self.headers["Idempotency-Key"]] += 1
                    if body.get("type") == "order.state_changed":
                        fact = (data["order"]["number"], data["to_state"])
                        receiver.facts[fact].add(self.headers["Idempotency-Key"])
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


# --- setup ------------------------------------------------------------------------------

def prepare(url: str, orders: int, skus: list[str]) -> tuple[str, str, dict[str, int]]:
    """Schema, an admin and a staff token, warehouses, products, stock, the order type."""
    from orderloom.designer import exchange
    from orderloom.designer.validation import Context

    engine = make_engine(url)
    schema.upgrade(engine)
    # Enough for every order to take the largest quantity of every product.
    stock = {sku: LINES_PER_ORDER * orders * STOCK_PER_ORDER_SLACK for sku in skus}
    with Session(engine) as session:
        actor = Actor(None, "load test", "cli")
        admin = accounts.create_user(session, actor, "load-admin", "load-password-1", ["admin"])
        staff = accounts.create_user(session, actor, "load-staff", "load-password-1", ["staff"])
        _, admin_token = accounts.issue_token(session, actor, admin, "load")
        _, staff_token = accounts.issue_token(session, actor, staff, "load")
        exchange.import_package(session, "load test", exchange.package([definition()]),
                                Context())
        session.commit()
    engine.dispose()
    return admin_token, staff_token, stock


def api(port: int, token: str, method: str, path: str, body=None) -> tuple[int, dict]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request(method, path, json.dumps(body) if body is not None else "",
                       {"Authorization": f"Bearer {token}",
                        "Content-Type": "application/json"})
    response = connection.getresponse()
    raw = response.read()
    connection.close()
    return response.status, (json.loads(raw) if raw else {})


def stock_up(port: int, admin: str, stock: dict[str, int], hook_url: str) -> None:
    status, body = api(port, admin, "POST", "/api/v1/webhooks",
                       {"name": "load test", "url": hook_url,
                        "events": ["order.state_changed"]})
    assert status == 201, (status, body)
    for sku in stock:
        status, body = api(port, admin, "POST", "/api/v1/products", {"sku": sku, "name": sku})
        assert status == 201, (status, body)
    for code, regions in (("HZ", ["Zhejiang"]), ("SH", ["Shanghai"])):
        status, body = api(port, admin, "POST", "/api/v1/warehouses",
                           {"code": code, "name": code, "regions": regions})
        assert status == 201, (status, body)
    for sku, quantity in stock.items():
        status, body = api(port, admin, "POST", "/api/v1/stock/receipts",
                           {"sku": sku, "warehouse": "HZ", "quantity": quantity})
        assert status in (200, 201), (status, body)


# --- the load ---------------------------------------------------------------------------

class Load:
    def __init__(self, port: int, token: str, orders: int, clients: int,
                 skus: list[str]) -> None:
        self.port, self.token, self.skus = port, token, skus
        self.lines: dict[str, dict[str, int]] = {}  # number -> sku -> qty
        self.orders, self.clients = orders, clients
        self.lock = threading.Lock()
        self.accepted: dict[str, str] = {}      # number -> state last seen accepted
        self.submit_latencies: list[float] = []  # create + submit
        self.ship_latencies: list[float] = []
        self.answers: Counter = Counter()       # retried answers: 409, 503, lost
        self.errors: list[str] = []
        self.done = 0

    def run(self) -> float:
        threads = [threading.Thread(target=self.client, args=(i,), daemon=True)
                   for i in range(self.clients)]
        began = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return time.perf_counter() - began

    def client(self, index: int) -> None:
        session = Client(self)
        for n in range(self.orders // self.clients):
            try:
                self.one_order(session, f"load-{os.getpid()}-{index}-{n}")
            except Exception as exc:  # noqa: BLE001 - counted, the run goes on
                with self.lock:
                    self.errors.append(f"{type(exc).__name__}: {exc}")
            with self.lock:
                self.done += 1

    def one_order(self, client: Client, key: str) -> None:
        start = time.perf_counter()
        status, body = client.call("POST", "/api/v1/orders",
                                   {"order_type": "retail_order",
                                    "data": order_data(order_lines(self.skus, key))},
                                   {"Idempotency-Key": key})
        if status != 201:
            raise RuntimeError(f"create: {status} {body}")
        number = body["number"]
        with self.lock:
            self.lines[number] = order_lines(self.skus, key)
        self.seen(number, body["state"])
        state = client.transition(number, "submit", "confirmed")
        self.seen(number, state)
        submitted = time.perf_counter()
        state = client.transition(number, "ship", "shipped")
        self.seen(number, state)
        with self.lock:
            self.submit_latencies.append(submitted - start)
            self.ship_latencies.append(time.perf_counter() - submitted)

    def seen(self, number: str, state: str) -> None:
        with self.lock:
            self.accepted[number] = state


class Client:
    """One kept-alive connection, opened again when the server drops it."""

    def __init__(self, load: Load) -> None:
        self.load = load
        self.connection: http.client.HTTPConnection | None = None

    def call(self, method: str, path: str, body=None, extra=None,
             retry_conflicts: bool = True) -> tuple[int, dict]:
        headers = {"Authorization": f"Bearer {self.load.token}",
                   "Content-Type": "application/json", **(extra or {})}
        for attempt in range(RETRIES):
            try:
                if self.connection is None:
                    self.connection = http.client.HTTPConnection(
                        "127.0.0.1", self.load.port, timeout=30)
                self.connection.request(method, path,
                                        json.dumps(body) if body is not None else "", headers)
                response = self.connection.getresponse()
                raw = response.read()
                status = response.status
            except (OSError, http.client.HTTPException):
                self.connection = None
                self.count("lost connection")
                time.sleep(0.2 * (attempt + 1))
                continue
            answer = json.loads(raw) if raw else {}
            if status == 503 or (status == 409 and retry_conflicts):
                self.count(str(status))
                time.sleep(0.2 * (attempt + 1))
                continue
            return status, answer
        return status if "status" in locals() else 0, {"detail": "gave up after retries"}

    def transition(self, number: str, key: str, expected: str) -> str:
        status, body = self.call("POST", f"/api/v1/orders/{number}/transitions/{key}",
                                 retry_conflicts=False)
        if status == 200:
            return body["state"]
        if status in (409, 0):
            # A retry of a transition that was committed before its answer was lost
            # is refused (the order moved on): look at the order to know.
            self.count(f"{status} on {key}" if status else f"gave up on {key}")
            got, order = self.call("GET", f"/api/v1/orders/{number}")
            if got == 200 and order["state"] == expected:
                return expected
            if got == 200 and status == 409:
                status, body = self.call("POST",
                                         f"/api/v1/orders/{number}/transitions/{key}")
                if status == 200:
                    return body["state"]
        raise RuntimeError(f"{key} {number}: {status} {body}")

    def count(self, what: str) -> None:
        with self.load.lock:
            self.load.answers[what] += 1


# --- faults -----------------------------------------------------------------------------

def inject_faults(load: Load, processes: Processes, restart_postgres: bool,
                  log: list[str]) -> None:
    def at(share: float) -> None:
        while load.done < load.orders * share and load.done < load.orders:
            time.sleep(0.05)

    at(0.2)
    victim = processes.workers[0]
    processes.kill_worker(victim)
    processes.start_worker()
    log.append(f"{time.strftime('%H:%M:%S')} SIGKILL worker pid {victim.pid} at "
               f"{load.done} orders; a new worker started")
    at(0.45)
    processes.stop_redis()
    log.append(f"{time.strftime('%H:%M:%S')} Redis stopped at {load.done} orders")
    time.sleep(4)
    processes.start_redis()
    log.append(f"{time.strftime('%H:%M:%S')} Redis started again at {load.done} orders")
    if restart_postgres:
        at(0.7)
        cluster = sorted(os.listdir("/etc/postgresql"))[-1]
        result = subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", cluster, "main",
                                 "restart"], capture_output=True, text=True)
        log.append(f"{time.strftime('%H:%M:%S')} PostgreSQL {cluster} restarted at "
                   f"{load.done} orders (exit {result.returncode} {result.stderr.strip()})")


# --- reconciliation ---------------------------------------------------------------------

def job_statuses(sessions: sessionmaker) -> Counter:
    with sessions() as session:
        return Counter(dict(session.execute(
            select(Job.status, func.count()).group_by(Job.status)).all()))


def drain(sessions: sessionmaker, stall_seconds: float) -> Counter:
    """Wait while jobs are still being done; stop when none is left, or when no job
    has been finished for ``stall_seconds`` (the rest is stuck, not just queued)."""
    last_done, last_progress = -1, time.monotonic()
    while True:
        statuses = job_statuses(sessions)
        if not any(statuses[s] for s in ACTIVE):
            return statuses
        if statuses["done"] != last_done:
            last_done, last_progress = statuses["done"], time.monotonic()
        elif time.monotonic() - last_progress > stall_seconds:
            return statuses
        time.sleep(0.5)


def reconcile(sessions: sessionmaker, load: Load, stock: dict[str, int],
              statuses: Counter, receiver: Receiver) -> list[tuple[bool, str]]:
    lines: list[tuple[bool, str]] = []
    with sessions() as session:
        rows = session.execute(select(Order.number, Order.state, Order.id)
                               .where(Order.number.not_like("BARE-%"))).all()
        by_number = Counter(number for number, _, _ in rows)
        missing = [n for n in load.accepted if by_number[n] == 0]
        doubled = [n for n, c in by_number.items() if c > 1]
        extra = [n for n in by_number if n not in load.accepted]
        lines.append((not missing and not doubled and not extra,
                      f"every accepted order exists once: {len(load.accepted)} accepted, "
                      f"{len(rows)} stored, {len(missing)} missing, {len(doubled)} doubled, "
                      f"{len(extra)} not known to the clients"))
        states = {number: state for number, state, _ in rows}
        wrong = {n: (s, states.get(n)) for n, s in load.accepted.items()
                 if states.get(n) != s}
        lines.append((not wrong, f"each order is in the state last accepted: {len(wrong)} "
                                 f"differ {list(wrong.items())[:3]}"))

        levels = session.execute(select(StockLevel.on_hand, StockLevel.reserved)).all()
        negative = [row for row in levels if row.on_hand < 0 or row.reserved < 0]
        lines.append((not negative, f"no stock level negative: {len(levels)} levels, "
                                    f"{len(negative)} negative"))
        mismatches = stock_keeping.verify(session)
        lines.append((not mismatches, f"stock levels agree with the ledger: "
                                      f"{len(mismatches)} mismatch {mismatches[:2]}"))
        on_hand = dict(session.execute(text(
            "SELECT p.sku, sum(l.on_hand) FROM stock_levels l JOIN products p "
            "ON p.id = l.product_id GROUP BY p.sku")).all())
        reserved = dict(session.execute(text(
            "SELECT p.sku, sum(l.reserved) FROM stock_levels l JOIN products p "
            "ON p.id = l.product_id GROUP BY p.sku")).all())
        expected_on_hand, expected_reserved = dict(stock), dict.fromkeys(stock, 0)
        for number, state in load.accepted.items():
            for sku, qty in load.lines[number].items():
                if state == "shipped":
                    expected_on_hand[sku] -= qty
                elif state == "confirmed":
                    expected_reserved[sku] += qty
        # Products no order took have no level to compare.
        expected_on_hand = {sku: q for sku, q in expected_on_hand.items() if sku in on_hand}
        expected_reserved = {sku: q for sku, q in expected_reserved.items() if sku in reserved}
        differ = sorted(sku for sku in expected_on_hand
                        if (on_hand.get(sku), reserved.get(sku))
                        != (expected_on_hand[sku], expected_reserved.get(sku)))
        lines.append((not differ and set(on_hand) == set(expected_on_hand),
                      f"stock moved exactly by the orders: {len(on_hand)} products, on hand "
                      f"{sum(on_hand.values())} (expected {sum(expected_on_hand.values())}), "
                      f"reserved {sum(reserved.values())} (expected "
                      f"{sum(expected_reserved.values())}), {len(differ)} differ "
                      f"{differ[:3]}"))

        not_done = {s: c for s, c in statuses.items() if s != "done" and c}
        lines.append((not not_done, f"every job is done: {dict(statuses)}"))
        per_title = Counter(session.scalars(
            select(Notification.title).where(Notification.role == "admin")).all())
        doubled_notes = [t for t, c in per_title.items() if c > 1]
        expected_notes = {f"{n} submitted" for n, s in load.accepted.items()
                          if s in ("confirmed", "shipped")} | {
            f"{n} shipped" for n, s in load.accepted.items() if s == "shipped"}
        missing_notes = expected_notes - set(per_title)
        lines.append((not doubled_notes and not missing_notes,
                      f"each notification made once: {len(per_title)} distinct, "
                      f"{len(doubled_notes)} doubled, {len(missing_notes)} missing "
                      f"(expected {len(expected_notes)})"))
    with receiver.lock:
        twice = [fact for fact, keys in receiver.facts.items() if len(keys) > 1]
        unheard = [n for n, s in load.accepted.items()
                   if s == "shipped" and (n, "shipped") not in receiver.facts]
        repeats = sum(c - 1 for c in receiver.deliveries.values())
        lines.append((not twice and not unheard,
                      f"each webhook event delivered once in effect: "
                      f"{sum(receiver.deliveries.values())} deliveries of "
                      f"{len(receiver.deliveries)} keys ({repeats} repeats of a key, which a "
                      f"receiver ignores), {len(twice)} state changes under two keys, "
                      f"{len(unheard)} shipped orders never announced"))
    return lines


# --- main -------------------------------------------------------------------------------

def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=600)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--skus", type=int, default=50,
                        help="products in the catalogue; each order takes two at random "
                             "(2: every order contends for the same two stock rows)")
    parser.add_argument("--workers", type=int, default=2, help="`orderloom worker` processes")
    parser.add_argument("--faults", action="store_true",
                        help="kill a worker and stop Redis while the load runs")
    parser.add_argument("--restart-postgres", action="store_true",
                        help="with --faults: also restart the SHARED PostgreSQL server")
    parser.add_argument("--stall-seconds", type=float, default=45,
                        help="jobs are stuck when none has finished for this long "
                             "(the sweeper's round is 30 s)")
    args = parser.parse_args()
    # Ctrl+C and `kill` end the run through the `finally` below, which stops every
    # process and drops the database (also when started in the background).
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    if not shutil.which("redis-server"):
        raise SystemExit("redis-server is not installed")
    if not (Path(sys.executable).parent / "gunicorn").exists():
        raise SystemExit("gunicorn is missing: pip install '.[scale]'")

    name, url = fresh_database()
    instance = Path(tempfile.mkdtemp(prefix="orderloom-load-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("ORDERLOOM_")}
    env.update(ORDERLOOM_DATABASE_URL=url, ORDERLOOM_INSTANCE_PATH=str(instance),
               ORDERLOOM_SECRET_KEY=secrets.token_hex(32), ORDERLOOM_LOG_LEVEL="WARNING",
               # The webhook receiver listens on 127.0.0.1, which outbound calls refuse
               # unless allowed.
               ORDERLOOM_OUTBOUND_ALLOW="127.0.0.1")
    processes = Processes(env)
    receiver = Receiver()
    engine = None
    failed = False
    try:
        skus = catalogue(args.skus)
        admin, staff, stock = prepare(url, args.orders, skus)
        processes.start_redis()
        env["ORDERLOOM_REDIS_URL"] = processes.redis_url
        for _ in range(args.workers):
            processes.start_worker()
        processes.start_app()
        threading.Thread(target=processes.supervise, daemon=True).start()
        stock_up(processes.app_port, admin, stock, receiver.url)

        load = Load(processes.app_port, staff, args.orders, args.clients, skus)
        fault_log: list[str] = []
        injector = None
        if args.faults:
            injector = threading.Thread(target=inject_faults, daemon=True,
                                        args=(load, processes, args.restart_postgres,
                                              fault_log))
            injector.start()
        elapsed = load.run()
        if injector is not None:
            injector.join(60)

        engine = make_engine(url)
        sessions = sessionmaker(bind=engine)
        began = time.monotonic()
        statuses = drain(sessions, args.stall_seconds)
        drained_in = time.monotonic() - began
        swept = []
        if any(statuses[s] for s in ACTIVE):
            # Jobs lost with a killed worker or a restarted Redis are handed over again
            # only once their claim is CLAIM_TIMEOUT old: let that time pass on paper.
            redis = Redis.from_url(processes.redis_url)
            swept = sweep(sessions, redis, now=utcnow() + CLAIM_TIMEOUT + timedelta(minutes=1))
            statuses_after = drain(sessions, args.stall_seconds)
        else:
            statuses_after = statuses

        print(f"Load: {args.orders} orders (create, submit, ship), each with 2 of "
              f"{args.skus} products, {args.clients} clients, "
              f"gunicorn 4 sync workers, {args.workers} RQ workers, PostgreSQL and Redis on "
              f"loopback, faults {'on' if args.faults else 'off'}"
              f"{' (with PostgreSQL restart)' if args.restart_postgres else ''}")
        for line in fault_log:
            print(f"  fault: {line}")
        if processes.exits:
            print(f"  FINDING: {len(processes.exits)} worker exit(s) not caused by the test:")
        for line in processes.exits[:6]:
            print(f"    {line}")
        print(f"  retried answers: {dict(load.answers) or 'none'}")
        if load.errors:
            failed = True
            print(f"  FAIL orders given up: {len(load.errors)}, e.g. {load.errors[:3]}")
        print(f"  jobs after {drained_in:.1f} s of draining: {dict(statuses)}")
        if swept:
            stuck = sum(statuses[s] for s in ACTIVE)
            print(f"  FINDING: {stuck} jobs stuck (none finished for "
                  f"{args.stall_seconds:.0f} s); they are taken up again only when their "
                  f"claim is {CLAIM_TIMEOUT} old; swept as if that time had passed, then: "
                  f"{dict(statuses_after)}")
        for ok, line in reconcile(sessions, load, stock, statuses_after, receiver):
            failed |= not ok
            print(f"  {'PASS' if ok else 'FAIL'} {line}")

        latencies = load.submit_latencies
        if not latencies:
            raise SystemExit("no order completed")
        rate = len(latencies) / elapsed
        p50, p99 = percentile(latencies, 0.5), percentile(latencies, 0.99)
        ship50, ship99 = percentile(load.ship_latencies, 0.5), percentile(
            load.ship_latencies, 0.99)
        bare, bare_elapsed = run_bare(url, args.orders, args.clients)
        bare_rate = len(bare) / bare_elapsed
        b50, b99 = percentile(bare, 0.5), percentile(bare, 0.99)
        print(f"  whole system: {rate:7.1f} orders/s (each created, submitted and shipped), "
              f"create+submit p50 {p50 * 1000:.1f} ms p99 {p99 * 1000:.1f} ms; "
              f"ship p50 {ship50 * 1000:.1f} ms p99 {ship99 * 1000:.1f} ms")
        print(f"  baseline (bare Core insert of order + submit, same clients): "
              f"{bare_rate:7.1f} orders/s, p50 {b50 * 1000:.1f} ms p99 {b99 * 1000:.1f} ms")
        print(f"  ratios (baseline / system for throughput, system / baseline for latency): "
              f"throughput {bare_rate / rate:.1f}x, p50 {p50 / b50:.1f}x, p99 {p99 / b99:.1f}x")
        rate_ok, p99_ok = rate >= TARGET_RATE, p99 < TARGET_P99
        print(f"  {'PASS' if rate_ok else 'FAIL'} target {TARGET_RATE:.0f} orders/s: "
              f"{rate:.1f} orders/s")
        print(f"  {'PASS' if p99_ok else 'FAIL'} target p99 < {TARGET_P99 * 1000:.0f} ms: "
              f"{p99 * 1000:.1f} ms")
        failed |= not (rate_ok and p99_ok)
        print(f"  logs: {instance}")
        return 1 if failed else 0
    finally:
        processes.stop_all()
        receiver.close()
        if engine is not None:
            engine.dispose()
        drop_database(name)


if __name__ == "__main__":
    raise SystemExit(main())

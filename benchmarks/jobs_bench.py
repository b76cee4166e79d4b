"""The CPU an `orderloom worker` spends per job: this checkout against another one (the
baseline, e.g. the commit before a change), measured in the same run, rounds
interleaved (A B A B) because this machine is shared and noisy.

    git worktree add /tmp/orderloom-base <commit>
    python benchmarks/jobs_bench.py --baseline /tmp/orderloom-base [--orders 300] [--rounds 3]
    ORDERLOOM_BENCH_POSTGRES_URL=postgresql+psycopg://postgres@127.0.0.1/test (default)
    ORDERLOOM_BENCH_REDIS_URL=redis://127.0.0.1:6379/13 (default; flushed)

Each round, for each checkout, that checkout's own code (in processes of its own, with
PYTHONPATH on it; the baseline needs no install of its own when its dependencies match
this Python's) makes a fresh PostgreSQL database with the benchmark order type
(orders_bench's, whose submit notifies three ways and whose rule notifies once), then
creates and submits ORDERS orders through the app with Redis configured, so their jobs
are handed to RQ as that checkout hands them over: 4 notify jobs an order, 1 from the
create's commit and 3 from the submit's. Then `orderloom worker --burst` of that
checkout runs them all. The worker's CPU time (user + system, as the OS counts it for
the child) less that of a worker started again on the emptied queue, divided by the jobs it
ran, is the CPU per job. Prints each round and the ratio of the medians.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

from redis import Redis
from scratch_database import create_database, drop_database

HERE = Path(__file__).resolve().parent
REDIS_URL = os.environ.get("ORDERLOOM_BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")
SECRET = "jobs-bench-secret-key-0123456789abcdef"
TARGET_RATIO = 0.5

# Run in the checkout's own Python path: its orders_bench set-up and its app.
MAKE_JOBS = r"""
import copy, json, sys
import orders_bench
from orderloom.platform.app import create_app
from orderloom.platform.settings import load_settings

definition = copy.deepcopy(orders_bench.DEFINITION)
notify = lambda to: {"type": "notify", "to": to, "subject": "Order {{ order.number }}",
                     "template": "Order {{ order.number }} is {{ order.state }}."}
definition["workflow"]["transitions"][0]["actions"] = [
    notify({"roles": ["staff"]}), notify({"roles": ["admin"]}), notify({"users": ["bench"]})]
definition["rules"][0]["when"] = "total > 0"
definition["rules"][0]["then"].append(notify({"roles": ["staff"]}))
orders_bench.DEFINITION = definition
url, redis_url, instance, orders = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
token = orders_bench.prepare(url)
settings = load_settings({}, overrides={"instance_path": instance, "database_url": url,
                                        "secret_key": sys.argv[5], "redis_url": redis_url})
client = create_app(settings).test_client()
auth = {"Authorization": f"Bearer {token}"}
for _ in range(orders):
    created = client.post("/api/v1/orders", json=orders_bench.ORDER, headers=auth)
    assert created.status_code == 201, created.get_json()
    order = created.get_json()
    submitted = client.post(f"/api/v1/orders/{order['number']}/transitions/submit",
                            headers={**auth, "If-Match": f'"{order["revision"]}"'})
    assert submitted.status_code == 200, submitted.get_json()
"""

COUNT_JOBS = r"""
import sys
from sqlalchemy import create_engine, text
engine = create_engine(sys.argv[1])
with engine.connect() as connection:
    print(dict(connection.execute(text("SELECT status, count(*) FROM jobs GROUP BY status")).all()))
"""


def environment(checkout: Path, database_url: str, instance: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ORDERLOOM_")}
    env.update(PYTHONPATH=f"{checkout}{os.pathsep}{checkout / 'benchmarks'}",
               ORDERLOOM_DATABASE_URL=database_url, ORDERLOOM_REDIS_URL=REDIS_URL,
               ORDERLOOM_INSTANCE_PATH=str(instance), ORDERLOOM_SECRET_KEY=SECRET,
               ORDERLOOM_LOG_LEVEL="WARNING")
    return env


def worker_cpu(checkout: Path, env: dict[str, str]) -> float:
    """CPU seconds (user + system) of one `orderloom worker --burst` of ``checkout``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    # Every runtime domain is imported before the worker starts, in the busy run and in
    # the idle one alike, so that the one-time import drops out of the difference: a
    # worker that imports them when its first job arrives (the baseline's) would count
    # it in the busy run only, and one that imports them at start in both.
    subprocess.run([sys.executable, "-c", "from orderloom import runtime\n"
                    "runtime.load_domains()\n"
                    "from orderloom.platform.cli import main\n"
                    "main(['worker', '--burst'])"], cwd=checkout, env=env, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def one_round(checkout: Path, orders: int) -> tuple[float, int]:
    """CPU milliseconds per job, and the jobs run, for ``checkout``."""
    Redis.from_url(REDIS_URL).flushdb()
    name = f"orderloom_jobs_bench_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    url = create_database(name)
    try:
        with tempfile.TemporaryDirectory() as folder:
            env = environment(checkout, url, Path(folder))
            subprocess.run([sys.executable, "-c", MAKE_JOBS, url, REDIS_URL, folder,
                            str(orders), SECRET], cwd=checkout, env=env, check=True,
                           stdout=subprocess.DEVNULL)
            busy = worker_cpu(checkout, env)
            idle = worker_cpu(checkout, env)  # start-up, and a queue left empty
            counted = subprocess.run([sys.executable, "-c", COUNT_JOBS, url], env=env,
                                     check=True, capture_output=True, text=True).stdout
            statuses = json.loads(counted.replace("'", '"'))
            if set(statuses) != {"done"}:
                raise SystemExit(f"{checkout}: jobs left undone: {statuses}")
            done = statuses["done"]
    finally:
        drop_database(name)
    return (busy - idle) * 1000 / done, done


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--baseline", type=Path, required=True,
                        help="another checkout of Orderloom to compare with")
    parser.add_argument("--orders", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    candidate = HERE.parent
    results: dict[str, list[float]] = {"baseline": [], "this checkout": []}
    for number in range(1, args.rounds + 1):
        for label, checkout in (("baseline", args.baseline), ("this checkout", candidate)):
            per_job, done = one_round(checkout.resolve(), args.orders)
            results[label].append(per_job)
            print(f"round {number} {label:14s} {done:5d} jobs  {per_job:6.2f} ms CPU per job",
                  flush=True)
    base = statistics.median(results["baseline"])
    mine = statistics.median(results["this checkout"])
    ratio = mine / base
    print(f"median: baseline {base:.2f} ms, this checkout {mine:.2f} ms per job: "
          f"{ratio:.2f}x the baseline (target at most {TARGET_RATIO}x)")
    return 0 if ratio <= TARGET_RATIO else 1


if __name__ == "__main__":
    sys.exit(main())

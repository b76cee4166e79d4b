"""The same failing-then-healthy endpoint with Redis: each attempt runs in a real
`orderloom worker` process; the retry waits are the webhook backoff, and each burst
worker starts by handing over whatever came due meanwhile (the sweeper)."""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from orderloom.db import utcnow
from orderloom.platform.settings import load_settings
from orderloom.runtime.jobs.models import QUEUED, Job
from orderloom.runtime.notify.webhooks import DELIVERED, PENDING, WebhookAttempt, WebhookDelivery
from tests.conftest import TEST_SECRET
from tests.runtime.support import create
from tests.webhooks.support import Receiver
from tests.webhooks.test_delivery import subscribe

pytestmark = pytest.mark.redis
REPOSITORY = Path(__file__).resolve().parents[2]


@pytest.fixture
def settings(tmp_path, database_url, redis_url):
    return load_settings({}, overrides={
        "instance_path": tmp_path / "instance", "database_url": database_url,
        "secret_key": TEST_SECRET, "redis_url": redis_url})


def burst_worker(database_url: str, redis_url: str, instance: Path):
    """`orderloom worker --burst` with the short webhook backoff of these tests."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("ORDERLOOM_") or k.startswith("ORDERLOOM_WEBHOOK_")}
    # The receiver listens on 127.0.0.1: the worker is allowed to call it as an operator
    # allows an internal ERP.
    env.update(ORDERLOOM_DATABASE_URL=database_url, ORDERLOOM_REDIS_URL=redis_url,
               ORDERLOOM_INSTANCE_PATH=str(instance), ORDERLOOM_SECRET_KEY=TEST_SECRET,
               ORDERLOOM_OUTBOUND_ALLOW="127.0.0.1")
    code = "from orderloom.platform.cli import main\nmain(['worker', '--burst'])\n"
    return subprocess.run([sys.executable, "-c", code], cwd=REPOSITORY, env=env,
                          capture_output=True, text=True, timeout=60)


def test_with_rq_workers_the_endpoint_gets_the_event_once_signed(
        client, db, published, token_for, database_url, redis_url, tmp_path):
    admin = {"Authorization": f"Bearer {token_for('admin')}"}
    staff = {"Authorization": f"Bearer {token_for('staff')}"}
    with Receiver(fail_first=3) as erp:
        erp.secret = subscribe(client, admin, erp.url)["secret"]
        assert create(client, staff).status_code == 201
        assert db.scalars(select(Job.status)).all() == [QUEUED]  # on Redis, not run here
        db.rollback()
        runs = 0
        while True:
            result = burst_worker(database_url, redis_url, tmp_path / "instance")
            assert result.returncode == 0, result.stderr
            runs += 1
            delivery = db.scalars(select(WebhookDelivery)).one()
            status, due = delivery.status, delivery.next_attempt_at
            db.rollback()
            if status != PENDING or runs == 8:
                break
            time.sleep(max((due - utcnow()).total_seconds(), 0))

    assert status == DELIVERED, result.stderr
    keys = {r["headers"]["Idempotency-Key"] for r in erp.requests}
    assert len(erp.requests) == 4 and len(keys) == 1
    assert all(r["signature_valid"] for r in erp.requests)
    assert list(erp.processed) == [keys.pop()]
    codes = db.scalars(select(WebhookAttempt.status_code).order_by(WebhookAttempt.number)).all()
    db.rollback()
    assert codes == [500, 500, 500, 200]
    # One more worker finds nothing left to send.
    assert burst_worker(database_url, redis_url, tmp_path / "instance").returncode == 0
    assert len(erp.requests) == 4

"""The outbox with Redis: jobs are queued on RQ and `orderloom worker` runs them once."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from orderloom.platform.settings import load_settings
from orderloom.runtime.jobs.models import DONE, QUEUED, Job
from orderloom.runtime.notify.in_app import Notification
from tests.conftest import TEST_SECRET
from tests.runtime.support import create
from tests.runtime.test_jobs import publish

pytestmark = pytest.mark.redis
REPOSITORY = Path(__file__).resolve().parents[2]


def worker(database_url: str, redis_url: str, instance: Path, *, burst: bool = True,
           preload: str = "", **popen):
    """`orderloom worker` in a process of its own; ``preload`` imports a module that
    registers test job kinds first."""
    # The outbound allowance passes on, as an operator gives every worker the app's: a
    # test whose carrier or receiver listens on 127.0.0.1 allows it in its own process.
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("ORDERLOOM_") or k == "ORDERLOOM_OUTBOUND_ALLOW"}
    env.update(ORDERLOOM_DATABASE_URL=database_url, ORDERLOOM_REDIS_URL=redis_url,
               ORDERLOOM_INSTANCE_PATH=str(instance), ORDERLOOM_SECRET_KEY=TEST_SECRET)
    code = (f"import {preload}\n" if preload else "") + (
        "from orderloom.platform.cli import main\n"
        f"main(['worker'{', ' + repr('--burst') if burst else ''}])\n")
    command = [sys.executable, "-c", code]
    if popen:
        return subprocess.Popen(command, cwd=REPOSITORY, env=env, **popen)
    return subprocess.run(command, cwd=REPOSITORY, env=env, capture_output=True, text=True,
                          timeout=60)


@pytest.fixture
def settings(tmp_path, database_url, redis_url):
    return load_settings({}, overrides={
        "instance_path": tmp_path / "instance", "database_url": database_url,
        "secret_key": TEST_SECRET, "redis_url": redis_url})


def test_a_burst_worker_runs_the_queued_job_once(client, db, token_for, database_url,
                                                 redis_url, tmp_path):
    staff = publish(client, token_for)
    assert create(client, staff).status_code == 201
    assert db.scalars(select(Job.status)).all() == [QUEUED]  # handed to RQ, not run here
    db.rollback()
    for _ in range(2):  # a second worker finds nothing left to do
        result = worker(database_url, redis_url, tmp_path / "instance")
        assert result.returncode == 0, result.stderr
    assert db.scalars(select(Job.status)).all() == [DONE], (
        db.scalars(select(Job.last_error)).all(), result.stderr)
    assert db.scalars(select(Notification.role)).all() == ["staff"]
    db.rollback()

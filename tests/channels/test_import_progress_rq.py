"""With Redis, a background import runs on an `orderloom worker`, not in the app."""
from __future__ import annotations

import pytest

from orderloom.platform.settings import load_settings
from tests.channels.test_files import upload
from tests.channels.test_import_progress import BROKEN_EVERY, ROWS, large_file
from tests.conftest import TEST_SECRET
from tests.runtime.test_jobs_rq import worker

pytestmark = pytest.mark.redis


@pytest.fixture
def settings(tmp_path, database_url, redis_url):
    return load_settings({}, overrides={
        "instance_path": tmp_path / "instance", "database_url": database_url,
        "secret_key": TEST_SECRET, "redis_url": redis_url})


def test_a_worker_imports_the_large_file(client, admin, database_url, redis_url, tmp_path):
    run = upload(client, admin, large_file(), "big.csv").get_json()
    assert run["status"] == "queued"
    assert client.get(run["progress_url"], headers=admin).get_json()["rows_done"] == 0
    result = worker(database_url, redis_url, tmp_path / "instance")
    assert result.returncode == 0, result.stderr
    done = client.get(run["progress_url"], headers=admin).get_json()
    failing = len(range(0, ROWS, BROKEN_EVERY))
    assert (done["status"], done["orders_created"], done["rows_failed"]) == (
        "done", ROWS - failing, failing)

"""/readyz tells a load balancer whether this node should get traffic, naming each check:
the database and its schema, the cluster's secret key, and with Redis the workers and
the queue."""
from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest

from orderloom.platform.app import create_app
from orderloom.platform.settings import load_settings
from orderloom.platform.startup import check_database
from orderloom.runtime.jobs import health
from orderloom.runtime.jobs.queues import QUEUE_NAMES

KEY_A = "a" * 40
KEY_B = "b" * 40


def _client(tmp_path, database_url, key=KEY_A, fallbacks="", redis_url=None, start=True):
    """A node's app; ``start``: after the checks every process makes as it starts
    (serve, gunicorn, worker), which record the cluster's key."""
    overrides = {"instance_path": tmp_path / "i", "database_url": database_url,
                 "secret_key": key}
    if redis_url:
        overrides["redis_url"] = redis_url
    settings = load_settings({"ORDERLOOM_SECRET_KEY_FALLBACKS": fallbacks},
                             overrides=overrides)
    if start:
        check_database(settings)
    return create_app(settings).test_client()


def test_an_embedded_node_is_ready_and_names_its_checks(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ready"
    assert set(body["checks"]) == {"database", "schema", "secret_key"}
    assert body["checks"]["schema"]["revision"] == body["checks"]["schema"]["needed"]


def test_a_node_with_another_secret_key_is_unready_and_logs_why(tmp_path, database_url,
                                                                 caplog):
    assert _client(tmp_path, database_url, KEY_A).get("/readyz").status_code == 200
    with caplog.at_level(logging.WARNING, logger="orderloom"):
        other = _client(tmp_path, database_url, KEY_B).get("/readyz")
    assert other.status_code == 503
    check = other.get_json()["checks"]["secret_key"]
    assert check["ok"] is False
    assert "ORDERLOOM_SECRET_KEY is not the key the other nodes sign with" in check["detail"]
    assert "ORDERLOOM_SECRET_KEY is not the key the other nodes sign with" in caplog.text
    assert KEY_B not in caplog.text and KEY_A not in caplog.text
    # The first node still agrees with what the cluster recorded.
    assert _client(tmp_path, database_url, KEY_A).get("/readyz").status_code == 200


def test_a_node_rotating_to_a_new_key_moves_the_cluster_to_it(tmp_path, database_url):
    assert _client(tmp_path, database_url, KEY_A).get("/readyz").status_code == 200
    # The new key signs, the old one is kept as a fallback: the cluster moves to it...
    assert _client(tmp_path, database_url, KEY_B, fallbacks=KEY_A).get(
        "/readyz").status_code == 200
    # ...so a node still on the old key alone, which cannot read what the new key
    # signs, is taken out of traffic until it is restarted with the new key.
    assert _client(tmp_path, database_url, KEY_A).get("/readyz").status_code == 503
    # Once every node has the new key, the old one may be dropped.
    assert _client(tmp_path, database_url, KEY_B).get("/readyz").status_code == 200


@pytest.mark.redis
def test_a_stale_worker_heartbeat_and_an_old_queue_make_the_node_unready(
        tmp_path, sqlite_url, redis_url):
    from redis import Redis
    from rq import Queue, Worker
    from rq.utils import utcformat

    client = _client(tmp_path, sqlite_url, redis_url=redis_url)
    redis = Redis.from_url(redis_url)

    nobody = client.get("/readyz")
    assert nobody.status_code == 503
    assert nobody.get_json()["checks"]["workers"]["detail"] == (
        "no worker is running: start `orderloom worker`")

    worker = Worker(list(QUEUE_NAMES), connection=redis)
    worker.register_birth()
    worker.heartbeat()
    job = Queue(QUEUE_NAMES[1], connection=redis).enqueue("os.getcwd")
    alive = client.get("/readyz")
    assert alive.status_code == 200, alive.get_json()
    checks = alive.get_json()["checks"]
    assert checks["redis"] == {"ok": True}
    assert checks["workers"]["ok"] and checks["workers"]["count"] == 1
    assert checks["queue"]["depth"] == 1 and checks["queue"]["ok"]

    # A worker that stopped beating (hung, or its machine lost) while RQ still lists it.
    long_ago = datetime.now(UTC) - timedelta(seconds=health.HEARTBEAT_STALE_SECONDS + 30)
    redis.hset(worker.key, "last_heartbeat", utcformat(long_ago))
    stale = client.get("/readyz")
    assert stale.status_code == 503
    assert stale.get_json()["checks"]["workers"]["ok"] is False
    assert "no worker has sent a heartbeat for" in stale.get_json()["checks"]["workers"][
        "detail"]

    worker.heartbeat()
    waited = datetime.now(UTC) - timedelta(seconds=health.QUEUE_TOO_OLD_SECONDS + 30)
    redis.hset(job.key, "enqueued_at", utcformat(waited))
    backlog = client.get("/readyz")
    assert backlog.status_code == 503
    queue = backlog.get_json()["checks"]["queue"]
    assert queue["ok"] is False and queue["depth"] == 1
    assert queue["oldest_seconds"] > health.QUEUE_TOO_OLD_SECONDS
    # A load balancer asks for this node's own checks: a backlog every node shares
    # must not take them all out of traffic, as orders are still taken meanwhile.
    node = client.get("/readyz?scope=node")
    assert node.status_code == 200
    assert set(node.get_json()["checks"]) == {"database", "schema", "secret_key"}
    worker.register_death()


def test_a_probe_changes_nothing_and_asks_properly(tmp_path, database_url):
    from sqlalchemy import create_engine, text

    assert _client(tmp_path, database_url, KEY_A).get("/readyz").status_code == 200
    engine = create_engine(database_url)
    with engine.connect() as connection:
        recorded = connection.execute(text("SELECT fingerprint, recorded_at "
                                           "FROM key_fingerprints")).all()
    # A node holding the recorded key as a fallback, probed before it has started:
    # only a start moves the cluster to a new key, never a probe anyone may send.
    app = _client(tmp_path, database_url, KEY_B, fallbacks=KEY_A, start=False)
    for _ in range(3):
        assert app.get("/readyz").status_code == 200
    with engine.connect() as connection:
        assert connection.execute(text("SELECT fingerprint, recorded_at "
                                        "FROM key_fingerprints")).all() == recorded
    engine.dispose()
    bad = app.get("/readyz?scope=everything")
    assert bad.status_code == 422
    assert "scope" in bad.get_data(as_text=True)

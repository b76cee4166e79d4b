"""/healthz tells an operator whether the database and Redis are reachable."""
from __future__ import annotations

from orderloom.platform.app import create_app
from orderloom.platform.settings import load_settings


def _client(tmp_path, database_url, redis_url=None):
    overrides = {"instance_path": tmp_path / "i", "database_url": database_url,
                 "secret_key": "k" * 40}
    if redis_url:
        overrides["redis_url"] = redis_url
    return create_app(load_settings({}, overrides=overrides)).test_client()


def test_healthy_embedded_instance(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "checks": {
        "database": "ok", "redis": "not configured (jobs run in-process)"}}


def test_redis_is_checked_when_configured(tmp_path, sqlite_url, redis_url):
    response = _client(tmp_path, sqlite_url, redis_url).get("/healthz")
    assert response.status_code == 200
    assert response.get_json()["checks"]["redis"] == "ok"


def test_unreachable_redis_makes_the_instance_unhealthy(tmp_path, sqlite_url):
    response = _client(tmp_path, sqlite_url, "redis://127.0.0.1:1/0").get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["checks"]["redis"] == "unreachable"


def test_an_unmigrated_database_is_reported(tmp_path):
    response = _client(tmp_path, f"sqlite:///{tmp_path / 'empty.db'}").get("/healthz")
    assert response.status_code == 503
    assert "orderloom db upgrade" in response.get_json()["checks"]["database"]

"""gunicorn, the documented app server, run as an operator runs it: a separate process on
a free port of 127.0.0.1, started through the same start-up as every other process."""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from orderloom.db import make_engine
from orderloom.platform import schema

GUNICORN = [sys.executable, "-m", "gunicorn", "--preload", "--workers", "1"]
APP = "orderloom.platform.wsgi:app"
# How long gunicorn may take to load the app on a busy machine; a refusal comes sooner.
START_TIMEOUT = 120


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def environment(instance: Path, **settings: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ORDERLOOM_")}
    env.update({"ORDERLOOM_INSTANCE_PATH": str(instance), "ORDERLOOM_SECRET_KEY": "k" * 40})
    env.update({f"ORDERLOOM_{name.upper()}": value for name, value in settings.items()})
    return env


def refusal(tmp_path: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(GUNICORN + ["--bind", f"127.0.0.1:{free_port()}", APP],
                          cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=START_TIMEOUT)


def migrated_instance(tmp_path: Path, revision: str = "head") -> Path:
    instance = tmp_path / "instance"
    instance.mkdir()
    engine = make_engine(f"sqlite:///{instance / 'orderloom.db'}")
    schema.upgrade(engine, revision)
    engine.dispose()
    return instance


class Server:
    """gunicorn serving until stopped; its stderr kept for the test to read."""

    def __init__(self, tmp_path: Path, env: dict[str, str], workers: int = 1) -> None:
        self.port = free_port()
        self.log_path = tmp_path / "gunicorn.log"
        self._log = self.log_path.open("w")
        command = [str(workers) if part == "1" else part for part in GUNICORN]
        self.process = subprocess.Popen(
            command + ["--bind", f"127.0.0.1:{self.port}", APP], cwd=tmp_path, env=env,
            stdout=subprocess.DEVNULL, stderr=self._log)
        deadline = time.monotonic() + START_TIMEOUT
        while True:  # polled: the moment gunicorn listens is not known otherwise
            if self.process.poll() is not None:
                raise AssertionError(f"gunicorn stopped: {self.log()}")
            try:
                self.get("/healthz")
                return
            except (urllib.error.URLError, ConnectionError):
                if time.monotonic() > deadline:
                    raise AssertionError(f"gunicorn did not answer: {self.log()}") from None
                time.sleep(0.2)

    def get(self, path: str, headers: dict[str, str] | None = None):
        request = urllib.request.Request(f"http://127.0.0.1:{self.port}{path}",
                                         headers=headers or {})
        try:
            with urllib.request.urlopen(request, timeout=30) as answer:
                return answer.status, dict(answer.headers), answer.read()
        except urllib.error.HTTPError as answer:
            return answer.code, dict(answer.headers), answer.read()

    def log(self) -> str:
        return self.log_path.read_text()

    def stop(self) -> str:
        self.process.terminate()
        self.process.wait(timeout=60)
        self._log.close()
        return self.log()


def test_a_bad_setting_stops_gunicorn_with_one_line_and_status_2(tmp_path):
    result = refusal(tmp_path, environment(tmp_path / "instance", log_level="LOUD"))
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "orderloom: error: ORDERLOOM_LOG_LEVEL: 'LOUD' is not one of DEBUG, INFO, WARNING, "
        "ERROR"]


def test_gunicorn_refuses_a_database_schema_older_than_the_code(tmp_path):
    instance = migrated_instance(tmp_path, "0027")
    result = refusal(tmp_path, environment(instance))
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"orderloom: error: the database schema is at 0027, this version needs "
        f"{schema.head_revision()}: run `orderloom db upgrade`"]


def test_without_preload_gunicorn_still_stops_instead_of_serving(tmp_path):
    # Each worker loads the app itself: the arbiter, not told, would start worker after
    # worker; the refusal makes it stop (with its own status 3, "worker failed to boot").
    instance = migrated_instance(tmp_path, "0027")
    command = [part for part in GUNICORN if part != "--preload"]
    result = subprocess.run(command + ["--bind", f"127.0.0.1:{free_port()}", APP],
                            cwd=tmp_path, env=environment(instance), capture_output=True,
                            text=True, timeout=START_TIMEOUT)
    assert result.returncode == 3
    assert "orderloom: error: the database schema is at 0027" in result.stderr
    assert "Traceback" not in result.stderr


def test_each_request_has_an_id_in_its_log_line_header_and_problem(tmp_path):
    server = Server(tmp_path, environment(migrated_instance(tmp_path), log_format="json"))
    try:
        status, headers, body = server.get("/api/v1/orders",
                                           {"X-Request-Id": "lb-7f3a.42"})
        made_status, made_headers, _ = server.get("/healthz",
                                                  {"X-Request-Id": "no spaces <b>"})
    finally:
        log = server.stop()
    assert status == 401
    assert headers["X-Request-Id"] == "lb-7f3a.42"
    assert json.loads(body)["request_id"] == "lb-7f3a.42"
    # An id that could forge a log line is replaced by one of ours.
    assert made_status == 200
    made = made_headers["X-Request-Id"]
    assert made != "no spaces <b>" and len(made) == 32

    lines = [json.loads(line) for line in log.splitlines() if line.startswith("{")]
    access = {line["request_id"]: line for line in lines
              if line["logger"] == "orderloom.access"}
    assert access["lb-7f3a.42"]["method"] == "GET"
    assert access["lb-7f3a.42"]["path"] == "/api/v1/orders"
    assert access["lb-7f3a.42"]["status"] == 401
    assert access["lb-7f3a.42"]["duration_ms"] >= 0
    assert access[made]["status"] == 200
    assert access[made]["level"] == "INFO"  # the app's INFO reaches gunicorn's stderr


@pytest.mark.parametrize("level, shown", [("INFO", True), ("WARNING", False)])
def test_the_log_level_is_honoured_under_gunicorn(tmp_path, level, shown):
    server = Server(tmp_path, environment(migrated_instance(tmp_path), log_level=level))
    try:
        server.get("/healthz", {"X-Request-Id": "probe-1"})
    finally:
        log = server.stop()
    assert ("INFO orderloom.access [probe-1] GET /healthz 200" in log) is shown

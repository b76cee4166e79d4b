"""The orderloom command, run as a person runs it: a separate process."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from orderloom.db import make_engine, make_session_factory
from orderloom.platform import accounts
from orderloom.platform.models import User

ORDERLOOM = [sys.executable, "-m", "orderloom.platform"]


def run(args: list[str], cwd: Path, env: dict[str, str] | None = None, timeout: int = 120):
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("ORDERLOOM_")}
    full_env.update(env or {})
    return subprocess.run(ORDERLOOM + args, cwd=cwd, env=full_env, capture_output=True,
                          text=True, timeout=timeout)


def test_a_bad_database_url_gives_one_clear_line_and_exit_2(tmp_path):
    result = run(["db", "upgrade"], tmp_path, {"ORDERLOOM_DATABASE_URL": "mysql://u@h/db"})
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert lines == ["orderloom: error: ORDERLOOM_DATABASE_URL: database 'mysql' is not "
                     "supported; use postgresql or sqlite"]
    assert "Traceback" not in result.stdout + result.stderr


def test_an_unreachable_database_gives_one_clear_line_and_exit_2(tmp_path):
    result = run(["db", "upgrade"], tmp_path,
                 {"ORDERLOOM_DATABASE_URL": "postgresql://app:s3cret@127.0.0.1:1/orders"})
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("orderloom: error: cannot reach postgresql+psycopg://app:***@")
    assert "s3cret" not in result.stderr


def test_init_creates_the_instance_and_the_first_admin_once(tmp_path):
    first = run(["init"], tmp_path)
    assert first.returncode == 0, first.stderr
    assert "username: admin" in first.stdout
    password = first.stdout.split("password: ")[1].split()[0]
    assert len(password) >= 10
    assert (tmp_path / "instance" / "orderloom.db").exists()
    again = run(["init"], tmp_path)
    assert again.returncode == 0
    assert "An administrator exists already; no user was created." in again.stdout
    engine = make_engine(f"sqlite:///{tmp_path / 'instance' / 'orderloom.db'}")
    with make_session_factory(engine)() as session:
        admins = session.scalars(select(User)).all()
        assert [u.username for u in admins] == ["admin"]
        assert admins[0].role_names == ["admin"]
    engine.dispose()


def test_user_create_and_serve_refuse_an_uninitialised_database(tmp_path):
    result = run(["user", "create", "li", "--role", "staff", "--password", "long-enough-pw"],
                 tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip() == ("orderloom: error: the database is not initialised: "
                                     "run `orderloom init` first")


def test_user_create_makes_a_user_who_can_log_in(tmp_path):
    assert run(["init", "--admin-password", "tidy-harbour-42"], tmp_path).returncode == 0
    result = run(["user", "create", "li.wei", "--role", "staff", "--role", "viewer",
                  "--password", "staff-password-1"], tmp_path)
    assert result.returncode == 0, result.stderr
    assert "User li.wei is created with the roles staff, viewer." in result.stdout
    unknown = run(["user", "create", "x.y", "--role", "chef", "--password", "long-enough-pw"],
                  tmp_path)
    assert unknown.returncode == 2
    assert "there is no role named 'chef'" in unknown.stderr


def test_user_create_reads_the_password_from_stdin(tmp_path):
    assert run(["init", "--admin-password", "tidy-harbour-42"], tmp_path).returncode == 0
    result = subprocess.run(
        ORDERLOOM + ["user", "create", "li.wei", "--role", "staff", "--password-stdin"],
        cwd=tmp_path, input="staff-password-1\n", capture_output=True, text=True, timeout=120,
        env={k: v for k, v in os.environ.items() if not k.startswith("ORDERLOOM_")})
    assert result.returncode == 0, result.stderr
    assert "User li.wei is created with the roles staff." in result.stdout
    engine = make_engine(f"sqlite:///{tmp_path / 'instance' / 'orderloom.db'}")
    with make_session_factory(engine)() as session:
        assert accounts.authenticate(session, "li.wei", "staff-password-1") is not None
    engine.dispose()


def test_user_create_without_a_terminal_or_password_says_what_to_pass(tmp_path):
    # Once it prompted with no terminal and printed only "Aborted!".
    assert run(["init", "--admin-password", "tidy-harbour-42"], tmp_path).returncode == 0
    result = subprocess.run(
        ORDERLOOM + ["user", "create", "li.wei", "--role", "staff"], cwd=tmp_path,
        stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120,
        env={k: v for k, v in os.environ.items() if not k.startswith("ORDERLOOM_")})
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "orderloom: error: no password given and no terminal to ask for one: pass "
        "--password-stdin (the password on standard input) or --password"]
    assert "Aborted" not in result.stdout + result.stderr


def test_db_upgrade_reports_what_it_did(tmp_path):
    first = run(["db", "upgrade"], tmp_path)
    assert first.returncode == 0, first.stderr
    assert "upgraded None -> " in first.stdout
    second = run(["db", "upgrade"], tmp_path)
    assert "already up to date" in second.stdout


def test_worker_without_redis_explains_why_none_is_needed(tmp_path):
    result = run(["worker"], tmp_path)
    assert result.returncode == 2
    assert "ORDERLOOM_REDIS_URL is not set" in result.stderr


@pytest.mark.redis
def test_worker_runs_against_redis_in_burst_mode(tmp_path, redis_url):
    assert run(["init", "--admin-password", "tidy-harbour-42"], tmp_path).returncode == 0
    result = run(["worker", "--burst"], tmp_path, {"ORDERLOOM_REDIS_URL": redis_url})
    assert result.returncode == 0, result.stderr
    from redis import Redis
    from rq import Worker

    # The worker registered with Redis and left cleanly when the queues were empty.
    assert Worker.all(connection=Redis.from_url(redis_url)) == []
    assert "orderloom-high" in result.stderr or "orderloom-high" in result.stdout


@pytest.mark.redis
def test_the_worker_honours_the_log_level_and_format(tmp_path, redis_url):
    assert run(["init", "--admin-password", "tidy-harbour-42"], tmp_path).returncode == 0
    quiet = run(["worker", "--burst"], tmp_path, {"ORDERLOOM_REDIS_URL": redis_url,
                                                  "ORDERLOOM_LOG_LEVEL": "WARNING"})
    assert quiet.returncode == 0, quiet.stderr
    assert "orderloom-high" not in quiet.stdout + quiet.stderr  # RQ's INFO lines

    as_json = run(["worker", "--burst"], tmp_path, {"ORDERLOOM_REDIS_URL": redis_url,
                                                    "ORDERLOOM_LOG_FORMAT": "json"})
    assert as_json.returncode == 0, as_json.stderr
    lines = [json.loads(line) for line in as_json.stderr.splitlines()]
    assert any("orderloom-high" in line["message"] and line["level"] == "INFO"
               for line in lines)

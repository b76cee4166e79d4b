"""The files an operator copies from deploy/: systemd units that systemd itself reads
without a complaint, a Procfile whose commands exist, and an nginx example that lets
through the bodies the app accepts and never passes a client's own forwarding header."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from orderloom.platform.settings import load_settings
from tests.platform.test_cli import run

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
UNITS = sorted((DEPLOY / "systemd").glob("*.service"))
INSTALLED = "/opt/orderloom/venv/bin/"


def test_there_are_units_for_the_app_the_workers_and_one_machine():
    assert [unit.name for unit in UNITS] == [
        "orderloom-serve.service", "orderloom-web.service", "orderloom-worker@.service"]


@pytest.mark.skipif(shutil.which("systemd-analyze") is None,
                    reason="systemd-analyze is not installed on this machine")
@pytest.mark.parametrize("unit", UNITS, ids=lambda unit: unit.name)
def test_systemd_reads_each_unit_without_a_complaint(unit, tmp_path):
    # systemd checks that ExecStart's program exists: the installed paths point at
    # stand-ins here. Every other line is read as written.
    programs = tmp_path / "bin"
    programs.mkdir()
    for name in ("gunicorn", "orderloom"):
        (programs / name).symlink_to(shutil.which("true"))
    text = unit.read_text().replace(INSTALLED, f"{programs}/")
    copy = tmp_path / unit.name.replace("@.", "@1.")
    copy.write_text(text)
    result = subprocess.run(["systemd-analyze", "verify", str(copy)], capture_output=True,
                            text=True, timeout=60)
    complaints = [line for line in (result.stdout + result.stderr).splitlines()
                  if copy.name in line or unit.name in line]
    assert result.returncode == 0 and complaints == [], result.stdout + result.stderr
    # What an operator relies on: ordered after the network, installable, and
    # restarted whatever stopped it, a database not up yet at start included, without
    # systemd's limit on starts giving up after a few.
    assert "[Install]" in text and "WantedBy=multi-user.target" in text
    assert "Restart=always" in text and "StartLimitIntervalSec=0" in text
    assert "RestartPreventExitStatus" not in text
    assert "User=orderloom" in text and "StateDirectory=orderloom" in text


def test_the_procfile_runs_commands_that_exist(tmp_path):
    lines = dict(line.split(": ", 1) for line in
                 (DEPLOY / "Procfile").read_text().splitlines()
                 if line and not line.startswith("#"))
    assert set(lines) == {"release", "web", "worker"}
    for name in ("release", "worker"):
        words = lines[name].split()
        assert words[0] == "orderloom"
        assert run([*words[1:], "--help"], tmp_path).returncode == 0, lines[name]
    app_path = lines["web"].split()[-1]
    module, attribute = app_path.split(":")
    env = {k: v for k, v in os.environ.items() if not k.startswith("ORDERLOOM_")}
    env["ORDERLOOM_INSTANCE_PATH"] = str(tmp_path / "instance")
    # The app refuses to start on a database that is not initialised.
    assert run(["init", "--admin-password", "tidy-harbour-42"], tmp_path, env).returncode == 0
    loaded = subprocess.run(
        [sys.executable, "-c", f"import {module} as m; print(type(m.{attribute}).__name__)"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert loaded.stdout.strip() == "Flask", loaded.stderr


def test_nginx_passes_the_bodies_the_app_accepts_and_only_its_own_forwarding_header(
        tmp_path):
    conf = (DEPLOY / "nginx" / "orderloom.conf").read_text()
    size = re.search(r"client_max_body_size (\d+)m;", conf)
    assert size, "nginx's own 1 MiB default would refuse files the app accepts"
    default = load_settings({}, overrides={"instance_path": tmp_path}).max_body_bytes
    assert int(size.group(1)) * 1024 * 1024 == default
    # Appending ($proxy_add_x_forwarded_for) would pass on what a client wrote itself,
    # and the app, trusting one proxy, would take that as the client's address.
    assert "proxy_set_header X-Forwarded-For $remote_addr;" in conf
    assert "proxy_add_x_forwarded_for" not in conf
    assert "proxy_set_header X-Forwarded-Proto $scheme;" in conf

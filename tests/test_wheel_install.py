"""A non-editable install carries its migrations, templates and pages with it."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import sysconfig
import time
import urllib.request
import venv
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_wheel_installs_and_serves_a_login_page_from_another_folder(tmp_path):
    wheelhouse = tmp_path / "wheelhouse"
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
         "-w", str(wheelhouse), str(ROOT)],
        capture_output=True, text=True, timeout=300)
    assert build.returncode == 0, build.stderr[-2000:]
    (wheel,) = wheelhouse.glob("orderloom-*.whl")
    # The compiled Chinese catalog, without which the pages quietly speak English.
    assert "orderloom/platform/translations/zh/LC_MESSAGES/messages.mo" in \
        zipfile.ZipFile(wheel).namelist()

    target = tmp_path / "fresh-venv"
    venv.create(target, with_pip=True)
    python = target / "bin" / "python"
    install = subprocess.run([str(python), "-m", "pip", "install", "--no-deps", "--no-index",
                              str(wheel)], capture_output=True, text=True, timeout=300)
    assert install.returncode == 0, install.stderr[-2000:]
    # Dependencies come from the test environment (a plain path entry, so its editable
    # orderloom is not activated); orderloom itself comes only from the wheel.
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
        capture_output=True, text=True, check=True).stdout.strip()
    Path(site, "test-dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n")

    workdir = tmp_path / "elsewhere"
    workdir.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ORDERLOOM_", "PYTHON"))}
    orderloom = str(target / "bin" / "orderloom")
    where = subprocess.run([str(python), "-c", "import orderloom; print(orderloom.__file__)"],
                           cwd=workdir, env=env, capture_output=True, text=True, check=True)
    assert str(target) in where.stdout

    init = subprocess.run([orderloom, "init", "--admin-password", "tidy-harbour-42"],
                          cwd=workdir, env=env, capture_output=True, text=True, timeout=120)
    assert init.returncode == 0, init.stderr
    port = _free_port()
    server = subprocess.Popen([orderloom, "serve", "--port", str(port)], cwd=workdir, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        page = None
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and page is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=2) as r:
                    page = r.read().decode()
            except OSError:
                time.sleep(0.2)
        assert page is not None, "the server did not answer within 30 s"
        assert "Log in to Orderloom" in page
        assert "app.css" in page
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/static/app.css", timeout=2) as r:
            assert b"--accent" in r.read()
    finally:
        server.terminate()
        server.wait(timeout=10)

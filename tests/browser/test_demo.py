"""The README's first command: `orderloom demo` builds a shop and serves it, and a
person logging in finds orders in several states and a dashboard with figures."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from orderloom.platform.demo import DEMO_PASSWORD


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_for(url: str, server: subprocess.Popen, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AssertionError(f"orderloom demo stopped: {server.stdout.read()}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.3)
    raise AssertionError(f"orderloom demo did not answer within {seconds} s")


def test_the_demo_command_serves_a_shop_with_orders_and_dashboards(page, tmp_path):
    orderloom = Path(sys.executable).parent / "orderloom"  # the console script pip made
    env = {k: v for k, v in os.environ.items() if not k.startswith("ORDERLOOM_")}
    port = _free_port()
    server = subprocess.Popen(
        [str(orderloom), "demo", "--orders", "60", "--port", str(port)], cwd=tmp_path,
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        _wait_for(f"http://127.0.0.1:{port}/login", server, 180)
        base = f"http://127.0.0.1:{port}"
        page.goto(f"{base}/login")
        page.fill("#username", "manager")
        page.fill("#password", DEMO_PASSWORD)
        page.click("button.primary")
        page.goto(f"{base}/orders")
        states = page.locator("nav.state-counts a[data-state]")
        assert states.count() >= 6, states.all_inner_texts()
        assert page.locator("table.orders tbody tr").count() > 10

        page.goto(f"{base}/dashboards")
        by_state = page.locator("table[data-chart=orders_by_state] [data-figure=orders]")
        assert by_state.count() >= 4
        assert sum(int(n) for n in by_state.all_inner_texts()) > 10
        assert page.locator("table[data-chart=top_products] tbody tr").count() > 0
        assert page.locator("table[data-chart=orders_by_channel] tbody tr").count() >= 3
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=15)
    assert "password for all: orderloom-demo" in output
    assert (tmp_path / "orderloom-demo" / "orderloom.db").exists()

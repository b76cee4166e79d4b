"""Browser tests: Debian's Chromium driven by Playwright against a real server on
127.0.0.1 (waitress in a thread of the test process)."""
from __future__ import annotations

import os
import shutil
import socket
import threading

import pytest

from tests.conftest import service_unavailable

CHROMIUM = os.environ.get("ORDERLOOM_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


@pytest.fixture(params=["sqlite"])
def database_url(request, tmp_path, sqlite_template):
    # Pages do not depend on the database; one is enough for the browser.
    path = tmp_path / "orderloom.db"
    shutil.copyfile(sqlite_template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def live_server(app):
    from waitress.server import create_server

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = create_server(app, host="127.0.0.1", port=port, threads=4)
    closing = threading.Event()

    def serve() -> None:
        try:
            server.run()
        except (OSError, ValueError):
            # Closing the sockets under the loop's select() makes it fail with a bad
            # file descriptor; that is how waitress stops here, not an error.
            if not closing.is_set():
                raise

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}"
    closing.set()
    server.close()
    thread.join(timeout=5)


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        service_unavailable(f"Chromium is not installed at {CHROMIUM} "
                            "(apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                             args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()

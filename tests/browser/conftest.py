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
    # The server's sockets, the browser's open connections among them, are kept in a
    # map of the test's own, so that stopping can close every one: the loop ends only
    # when the map is empty, and a kept-alive connection from Chromium would otherwise
    # keep it polling until the join below gave up (five seconds a test).
    sockets: dict = {}
    server = create_server(app, host="127.0.0.1", port=port, threads=4, map=sockets)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}"

    def close_every_socket() -> None:
        for dispatcher in list(sockets.values()):
            dispatcher.close()

    # The closing runs in the loop's own thread (the trigger wakes it), so no socket is
    # closed under a select() that is watching it.
    server.trigger.pull_trigger(close_every_socket)
    thread.join(timeout=5)
    server.task_dispatcher.shutdown()
    assert not thread.is_alive(), "the test's web server did not stop"


@pytest.fixture(scope="session")
def playwright_driver():
    """The one Playwright driver of the test session: its sync API allows one per thread,
    so a test that needs a Chromium of its own (a fake camera) launches it from here."""
    if not os.path.exists(CHROMIUM):
        service_unavailable(f"Chromium is not installed at {CHROMIUM} "
                            "(apt-get install chromium)")
    from playwright.sync_api import expect, sync_playwright

    # A condition the page must reach gets as long as an action does: on a machine
    # running two test processes, an answer that takes five seconds is slow, not wrong.
    expect.set_options(timeout=10_000)
    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def browser(playwright_driver):
    browser = playwright_driver.chromium.launch(executable_path=CHROMIUM, headless=True,
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

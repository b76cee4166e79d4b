"""axe-core (vendored under static/vendor/axe-core, loaded here only) finds no serious
or critical accessibility violation on the main pages, in English and in Chinese."""
from __future__ import annotations

from pathlib import Path

import pytest

import orderloom.platform
from tests.browser.main_pages import main_pages
from tests.browser.test_staff_console import log_in

AXE = (Path(orderloom.platform.__file__).parent / "static" / "vendor" / "axe-core"
       / "axe.min.js")
BLOCKING = ("serious", "critical")
RUN = """async () => {
  const found = await axe.run(document, {resultTypes: ["violations"]});
  return found.violations.map((v) => ({id: v.id, impact: v.impact, help: v.help,
                                       where: v.nodes.slice(0, 3).map((n) => n.target.join(" "))}));
}"""


@pytest.fixture
def checked(browser):
    # The pages' Content-Security-Policy admits only their own scripts; axe comes in
    # as the test's, so this one context does not enforce it.
    context = browser.new_context(viewport={"width": 1280, "height": 800}, bypass_csp=True)
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def violations(page) -> list[dict]:
    page.add_script_tag(path=str(AXE))
    return [v for v in page.evaluate(RUN) if v["impact"] in BLOCKING]


@pytest.mark.parametrize("language", ["en", "zh"])
def test_the_main_pages_have_no_serious_accessibility_violation(
        checked, live_server, client, token_for, make_user, language):
    paths = main_pages(client, token_for)
    checked.goto(f"{live_server}/login?lang={language}")
    found = {"/login": violations(checked)}
    make_user("admin", username="li.na")
    log_in(checked, live_server, "li.na")
    for path in paths:
        checked.goto(f"{live_server}{path}")
        checked.wait_for_load_state("load")
        found[path] = violations(checked)
    assert {path: v for path, v in found.items() if v} == {}


def test_the_check_does_find_a_serious_violation(checked, live_server):
    # A page with an image that says nothing and a box without a label: what the
    # check above would report, so its silence on the main pages means something.
    checked.goto(f"{live_server}/login")
    checked.evaluate("""() => {
      document.querySelector("main").insertAdjacentHTML("beforeend",
        '<img src="/static/app.css"><input type="text">');
    }""")
    assert {v["id"] for v in violations(checked)} >= {"image-alt", "label"}

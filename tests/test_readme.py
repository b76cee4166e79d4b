"""The README's two commands are the ones that work, and CI runs the second."""
from __future__ import annotations

import re

from tests.doc_examples import ROOT


def _commands() -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    return re.findall(r"```sh\n(.+?)\n```", readme)


def test_the_readme_has_a_start_command_and_a_test_command():
    start, test = _commands()[:2]
    assert start.endswith("orderloom demo")
    assert "pytest" in test


def test_ci_runs_the_readme_test_command_verbatim():
    test_command = _commands()[1]
    ci_lines = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert test_command in ci_lines
    assert "export ORDERLOOM_TEST_REQUIRE_SERVICES=1" in ci_lines

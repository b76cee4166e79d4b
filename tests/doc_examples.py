"""The examples of README.md and docs/*.md, read as the tests that run them need them:
fenced blocks with their place, shell commands one by one, and the one list of
commands that cannot run on a test machine, each with its reason.

A command that is not on that list is run: a new example in the docs is tested by
default, and leaving one out takes a line here saying why.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FENCE = re.compile(r"^```(?P<lang>\w*)\n(?P<body>.*?)^```", re.S | re.M)
SHELL = ("sh", "bash", "shell")

# Commands the docs show that no test runs, by how they begin, with the reason. The
# tests run every other command of a shell block.
NOT_RUN_HERE: dict[str, str] = {
    "python3 -m venv": "makes the environment the tests already run in",
    "/opt/orderloom/venv/bin/pip install": "installs the package the tests already run in",
    ".venv/bin/pip install": "installs the package the tests already run in",
    "pip install": "installs the package the tests already run in",
    ".venv/bin/python -m pytest": "the test suite itself (CI runs it, tests/test_readme.py "
                                  "checks the command)",
    "sudo systemd-sysusers": "creates a system user: needs root's system folders",
    "sudo cp deploy/systemd/": "installs units for systemd, which is not PID 1 here; the "
                               "tests start each unit's ExecStart with its environment",
    "sudo systemctl": "needs systemd as PID 1; the tests start what the units start",
    "systemctl": "needs systemd as PID 1",
    "journalctl": "needs systemd's journal",
    "sudo apt": "installs system packages",
    "apt-get": "installs system packages",
}


# Documents whose commands need more than a machine of their own, and the test that
# runs them instead.
RUN_BY_THEIR_OWN_TEST: dict[str, str] = {
    "getting-started-integrators.md": "tests/test_doc_commands.py::"
                                      "test_the_integrators_guide_runs_against_a_served_instance",
}


@dataclass(frozen=True)
class Block:
    """One fenced block of a document."""

    path: Path
    line: int  # of the opening fence
    lang: str
    text: str

    @property
    def place(self) -> str:
        return f"{self.path.relative_to(ROOT)}:{self.line}"

    @property
    def heading(self) -> str:
        """The block's first line when it is a comment (``# on each app machine``)."""
        first = self.text.split("\n", 1)[0]
        return first[1:].strip() if first.startswith("#") else ""

    def commands(self) -> list[str]:
        """The block's commands, a continued line (ending in ``\\``) joined to the next,
        comment lines left out."""
        commands, pending = [], ""
        for line in self.text.splitlines():
            if not pending and (not line.strip() or line.lstrip().startswith("#")):
                continue
            if line.endswith("\\"):
                pending += line[:-1] + " "
                continue
            commands.append((pending + line).strip())
            pending = ""
        return commands


def documents() -> list[Path]:
    return [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def blocks(path: Path) -> list[Block]:
    text = path.read_text(encoding="utf-8")
    return [Block(path, text.count("\n", 0, found.start()) + 1, found["lang"], found["body"])
            for found in FENCE.finditer(text)]


def shell_blocks(path: Path) -> list[Block]:
    return [block for block in blocks(path) if block.lang in SHELL]


def why_not_run(command: str) -> str | None:
    """The reason a command is not run here, or None: it is run."""
    for start, reason in NOT_RUN_HERE.items():
        if command.startswith(start):
            return reason
    return None

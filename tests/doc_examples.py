"""The examples of README.md and docs/*.md, read as the tests that run them need them:
fenced blocks with their place, shell commands one by one, the one list of commands
that cannot run on a test machine, each with its reason, the API addresses they name,
and a terminal where a person answers a command's prompts.

A command that is not on that list is run: a new example in the docs is tested by
default, and leaving one out takes a line here saying why.
"""
from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import subprocess
import termios
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url
from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import MapAdapter, RequestRedirect

from tests.conftest import POSTGRES_ADMIN_URL

ROOT = Path(__file__).resolve().parent.parent
FENCE = re.compile(r"^```(?P<lang>\w*)\n(?P<body>.*?)^```", re.S | re.M)
SHELL = ("sh", "bash", "shell")
# The password the person at the terminal types when a command asks for one.
TYPED_PASSWORD = "Plum-Harbour-1947"

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


def api_address_problem(adapter: MapAdapter, method: str | None, address: str) -> str | None:
    """Why the docs' ``method address`` is no address of the API, or None. A
    placeholder (``{id}``) stands for any value (1 fits ints and strings), an optional
    part is shown in brackets, and a query string is no part of the address; with no
    method shown, any method will do."""
    path = re.sub(r"\{[^}]*\}", "1", re.sub(r"\[[^]]*\]", "", address)).split("?", 1)[0]
    try:
        adapter.match(path, method=method or "GET")
    except MethodNotAllowed:
        return f"{method} {address} is no address of the API" if method else None
    except (NotFound, RequestRedirect):
        return f"{method or ''} {address} is no address of the API".lstrip()
    return None


def at_a_terminal(args: list[str], cwd: Path, env: dict[str, str], answer: str,
                  timeout: float = 300) -> subprocess.CompletedProcess:
    """Run ``args`` at a terminal of its own, where a person types ``answer`` each time a
    prompt (what is shown ending in ``:``) appears on the terminal or in the output: a
    password asked by getpass or libpq on the terminal, a confirmation on stdout."""
    controller, terminal = pty.openpty()

    def take_the_terminal() -> None:  # in the child: the pty is its controlling terminal
        os.setsid()
        fcntl.ioctl(terminal, termios.TIOCSCTTY, 0)

    process = subprocess.Popen(args, cwd=cwd, env=env, stdin=terminal,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               preexec_fn=take_the_terminal)
    os.close(terminal)
    out_fd, err_fd = process.stdout.fileno(), process.stderr.fileno()
    output = {out_fd: b"", err_fd: b""}
    watched, shown = {controller, *output}, b""
    deadline = time.monotonic() + timeout
    try:
        while watched - {controller}:  # until the command's output is closed
            left = deadline - time.monotonic()
            ready = select.select(list(watched), [], [], max(left, 0))[0]
            if left <= 0 and not ready:
                process.kill()
                raise subprocess.TimeoutExpired(args, timeout)
            for source in ready:
                try:
                    chunk = os.read(source, 4096)
                except OSError:  # the terminal closed with the command
                    chunk = b""
                if not chunk:
                    watched.discard(source)
                    continue
                if source in output:
                    output[source] += chunk
                shown += chunk
                if shown.rstrip().endswith(b":"):
                    shown = b""
                    os.write(controller, f"{answer}\n".encode())
        process.wait(timeout=max(deadline - time.monotonic(), 1))
    finally:
        os.close(controller)
        process.stdout.close()
        process.stderr.close()
    return subprocess.CompletedProcess(args, process.returncode, output[out_fd].decode(),
                                       output[err_fd].decode())


def postgres_client_environment() -> dict[str, str]:
    """PGHOST, PGPORT and PGUSER of the test's PostgreSQL server, so the docs' createdb,
    createuser, pg_dump and pg_restore reach it as a reader's reach theirs."""
    server = make_url(POSTGRES_ADMIN_URL)
    return {"PGHOST": server.host or "127.0.0.1", "PGPORT": str(server.port or 5432),
            "PGUSER": server.username or "postgres"}

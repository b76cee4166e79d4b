"""Every command the docs show in a shell block is run, as a reader runs it, so the docs
stay true: README.md and docs/*.md, block by block in the order of each document, on a
machine of the document's own (a folder, with an instance initialised as the docs
assume one is), and what a command serves is asked for its login page.

tests/doc_examples.py has the one list of commands no test can run here, with the
reason; any other command is run. The production part of the operators' guide, which
needs several machines, is run by tests/test_operator_guide.py.
"""
from __future__ import annotations

import json
import os
import pty
import re
import shutil
import subprocess
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.conftest import POSTGRES_ADMIN_URL
from tests.doc_examples import NOT_YET_RUN_DOCUMENTS, ROOT, Block, blocks, documents, why_not_run
from tests.platform.test_gunicorn import free_port
from tests.test_operator_guide import PRODUCTION, VENV_BIN

# The password the person at the terminal types when a command asks for one.
TYPED_PASSWORD = "Plum-Harbour-1947"
SERVE_TIMEOUT = 120  # the demo makes its shop before it serves
COMMAND = re.compile(r"^(\$ )?(\S*/)?(orderloom|curl|pg_dump|createdb|pg_restore) ")


def command_blocks(path: Path) -> list[Block]:
    """Shell blocks, and blocks without a language whose first line is a command."""
    found = []
    whole = path.read_text(encoding="utf-8")
    # From here on tests/test_operator_guide.py runs the operators' guide, on its
    # several machines.
    production = (whole.split(PRODUCTION, 1)[0].count("\n") + 1
                  if path.name == "getting-started-operators.md" else None)
    for block in blocks(path):
        if production and block.line > production:
            continue
        if block.lang in ("sh", "bash", "shell") or (
                block.lang == "" and COMMAND.match(block.text)):
            found.append(block)
    return found


DOCUMENTS = [path for path in documents()
             if command_blocks(path) and path.name not in NOT_YET_RUN_DOCUMENTS]


def given_retail_package(work: Path) -> None:
    """docs/designer.md: "the retail template's package with a typo in its first rule"."""
    package = json.loads((ROOT / "builtin_templates" / "retail.json").read_text())
    package["order_types"][0]["rules"][0]["when"] = 'priorty = "rush"'
    (work / "retail.json").write_text(json.dumps(package, ensure_ascii=False))


# Files a document's example works on that the document describes rather than shows.
GIVEN_FILES = {"designer.md": given_retail_package}


class Machine:
    """A reader's machine: a folder standing for `/`, the instance the document assumes,
    and the PostgreSQL database its pg_ commands work on."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.work = root / "srv" / "orderloom"  # where the reader stands
        self.work.mkdir(parents=True)
        self.database = f"oldoc_{uuid.uuid4().hex[:8]}"

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("ORDERLOOM_", "PG"))}
        host = POSTGRES_ADMIN_URL.split("@", 1)[1].split("/", 1)[0]
        env.update({"PGHOST": host.split(":")[0], "PGUSER": "postgres",
                    "PATH": f"{VENV_BIN}:{env['PATH']}", "HOME": str(self.root),
                    "ORDERLOOM_ADMIN_PASSWORD": TYPED_PASSWORD})
        return env

    def translate(self, command: str) -> str:
        command = re.sub(r"^\$ ", "", command)
        command = re.sub(r"(?<![\w/])(\.venv|/opt/orderloom/venv)/bin/", f"{VENV_BIN}/",
                         command)
        command = re.sub(r"(?<![\w./])/(etc|var|run|srv)/", f"{self.root}/\\1/", command)
        if command.startswith(("pg_dump", "createdb", "pg_restore")):
            # The running database, and on "a new server" a new one beside it.
            new = f"{self.database}_new"
            command = re.sub(r"(?<=[ =])orderloom(?=$|[ _])",
                             self.database if command.startswith("pg_dump") else new,
                             command)
        return command

    def drop_databases(self) -> None:
        admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            for name in (self.database, f"{self.database}_new"):
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    def prepare(self, instance: Path, wants_postgres: bool) -> None:
        """What the document takes as given: an instance on this machine (a copy of
        one `orderloom init` made); for pg_ commands, Orderloom's PostgreSQL database."""
        shutil.copytree(instance, self.work / "instance")
        if wants_postgres:
            url = POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + "/" + self.database
            assert subprocess.run(["createdb", self.database], env=self.env(),
                                  timeout=60).returncode == 0
            done = self.run("orderloom init", {"ORDERLOOM_DATABASE_URL": url})
            assert done.returncode == 0, done.stderr

    def run(self, command: str, env: dict[str, str] | None = None):
        """The command with a terminal as its input, where a person types the password
        twice if asked."""
        controller, terminal = pty.openpty()
        process = subprocess.Popen(["bash", "-euo", "pipefail", "-c", command],
                                   cwd=self.work, env={**self.env(), **(env or {})},
                                   stdin=terminal, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, text=True)
        os.close(terminal)
        os.write(controller, f"{TYPED_PASSWORD}\n{TYPED_PASSWORD}\n".encode())
        try:
            out, err = process.communicate(timeout=300)
        finally:
            os.close(controller)
        return subprocess.CompletedProcess(command, process.returncode, out, err)

    def serve(self, command: str) -> str:
        """Start a command that serves until stopped; answer its login page's title."""
        port = free_port()
        command = command.replace("--host 0.0.0.0", "--host 127.0.0.1")
        command = (re.sub(r"--port \d+", f"--port {port}", command) if "--port" in command
                   else f"{command} --port {port}")
        log = (self.root / "served.log").open("a")
        process = subprocess.Popen(["bash", "-c", f"exec {command}"], cwd=self.work,
                                   env=self.env(), stdout=log, stderr=log,
                                   stdin=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + SERVE_TIMEOUT
        try:
            while True:
                if process.poll() is not None:
                    raise AssertionError(f"{command} stopped: "
                                         f"{(self.root / 'served.log').read_text()[-3000:]}")
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/login",
                                                timeout=5) as answer:
                        return answer.read().decode()
                except (urllib.error.URLError, ConnectionError):
                    if time.monotonic() > deadline:
                        raise AssertionError(f"{command} did not serve") from None
                    time.sleep(0.5)
        finally:
            process.terminate()
            process.wait(timeout=30)


def serves(command: str) -> bool:
    """`orderloom serve`, and `orderloom demo` unless told not to serve."""
    return bool(re.search(r"\borderloom (serve|demo)\b", command)) and "--no-serve" not in command


@pytest.fixture(scope="module")
def instance(tmp_path_factory) -> Path:
    """An instance as `orderloom init` makes it, made once and copied to each machine."""
    machine = Machine(tmp_path_factory.mktemp("initialised"))
    made = machine.run("orderloom init")
    assert made.returncode == 0, made.stdout + made.stderr
    return machine.work / "instance"


@pytest.fixture(scope="module")
def demo_shop(tmp_path_factory) -> Path:
    """The demo shop, made once: the docs start it in several places, and run again it
    serves the same shop (README.md)."""
    return tmp_path_factory.mktemp("demo")


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda path: path.name)
def test_every_command_of_the_document_runs(document, tmp_path, instance, demo_shop):
    machine = Machine(tmp_path)
    commands = [(block, command) for block in command_blocks(document)
                for command in block_commands(block)]
    wants_postgres = any(c.startswith(("pg_dump", "createdb", "pg_restore"))
                         for _b, c in commands)
    try:
        machine.prepare(instance, wants_postgres)
        if document.name in GIVEN_FILES:
            GIVEN_FILES[document.name](machine.work)
        shop = demo_shop / "orderloom-demo"
        if shop.exists():
            shutil.copytree(shop, machine.work / "orderloom-demo")
        for block, command in commands:
            reason = why_not_run(command)
            if reason:
                continue
            translated = machine.translate(command)
            if serves(translated):
                page = machine.serve(translated)
                assert "<form" in page, f"{block.place}: {command} serves no login page"
                if "demo" in translated and not shop.exists():
                    shutil.copytree(machine.work / "orderloom-demo", shop)
                continue
            if translated.startswith("cd "):
                (machine.root / translated[3:].strip().lstrip("/")).mkdir(
                    parents=True, exist_ok=True)
                continue
            done = machine.run(translated)
            expected = shown_output(block, command)
            if expected is not None:  # a terminal shown with its answer: that answer
                assert done.stdout + done.stderr == expected, block.place
            else:
                assert done.returncode == 0, (f"{block.place}: {command}\n{done.stdout}"
                                              f"{done.stderr}")
    finally:
        if wants_postgres:
            machine.drop_databases()


def block_commands(block: Block) -> list[str]:
    """The commands of a block: a shell block's every command, and of a block showing a
    terminal (``$ command`` then its output) the lines after ``$ ``."""
    if block.lang == "" and block.text.startswith("$ "):
        return [line for line in block.text.splitlines() if line.startswith("$ ")]
    commands = []
    for command in block.commands():
        # One line of several commands joined by && runs them one by one: a reader's
        # first one may be one no test runs (making the environment) and the rest not.
        commands += [part.strip() for part in command.split(" && ")]
    return commands


def shown_output(block: Block, command: str) -> str | None:
    """What a terminal block shows after ``$ command``, up to the next prompt."""
    if not block.text.startswith("$ "):
        return None
    after = block.text.split(command + "\n", 1)[1]
    return after.split("\n$ ", 1)[0]

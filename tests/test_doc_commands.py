"""Every command the docs show in a shell block is run, as a reader runs it, so the docs
stay true: README.md and docs/*.md, block by block in the order of each document, on a
machine of the document's own (a folder, with an instance initialised as the docs
assume one is), and what a command serves is asked for its login page.

tests/doc_examples.py has the one list of commands no test can run here, with the
reason; any other command is run. The production part of the operators' guide, which
needs several machines, is run by tests/test_operator_guide.py.
"""
from __future__ import annotations

import http.server
import json
import os
import re
import shutil
import subprocess
import threading
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.conftest import POSTGRES_ADMIN_URL
from tests.doc_examples import (
    ROOT,
    RUN_BY_THEIR_OWN_TEST,
    TYPED_PASSWORD,
    Block,
    at_a_terminal,
    blocks,
    documents,
    postgres_client_environment,
    why_not_run,
)
from tests.platform.test_gunicorn import free_port
from tests.test_operator_guide import PRODUCTION, VENV_BIN

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
             if command_blocks(path) and path.name not in RUN_BY_THEIR_OWN_TEST]


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
        # Where the reader stands; every command runs here (the guides `cd` to it).
        self.work = root / "srv" / "orderloom"
        self.work.mkdir(parents=True)
        self.database = f"oldoc_{uuid.uuid4().hex[:8]}"

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("ORDERLOOM_", "PG"))}
        env.update({**postgres_client_environment(),
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
        """The command at a terminal of its own, where a person types the password each
        time one is asked for."""
        return at_a_terminal(["bash", "-euo", "pipefail", "-c", command], self.work,
                             {**self.env(), **(env or {})}, TYPED_PASSWORD)

    def start_serving(self, command: str, env: dict[str, str] | None = None
                      ) -> tuple[subprocess.Popen, int]:
        """Start a command that serves until stopped, on a port of its own; answer it
        and its port once its login page answers."""
        port = free_port()
        command = command.replace("--host 0.0.0.0", "--host 127.0.0.1")
        command = (re.sub(r"--port \d+", f"--port {port}", command) if "--port" in command
                   else f"{command} --port {port}")
        log = (self.root / "served.log").open("a")
        process = subprocess.Popen(["bash", "-c", f"exec {command}"], cwd=self.work,
                                   env={**self.env(), **(env or {})}, stdout=log, stderr=log,
                                   stdin=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + SERVE_TIMEOUT
        while True:
            if process.poll() is not None:
                raise AssertionError(f"{command} stopped: "
                                     f"{(self.root / 'served.log').read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=5):
                    return process, port
            except (urllib.error.URLError, ConnectionError):
                if time.monotonic() > deadline:
                    process.terminate()
                    raise AssertionError(f"{command} did not serve") from None
                time.sleep(0.5)

    def serve(self, command: str) -> str:
        """Start a command that serves until stopped; answer its login page."""
        process, port = self.start_serving(command)
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/login",
                                        timeout=5) as answer:
                return answer.read().decode()
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


INTEGRATORS = ROOT / "docs" / "getting-started-integrators.md"
STATUS = "\nHTTP %{http_code}\n"


def integrators_files(work: Path) -> None:
    """The files the integrators' guide has the reader save, taken from the guide (and,
    for the two it describes only, from the pages it links to)."""
    shown = blocks(INTEGRATORS)
    saved = [block for block in shown if block.lang == "json"
             and ('"external_id": "$.id"' in block.text or '"line_items"' in block.text)]
    (work / "mapping.json").write_text(saved[0].text)
    (work / "order.json").write_text(saved[1].text)
    rows = next(block for block in shown if block.text.startswith("order_id,"))
    (work / "orders.csv").write_text(rows.text)
    customers = next(block for block in blocks(ROOT / "docs" / "customers.md")
                     if block.text.startswith("code,name,"))
    (work / "customers.csv").write_text(customers.text)
    (work / "statement.csv").write_text("Date,Reference,Amount\n"
                                        "2026-11-25,ALI-20261125-0001,198.00\n")


def issue_token(work: Path, username: str) -> str:
    """What the reader does on the API tokens page after logging in."""
    from orderloom.db import make_engine, make_session_factory
    from orderloom.platform import accounts
    from orderloom.platform.models import User
    from orderloom.runtime.audit import SYSTEM

    engine = make_engine(f"sqlite:///{work / 'instance' / 'orderloom.db'}")
    with make_session_factory(engine)() as session:
        user = session.query(User).filter_by(username=username).one()
        _token, secret = accounts.issue_token(session, SYSTEM, user, "docs")
        session.commit()
    engine.dispose()
    return secret


def test_the_integrators_guide_runs_against_a_served_instance(tmp_path, instance):
    machine = Machine(tmp_path)
    machine.prepare(instance, wants_postgres=False)
    # "A workspace started from a built-in template": the retail one, which the guide's
    # order, mapping and files are written for.
    imported = machine.run("orderloom templates import retail")
    assert imported.returncode == 0, imported.stderr
    integrators_files(machine.work)
    erp = Receiver()
    # The ERP the guide subscribes is outside; here it is the test's own receiver, which
    # the instance may call as an operator lets it call an internal system.
    server, port = machine.start_serving("orderloom serve",
                                         {"ORDERLOOM_OUTBOUND_ALLOW": "127.0.0.1"})
    env: dict[str, str] = {}
    answers: list[tuple[str, int, str]] = []
    try:
        for block in command_blocks(INTEGRATORS):
            script = []
            for command in block.commands():
                if why_not_run(command):
                    continue
                if command.startswith("orderloom "):
                    done = machine.run(command)
                    assert done.returncode == 0, f"{block.place}: {done.stderr}"
                    continue
                exported = re.fullmatch(r"export (.+)", command)
                if exported:
                    for name in re.findall(r"(\w+)=\S+", exported[1]):
                        env[name] = {"OL": f"http://127.0.0.1:{port}/api/v1",
                                     "TOKEN": issue_token(machine.work, "erp"),
                                     "ADMIN_TOKEN": issue_token(machine.work, "admin")}[name]
                    continue
                script.append(command)
            if not script:
                continue
            body = "\n".join(script).replace("https://orders.example.com",
                                              f"http://127.0.0.1:{port}")
            body = body.replace("https://erp.example.com", erp.address)
            for shown, actual in substitutions(answers).items():
                body = body.replace(shown, actual)
            body = re.sub(r"(?<![\w-])curl ", f"curl -w '{STATUS}' ", body)
            done = subprocess.run(["bash", "-euo", "pipefail", "-c", body], cwd=machine.work,
                                  env={**machine.env(), **env}, capture_output=True,
                                  text=True, timeout=120)
            assert done.returncode == 0, f"{block.place}:\n{body}\n{done.stderr}"
            parts = re.split(r"\nHTTP (\d{3})\n", "\n" + done.stdout)
            for answer, status in zip(parts[0::2], parts[1::2], strict=False):
                answers.append((block.place, int(status), answer.strip()))
                assert int(status) < 400, f"{block.place}:\n{body}\n{status} {answer}"
                made = json.loads(answer) if answer.startswith("{") else {}
                if str(made.get("secret", "")).startswith("olwh_"):
                    # "shown this once": the reader keeps it for the shop
                    env["CHANNEL_SECRET"] = made["secret"]
    finally:
        server.terminate()
        server.wait(timeout=30)
        erp.stop()
    statuses = [status for _place, status, _answer in answers]
    # The order made, moved on, a mapping tried, a channel made, a signed order taken,
    # a file previewed, a webhook, customers, a statement mapping and a statement.
    assert len(statuses) == 11, answers
    created = json.loads(answers[1][2])
    assert created["total"] == "198.00" and statuses[1] == 201
    assert json.loads(answers[3][2])["problems"] == []
    assert statuses[5] == 201  # the signed order from the shop
    # The subscription's secret, "shown once", is in the answer, as the guide says.
    assert json.loads(answers[7][2])["secret"].startswith("olwhs_")


class Receiver:
    """The ERP's webhook endpoint: a local HTTP server that answers 200 and keeps what
    it was sent."""

    def __init__(self) -> None:
        received: list[tuple[str, str]] = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (the standard library's name)
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                received.append((self.path, self.headers.get("Orderloom-Event", "")))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.received = received
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.address = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def substitutions(answers: list[tuple[str, int, str]]) -> dict[str, str]:
    """What the guide names from its own run (an order's number and revision) that a
    run here answers with its own."""
    for _place, _status, answer in answers:
        if answer.startswith("{") and '"number"' in answer:
            order = json.loads(answer)
            return {"RT-000043": order["number"],
                    "If-Match: \"3\"": f"If-Match: \"{order['revision']}\""}
    return {}

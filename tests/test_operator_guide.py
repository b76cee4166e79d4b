"""docs/getting-started-operators.md, from its production section on, run in order as a
new operator follows it: PostgreSQL, Redis, two app machines each running gunicorn and
one `orderloom worker` as the systemd units start them, nginx in front from the example
in deploy/, readiness and metrics through nginx, and a backup restored and checked.

The machines are folders of one test machine: each app machine has its own `/etc`,
`/var` and `/run` under its folder and its own port of 127.0.0.1 in place of its
address; the database is a database of its own on the local PostgreSQL, Redis a
database of its own. What the guide's commands name that differs here is replaced in
``Walk.translate``; the commands no test can run are in tests/doc_examples.py, and
where the guide starts services with systemd, the test starts what the units start.
"""
from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import create_engine, text

from tests.conftest import POSTGRES_ADMIN_URL, service_unavailable
from tests.doc_examples import (
    ROOT,
    TYPED_PASSWORD,
    at_a_terminal,
    postgres_client_environment,
    shell_blocks,
    why_not_run,
)
from tests.platform.test_gunicorn import free_port

GUIDE = ROOT / "docs" / "getting-started-operators.md"
DEPLOY = ROOT / "deploy"
VENV_BIN = Path(sys.executable).parent
PRODUCTION = "## 2. Production"
START_TIMEOUT = 60
SETTINGS_FILE = "/etc/orderloom.env"
# The rights the guide gives the settings file: "`/etc/orderloom.env` (mode 0600, owned
# by root".
SETTINGS_RIGHTS = re.compile(r"`/etc/orderloom\.env` \(mode (0[0-7]{3}), owned by (\w+)")
READS_SETTINGS = re.compile(r"(?:^|[\s;&|('\"])(?:\.|source)\s+/etc/orderloom\.env\b")


def settings_rights(guide_text: str) -> tuple[int, str]:
    """The mode and owner the guide gives /etc/orderloom.env."""
    found = SETTINGS_RIGHTS.search(guide_text)
    assert found, f"the guide no longer says the mode and owner of {SETTINGS_FILE}"
    return int(found[1], 8), found[2]


def runs_as(command: str) -> str:
    """Who a command of the guide runs as: ``sudo -u NAME`` NAME, ``sudo`` root, and
    otherwise the operator's own login, which is not root."""
    as_user = re.match(r"sudo -u (\S+) ", command)
    if as_user:
        return as_user[1]
    return "root" if command.startswith("sudo ") else "the operator"


def settings_unreadable(command: str, mode: int, owner: str) -> str | None:
    """Why ``command`` cannot read the settings file it sources, or None. The test
    machine runs everything as root, which reads any file: the guide's rights are
    checked here instead, as a machine would check them."""
    if not READS_SETTINGS.search(command):
        return None
    reader = runs_as(command)
    if mode & 0o004 or (reader == owner and mode & 0o400):
        return None
    return (f"reads {SETTINGS_FILE} (mode {mode:04o}, owned by {owner}) as {reader}, who "
            "may not read it: the settings would be missing and `orderloom` would quietly "
            "use an embedded SQLite instance")


@dataclass
class Machine:
    name: str
    root: Path
    address: str = ""  # host:port of its gunicorn, for app machines
    processes: list[subprocess.Popen] = field(default_factory=list)


class Walk:
    """The test machine standing in for the guide's machines, and what differs here."""

    def __init__(self, tmp_path: Path, redis_url: str) -> None:
        self.tmp = tmp_path
        self.name = f"olguide_{uuid.uuid4().hex[:8]}"
        self.redis_url = redis_url
        self.secret_key = uuid.uuid4().hex + uuid.uuid4().hex
        self.metrics_token = uuid.uuid4().hex
        self.https_port, self.http_port = free_port(), free_port()
        self.machines = {
            "db": Machine("db", tmp_path / "db"),
            "app1": Machine("app1", tmp_path / "app1", f"127.0.0.1:{free_port()}"),
            "app2": Machine("app2", tmp_path / "app2", f"127.0.0.1:{free_port()}"),
            "proxy": Machine("proxy", tmp_path / "proxy"),
            "client": Machine("client", tmp_path / "client"),
        }
        for machine in self.machines.values():
            machine.root.mkdir()
        self.certificate = tmp_path / "orders.example.com.pem"
        self.certificate_key = tmp_path / "orders.example.com.key"
        self.nginx_main()  # Debian's nginx is installed on the proxy machine
        self.ran: list[tuple[str, str, str, str]] = []  # place, machine, command, output
        self.settings_rights = (0o600, "root")
        self.not_run: list[tuple[str, str]] = []

    def app_machines(self) -> list[Machine]:
        return [self.machines["app1"], self.machines["app2"]]

    def env(self, machine: Machine) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("ORDERLOOM_", "PG", "PROMETHEUS_", "GUNICORN_"))}
        env.update({**postgres_client_environment(), "PATH": f"{VENV_BIN}:{env['PATH']}",
                    # gunicorn keeps its control socket under the home folder: one each.
                    "HOME": str(machine.root)})
        return env

    def translate(self, command: str, machine: Machine) -> str:
        """The guide's command as it runs on this test machine."""
        postgres = self.env(machine)
        postgres_host = f"{postgres['PGHOST']}:{postgres['PGPORT']}"
        command = command.replace("sudo -u postgres ", "").replace("sudo ", "")
        if machine.name == "db":
            # The database and its owner: names of their own, beside other people's.
            command = re.sub(r"(?<=[ =])orderloom(?=$|[ _'\"])", self.name, command)
        command = command.replace(
            "postgresql://orderloom:PASSWORD@db.internal/orderloom",
            f"postgresql://{self.name}:{TYPED_PASSWORD}@{postgres_host}/{self.name}")
        command = command.replace("redis://redis.internal:6379/0", self.redis_url)
        command = command.replace("smtp.internal", "127.0.0.1")
        command = re.sub(r"=<at least 32 random characters: .*>", "=" + self.secret_key,
                         command)
        command = re.sub(r"=<at least 24 random characters: .*>", "=" + self.metrics_token,
                         command)
        if machine.address:
            # "its own address": each app machine's stands in for the guide's 10.0.0.11.
            command = command.replace("10.0.0.11:8000", machine.address)
        command = command.replace("/opt/orderloom/venv/bin/", f"{VENV_BIN}/")
        command = command.replace("cp deploy/nginx/orderloom.conf",
                                  f"cp {self.nginx_site()}")
        command = re.sub(r"(?<![\w.])deploy/", f"{DEPLOY}/", command)
        command = re.sub(r"(?<![\w./])/(etc|var|run|srv)/", f"{machine.root}/\\1/", command)
        command = command.replace("https://orders.example.com",
                                  f"https://orders.example.com:{self.https_port}")
        if command.startswith("nginx "):
            command = command.replace(
                "nginx ", f"nginx -p {machine.root}/ -c {self.nginx_main()} -e stderr ", 1)
        return re.sub(r"(?<![\w-])curl ",
                      f"curl --cacert {self.certificate} --resolve "
                      f"orders.example.com:{self.https_port}:127.0.0.1 ", command)

    # --- nginx ----------------------------------------------------------------------------

    def nginx_site(self) -> Path:
        """deploy/nginx/orderloom.conf with what an operator puts in: the app machines'
        addresses, the certificate, and here the ports this test may use."""
        site = self.tmp / "orderloom.conf"
        if site.exists():
            return site
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                        "-days", "1", "-subj", "/CN=orders.example.com",
                        "-addext", "subjectAltName=DNS:orders.example.com",
                        "-keyout", str(self.certificate_key), "-out", str(self.certificate)],
                       check=True, capture_output=True, timeout=60)
        conf = (DEPLOY / "nginx" / "orderloom.conf").read_text()
        app1, app2 = (m.address for m in self.app_machines())
        replacements = {"10.0.0.11:8000": app1, "10.0.0.12:8000": app2,
                        "listen 80;": f"listen 127.0.0.1:{self.http_port};",
                        "listen 443 ssl": f"listen 127.0.0.1:{self.https_port} ssl",
                        "/etc/letsencrypt/live/orders.example.com/fullchain.pem":
                            str(self.certificate),
                        "/etc/letsencrypt/live/orders.example.com/privkey.pem":
                            str(self.certificate_key)}
        for old, new in replacements.items():
            assert old in conf, f"deploy/nginx/orderloom.conf no longer has {old!r}"
            conf = conf.replace(old, new)
        site.write_text(conf)
        return site

    def nginx_main(self) -> Path:
        """Debian's /etc/nginx/nginx.conf reduced to what the site needs, in the proxy's
        folder: it includes conf.d/*.conf, where the guide copies the site."""
        proxy = self.machines["proxy"].root
        (proxy / "etc" / "nginx" / "conf.d").mkdir(parents=True, exist_ok=True)
        (proxy / "logs").mkdir(exist_ok=True)
        main = proxy / "etc" / "nginx" / "nginx.conf"
        user = "user root;\n" if os.geteuid() == 0 else ""
        main.write_text(
            f"{user}daemon off;\nworker_processes 1;\npid {proxy}/nginx.pid;\n"
            f"error_log stderr;\nevents {{ worker_connections 64; }}\n"
            f"http {{\n  access_log off;\n"
            + "".join(f"  {kind}_temp_path {proxy}/{kind};\n"
                      for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
            + f"  include {proxy}/etc/nginx/conf.d/*.conf;\n}}\n")
        return main

    def start_nginx(self) -> None:
        proxy = self.machines["proxy"]
        proxy.processes.append(subprocess.Popen(
            ["nginx", "-p", f"{proxy.root}/", "-c", str(self.nginx_main()), "-e", "stderr"],
            stdout=subprocess.DEVNULL, stderr=(proxy.root / "nginx.log").open("w"),
            start_new_session=True))
        self.wait_for(lambda: self.through_nginx("/healthz"), "nginx")

    def through_nginx(self, path: str) -> bool:
        return self.status_through_nginx(path) == 200

    def status_through_nginx(self, path: str, *headers: str) -> int:
        """The status nginx answers for ``path`` (0 when nothing answers)."""
        done = subprocess.run(
            ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "--cacert",
             str(self.certificate), "--resolve",
             f"orders.example.com:{self.https_port}:127.0.0.1",
             *(part for header in headers for part in ("-H", header)),
             f"https://orders.example.com:{self.https_port}{path}"],
            capture_output=True, text=True, timeout=10)
        return int(done.stdout or 0)

    # --- the systemd units, started as systemd starts them -----------------------------------

    def start_units(self, machine: Machine, names: list[str]) -> None:
        for name in names:
            template, _, instance = name.partition("@")
            unit = DEPLOY / "systemd" / (f"{template}@.service" if instance
                                         else f"{name}.service")
            machine.processes.append(self.start_unit(machine, unit))

    def start_unit(self, machine: Machine, unit: Path) -> subprocess.Popen:
        env = self.env(machine)
        from_files: dict[str, str] = {}  # systemd lets these win over Environment=
        for line in unit.read_text().splitlines():
            key, _, value = line.partition("=")
            value = self.translate(value, machine)
            if key == "Environment":
                name, _, setting = value.partition("=")
                env[name] = setting
            elif key == "EnvironmentFile":
                path = Path(value.lstrip("-"))
                if value.startswith("-") and not path.exists():
                    continue
                for entry in path.read_text().splitlines():
                    if "=" in entry and not entry.startswith("#"):
                        name, _, setting = entry.partition("=")
                        from_files[name] = setting.strip('"')
            elif key in ("StateDirectory", "RuntimeDirectory"):
                base = "var/lib" if key == "StateDirectory" else "run"
                (machine.root / base / value).mkdir(parents=True, exist_ok=True)
            elif key == "WorkingDirectory":
                cwd = Path(value)
            elif key == "ExecStart":
                command = shlex.split(value)
        env.update(from_files)
        # systemd puts ${NAME} in ExecStart from the unit's environment.
        command = [re.sub(r"\$\{(\w+)\}", lambda name: env[name[1]], word)
                   for word in command]
        log = (machine.root / f"{unit.stem}.log").open("a")
        return subprocess.Popen(command, cwd=cwd, env=env, stdout=log, stderr=log,
                                start_new_session=True)

    def wait_for(self, ready, what: str) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while not ready():
            if time.monotonic() > deadline:
                raise AssertionError(f"{what} did not start: {self.logs()}")
            time.sleep(0.3)

    def app_ready(self, machine: Machine) -> bool:
        try:
            with urllib.request.urlopen(f"http://{machine.address}/readyz?scope=node",
                                        timeout=5) as answer:
                return answer.status == 200
        except (urllib.error.URLError, ConnectionError):
            return False

    def workers_beating(self, count: int) -> bool:
        try:
            with urllib.request.urlopen(f"http://{self.machines['app1'].address}/readyz",
                                        timeout=5) as answer:
                body = json.load(answer)
        except urllib.error.HTTPError as refused:
            body = json.load(refused)
        except (urllib.error.URLError, ConnectionError):
            return False
        return body["checks"].get("workers", {}).get("count", 0) >= count

    def logs(self) -> str:
        return "\n".join(f"--- {path.relative_to(self.tmp)}\n{path.read_text()[-3000:]}"
                         for path in sorted(self.tmp.glob("*/*.log")))

    def stop(self) -> None:
        for machine in self.machines.values():
            for process in machine.processes:
                if process.poll() is None:
                    os.killpg(process.pid, signal.SIGTERM)  # gunicorn's and RQ's children too
            for process in machine.processes:
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    process.kill()

    # --- the guide's blocks ----------------------------------------------------------------

    def follow(self, guide: Path) -> None:
        production_line = guide.read_text().split(PRODUCTION, 1)[0].count("\n") + 1
        self.settings_rights = settings_rights(guide.read_text())
        for block in shell_blocks(guide):
            if block.line < production_line:
                continue  # the trial on one machine: tests/test_doc_commands.py runs it
            heading = block.heading
            if heading.startswith("/etc/orderloom.env"):
                for machine in self.app_machines():
                    env_file = machine.root / "etc" / "orderloom.env"
                    env_file.parent.mkdir(parents=True, exist_ok=True)
                    env_file.write_text("".join(self.translate(line, machine) + "\n"
                                                for line in block.commands()))
                    env_file.chmod(self.settings_rights[0])
                continue
            for machine in self.machines_for(heading):
                self.run_block(block, machine)

    def machines_for(self, heading: str) -> list[Machine]:
        if heading.startswith("on the database machine"):
            return [self.machines["db"]]
        if heading.startswith("on each app machine"):
            return self.app_machines()
        if heading.startswith("on one app machine"):
            return [self.machines["app1"]]
        if heading.startswith("on the proxy machine"):
            return [self.machines["proxy"]]
        assert heading == "", f"a block says where it runs in words this test does not " \
                              f"know: {heading!r}"
        return [self.machines["client"]]

    def run_block(self, block, machine: Machine) -> None:
        script: list[str] = []
        for command in block.commands():
            unreadable = settings_unreadable(command, *self.settings_rights)
            assert unreadable is None, f"{block.place}: `{command}` {unreadable}"
            reason = why_not_run(command)
            if reason is None:
                script.append(self.translate(command, machine))
                continue
            self.not_run.append((command, reason))
            started = re.fullmatch(r"sudo systemctl enable --now (.+)", command)
            if started or command == "sudo systemctl reload nginx":
                self.run_script(block, machine, script)
                script = []
                if started:
                    self.start_units(machine, started[1].split())
                    self.wait_for(lambda: self.app_ready(machine), f"{machine.name}'s app")
                else:
                    self.start_nginx()
        self.run_script(block, machine, script)

    def run_script(self, block, machine: Machine, script: list[str]) -> None:
        if not script:
            return
        if any("/readyz" in line and "scope" not in line for line in script):
            # systemd says a unit started once its process runs; a worker's first
            # heartbeat follows within seconds. The guide's check comes after that.
            self.wait_for(lambda: self.workers_beating(2), "the two workers")
        body = "\n".join(script)
        # At a terminal: createuser asks for the database user's password there.
        done = at_a_terminal(["bash", "-euo", "pipefail", "-c", body], machine.root,
                             self.env(machine), TYPED_PASSWORD, timeout=120)
        assert done.returncode == 0, (f"{block.place} on {machine.name} failed:\n{body}\n"
                                      f"{done.stdout}{done.stderr}\n{self.logs()}")
        self.ran.append((block.place, machine.name, body, done.stdout))

    def output_of(self, pattern: str, machine: str | None = None) -> str:
        found = [output for _place, name, body, output in self.ran
                 if re.search(pattern, body) and machine in (None, name)]
        assert found, f"the guide no longer runs a command matching {pattern!r}"
        return found[-1]


def test_a_command_sourcing_the_root_only_settings_must_run_as_root():
    """Once, the guide sourced the 0600 root file as the operator, so `orderloom init`
    quietly made a SQLite instance; the walk ran as root and did not notice."""
    assert settings_rights(GUIDE.read_text()) == (0o600, "root")
    for command in ("set -a; . /etc/orderloom.env; set +a",
                    "sudo -u orderloom sh -c '. /etc/orderloom.env; orderloom init'"):
        assert "may not read it" in settings_unreadable(command, 0o600, "root")
    assert settings_unreadable(
        "sudo sh -c 'set -a; . /etc/orderloom.env; set +a; orderloom init'",
        0o600, "root") is None
    assert settings_unreadable("set -a; . /etc/orderloom.env", 0o644, "root") is None


@pytest.fixture
def walk(tmp_path, redis_url):
    if shutil.which("nginx") is None:
        service_unavailable("nginx is not installed (.ci/run installs Debian's)")
    walk = Walk(tmp_path, redis_url)
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        yield walk
    finally:
        walk.stop()
        with admin.connect() as connection:
            for database in (walk.name, f"{walk.name}_restored"):
                connection.execute(text(f'DROP DATABASE IF EXISTS "{database}" '
                                        "WITH (FORCE)"))
            connection.execute(text(f'DROP ROLE IF EXISTS "{walk.name}"'))
        admin.dispose()


def test_the_operators_guide_builds_two_app_machines_behind_nginx_and_restores_a_backup(
        walk):
    walk.follow(GUIDE)

    # Two app machines, each answering on its own address.
    for machine in walk.app_machines():
        node = json.loads(walk.output_of(r"readyz\?scope=node", machine.name))
        assert node["status"] == "ready", node
    # Through nginx: the whole system ready, with both workers' heartbeats.
    ready = json.loads(walk.output_of(r"curl .*https://orders\.example\.com:\d+/readyz"))
    assert ready["status"] == "ready", ready
    assert ready["checks"]["workers"]["count"] == 2
    assert ready["checks"]["redis"]["ok"] and ready["checks"]["queue"]["ok"]

    # Metrics from each app machine's own address, read with Prometheus's own parser;
    # nginx keeps them in, even for the token's holder.
    for machine in walk.app_machines():
        scraped = walk.output_of(r"/metrics", machine.name)
        families = {family.name: family
                    for family in text_string_to_metric_families(scraped)}
        assert families["orderloom_jobs_waiting"].samples[0].value >= 0
    assert walk.status_through_nginx(
        "/metrics", f"Authorization: Bearer {walk.metrics_token}") == 404
    # Each gunicorn listens on the address its machine's file gives, not the unit's.
    for machine in walk.app_machines():
        assert f"Listening at: http://{machine.address}" in (
            machine.root / "orderloom-web.log").read_text()

    # The backup, restored into a new database, holds what the running one holds.
    dumps = list((walk.machines["db"].root / "var" / "backups" / "orderloom").glob("*.dump"))
    assert len(dumps) == 1 and dumps[0].stat().st_size > 0
    assert "Every stock level equals the sum of its ledger lines." in walk.output_of(
        "stock verify")
    base = POSTGRES_ADMIN_URL.rsplit("/", 1)[0]
    counts = []
    for database in (walk.name, f"{walk.name}_restored"):
        engine = create_engine(f"{base}/{database}")
        with engine.connect() as connection:
            counts.append([connection.scalar(text(f"SELECT count(*) FROM {table}"))
                           for table in ("users", "roles", "alembic_version",
                                         "key_fingerprints")])
        engine.dispose()
    assert counts[0] == counts[1] and counts[0][0] == 1 and counts[0][3] == 1
    # The password createuser asked for was typed and set (it is on no command line).
    admin = create_engine(POSTGRES_ADMIN_URL)
    with admin.connect() as connection:
        assert connection.scalar(text("SELECT rolpassword IS NOT NULL FROM pg_authid "
                                      "WHERE rolname = :name"), {"name": walk.name})
    admin.dispose()

    # What the test could not run, it says; each of those is on the one list.
    assert {command for command, _reason in walk.not_run} >= {
        "sudo systemctl enable --now orderloom-web orderloom-worker@1",
        "sudo systemctl reload nginx"}

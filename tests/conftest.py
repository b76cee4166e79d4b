"""Shared fixtures: settings, app, client, database session, users per role, Redis.

Database tests run once on SQLite and once on PostgreSQL. A missing server
skips its tests with the reason, unless ORDERLOOM_TEST_REQUIRE_SERVICES=1
(as in CI), where it fails them instead.
"""
from __future__ import annotations

import functools
import gc
import os
import re
import shutil
import socket
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import jinja2
import jinja2.bccache
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from orderloom.db import make_engine
from orderloom.platform import accounts, schema
from orderloom.platform.app import create_app
from orderloom.platform.database import Database
from orderloom.platform.models import User
from orderloom.platform.settings import load_settings
from orderloom.runtime import business_calendar
from orderloom.runtime.audit import Actor

REQUIRE_SERVICES = os.environ.get("ORDERLOOM_TEST_REQUIRE_SERVICES") == "1"
POSTGRES_ADMIN_URL = os.environ.get(
    "ORDERLOOM_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
# With several test processes (pytest-xdist), each has a Redis database of its own,
# counted down from 15, since the tests empty theirs before and after each use.
WORKER_NUMBER = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw"))
REDIS_TEST_URL = os.environ.get("ORDERLOOM_TEST_REDIS_URL",
                                f"redis://127.0.0.1:6379/{15 - WORKER_NUMBER}")
TEST_PASSWORD = "a-long-test-password"
TEST_SECRET = "test-secret-key-" + "x" * 32
ROLES = ("admin", "designer", "staff", "viewer")


def service_unavailable(reason: str) -> None:
    if REQUIRE_SERVICES:
        pytest.fail(f"{reason} (ORDERLOOM_TEST_REQUIRE_SERVICES=1, so this is a failure)")
    pytest.skip(reason)


# --- databases -----------------------------------------------------------------------------

@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    """A migrated SQLite file, copied for each test: migrating once is much faster."""
    path = tmp_path_factory.mktemp("sqlite-template") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    schema.upgrade(engine)
    engine.dispose()  # the last connection to close folds the WAL into the file
    return path


@pytest.fixture(scope="session")
def postgres_server_url() -> Iterator[str]:
    """A database of this test run's own on the PostgreSQL server, migrated once."""
    name = f"orderloom_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # the server is absent or refuses us
        admin.dispose()
        service_unavailable(f"PostgreSQL at {POSTGRES_ADMIN_URL} is not available: "
                            f"{str(exc).splitlines()[0]}")
    url = POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    engine = make_engine(url)
    schema.upgrade(engine)
    engine.dispose()
    yield url
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _reset_postgres(url: str) -> None:
    """Empties every table and restarts every id and order number, as a new database
    would have them (an order type's number sequence may have been made to start after
    numbers a test planted, so it restarts at its least value, not its start).
    DELETE, children before parents, in one round trip: a test leaves a few rows, and
    PostgreSQL deletes those in milliseconds where TRUNCATE of 57 tables took over a
    second (it makes new files for each table), which a thousand tests paid."""
    engine = make_engine(url)
    tables = [t.name for t in reversed(schema.metadata().sorted_tables)]
    with engine.begin() as connection:
        connection.exec_driver_sql("; ".join(f'DELETE FROM "{name}"' for name in tables))
        connection.exec_driver_sql(
            "SELECT setval(quote_ident(schemaname) || '.' || quote_ident(sequencename),"
            " min_value, false) FROM pg_sequences")
    with Session(engine) as session:
        accounts.ensure_builtin_roles(session)
        session.commit()
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path) -> str:
    if request.param == "sqlite":
        path = tmp_path / "orderloom.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    url = request.getfixturevalue("postgres_server_url")
    _reset_postgres(url)
    return url


@pytest.fixture
def sqlite_url(tmp_path, sqlite_template) -> str:
    """For tests whose behaviour does not depend on the database."""
    path = tmp_path / "orderloom.db"
    shutil.copyfile(sqlite_template, path)
    return f"sqlite:///{path}"


# --- passwords -------------------------------------------------------------------------------

@pytest.fixture(scope="session", autouse=True)
def passwords_hashed_once():
    """scrypt is slow on purpose (a tenth of a second a hash, more on a busy machine), and
    the tests make thousands of users with one password and log them in. The real scrypt
    still runs, once per password and once per check of a given hash: a check is a pure
    function of the hash and the password, and a stored hash with a reused salt verifies
    like any other."""
    hash_once = functools.cache(accounts.hash_password)
    check_once = functools.cache(accounts.check_password_hash)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(accounts, "hash_password", hash_once)
        patch.setattr(accounts, "check_password_hash", check_once)
        yield


# --- the network ---------------------------------------------------------------------------

@pytest.fixture(scope="session", autouse=True)
def names_are_not_looked_up():
    """Tests never reach outside this machine, name servers included. The shops, carriers
    and CRMs the tests name (our-store.myshopify.com) do not resolve, at once, as they
    would on a machine with no network; asking this machine's name server instead took
    up to five seconds a name when it was slow, and a page waiting on it timed out. A
    test that needs a name to resolve patches the lookup over this one."""
    real = socket.getaddrinfo
    here = ("localhost", socket.gethostname().lower())

    def getaddrinfo(host, port, *args, **kwargs):
        if host is not None and str(host).lower() not in here:
            try:  # an address, in any spelling the resolver reads without a name server
                real(host, port, flags=socket.AI_NUMERICHOST)
            except socket.gaierror:
                raise socket.gaierror(socket.EAI_NONAME, "Name or service not known") from None
        return real(host, port, *args, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(socket, "getaddrinfo", getaddrinfo)
        yield


# --- app -------------------------------------------------------------------------------------

@pytest.fixture
def instance_time_zone() -> str | None:
    """The instance's ORDERLOOM_TIME_ZONE; None keeps the default (UTC). A module whose
    tests must run where the clocks are not UTC overrides this fixture."""
    return None


@pytest.fixture
def settings(tmp_path, database_url, instance_time_zone):
    overrides = {"instance_path": tmp_path / "instance", "database_url": database_url,
                 "secret_key": TEST_SECRET}
    if instance_time_zone:
        overrides["time_zone"] = instance_time_zone
    yield load_settings({}, overrides=overrides)
    if instance_time_zone:
        business_calendar.use_time_zone("UTC")  # the zone is the process's: leave it as found


@pytest.fixture
def outbound_to_loopback(monkeypatch):
    """Lets the outbound client call 127.0.0.1, where the tests' own receivers, carriers
    and shops listen: what an operator does for an internal system with
    ORDERLOOM_OUTBOUND_ALLOW. The client stays as strict for every other address."""
    monkeypatch.setenv("ORDERLOOM_OUTBOUND_ALLOW", "127.0.0.1")


class CompiledTemplates(jinja2.BytecodeCache):
    """Compiled page templates shared by every app the tests make. Each test has an app
    of its own, and each app's Jinja would compile every page it renders again (tens of
    milliseconds a page, in thousands of tests); the templates are the same files."""

    def __init__(self) -> None:
        self.compiled: dict[str, bytes] = {}

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        if bucket.key in self.compiled:
            bucket.bytecode_from_string(self.compiled[bucket.key])

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self.compiled[bucket.key] = bucket.bytecode_to_string()


COMPILED_TEMPLATES = CompiledTemplates()


@pytest.fixture
def app(settings):
    app = create_app(settings)
    app.testing = True
    app.jinja_env.bytecode_cache = COMPILED_TEMPLATES
    yield app
    app.extensions["orderloom.db"].engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def db(app) -> Iterator[Session]:
    database: Database = app.extensions["orderloom.db"]
    with database.sessions() as session:
        yield session


@pytest.fixture
def make_user(db) -> Callable[..., User]:
    def make(role: str | None, username: str | None = None, password: str = TEST_PASSWORD):
        user = accounts.create_user(db, Actor(None, "test", "cli"),
                                    username or f"{role or 'nobody'}-{uuid.uuid4().hex[:6]}",
                                    password, [role] if role else [])
        db.commit()
        return user

    return make


CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_from(html: str) -> str:
    match = CSRF_INPUT.search(html)
    assert match, "the page has no CSRF token field"
    return match.group(1)


class Actions:
    """What a person does in a browser, through the test client."""

    def __init__(self, client, make_user) -> None:
        self.client = client
        self.make_user = make_user

    def login(self, username: str, password: str = TEST_PASSWORD):
        token = csrf_from(self.client.get("/login").get_data(as_text=True))
        return self.client.post("/login", data={"username": username, "password": password,
                                                "csrf_token": token})

    def login_as(self, role: str | None) -> User:
        user = self.make_user(role)
        response = self.login(user.username)
        assert response.status_code == 302, response.get_data(as_text=True)
        return user

    def csrf(self, page: str = "/") -> str:
        return csrf_from(self.client.get(page).get_data(as_text=True))


@pytest.fixture
def actions(client, make_user) -> Actions:
    return Actions(client, make_user)


@pytest.fixture
def token_for(db, make_user) -> Callable[[str], str]:
    """An API token for a new user with ``role``."""

    def issue(role: str) -> str:
        user = make_user(role)
        _token, secret = accounts.issue_token(db, Actor(user.id, user.username, "cli"), user,
                                              "test")
        db.commit()
        return secret

    return issue


@pytest.fixture
def published(client, token_for):
    """The sample retail order type (tests/designer/samples.py), imported and published
    by a designer; answers the designer's API headers."""
    from tests.designer.samples import retail

    designer = {"Authorization": f"Bearer {token_for('designer')}"}
    response = client.post("/api/v1/import", headers=designer, json={
        "format": "orderloom-package/1", "order_types": [retail()]})
    assert response.status_code == 201, response.get_json()
    return designer


# --- Redis -----------------------------------------------------------------------------------

@pytest.fixture
def redis_url() -> Iterator[str]:
    from redis import Redis
    from redis.exceptions import RedisError

    connection = Redis.from_url(REDIS_TEST_URL, socket_timeout=2)
    try:
        connection.ping()
    except RedisError as exc:
        service_unavailable(f"Redis at {REDIS_TEST_URL} is not available: {exc}")
    connection.flushdb()
    yield REDIS_TEST_URL
    connection.flushdb()
    connection.close()


@pytest.fixture(scope="module")
def heap_of_a_server():
    """For tests that time work making many objects (a hostile template's render). No
    budget can interrupt a full garbage collection, and in this test process one walks
    every object the suite's earlier tests left behind: it took over four seconds in a
    full run, in the middle of a render, where a server's own heap takes milliseconds.
    The objects already here are frozen out of collections, so the work is timed
    against the garbage it makes itself. Once per module: the collection before the
    freeze walks that whole heap too."""
    gc.collect()
    gc.freeze()
    yield
    gc.unfreeze()

"""The whole API, fuzzed from its own OpenAPI document: no input gives a 500, and
every answer fits what the document promises.

Schemathesis reads /api/openapi.json from the app and generates valid and
invalid requests for every operation in it, so endpoints added later join the
run without a change here. The run is deterministic (fixed seed, derandomized)
and bounded (ORDERLOOM_FUZZ_EXAMPLES examples per operation and mode, default 10).

Jobs go to a Redis queue that no worker reads, and the network is closed
beyond 127.0.0.1: fuzzed webhook and carrier URLs are stored, never called.
"""
from __future__ import annotations

import os
import socket

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from orderloom.platform import accounts
from orderloom.platform.app import create_app
from orderloom.platform.settings import load_settings
from orderloom.runtime.audit import SYSTEM
from tests.conftest import TEST_SECRET

EXAMPLES = int(os.environ.get("ORDERLOOM_FUZZ_EXAMPLES", "10"))

CONFIG = schemathesis.Config.from_dict({"seed": 20261125})

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]


@pytest.fixture
def offline(monkeypatch):
    """No connection leaves the machine: anything else fails as an unreachable host."""
    real_getaddrinfo = socket.getaddrinfo
    real_connect = socket.socket.connect

    def getaddrinfo(host, *args, **kwargs):
        if host not in ("127.0.0.1", "localhost", "::1", None):
            raise socket.gaierror(socket.EAI_NONAME, f"{host}: no network in this test")
        return real_getaddrinfo(host, *args, **kwargs)

    def connect(self, address):
        if isinstance(address, tuple) and address[0] not in ("127.0.0.1", "::1"):
            raise ConnectionRefusedError(f"{address[0]}: no network in this test")
        return real_connect(self, address)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    monkeypatch.setattr(socket.socket, "connect", connect)


@pytest.fixture
def fuzzed_database(request) -> str:
    """SQLite, so the run stays near a minute; ORDERLOOM_FUZZ_POSTGRES=1 fuzzes on
    PostgreSQL instead, whose column types are stricter."""
    if os.environ.get("ORDERLOOM_FUZZ_POSTGRES") == "1":
        from tests.conftest import _reset_postgres

        url = request.getfixturevalue("postgres_server_url")
        _reset_postgres(url)
        return url
    return request.getfixturevalue("sqlite_url")


@pytest.fixture
def fuzzed_app(tmp_path, fuzzed_database, redis_url, offline):
    settings = load_settings({}, overrides={
        "instance_path": tmp_path / "instance", "database_url": fuzzed_database,
        "secret_key": TEST_SECRET, "redis_url": redis_url})
    app = create_app(settings)
    yield app
    app.extensions["orderloom.db"].engine.dispose()


class AdminToken:
    """An administrator's token; issued again when a fuzzed DELETE /tokens/{id}
    revoked it, so the rest of the run is not all 401s."""

    def __init__(self, app) -> None:
        self.app = app
        with app.extensions["orderloom.db"].sessions() as session:
            user = accounts.create_user(session, SYSTEM, "fuzz-admin", "fuzz-password-1",
                                        ["admin"])
            session.commit()
            self.user_id = user.id
        self.renew()

    def renew(self) -> None:
        with self.app.extensions["orderloom.db"].sessions() as session:
            user = session.get(accounts.User, self.user_id)
            _token, self.secret = accounts.issue_token(session, SYSTEM, user, "fuzz")
            session.commit()

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.secret}"}


@pytest.fixture
def admin_token(fuzzed_app):
    return AdminToken(fuzzed_app)


MODES = (schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE)
RUN = settings(max_examples=EXAMPLES, derandomize=True, database=None, deadline=None,
               suppress_health_check=list(HealthCheck),
               # No shrinking: a failure is reported with its request as it was sent,
               # and the run stays bounded when something is wrong.
               phases=[Phase.explicit, Phase.generate])


def _fuzz(operation, mode, admin_token, succeeded: set[str]) -> str | None:
    """The first failure of ``operation`` in ``mode``, as text, or None."""

    @RUN
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case):
        response = case.call_and_validate(headers=admin_token.headers, checks=CHECKS)
        if response.status_code == 401:
            admin_token.renew()
        if response.status_code < 300:
            succeeded.add(operation.label)

    try:
        run()
    except Unsatisfiable:
        return None  # no request of this kind exists for the operation (e.g. nothing to break)
    except (Exception, BaseExceptionGroup) as failure:  # schemathesis groups its findings
        return f"{operation.label} ({mode.value}): {str(failure)[:1500]}"
    return None


def test_no_request_gives_a_500_or_an_answer_the_document_does_not_promise(
        fuzzed_app, admin_token):
    # Operations are driven here one by one rather than through schemathesis's pytest
    # integration, which fails on pytest 9 (it reads request.node._nodeid); every
    # failing operation is then reported, not only the first. No operation is left out.
    api = schemathesis.openapi.from_wsgi("/api/openapi.json", fuzzed_app, config=CONFIG)
    failures, operations, succeeded = [], 0, set()
    for result in api.get_all_operations():
        operation = result.ok()
        operations += 1
        for mode in MODES:
            failure = _fuzz(operation, mode, admin_token, succeeded)
            if failure:
                failures.append(failure)
    assert operations > 50, "the OpenAPI document lost most of its operations"
    # The token worked and generated requests got past validation: a run of nothing
    # but 401s and 422s would prove little.
    assert len(succeeded) > 30, f"only {len(succeeded)} operations ever answered 2xx"
    assert not failures, f"{len(failures)} failing operation(s):\n\n" + "\n\n".join(failures)

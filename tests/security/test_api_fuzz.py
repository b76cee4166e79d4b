"""The whole API, fuzzed from its own OpenAPI document: no input gives a 500, and
every answer fits what the document promises.

Schemathesis reads /api/openapi.json from the app and generates valid and
invalid requests for every operation in it, so endpoints added later join the
run without a change here. The run is deterministic (fixed seed, derandomized)
and bounded (ORDERLOOM_FUZZ_EXAMPLES examples per operation and mode, default 10).

The document's own request examples are sent too (on a workspace holding the retail
and catering templates and one order, whose number is the example of every
``{number}``), and with them variants where each number, amount and date of an
example is replaced by an extreme one (``EXTREME_NUMBERS``, ``EXTREME_DATES``):
added as named examples of the document, so schemathesis sends them in its
examples phase. Date-time and date formats are drawn from a strategy registered
for them that mixes the extremes in.

Jobs go to a Redis queue that no worker reads, and the network is closed
beyond 127.0.0.1: fuzzed webhook and carrier URLs are stored, never called.
"""
from __future__ import annotations

import copy
import os
import socket
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi import unregister_string_format
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from orderloom.platform import accounts, templates
from orderloom.platform.app import create_app
from orderloom.platform.settings import load_settings
from orderloom.runtime.audit import SYSTEM
from tests.conftest import TEST_SECRET

EXAMPLES = int(os.environ.get("ORDERLOOM_FUZZ_EXAMPLES", "10"))

CONFIG = schemathesis.Config.from_dict({"seed": 20261125})

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]

# Numbers a client may send where an example has a number or an amount: huge and
# tiny, 34 digits, exponents, the floats' edges, text that only looks like a number.
EXTREME_NUMBERS: list[Any] = [
    "9" * 34, "-" + "9" * 34, "0." + "0" * 33 + "1", "1" + "0" * 33 + ".5", "1e400", "1E-400",
    "-1e308", "NaN", "Infinity", "", " 12 ", "٣", "1_000", 10**40, -(10**40), 2**63, 1e308,
    5e-324, -0.0, 0]
# Dates and moments where an example has one: the calendar's ends, the furthest time
# zones (which move a moment across a year's end), days that do not exist.
EXTREME_DATES: list[Any] = [
    "9999-12-31", "0001-01-01", "9999-12-31T23:59:59-23:59", "0001-01-01T00:00:00+23:59",
    "9999-12-31T23:59:59.999999+00:00", "0001-01-01T00:00:00Z", "2026-02-30",
    "2026-11-25T09:30:00+14:00", "2026-11-25T24:00:00", ""]


def _kind(value: Any) -> str | None:
    """"number" or "date" for a leaf an extreme replaces, else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        try:
            datetime.fromisoformat(value)
        except ValueError:
            pass
        else:
            return "date"
        try:
            float(value)
        except ValueError:
            return None
        return "number"
    return None


def _leaves(node: Any, path: tuple = ()):
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _leaves(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _leaves(value, (*path, index))
    elif _kind(node):
        yield path, _kind(node)


def extreme_variants(example: Any) -> list[Any]:
    """Copies of ``example`` with extremes in its number leaves (one copy per extreme
    number), then copies with extremes in its date leaves (one per extreme date): one
    kind at a time, so a refused number does not hide what a date does. Leaves of the
    same kind take the extremes at different offsets, so they differ in each copy."""
    leaves = list(_leaves(example))
    variants = []
    for kind, pool in (("number", EXTREME_NUMBERS), ("date", EXTREME_DATES)):
        places = [path for path, found in leaves if found == kind]
        for i in range(len(pool) if places else 0):
            variant = copy.deepcopy(example)
            for place, path in enumerate(places):
                node = variant
                for step in path[:-1]:
                    node = node[step]
                node[path[-1]] = pool[(i + place) % len(pool)]
            variants.append(variant)
    return variants


def with_extremes(document: dict[str, Any], path_examples: dict[str, str]) -> dict[str, Any]:
    """The OpenAPI document with each request example's extreme variants added as
    examples of their own, and ``path_examples`` as the examples of path parameters."""
    document = copy.deepcopy(document)
    for operations in document["paths"].values():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "path" and parameter["name"] in path_examples:
                    parameter["example"] = path_examples[parameter["name"]]
            content = operation.get("requestBody", {}).get("content", {}).get(
                "application/json", {})
            for name, example in list(content.get("examples", {}).items()):
                for index, variant in enumerate(extreme_variants(example["value"])):
                    content["examples"][f"{name}-extreme-{index}"] = {"value": variant}
    return document


def _moments() -> st.SearchStrategy[str]:
    zones = st.sampled_from([UTC, timezone(timedelta(hours=23, minutes=59)),
                             timezone(-timedelta(hours=23, minutes=59)),
                             timezone(timedelta(hours=8))])
    return st.sampled_from([d for d in EXTREME_DATES if "T" in d]) | st.datetimes(
        min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31, 23, 59, 59),
        timezones=zones).map(datetime.isoformat)


def _days() -> st.SearchStrategy[str]:
    return st.sampled_from(["9999-12-31", "0001-01-01"]) | st.dates(
        min_value=date(1, 1, 1)).map(date.isoformat)


@pytest.fixture
def extreme_formats():
    """Date-time and date strings drawn with the extremes, for this test only."""
    schemathesis.openapi.format("date-time", _moments())
    schemathesis.openapi.format("date", _days())
    yield
    unregister_string_format("date-time")
    unregister_string_format("date")


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
    return _run(operation.as_strategy(generation_mode=mode), operation, mode.value,
                admin_token, succeeded)


def _examples(operation, admin_token, succeeded: set[str]) -> list[str]:
    """Each of the document's examples of ``operation`` (extremes included), once."""
    failures = []
    for strategy in operation.get_strategies_from_examples():
        failure = _run(strategy, operation, "examples", admin_token, succeeded, examples=1)
        if failure:
            failures.append(failure)
    return failures


def _run(strategy, operation, mode: str, admin_token, succeeded: set[str], *,
         examples: int | None = None) -> str | None:
    @(settings(RUN, max_examples=examples) if examples else RUN)
    @given(case=strategy)
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
        return f"{operation.label} ({mode}): {str(failure)[:1500]}"
    return None


def _workspace(app) -> dict[str, str]:
    """The retail and catering templates and one retail order: the documented examples
    name them. Answers the examples of path parameters."""
    from orderloom.platform.api.orders import ORDER_EXAMPLES
    from orderloom.runtime.engine.lifecycle import create_order

    with app.extensions["orderloom.db"].sessions() as session:
        for key in ("retail", "catering"):
            templates.import_template(session, "fuzz", key)
        session.commit()
        example = ORDER_EXAMPLES["retail"]
        order = create_order(session, SYSTEM, example["order_type"], example["data"])
        session.commit()
        return {"number": order.number, "key": "retail_order"}


def test_no_request_gives_a_500_or_an_answer_the_document_does_not_promise(
        fuzzed_app, admin_token, extreme_formats):
    # Operations are driven here one by one rather than through schemathesis's pytest
    # integration, which fails on pytest 9 (it reads request.node._nodeid); every
    # failing operation is then reported, not only the first. No operation is left out.
    document = fuzzed_app.test_client().get("/api/openapi.json").get_json()
    api = schemathesis.openapi.from_dict(with_extremes(document, _workspace(fuzzed_app)),
                                         config=CONFIG)
    api.app = fuzzed_app
    failures, operations, succeeded = [], 0, set()
    for result in api.get_all_operations():
        operation = result.ok()
        operations += 1
        failures.extend(_examples(operation, admin_token, succeeded))
        for mode in MODES:
            failure = _fuzz(operation, mode, admin_token, succeeded)
            if failure:
                failures.append(failure)
    assert operations > 50, "the OpenAPI document lost most of its operations"
    # The documented examples got through: an order was created and edited by them.
    assert {"POST /api/v1/orders", "PATCH /api/v1/orders/{number}",
            "POST /api/v1/orders/{number}/payments"} <= succeeded
    # The token worked and generated requests got past validation: a run of nothing
    # but 401s and 422s would prove little.
    assert len(succeeded) > 30, f"only {len(succeeded)} operations ever answered 2xx"
    assert not failures, f"{len(failures)} failing operation(s):\n\n" + "\n\n".join(failures)

"""Query parameters anyone can type: no value of any parameter a listing reads gives a
500, on the API or on a page; a value that cannot be used is a 422 naming the
parameter (API) or a message on the page, which still answers.

The listings and their parameters are found, not listed: every GET address of the
app whose path holds nothing or only a value filled in below, and every name the
platform's code reads from a query string (``request.args``, ``args.get``,
``query_args``) in the view's module and the platform modules it uses. A new
listing or parameter joins the run by being written.
"""
from __future__ import annotations

import functools
import inspect
import re
import sys
from types import ModuleType

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orderloom.platform.query_args import FIRST_DAY, LAST_DAY
from tests.channels.support import SIMPLE_MAPPING
from tests.platform.test_api_tokens import bearer
from tests.runtime.support import create

# The values of the report (finding 5), and their kin: dates out of range, numbers
# beyond 64 bits, text where a number goes, digits Python reads but SQL does not.
HOSTILE = ["9999-12-31", "0001-01-01", "99999999999999999999", "-99999999999999999999",
           "9223372036854775808", "-1", "0", "garbage", "1e400", "NaN", "٣", "1_000",
           "2026-02-30", "2026-11-25T25:61", "2026-11-25T00:00:00+23:59",
           "9998-12-31T23:59:59-23:59", "\x00", "%", "'\"<!--<script>", "x" * 5000]
# The few a sweep sends to every parameter of every listing.
SWEEP = ["9999-12-31", "99999999999999999999", "-1", "garbage", "\x00"]

READ = re.compile(r"""(?:request\.)?args(?:\.get|\.getlist)?\(\s*"([^"]+)"|"""
                  r"""args\[\s*"([^"]+)"\s*\]|"""
                  r"""(?:query_args\.)?(?:whole|cursor|day|moment)\(\s*[\w.]+\s*,\s*"([^"]+)\"""")
# Read without their name written at the call: a page link's cursor, a form field.
ALWAYS = {"before", "limit", "field.priority"}
FILLED = {"chart": "sales_over_time", "code": "C1", "key": "shop"}


def _platform_modules(module: ModuleType) -> set[ModuleType]:
    """The view's module and the platform modules whose names it uses."""
    found = {module}
    for value in vars(module).values():
        home = value.__name__ if isinstance(value, ModuleType) else getattr(
            value, "__module__", None)
        if isinstance(home, str) and home.startswith("orderloom.platform") \
                and home in sys.modules:
            found.add(sys.modules[home])
    return found


@functools.cache
def _names_read(module: ModuleType) -> frozenset[str]:
    names = set(ALWAYS)
    for each in _platform_modules(module):
        for match in READ.finditer(inspect.getsource(each)):
            names.update(n for n in match.groups() if n)
    return frozenset(names)


def listings(app) -> list[tuple[str, str]]:
    """(address, parameter) for every GET address that can be filled in."""
    pairs = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint == "static":
            continue
        if not set(rule.arguments) <= set(FILLED):
            continue
        path = rule.rule
        for name in rule.arguments:
            path = re.sub(r"<(?:[^:>]+:)?" + name + ">", FILLED[name], path)
        module = sys.modules[app.view_functions[rule.endpoint].__module__]
        pairs.extend((path, name) for name in sorted(_names_read(module)))
    return pairs


@pytest.fixture
def stocked(client, token_for, published, actions):
    """An admin signed in (pages) with a token (API), an order of customer C1, and a
    channel ``shop``, so the lists have rows to page through."""
    admin = bearer(token_for("admin"))
    assert create(client, admin).status_code == 201
    answer = client.post("/api/v1/channels", headers=admin, json={
        "key": "shop", "name": "Shop", "kind": "webhook", "order_type": "retail_order",
        "mapping": SIMPLE_MAPPING})
    assert answer.status_code == 201, answer.get_json()
    actions.login_as("admin")
    return admin


def _ask(client, admin, path: str, name: str, value: str):
    response = client.get(path, query_string={name: value}, headers=admin
                          if path.startswith("/api/") else None)
    where = f"GET {path}?{name}={value[:40]!r}"
    assert response.status_code < 500, f"{where}: {response.get_data(as_text=True)[:300]}"
    if path.startswith("/api/") and response.status_code == 422:
        assert response.mimetype == "application/problem+json", where
        shown = name.replace("\x00", "\\0")
        assert shown in response.get_data(as_text=True), f"{where}: the 422 does not name it"
    return response


def test_the_listings_and_their_parameters_are_found(app):
    found = listings(app)
    for path, name in [("/api/v1/orders", "created_to"), ("/api/v1/orders", "before"),
                       ("/orders", "created_to"), ("/customers", "before"),
                       ("/api/v1/customers/C1/orders", "limit"),
                       ("/api/v1/finance/summary", "to"), ("/finance/summary", "to"),
                       ("/api/v1/dashboards/sales_over_time", "created_to"),
                       ("/dashboards", "sla_hours"), ("/admin/webhooks", "subscription"),
                       ("/api/v1/channels/shop/dead-letters", "before")]:
        assert (path, name) in found, (path, name)


def test_every_parameter_of_every_listing_survives_the_reported_values(client, stocked, app):
    for path, name in listings(app):
        for value in SWEEP:
            _ask(client, stocked, path, name, value)


@settings(max_examples=150, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture,
                                 HealthCheck.too_slow])
@given(data=st.data())
def test_no_hostile_value_of_any_listing_parameter_is_a_500(client, stocked, app, data):
    path, name = data.draw(st.sampled_from(listings(app)), label="listing")
    value = data.draw(st.one_of(
        st.sampled_from(HOSTILE), st.text(max_size=60),
        st.integers(min_value=-(2**80), max_value=2**80).map(str),
        st.dates().map(lambda d: d.isoformat()),
        st.datetimes(timezones=st.timezones()).map(lambda d: d.isoformat())),
        label="value")
    _ask(client, stocked, path, name, value)


@pytest.mark.parametrize(("path", "name", "value"), [
    ("/api/v1/orders", "created_to", "9999-12-31"),
    ("/api/v1/orders", "created_from", "garbage"),
    ("/api/v1/orders", "before", "99999999999999999999"),
    ("/api/v1/orders", "limit", "-5"),
    ("/api/v1/orders", "limit", "100000"),
    ("/api/v1/customers", "before", "99999999999999999999"),
    ("/api/v1/customers/C1/orders", "before", "-1"),
    ("/api/v1/finance/summary", "to", "9999-12-31"),
    ("/api/v1/dashboards/sales_over_time", "created_to", "9999-12-31"),
    ("/api/v1/mismatches", "before", "99999999999999999999"),
    ("/api/v1/webhook-deliveries", "subscription", "99999999999999999999"),
    ("/api/v1/jobs", "before", "1e3"),
    ("/api/v1/stock/movements", "limit", "٣"),
    ("/api/v1/orders", "q", "a\x00b"),
    ("/api/v1/approvals", "status", "maybe"),
    ("/api/v1/stock/export", "format", "pdf"),
    ("/api/v1/notifications", "unread", "perhaps"),
])
def test_an_unreadable_parameter_is_a_422_naming_it(client, stocked, path, name, value):
    response = client.get(path, query_string={name: value}, headers=stocked)
    assert response.status_code == 422, response.get_data(as_text=True)
    problem = response.get_json()
    assert problem["errors"][0]["parameter"] == name
    assert problem["detail"].startswith(f"{name}: ")


@pytest.mark.parametrize(("path", "query", "message"), [
    ("/orders", "created_to=9999-12-31",
     f"Created to: must be a day from {FIRST_DAY} to {LAST_DAY}."),
    ("/orders", "created_from=garbage", "Created from: “garbage” is not a date"),
    ("/orders", "before=99999999999999999999", "The page link is broken"),
    ("/customers", "before=99999999999999999999", "The page link is broken"),
    ("/dashboards", "created_to=9999-12-31", "Created to: must be a day from"),
    ("/finance/summary", "to=9999-12-31", "To: must be a day from"),
    ("/admin/webhooks", "subscription=-1", "Subscription: must be a whole number"),
])
def test_a_page_says_which_parameter_it_left_out(client, stocked, path, query, message):
    response = client.get(f"{path}?{query}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert message in page.replace("&#34;", '"').replace("&#39;", "'")


def test_the_widest_days_still_list(client, stocked):
    every = client.get(f"/api/v1/orders?created_from={FIRST_DAY}&created_to={LAST_DAY}",
                       headers=stocked)
    assert every.status_code == 200
    assert len(every.get_json()["orders"]) == 1
    late = client.get("/api/v1/orders?created_from=2026-11-25T09:30:00%2B08:00",
                      headers=stocked)
    assert late.status_code == 200
    assert client.get(f"/orders?created_to={LAST_DAY}").status_code == 200

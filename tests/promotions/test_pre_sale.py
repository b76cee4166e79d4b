"""Pre-sale: orders for a product not yet released wait, held where they arrived,
with their units reserved against its expected receipts, and are released on the
release date by a job, in the instance's time zone."""
from __future__ import annotations

import datetime as dt

import pytest

from orderloom.db import utcnow
from orderloom.runtime import business_calendar
from orderloom.runtime.jobs.sweeper import sweep
from tests.platform.test_api_tokens import assert_problem, bearer
from tests.runtime.support import SAMPLE, create
from tests.runtime.test_concurrency import ON_POSTGRESQL, run_together
from tests.runtime.test_jobs import sessions_of

TODAY = business_calendar.instance_date(utcnow())
RELEASE = TODAY + dt.timedelta(days=10)
ORDER = {**SAMPLE, "items": [{"sku": "TEA-NEW", "qty": 2, "price": "88.00"}]}


@pytest.fixture
def admin(client, token_for, published):
    headers = bearer(token_for("admin"))
    assert client.post("/api/v1/products", headers=headers, json={
        "sku": "TEA-NEW", "name": "New season tea"}).status_code == 201
    assert client.post("/api/v1/warehouses", headers=headers, json={
        "code": "HZ", "name": "Hangzhou"}).status_code == 201
    assert client.put("/api/v1/pre-sales/TEA-NEW", headers=headers, json={
        "release_on": RELEASE.isoformat()}).status_code == 200
    assert client.put("/api/v1/expected-receipts", headers=headers, json={
        "sku": "TEA-NEW", "warehouse": "HZ", "expected_on": RELEASE.isoformat(),
        "quantity": 3}).status_code == 200
    return headers


def kinds(client, headers, number):
    timeline = client.get(f"/api/v1/orders/{number}/timeline", headers=headers).get_json()
    return [(e["kind"], e["details"]) for e in timeline]


def test_an_order_for_a_pre_sale_product_waits_with_its_units_reserved(client, admin):
    number = create(client, admin, ORDER).get_json()["number"]
    entries = dict(kinds(client, admin, number))
    assert entries["pre_sale"] == {
        "step": "held", "release_on": RELEASE.isoformat(),
        "lines": [{"sku": "TEA-NEW", "quantity": 2, "release_on": RELEASE.isoformat(),
                   "receipt": {"warehouse": "HZ", "expected_on": RELEASE.isoformat()}}]}
    assert entries["held"]["actions"][0]["reason"]["en"] == \
        f"pre-sale: waits for the release on {RELEASE.isoformat()}"
    assert client.get("/api/v1/expected-receipts", headers=admin).get_json() == [
        {"sku": "TEA-NEW", "warehouse": "HZ", "expected_on": RELEASE.isoformat(),
         "quantity": 3, "reserved": 2}]
    # One unit is left to expect: the next order waits too, with nothing reserved.
    second = create(client, admin, ORDER).get_json()["number"]
    assert dict(kinds(client, admin, second))["pre_sale"]["lines"][0]["receipt"] is None


def test_the_release_day_releases_the_order(app, client, admin):
    number = create(client, admin, ORDER).get_json()["number"]
    sessions = sessions_of(app)
    sweep(sessions, now=utcnow() + dt.timedelta(hours=1))  # not yet: nothing happens
    assert [k for k, _d in kinds(client, admin, number)].count("pre_sale") == 1
    sweep(sessions, now=utcnow() + dt.timedelta(days=11))
    entries = kinds(client, admin, number)
    assert ("pre_sale", {"step": "released", "release_on": RELEASE.isoformat()}) in entries
    # The hold is lifted: the latest hold entry lifts it.
    holds = [details for kind, details in entries if kind == "held"]
    assert "lifted" in holds[-1]
    assert client.get("/api/v1/expected-receipts", headers=admin).get_json()[0]["reserved"] == 0


def test_a_cancelled_pre_sale_order_gives_its_expected_units_back(client, admin):
    number = create(client, admin, ORDER).get_json()["number"]
    assert client.post(f"/api/v1/orders/{number}/transitions/cancel",
                       headers=admin).status_code == 200
    assert client.get("/api/v1/expected-receipts", headers=admin).get_json()[0]["reserved"] == 0


def test_an_order_placed_on_or_after_the_release_does_not_wait(client, admin):
    client.put("/api/v1/pre-sales/TEA-NEW", headers=admin,
               json={"release_on": TODAY.isoformat()})
    number = create(client, admin, ORDER).get_json()["number"]
    assert "pre_sale" not in dict(kinds(client, admin, number))


def test_expecting_fewer_than_reserved_is_refused(client, admin):
    create(client, admin, ORDER)
    problem = assert_problem(client.put("/api/v1/expected-receipts", headers=admin, json={
        "sku": "TEA-NEW", "warehouse": "HZ", "expected_on": RELEASE.isoformat(),
        "quantity": 1}), 422)
    assert problem["errors"][0]["pointer"] == "/quantity"
    assert_problem(client.put("/api/v1/pre-sales/NOPE", headers=admin,
                              json={"release_on": RELEASE.isoformat()}), 404)


@ON_POSTGRESQL
def test_two_pre_sale_orders_for_the_last_expected_units_one_reserves_them(app, admin):
    client = app.test_client()
    clients = [app.test_client() for _ in range(2)]
    # Three units are expected; each order wants two.
    responses = run_together(2, lambda i: create(clients[i], admin, ORDER))
    assert [r.status_code for r in responses] == [201, 201]
    receipts = sorted(str(dict(kinds(client, admin, r.get_json()["number"]))["pre_sale"]
                          ["lines"][0]["receipt"]) for r in responses)
    assert receipts == ["None", str({"warehouse": "HZ", "expected_on": RELEASE.isoformat()})]
    assert client.get("/api/v1/expected-receipts", headers=admin).get_json()[0]["reserved"] == 2


def test_the_pre_sale_page_sets_dates_and_receipts_and_says_what_is_wrong(client, admin,
                                                                          actions):
    actions.login_as("admin")
    page = client.get("/stock/pre-sale").get_data(as_text=True)
    assert 'data-sku="TEA-NEW"' in page and RELEASE.isoformat() in page
    refused = client.post("/stock/pre-sale/expected-receipts", data={
        "csrf_token": actions.csrf("/stock/pre-sale"), "sku": "TEA-NEW", "warehouse": "HZ",
        "expected_on": RELEASE.isoformat(), "quantity": "many"})
    assert refused.status_code == 422
    assert 'id="error-quantity"' in refused.get_data(as_text=True)
    refused = client.post("/stock/pre-sale/release-dates", data={
        "csrf_token": actions.csrf("/stock/pre-sale"), "sku": "NOPE",
        "release_on": RELEASE.isoformat()}, headers={"Accept-Language": "zh-CN"})
    assert refused.status_code == 422
    assert "目录中没有商品 NOPE" in refused.get_data(as_text=True)
    saved = client.post("/stock/pre-sale/expected-receipts", data={
        "csrf_token": actions.csrf("/stock/pre-sale"), "sku": "TEA-NEW", "warehouse": "HZ",
        "expected_on": TODAY.isoformat(), "quantity": "40"})
    assert saved.status_code == 302
    assert [r["quantity"] for r in client.get("/api/v1/expected-receipts",
                                               headers=admin).get_json()] == [40, 3]


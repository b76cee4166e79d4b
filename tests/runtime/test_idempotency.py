"""Idempotency-Key on order creation, as Stripe defines it."""
from __future__ import annotations

import json
import threading
import time
from decimal import Decimal

import pytest

from tests.platform.test_api_tokens import assert_problem
from tests.runtime.support import SAMPLE, create


def test_a_repeat_returns_the_first_response_and_creates_nothing(client, staff):
    headers = {**staff, "Idempotency-Key": "shop-order-1001"}
    first = create(client, headers)
    again = create(client, headers)
    assert first.status_code == again.status_code == 201
    assert again.get_json() == first.get_json()
    assert again.headers["Idempotent-Replayed"] == "true"
    orders = client.get("/api/v1/orders", headers=staff).get_json()["orders"]
    assert [o["number"] for o in orders] == [first.get_json()["number"]]


def test_the_same_key_with_a_different_body_is_refused(client, staff):
    headers = {**staff, "Idempotency-Key": "shop-order-1002"}
    create(client, headers)
    body = assert_problem(create(client, headers, {**SAMPLE, "priority": "rush"}), 422)
    assert "different request" in body["detail"]
    assert len(client.get("/api/v1/orders", headers=staff).get_json()["orders"]) == 1


def test_a_failed_request_frees_its_key_for_the_corrected_retry(client, staff):
    headers = {**staff, "Idempotency-Key": "shop-order-1003"}
    assert_problem(create(client, headers, {**SAMPLE, "priorty": "rush"}), 422)
    # the same key, the same (still wrong) body: tried again, not replayed
    assert_problem(create(client, headers, {**SAMPLE, "priorty": "rush"}), 422)
    fixed = create(client, headers, {**SAMPLE, "priority": "rush"})
    assert fixed.status_code == 201


def test_keys_belong_to_their_user(client, staff, token_for):
    from tests.platform.test_api_tokens import bearer

    other = bearer(token_for("staff"))
    a = create(client, {**staff, "Idempotency-Key": "same"})
    b = create(client, {**other, "Idempotency-Key": "same"})
    assert a.get_json()["number"] != b.get_json()["number"]


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_repeat_while_the_first_still_runs_is_told_to_retry(app, staff, db):
    from orderloom.runtime.orders import idempotency
    from orderloom.runtime.orders.idempotency import IdempotencyKey

    # The first request holds the key without a response yet, as while it runs. The
    # body is read the way the API reads it: fractions as Decimal.
    user_id = app.test_client().get("/api/v1/me", headers=staff).get_json()["id"]
    body = json.loads(json.dumps({"order_type": "retail_order", "data": SAMPLE}),
                      parse_float=Decimal)
    idempotency.claim(db, user_id, "in-flight", "POST /orders",
                      idempotency.request_fingerprint("POST /orders", body))
    response = create(app.test_client(), {**staff, "Idempotency-Key": "in-flight"})
    assert_problem(response, 409)
    assert response.headers["Retry-After"] == "1"
    assert db.query(IdempotencyKey).count() == 1
    db.rollback()


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_parallel_repeats_create_one_order(app, staff):
    results = []
    barrier = threading.Barrier(4)

    def send():
        client = app.test_client()
        barrier.wait()
        results.append(create(client, {**staff, "Idempotency-Key": "burst"}).status_code)

    threads = [threading.Thread(target=send) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert results.count(201) >= 1
    assert set(results) <= {201, 409}
    orders = app.test_client().get("/api/v1/orders", headers=staff).get_json()["orders"]
    assert len(orders) == 1


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_repeat_after_the_first_died_mid_request_does_the_work_at_once(app, staff, db):
    """A first request whose connection dies (a database restart, a killed process)
    leaves no claim behind: its retry is not refused for a minute, it creates the
    order, once."""
    from orderloom.runtime.orders import idempotency

    user_id = app.test_client().get("/api/v1/me", headers=staff).get_json()["id"]
    body = json.loads(json.dumps({"order_type": "retail_order", "data": SAMPLE}),
                      parse_float=Decimal)
    idempotency.claim(db, user_id, "dies", "POST /orders",
                      idempotency.request_fingerprint("POST /orders", body))
    answers = []
    repeat = threading.Thread(target=lambda: answers.append(
        create(app.test_client(), {**staff, "Idempotency-Key": "dies"})))
    repeat.start()
    time.sleep(0.5)  # the repeat now waits on the first's claim
    db.connection().invalidate()  # the first's connection is gone, as in a crash
    db.rollback()
    repeat.join(timeout=30)
    assert answers[0].status_code == 201, answers[0].get_json()
    assert "Idempotent-Replayed" not in answers[0].headers
    again = create(app.test_client(), {**staff, "Idempotency-Key": "dies"})
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json()["number"] == answers[0].get_json()["number"]
    orders = app.test_client().get("/api/v1/orders", headers=staff).get_json()["orders"]
    assert len(orders) == 1


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_repeat_while_the_first_finishes_answers_with_its_response(app, staff):
    """Parallel repeats wait for the first and replay it: one order, one answer."""
    # The app's first order compiles its order type and warms its caches, which on a
    # busy machine can outlast the repeats' wait (WAIT_SECONDS, then 409): that
    # wait is for a request's own work, so the race starts warm.
    assert create(app.test_client(), staff).status_code == 201
    answers = []
    barrier = threading.Barrier(4)

    def send():
        client = app.test_client()
        barrier.wait()
        answers.append(create(client, {**staff, "Idempotency-Key": "together"}))

    threads = [threading.Thread(target=send) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(a.status_code for a in answers) == [201] * 4
    assert len({a.get_json()["number"] for a in answers}) == 1
    assert sum(a.headers.get("Idempotent-Replayed") == "true" for a in answers) == 3

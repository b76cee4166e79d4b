"""GET /metrics: Prometheus figures a scraper reads, parsed with Prometheus's own parser.

Counters belong to the process, and the tests share one, so each test reads what the
figures were before and asserts how much they grew."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import insert, text

from orderloom.db import utcnow
from orderloom.platform.settings import SettingsError, load_settings
from orderloom.runtime.jobs.models import PENDING, Job
from tests.conftest import TEST_SECRET
from tests.platform.test_api_tokens import bearer
from tests.platform.test_gunicorn import Server, environment, migrated_instance
from tests.runtime.support import SAMPLE, create
from tests.runtime.test_stock_actions import shop, staff  # noqa: F401 (fixtures)
from tests.webhooks.support import Receiver

TOKEN = "scrape-" + "k" * 30


@pytest.fixture
def settings(tmp_path, database_url):
    return load_settings({}, overrides={
        "instance_path": tmp_path / "instance", "database_url": database_url,
        "secret_key": TEST_SECRET, "metrics_token": TOKEN})


def scrape(client) -> dict[tuple[str, tuple], float]:
    response = client.get("/metrics", headers=bearer(TOKEN))
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    return {(sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(response.get_data(as_text=True))
            for sample in family.samples}


def grew(before, after, name, **labels) -> float:
    key = (name, tuple(sorted(labels.items())))
    return after.get(key, 0.0) - before.get(key, 0.0)


def test_orders_jobs_refusals_and_failed_webhooks_are_counted(
        client, shop, staff, outbound_to_loopback, monkeypatch):  # noqa: F811
    monkeypatch.setenv("ORDERLOOM_WEBHOOK_RETRY_FIRST_SECONDS", "60")
    before = scrape(client)
    with Receiver(fail_first=100) as erp:  # an ERP that is down: every delivery fails
        subscribed = client.post("/api/v1/webhooks", headers=shop, json={
            "name": "ERP", "url": erp.url, "events": ["order.created"]})
        assert subscribed.status_code == 201, subscribed.get_json()
        numbers = [create(client, staff).get_json()["number"] for _ in range(2)]
        too_many = create(client, staff, {**SAMPLE, "items": [
            {"sku": "TEA-01", "qty": 9, "price": "10"}]}).get_json()["number"]
        refused = client.post(f"/api/v1/orders/{too_many}/transitions/submit", headers=staff)
        assert refused.status_code == 409
        assert len(erp.requests) == 3  # one first attempt per order, made in-process
    after = scrape(client)

    assert len(numbers) == 2
    assert grew(before, after, "orderloom_orders_created_total", channel="manual") == 3
    assert grew(before, after, "orderloom_stock_reservations_refused_total",
                warehouse="any warehouse") == 1
    # Each webhook job ran and recorded its failed attempt (the retry is a later job).
    assert grew(before, after, "orderloom_jobs_total", kind="webhook_delivery",
                outcome="done") == 3
    assert grew(before, after, "orderloom_delivery_failures_total", target="webhook") == 3
    # Requests by the route's pattern, never by the order's number in the path.
    assert grew(before, after, "orderloom_http_requests_total", route="/api/v1/orders",
                method="POST", status="201") == 3
    assert grew(before, after, "orderloom_http_requests_total", method="POST", status="409",
                route="/api/v1/orders/<number>/transitions/<key>") == 1
    assert grew(before, after, "orderloom_http_request_duration_seconds_count",
                route="/api/v1/orders", method="POST") == 3
    assert not any(number in str(key) for key in after for number in numbers)


def test_waiting_jobs_are_read_from_the_outbox_at_each_scrape(app, client):
    assert scrape(client)[("orderloom_jobs_waiting", ())] == 0
    # Two jobs nobody runs (the workers are stopped), due 90 and 30 seconds ago, and
    # one not due yet, which does not count as waiting.
    with app.extensions["orderloom.db"].engine.begin() as connection:
        for due in (-90, -30, 600):
            connection.execute(insert(Job.__table__).values(
                kind="notify", payload={}, status=PENDING, attempts=0, max_attempts=5,
                run_after=utcnow() + timedelta(seconds=due), created_at=utcnow()))
    figures = scrape(client)
    assert figures[("orderloom_jobs_waiting", ())] == 2
    assert 90 <= figures[("orderloom_jobs_oldest_waiting_seconds", ())] < 150


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_scrape_when_the_outbox_cannot_be_read_still_answers_the_counts(app, client):
    with app.extensions["orderloom.db"].engine.begin() as connection:
        connection.execute(text("DROP TABLE jobs"))
    scrape(client)  # 200, never a 500
    figures = scrape(client)
    assert ("orderloom_jobs_waiting", ()) not in figures
    # The first scrape is counted, as every request is.
    assert figures[("orderloom_http_requests_total",
                    (("method", "GET"), ("route", "/metrics"), ("status", "200")))] >= 1


def test_a_scraper_needs_the_token(client):
    assert client.get("/metrics").status_code == 401
    wrong = client.get("/metrics", headers=bearer("scrape-" + "x" * 30))
    assert wrong.status_code == 401
    assert wrong.headers["WWW-Authenticate"].startswith("Bearer")
    assert "orderloom_" not in wrong.get_data(as_text=True)


def test_without_a_token_set_there_are_no_metrics(tmp_path, sqlite_url):
    from orderloom.platform.app import create_app

    app = create_app(load_settings({}, overrides={
        "instance_path": tmp_path / "plain", "database_url": sqlite_url,
        "secret_key": TEST_SECRET}))
    answer = app.test_client().get("/metrics", headers=bearer(TOKEN))
    assert answer.status_code == 404
    app.extensions["orderloom.db"].engine.dispose()


def test_under_gunicorn_the_figures_of_every_worker_process_are_added_up(tmp_path):
    # Two workers answer requests made at once; whichever answered, the scrape (answered
    # by one of them) counts them all, as the processes share PROMETHEUS_MULTIPROC_DIR.
    folder = tmp_path / "metrics"
    folder.mkdir()
    env = environment(migrated_instance(tmp_path), metrics_token=TOKEN)
    env["PROMETHEUS_MULTIPROC_DIR"] = str(folder)
    server = Server(tmp_path, env, workers=2)
    try:
        with ThreadPoolExecutor(max_workers=8) as pool:
            answers = list(pool.map(lambda _: server.get("/healthz")[0], range(24)))
        assert answers == [200] * 24
        status, _headers, body = server.get("/metrics", bearer(TOKEN))
    finally:
        server.stop()
    assert status == 200
    figures = {(s.name, tuple(sorted(s.labels.items()))): s.value
               for family in text_string_to_metric_families(body.decode())
               for s in family.samples}
    # The 24 and the one poll that found gunicorn listening, each counted once.
    assert figures[("orderloom_http_requests_total",
                    (("method", "GET"), ("route", "/healthz"), ("status", "200")))] == 25
    assert figures[("orderloom_jobs_waiting", ())] == 0


def test_a_short_token_or_a_missing_multiprocess_folder_stops_start_up(tmp_path):
    with pytest.raises(SettingsError, match="ORDERLOOM_METRICS_TOKEN: give at least 24"):
        load_settings({"ORDERLOOM_INSTANCE_PATH": str(tmp_path),
                       "ORDERLOOM_METRICS_TOKEN": "short"})
    with pytest.raises(SettingsError, match="PROMETHEUS_MULTIPROC_DIR: .* is not a folder"):
        load_settings({"ORDERLOOM_INSTANCE_PATH": str(tmp_path),
                       "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "missing")})


def test_an_order_rolled_back_is_not_counted_and_odd_methods_share_one_label(app, client):
    from orderloom.runtime import metrics
    from orderloom.runtime.orders.models import Order

    before = scrape(client)
    with app.extensions["orderloom.db"].sessions() as session:
        # An order announced inside a savepoint that is then rolled back, as a channel's
        # order is when its reported payment cannot be recorded: never taken.
        savepoint = session.begin_nested()
        ghost = Order(channel="ghost")
        session.add(ghost)
        metrics.order_created(session, ghost)
        savepoint.rollback()
        session.commit()
    for method in ("ABCD", "WXYZ"):
        client.open("/api/v1/orders", method=method)
    after = scrape(client)
    assert grew(before, after, "orderloom_orders_created_total", channel="ghost") == 0
    assert not any("ABCD" in str(key) or "WXYZ" in str(key) for key in after)
    assert grew(before, after, "orderloom_http_requests_total", route="(no route)",
                method="other", status="405") == 2

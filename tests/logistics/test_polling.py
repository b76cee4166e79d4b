"""Polling carriers without webhooks: due shipments are polled once per interval, by a
job, in-process or by `orderloom worker` through Redis."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from orderloom.platform.settings import load_settings
from orderloom.runtime.jobs.models import DONE, Job
from orderloom.runtime.jobs.sweeper import sweep
from orderloom.runtime.shipping.tracking import poll_due
from tests.conftest import TEST_SECRET
from tests.logistics.support import local_time, route
from tests.runtime.test_jobs_rq import worker


def _sessions(app):
    return app.extensions["orderloom.db"].sessions


def test_a_due_shipment_is_polled_once_and_the_news_moves_the_order(app, client, setup):
    number = setup.order(client)
    tracking_number = setup.ship(client, number)["tracking_number"]
    now = datetime.now(UTC)
    setup.server.routes[tracking_number] = [
        route("50", local_time(now + timedelta(minutes=1)), "Hangzhou", "Collected"),
        route("80", local_time(now + timedelta(minutes=2)), "Hangzhou", "Signed")]

    assert poll_due(_sessions(app), now) != []  # never polled: due at once
    assert poll_due(_sessions(app), now + timedelta(seconds=30)) == []  # claimed
    sweep(_sessions(app), now=now + timedelta(seconds=1))

    polls = [r for r in setup.server.requests if r["method"] == "GET"]
    assert [p["path"] for p in polls] == [f"/routes/{tracking_number}"]
    assert polls[0]["headers"]["X-Api-Key"] == "k-test-123"
    order = client.get(f"/api/v1/orders/{number}", headers=setup.staff).get_json()
    assert order["state"] == "delivered"
    # Delivered: nothing more to ask, however long we wait.
    assert poll_due(_sessions(app), now + timedelta(hours=5)) == []


def test_a_shipment_is_polled_again_after_the_interval_and_repeats_are_no_ops(
        app, client, setup):
    number = setup.order(client)
    tracking_number = setup.ship(client, number)["tracking_number"]
    now = datetime.now(UTC)
    setup.server.routes[tracking_number] = [
        route("30", local_time(now + timedelta(minutes=1)), "Shanghai", "In transit")]
    shipment_id = poll_due(_sessions(app), now)[0]
    sweep(_sessions(app), now=now + timedelta(seconds=1))
    assert poll_due(_sessions(app), now + timedelta(seconds=61)) == [shipment_id]
    sweep(_sessions(app), now=now + timedelta(seconds=62))
    shipment = client.get(f"/api/v1/shipments/{shipment_id}", headers=setup.staff).get_json()
    assert [e["status"] for e in shipment["events"]] == ["label_created", "in_transit"]
    assert shipment["status"] == "in_transit"


def test_a_carrier_that_is_down_leaves_the_shipment_to_the_next_round(app, client, setup, db):
    number = setup.order(client)
    setup.ship(client, number)
    setup.server.fail_with = 500
    now = datetime.now(UTC)
    poll_due(_sessions(app), now)
    sweep(_sessions(app), now=now + timedelta(seconds=1))
    job = db.scalars(select(Job).where(Job.kind == "poll_tracking")).one()
    assert job.status == "failed" and "answered 500" in job.last_error
    db.rollback()  # SQLite: an open transaction holds the write lock
    setup.server.fail_with = None
    assert poll_due(_sessions(app), now + timedelta(seconds=61)) != []


@pytest.mark.redis
class TestWithRedis:
    @pytest.fixture
    def settings(self, tmp_path, database_url, redis_url):
        return load_settings({}, overrides={
            "instance_path": tmp_path / "instance", "database_url": database_url,
            "secret_key": TEST_SECRET, "redis_url": redis_url})

    def test_orderloom_worker_runs_the_poll(self, app, client, setup, db, database_url,
                                            redis_url, tmp_path):
        number = setup.order(client)
        created = client.post(f"/api/v1/orders/{number}/shipments", headers=setup.staff,
                              json={"carrier": "sf", "tracking_number": "SF42"})
        assert created.status_code == 201
        now = datetime.now(UTC)
        setup.server.routes["SF42"] = [
            route("44", local_time(now + timedelta(minutes=1)), "Xihu", "With the courier")]
        # The commit hands the poll job to RQ; a worker process carries it out.
        assert poll_due(_sessions(app), now) == [created.get_json()["id"]]
        result = worker(database_url, redis_url, tmp_path / "instance")
        assert result.returncode == 0, result.stderr
        assert db.scalars(select(Job.status).where(Job.kind == "poll_tracking")).all() == [DONE]
        db.rollback()
        shipment = client.get(f"/api/v1/shipments/{created.get_json()['id']}",
                              headers=setup.staff).get_json()
        assert shipment["status"] == "out_for_delivery"

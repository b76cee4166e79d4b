"""The create_shipment action books after the transition commits, and a carrier that
is down delays the booking (retried with backoff) without holding up the order."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from orderloom.db import utcnow
from orderloom.runtime.jobs.models import DONE, PENDING, Job
from orderloom.runtime.jobs.runner import JobRunner
from orderloom.runtime.jobs.sweeper import sweep
from tests.conftest import TEST_SECRET


def test_a_carrier_that_is_down_at_shipping_gets_the_booking_on_a_retry(app, client, setup, db):
    number = setup.order(client)
    setup.server.fail_with = 503
    shipped = client.post(f"/api/v1/orders/{number}/transitions/ship", headers=setup.staff)
    assert shipped.status_code == 200 and shipped.get_json()["state"] == "shipped"
    assert client.get(f"/api/v1/orders/{number}/shipments",
                      headers=setup.staff).get_json() == {"shipments": []}
    job = db.scalars(select(Job).where(Job.kind == "create_shipment")).one()
    assert job.status == PENDING and "answered 503" in job.last_error
    db.rollback()

    setup.server.fail_with = None
    sessions = app.extensions["orderloom.db"].sessions
    # The carrier's credential is sealed: the runner opens it with the instance key.
    sweep(sessions, now=utcnow() + timedelta(minutes=5),
          runner=JobRunner(sessions, secret_key=TEST_SECRET))
    shipments = client.get(f"/api/v1/orders/{number}/shipments",
                           headers=setup.staff).get_json()["shipments"]
    assert [s["tracking_number"] for s in shipments] == ["SF1000000001"]
    assert db.scalars(select(Job.status).where(Job.kind == "create_shipment")).one() == DONE
    db.rollback()
    bookings = [r for r in setup.server.requests if r["method"] == "POST"]
    # The same reference both times, so the carrier can tell a retry from a new parcel.
    assert len(bookings) == 2 and bookings[0]["body"]["reference"] == \
        bookings[1]["body"]["reference"]


def test_a_refused_transition_books_nothing(client, setup):
    number = setup.order(client)
    client.post(f"/api/v1/orders/{number}/transitions/ship", headers=setup.staff)
    again = client.post(f"/api/v1/orders/{number}/transitions/ship", headers=setup.staff)
    assert again.status_code == 409
    assert len(client.get(f"/api/v1/orders/{number}/shipments",
                          headers=setup.staff).get_json()["shipments"]) == 1
    assert len([r for r in setup.server.requests if r["method"] == "POST"]) == 1

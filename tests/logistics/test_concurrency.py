"""A carrier that sends the same event twice at once (two webhook workers of its own)
gets one event stored and one transition taken; the other copy is a duplicate."""
from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from tests.logistics.support import post_webhook, route


@pytest.fixture(params=["postgresql"])
def database_url(request):
    from tests.conftest import _reset_postgres

    url = request.getfixturevalue("postgres_server_url")
    _reset_postgres(url)
    return url


def test_the_same_event_delivered_twice_at_once_is_stored_once(app, client, setup):
    number = setup.order(client)
    tracking_number = setup.ship(client, number)["tracking_number"]
    body = route("80", (datetime.now(UTC) + timedelta(minutes=5)).isoformat(), "Hangzhou",
                 "Signed", tracking_number)
    start = threading.Barrier(4)
    answers: list[dict] = []

    def deliver() -> None:
        own = app.test_client()
        start.wait()
        response = post_webhook(own, "sf", setup.secret, body)
        answers.append({"status": response.status_code, **(response.get_json() or {})})

    threads = [threading.Thread(target=deliver) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    ok = [a for a in answers if a["status"] == 200]
    # A loser may also be told to send again (409: it collided); never a 500.
    assert all(a["status"] in (200, 409) for a in answers), answers
    assert sum(a["recorded"] for a in ok) == 1
    assert sum(len(a["transitions"]) for a in ok) == 1
    shipment = client.get(f"/api/v1/orders/{number}/shipments",
                          headers=setup.staff).get_json()["shipments"][0]
    assert [e["status"] for e in shipment["events"]] == ["label_created", "delivered"]
    timeline = client.get(f"/api/v1/orders/{number}/timeline", headers=setup.staff).get_json()
    assert len([e for e in timeline if e["kind"] == "tracking"]) == 1
    assert client.get(f"/api/v1/orders/{number}",
                      headers=setup.staff).get_json()["state"] == "delivered"


def test_regression_two_shipments_with_one_tracking_number_at_once_is_a_409(
        app, client, setup, db):
    """Once a 500: the check for a taken number saw neither request's row, and the
    unique constraint refused the second insert."""
    import secrets

    from sqlalchemy import text

    from orderloom.runtime.orders.models import Order
    from orderloom.runtime.shipping.models import Shipment

    first, second = setup.order(client), setup.order(client)
    # The other request: its shipment inserted, not yet committed, holding the number.
    order = db.scalar(select(Order).where(Order.number == first))
    db.add(Shipment(order_id=order.id, carrier="sf", tracking_number="SF-RACE-1",
                    status="label_created", label={}, public_token=secrets.token_hex(16)))
    db.flush()
    answers: list = []

    def ship() -> None:
        response = app.test_client().post(f"/api/v1/orders/{second}/shipments",
                                          headers=setup.staff,
                                          json={"carrier": "sf", "tracking_number": "SF-RACE-1"})
        answers.append(response)

    thread = threading.Thread(target=ship)
    thread.start()
    with db.get_bind().connect() as watcher:  # until the request waits on the row's lock
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not watcher.execute(text(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                "AND datname = current_database()")).scalar():
            time.sleep(0.05)
            watcher.rollback()
    db.commit()
    thread.join(timeout=30)
    (answer,) = answers
    assert answer.status_code == 409, answer.get_data(as_text=True)
    problem = answer.get_json()
    assert answer.mimetype == "application/problem+json"
    assert problem["duplicate"] == ["carrier", "tracking_number"]
    assert "nothing was changed" in problem["detail"]
    shipments = client.get(f"/api/v1/orders/{second}/shipments",
                           headers=setup.staff).get_json()["shipments"]
    assert shipments == []

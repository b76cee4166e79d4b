"""A carrier that sends the same event twice at once (two webhook workers of its own)
gets one event stored and one transition taken; the other copy is a duplicate."""
from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest

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

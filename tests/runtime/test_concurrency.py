"""Two people acting on one order at once, and many orders numbered at once, on
PostgreSQL, where requests really run in parallel."""
from __future__ import annotations

import threading

import pytest

from tests.runtime.support import create

# Only PostgreSQL runs writers in parallel; SQLite queues them, so nothing races there.
ON_POSTGRESQL = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)


def run_together(count, work):
    barrier = threading.Barrier(count)
    results = [None] * count

    def runner(index):
        barrier.wait()
        results[index] = work(index)

    threads = [threading.Thread(target=runner, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


@ON_POSTGRESQL
def test_two_parallel_transitions_of_one_order_exactly_one_wins(app, published, staff):
    client = app.test_client()
    number = create(client, staff).get_json()["number"]
    clients = [app.test_client() for _ in range(2)]
    keys = ["submit", "cancel"]
    statuses = run_together(2, lambda i: clients[i].post(
        f"/api/v1/orders/{number}/transitions/{keys[i]}",
        headers={**staff, "If-Match": '"1"'}).status_code)
    assert sorted(statuses) == [200, 409]
    timeline = client.get(f"/api/v1/orders/{number}/timeline", headers=staff).get_json()
    assert [e["kind"] for e in timeline][:2] == ["created", "transition"]
    assert [e["kind"] for e in timeline].count("transition") == 1


@ON_POSTGRESQL
def test_parallel_creation_gives_unique_numbers(app, published, staff):
    clients = [app.test_client() for _ in range(8)]
    responses = run_together(8, lambda i: create(clients[i], staff))
    assert [r.status_code for r in responses] == [201] * 8
    numbers = sorted(r.get_json()["number"] for r in responses)
    assert len(set(numbers)) == 8
    assert numbers == [f"SO-{n:06d}" for n in range(1, 9)]

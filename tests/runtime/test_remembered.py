"""Reads remembered for a few seconds per process (runtime/remembered.py): a change
made in this process counts at once, one made by another process within the TTL,
and a session always sees its own uncommitted changes."""
from __future__ import annotations

import copy
import os
import signal
import time

import pytest
from sqlalchemy import select

from orderloom.platform.app import create_app
from orderloom.runtime import remembered
from orderloom.runtime.notify import webhooks
from orderloom.runtime.notify.webhooks import WebhookDelivery, WebhookSubscription
from tests.designer.samples import retail
from tests.platform.test_api_tokens import bearer
from tests.runtime.support import create
from tests.webhooks.test_delivery import subscribe

# The outbound client calls 127.0.0.1 only when allowed:
# the subscriptions of these tests point at 127.0.0.1.
pytestmark = pytest.mark.usefixtures("outbound_to_loopback")

NOWHERE = "http://127.0.0.1:9/never"


@pytest.fixture
def now(app):
    """The app's memory on a clock the test moves."""
    clock = [1000.0]
    remembered.memory_of(app.extensions["orderloom.db"].sessions).clock = lambda: clock[0]
    return clock


@pytest.fixture
def other_process(settings):
    """A second app on the same database: what another gunicorn worker is."""
    other = create_app(settings)
    other.testing = True
    yield other.test_client()
    other.extensions["orderloom.db"].engine.dispose()


def deliveries(db) -> list[tuple[str, str]]:
    found = [(d.event_type, d.payload["data"]["order"]["number"])
             for d in db.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id))]
    db.rollback()
    return found


def publish_with_note_field(client, designer) -> None:
    definition = copy.deepcopy(retail())
    definition["form"]["fields"].append(
        {"key": "gift_note", "type": "text", "label": {"en": "Gift note"}})
    saved = client.put("/api/v1/order-types/retail_order/draft", headers=designer,
                       json=definition)
    assert saved.get_json()["errors"] == [], saved.get_json()
    assert client.post("/api/v1/order-types/retail_order/publish",
                       headers=designer).status_code == 201


def test_a_version_published_here_is_used_by_the_next_order_at_once(client, published, staff,
                                                                    now):
    assert create(client, staff).get_json()["version"] == 1
    publish_with_note_field(client, published)
    assert create(client, staff).get_json()["version"] == 2


def test_a_version_published_by_another_process_is_used_within_the_ttl(
        client, published, staff, now, other_process):
    assert create(client, staff).get_json()["version"] == 1
    publish_with_note_field(other_process, published)
    now[0] += remembered.TTL_SECONDS - 0.5
    assert create(client, staff).get_json()["version"] == 1
    now[0] += 1.0
    assert create(client, staff).get_json()["version"] == 2


def test_an_order_type_published_elsewhere_is_known_at_once(client, token_for, now,
                                                            other_process):
    """What is unknown is never remembered: the first order after the import works."""
    staff = bearer(token_for("staff"))
    assert create(client, staff).status_code == 404
    designer = bearer(token_for("designer"))
    assert other_process.post("/api/v1/import", headers=designer, json={
        "format": "orderloom-package/1", "order_types": [retail()]}).status_code == 201
    assert create(client, staff).status_code == 201


def test_a_subscription_added_here_gets_the_next_event(client, db, published, staff,
                                                       token_for, now):
    first = create(client, staff).get_json()["number"]
    subscribe(client, bearer(token_for("admin")), NOWHERE)
    second = create(client, staff).get_json()["number"]
    assert deliveries(db) == [("order.created", second)]
    assert first != second


def test_a_subscription_added_by_another_process_gets_events_within_the_ttl(
        client, db, published, staff, token_for, now, other_process):
    create(client, staff)
    subscribe(other_process, bearer(token_for("admin")), NOWHERE)
    now[0] += remembered.TTL_SECONDS - 0.5
    create(client, staff)
    assert deliveries(db) == []
    now[0] += 1.0
    third = create(client, staff).get_json()["number"]
    assert deliveries(db) == [("order.created", third)]


def test_a_subscription_switched_off_by_another_process_gets_nothing_more_at_once(
        client, db, published, staff, token_for, now, other_process):
    admin = bearer(token_for("admin"))
    subscription = subscribe(client, admin, NOWHERE)
    first = create(client, staff).get_json()["number"]
    assert other_process.patch(f"/api/v1/webhooks/{subscription['id']}", headers=admin,
                               json={"active": False}).status_code == 200
    create(client, staff)
    assert deliveries(db) == [("order.created", first)]


def test_a_session_sees_the_subscription_it_added_before_committing(db, now):
    assert webhooks._subscribers(db, "order.created") == []  # now remembered: none
    db.add(WebhookSubscription(name="ERP", url=NOWHERE, events=["order.created"],
                               secret="s" * 32, active=True))
    db.flush()
    assert [s.name for s in webhooks._subscribers(db, "order.created")] == ["ERP"]
    db.rollback()
    assert webhooks._subscribers(db, "order.created") == []


def test_a_read_that_began_before_a_change_was_committed_is_not_kept():
    memory = remembered.Memory()
    what = remembered.Read("subscriptions", (WebhookSubscription,))
    loads = []

    def load_while_another_thread_commits() -> str:
        loads.append(1)
        memory.changed([WebhookSubscription])  # committed while this read ran
        return "as before the change"

    assert memory.read(what, None, load_while_another_thread_commits) == "as before the change"
    assert memory.read(what, None, lambda: "after") == "after"
    assert memory.read(what, None, lambda: "not asked") == "after"
    assert len(loads) == 1


def test_a_change_to_other_rows_forgets_nothing():
    memory = remembered.Memory()
    what = remembered.Read("subscriptions", (WebhookSubscription,))
    assert memory.read(what, None, lambda: "kept") == "kept"
    memory.changed([WebhookDelivery])
    assert memory.read(what, None, lambda: "not asked") == "kept"


def test_a_subscription_that_drops_an_event_elsewhere_gets_it_no_more_at_once(
        client, db, published, staff, token_for, now, other_process):
    admin = bearer(token_for("admin"))
    subscription = subscribe(client, admin, NOWHERE, ["order.created", "order.state_changed"])
    first = create(client, staff).get_json()["number"]
    assert other_process.patch(f"/api/v1/webhooks/{subscription['id']}", headers=admin,
                               json={"events": ["order.state_changed"]}).status_code == 200
    create(client, staff)
    assert deliveries(db) == [("order.created", first)]


def test_a_worker_forked_while_a_lock_is_held_starts_with_a_free_one():
    """RQ forks a work horse per job (``orderloom worker --fork``) while the sweeper
    thread may be inside the memory: the horse must not wait for a lock nobody holds."""
    memory = remembered.Memory()
    what = remembered.Read("subscriptions", (WebhookSubscription,))
    assert memory.read(what, None, lambda: "remembered") == "remembered"
    with memory._lock:  # the sweeper thread, in the middle of a read
        child = os.fork()
        if child == 0:  # the work horse
            try:
                os._exit(0 if memory.read(what, None, lambda: "read again") == "read again"
                         else 1)
            except BaseException:
                os._exit(2)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        done, status = os.waitpid(child, os.WNOHANG)
        if done:
            assert os.waitstatus_to_exitcode(status) == 0
            return
        time.sleep(0.05)
    os.kill(child, signal.SIGKILL)
    os.waitpid(child, 0)
    pytest.fail("the forked child waited for the lock its parent's thread held")


def test_the_first_price_list_counts_here_at_once_and_from_another_process_within_the_ttl(
        client, token_for, now, other_process):
    """Whether any price list exists is remembered, so that a shop without lists pays no
    query for them; the first list must still price the next order."""
    admin = bearer(token_for("admin"))
    assert client.post("/api/v1/products", headers=admin, json={
        "sku": "TEA-01", "name": "Tea", "attributes": {"price": "1250.50"}}).status_code == 201
    asked = "/api/v1/products/TEA-01/unit-price?currency=CNY"

    def price() -> tuple[str, str]:
        answer = client.get(asked, headers=admin).get_json()
        return answer["price"], answer["price_list"]

    assert price() == ("1250.50", "product")
    gold = {"code": "gold", "currency": "CNY",
            "prices": [{"sku": "TEA-01", "price": "1100.00"}]}
    assert other_process.post("/api/v1/price-lists", headers=admin,
                              json=gold).status_code == 201
    now[0] += remembered.TTL_SECONDS - 0.5
    assert price() == ("1250.50", "product")
    now[0] += 1.0
    assert price() == ("1100.00", "gold")
    assert client.delete("/api/v1/price-lists/gold", headers=admin).status_code == 204
    assert price() == ("1250.50", "product")
    assert client.post("/api/v1/price-lists", headers=admin, json=gold).status_code == 201
    assert price() == ("1100.00", "gold")

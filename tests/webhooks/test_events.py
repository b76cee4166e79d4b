"""What the lifecycle, stock keeping and definition actions announce, and giving up
then re-sending."""
from __future__ import annotations

import copy
import json
import threading

from sqlalchemy import select

from orderloom.platform.app import JOBS
from orderloom.runtime.jobs.sweeper import start_sweeper
from orderloom.runtime.notify.webhooks import FAILED, WebhookDelivery
from tests.channels.support import create_channel
from tests.designer.samples import retail
from tests.platform.test_api_tokens import bearer
from tests.runtime.support import SAMPLE, create
from tests.webhooks.support import Receiver, wait_for
from tests.webhooks.test_delivery import subscribe


def events_received(erp) -> list[dict]:
    return [json.loads(r["body"]) for r in erp.requests]


def test_order_and_stock_events_reach_their_subscribers(client, db, published, token_for):
    admin = bearer(token_for("admin"))
    staff = bearer(token_for("staff"))
    with Receiver() as erp, Receiver() as warehouse:
        erp.secret = subscribe(client, admin, erp.url,
                               ["order.created", "order.state_changed"])["secret"]
        warehouse.secret = subscribe(client, admin, warehouse.url, ["stock.changed"])["secret"]
        number = create(client, staff).get_json()["number"]
        assert client.post(f"/api/v1/orders/{number}/transitions/submit",
                           headers=staff).status_code == 200
        client.post("/api/v1/products", headers=admin, json={"sku": "TEA-01", "name": "Tea"})
        client.post("/api/v1/warehouses", headers=admin, json={
            "code": "HZ", "name": "Hangzhou", "regions": ["Zhejiang"], "priority": 1})
        assert client.post("/api/v1/stock/receipts", headers=admin, json={
            "sku": "TEA-01", "warehouse": "HZ", "quantity": 12}).status_code == 201

    # The small sample order needs no manager: its approval waives itself, a second move.
    created, moved, approved = events_received(erp)
    assert created["type"] == "order.created"
    assert created["data"]["order"]["number"] == number
    assert created["data"]["order"]["state"] == "draft"
    assert created["data"]["order"]["data"]["customer"]["name"] == SAMPLE["customer"]["name"]
    assert moved["type"] == "order.state_changed"
    assert {k: moved["data"][k] for k in ("from_state", "to_state", "transition")} == {
        "from_state": "draft", "to_state": "review", "transition": "submit"}
    assert moved["data"]["actor"].startswith("staff-")
    assert (approved["data"]["from_state"], approved["data"]["to_state"],
            approved["data"]["actor"], approved["data"]["order"]["state"]) == (
        "review", "confirmed", "system", "confirmed")
    assert all(r["signature_valid"] for r in erp.requests + warehouse.requests)
    [stock] = events_received(warehouse)
    assert stock["type"] == "stock.changed"
    assert stock["data"] == {"sku": "TEA-01", "warehouse": "HZ", "on_hand": 12, "reserved": 0,
                             "available": 12, "change": 12}


def test_an_order_that_is_refused_announces_nothing(client, db, published, token_for):
    admin = bearer(token_for("admin"))
    staff = bearer(token_for("staff"))
    subscribe(client, admin, "http://127.0.0.1:9/never", ["*"])
    bad = copy.deepcopy(SAMPLE)
    bad["items"][0]["qty"] = 0
    assert create(client, staff, bad).status_code == 422
    assert db.scalars(select(WebhookDelivery)).all() == []


def test_a_definitions_webhook_action_announces_its_event(client, published, token_for):
    admin = bearer(token_for("admin"))
    staff = bearer(token_for("staff"))
    definition = retail()
    definition["key"], definition["number_prefix"] = "erp_order", "ERP"
    submit = next(t for t in definition["workflow"]["transitions"] if t["key"] == "submit")
    submit["actions"] = [*submit.get("actions", []),
                         {"type": "webhook", "event": "order.ready_for_erp"},
                         {"type": "sync_channel_stock"}]
    imported = client.post("/api/v1/import", headers=published, json={
        "format": "orderloom-package/1", "order_types": [definition]})
    assert imported.status_code == 201, imported.get_json()
    # Entered while the business kept no catalog (any SKU goes); the tea is added after.
    number = create(client, staff, order_type="erp_order").get_json()["number"]
    client.post("/api/v1/products", headers=admin, json={"sku": "TEA-01", "name": "Tea"})
    with Receiver() as erp, Receiver() as shop:
        erp.secret = subscribe(client, admin, erp.url, ["order.ready_for_erp"])["secret"]
        create_channel(client, admin, key="shop")
        assert client.patch("/api/v1/channels/shop", headers=admin, json={
            "stock_push_url": shop.url, "push_interval_seconds": 0}).status_code == 200
        assert client.post(f"/api/v1/orders/{number}/transitions/submit",
                           headers=staff).status_code == 200
    # The shop heard the tea's stock (CUP-02 is no product here, so nothing of it).
    assert [json.loads(r["body"])["sku"] for r in shop.requests] == ["TEA-01"]
    [event] = events_received(erp)
    assert erp.requests[0]["headers"]["Orderloom-Event"] == "order.ready_for_erp"
    assert event["data"]["order"]["number"] == number
    timeline = client.get(f"/api/v1/orders/{number}/timeline", headers=staff).get_json()
    submitted = next(e for e in timeline if e["transition"] == "submit")
    assert "not_carried_out" not in submitted["details"]
    assert submitted["details"]["stock"]["events"] == ["order.ready_for_erp"]
    assert submitted["details"]["stock"]["channel_stock_pushed"] == ["TEA-01"]


def test_a_delivery_that_keeps_failing_is_given_up_then_resent(app, client, db, published,
                                                              token_for):
    admin = bearer(token_for("admin"))
    staff = bearer(token_for("staff"))
    sweeper = app.extensions[JOBS]
    with Receiver(fail_first=5, fail_status=503) as erp:
        erp.secret = subscribe(client, admin, erp.url)["secret"]
        before = set(threading.enumerate())
        stop = start_sweeper(sweeper.sessions, runner=sweeper.runner, every=0.05)
        [retrying] = set(threading.enumerate()) - before
        try:
            create(client, staff)

            def failed():
                found = db.scalars(select(WebhookDelivery.status)).all()
                db.rollback()
                return found == [FAILED]

            wait_for(failed)
            # The retries are over; with the sweeper's round finished, the re-send below
            # is sent by the request itself and by nothing else.
            stop.set()
            retrying.join(10)
            assert not retrying.is_alive()
            [logged] = client.get("/api/v1/webhook-deliveries?status=failed",
                                  headers=admin).get_json()
            assert logged["attempts"] == 5 and logged["last_status_code"] == 503
            assert len(erp.requests) == 5 and erp.processed == {}
            resent = client.post(f"/api/v1/webhook-deliveries/{logged['id']}/resend",
                                 headers=admin)
            assert resent.status_code == 202
            assert resent.get_json()["status"] == "delivered"  # embedded: sent at once
        finally:
            stop.set()
    assert len(erp.requests) == 6
    assert {r["headers"]["Idempotency-Key"] for r in erp.requests} == {logged["event_id"]}
    assert list(erp.processed) == [logged["event_id"]]
    again = client.post(f"/api/v1/webhook-deliveries/{logged['id']}/resend", headers=admin)
    assert again.status_code == 202  # a delivered one may be sent again too
    detail = client.get(f"/api/v1/webhook-deliveries/{logged['id']}", headers=admin).get_json()
    assert [a["status_code"] for a in detail["attempt_log"]] == [503] * 5 + [200, None]
    assert detail["attempt_log"][-1]["error"].startswith("could not be reached")

"""Subscriptions over the API: the secret shown once, precise errors, who may."""
from __future__ import annotations

from sqlalchemy import select

from orderloom.runtime.notify.webhooks import WebhookDelivery
from tests.platform.test_api_tokens import assert_problem, bearer
from tests.runtime.support import create


def test_a_subscription_shows_its_secret_once(client, token_for):
    admin = bearer(token_for("admin"))
    made = client.post("/api/v1/webhooks", headers=admin, json={
        "name": "ERP", "url": "https://erp.example.com/hooks", "events": ["order.created"]})
    assert made.status_code == 201
    body = made.get_json()
    assert body["secret"].startswith("olwhs_") and len(body["secret"]) > 40
    shown = client.get(made.headers["Location"], headers=admin).get_json()
    assert "secret" not in shown and shown["events"] == ["order.created"]
    assert [s["name"] for s in client.get("/api/v1/webhooks", headers=admin).get_json()] == [
        "ERP"]
    rotated = client.patch(made.headers["Location"], headers=admin,
                           json={"rotate_secret": True}).get_json()
    assert rotated["secret"] != body["secret"]
    given = client.post("/api/v1/webhooks", headers=admin, json={
        "name": "CRM", "url": "http://127.0.0.1:9/x", "events": ["*"],
        "secret": "a-secret-the-crm-chose"}).get_json()
    assert given["secret"] == "a-secret-the-crm-chose"


def test_bad_subscriptions_are_refused_with_the_field(client, token_for):
    admin = bearer(token_for("admin"))

    def refused(json, pointer, detail):
        body = assert_problem(client.post("/api/v1/webhooks", headers=admin, json=json), 422)
        assert [e["pointer"] for e in body["errors"]] == [pointer], body
        assert detail in body["errors"][0]["detail"], body

    good = {"name": "ERP", "url": "https://erp.example.com/h", "events": ["order.created"]}
    refused({**good, "url": "ftp://erp.example.com"}, "/url", "http:// or https://")
    refused({**good, "url": "https://"}, "/url", "with a host")
    refused({**good, "events": ["order.create"]}, "/events/0", "did you mean 'order.created'")
    refused({**good, "events": ["order.created", "Order Created"]}, "/events/1",
            "is not an event name")
    refused({**good, "events": []}, "/events", "")
    refused({k: v for k, v in good.items() if k != "url"}, "/url", "is required")
    refused({**good, "secret": "short"}, "/secret", "")
    assert client.get("/api/v1/webhooks", headers=admin).get_json() == []


def test_only_administrators_manage_webhooks(client, token_for):
    staff = bearer(token_for("staff"))
    assert_problem(client.get("/api/v1/webhooks", headers=staff), 403)
    assert_problem(client.get("/api/v1/webhook-deliveries", headers=staff), 403)


def test_a_switched_off_or_deleted_subscription_hears_nothing(client, db, published,
                                                              token_for):
    admin = bearer(token_for("admin"))
    staff = bearer(token_for("staff"))
    made = client.post("/api/v1/webhooks", headers=admin, json={
        "name": "ERP", "url": "http://127.0.0.1:9/closed", "events": ["order.created"],
        "active": False})
    assert create(client, staff).status_code == 201
    assert db.scalars(select(WebhookDelivery)).all() == []
    db.rollback()
    client.patch(made.headers["Location"], headers=admin, json={"active": True})
    assert create(client, staff).status_code == 201
    assert len(client.get("/api/v1/webhook-deliveries", headers=admin).get_json()) == 1
    assert client.delete(made.headers["Location"], headers=admin).status_code == 204
    assert client.get("/api/v1/webhook-deliveries", headers=admin).get_json() == []
    assert_problem(client.get(made.headers["Location"], headers=admin), 404)


def test_the_delivery_log_filters_are_checked(client, token_for):
    admin = bearer(token_for("admin"))
    body = assert_problem(client.get("/api/v1/webhook-deliveries?status=lost",
                                     headers=admin), 422)
    assert body["errors"][0]["parameter"] == "status"
    body = assert_problem(client.get("/api/v1/webhook-deliveries?limit=0", headers=admin), 422)
    assert body["errors"][0]["parameter"] == "limit"
    assert_problem(client.post("/api/v1/webhook-deliveries/42/resend", headers=admin), 404)

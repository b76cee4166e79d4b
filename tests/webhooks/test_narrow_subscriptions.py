"""A webhook subscription is told of every order's events, so one seen only as roles
whose row rules hide some orders is paused, with the reason, instead of telling a
receiver of orders hidden from whoever set it up; someone who sees every order
switches it on again, as their own roles."""
from __future__ import annotations

import json

from sqlalchemy import select, text

from orderloom.db import make_engine
from orderloom.platform import accounts, schema
from orderloom.runtime.audit import SYSTEM, AuditEvent
from orderloom.runtime.notify.webhooks import WebhookDelivery
from tests.customers.test_upgrade import empty_url  # noqa: F401  (the databases to upgrade)
from tests.platform.test_api_tokens import bearer
from tests.runtime.support import create


def test_narrowing_the_row_rule_of_the_roles_a_subscription_is_seen_as_pauses_it(
        client, db, make_user, token_for, published, actions, outbound_to_loopback):
    admin = bearer(token_for("admin"))
    accounts.create_role(db, SYSTEM, "integrator", "", ["webhooks.manage", "orders.view"])
    db.commit()
    integrator = make_user("integrator", username="erp.link")
    secret = accounts.issue_token(db, SYSTEM, integrator, "test")[1]
    db.commit()
    made = client.post("/api/v1/webhooks", headers=bearer(secret), json={
        "name": "ERP", "url": "http://127.0.0.1:9/hook", "events": ["order.created"]})
    assert made.status_code == 201, made.get_json()
    subscription = made.get_json()["id"]
    kept = client.post("/api/v1/webhooks", headers=admin, json={
        "name": "BI", "url": "http://127.0.0.1:9/bi", "events": ["order.created"]})
    assert kept.status_code == 201

    narrowed = client.patch("/api/v1/roles/integrator", headers=admin,
                            json={"row_rule": "mine"})
    assert narrowed.status_code == 200, narrowed.get_json()
    shown = client.get(f"/api/v1/webhooks/{subscription}", headers=admin).get_json()
    assert shown["active"] is False
    assert "row rules do not show every order" in shown["paused_reason"]
    assert client.get(f"/api/v1/webhooks/{kept.get_json()['id']}",
                      headers=admin).get_json()["paused_reason"] is None
    assert db.scalar(select(AuditEvent.action).where(
        AuditEvent.action == "webhook.paused")) == "webhook.paused"

    # An order now is told to the administrator's subscription only.
    assert create(client, bearer(token_for("staff"))).status_code == 201
    told = db.scalars(select(WebhookDelivery.subscription_id)).all()
    assert told == [kept.get_json()["id"]]
    db.rollback()

    actions.login_as("admin")
    page = client.get("/admin/webhooks").get_data(as_text=True)
    assert "Paused by Orderloom" in page

    # Changed while it stays off, it keeps its reason and the roles it is seen as.
    renamed = client.patch(f"/api/v1/webhooks/{subscription}", headers=admin,
                           json={"name": "ERP (old)", "active": False})
    assert renamed.status_code == 200, renamed.get_json()
    assert "row rules do not show every order" in renamed.get_json()["paused_reason"]
    assert renamed.get_json()["seen_as"] == ["integrator"]
    # Switched off on the page (again), likewise.
    switched = client.post(f"/admin/webhooks/{subscription}/active",
                           data={"active": "0", "csrf_token": actions.csrf("/admin/webhooks")})
    assert switched.status_code == 302
    shown = client.get(f"/api/v1/webhooks/{subscription}", headers=admin).get_json()
    assert shown["seen_as"] == ["integrator"] and shown["paused_reason"] is not None

    # Switched on again by someone who sees every order, it is seen as their roles.
    again = client.patch(f"/api/v1/webhooks/{subscription}", headers=admin,
                         json={"active": True})
    assert again.status_code == 200, again.get_json()
    assert again.get_json()["paused_reason"] is None
    assert again.get_json()["seen_as"] == ["admin"] and again.get_json()["active"] is True


def test_regression_old_subscriptions_of_narrow_roles_kept_telling_of_every_order(
        empty_url):  # noqa: F811
    """Once: a subscription set up, before only people who see every order could
    subscribe, by a role whose row rule is ``mine`` was told of every order. The
    upgrade pauses it with the reason; others stay as they were."""
    engine = make_engine(empty_url)
    schema.upgrade(engine, "0032")
    with engine.begin() as db:
        for role_id, name, rule in ((90, "agents", "mine"), (91, "integrations", "all")):
            db.execute(text("INSERT INTO roles (id, name, description, builtin, permissions, "
                            "row_rule) VALUES (:i, :n, '', false, '[]', :r)"),
                       {"i": role_id, "n": name, "r": rule})
        for sub_id, seen_as in ((1, ["agents"]), (2, ["agents", "integrations"]), (3, None)):
            db.execute(text(
                "INSERT INTO webhook_subscriptions (id, name, url, secret, events, active, "
                "created_at, updated_at, seen_as) VALUES (:i, 'x', 'https://erp.example/h', "
                "'s', '[\"*\"]', true, '2026-01-01', '2026-01-01', :s)"),
                {"i": sub_id, "s": json.dumps(seen_as) if seen_as else None})
    schema.upgrade(engine)
    with engine.connect() as db:
        found = {row[0]: (bool(row[1]), row[2]) for row in db.execute(text(
            "SELECT id, active, paused_reason FROM webhook_subscriptions"))}
    engine.dispose()
    assert found[1][0] is False and "row rules do not show every order" in found[1][1]
    assert found[2] == (True, None) and found[3] == (True, None)

"""Secrets never reach the logs: passwords (right and wrong), API tokens (live and
guessed), webhook, channel and carrier secrets, the SMTP password and the database
password, with every Orderloom and Werkzeug logger at DEBUG."""
from __future__ import annotations

import logging

import pytest

from orderloom.platform.app import create_app
from orderloom.platform.settings import load_settings
from tests.conftest import POSTGRES_ADMIN_URL, TEST_PASSWORD, TEST_SECRET, csrf_from

# The outbound client calls 127.0.0.1 only when allowed:
# the subscription of these tests points at 127.0.0.1.
pytestmark = pytest.mark.usefixtures("outbound_to_loopback")


@pytest.fixture
def every_log(caplog):
    for name in ("orderloom", "werkzeug", "flask.app"):
        caplog.set_level(logging.DEBUG, logger=name)
    return caplog


def _logged(caplog) -> str:
    # The formatted messages and any exception text, as an operator would read them.
    lines = []
    for record in caplog.records:
        lines.append(record.getMessage())
        if record.exc_info:
            lines.append(logging.Formatter().formatException(record.exc_info))
    return "\n".join(lines)


def test_logins_tokens_and_integration_secrets_stay_out_of_the_logs(
        app, client, make_user, every_log):
    user = make_user("admin", username="boss")
    wrong_password = "nearly-the-password-1"
    page = client.get("/login").get_data(as_text=True)
    client.post("/login", data={"username": user.username, "password": wrong_password,
                                "csrf_token": csrf_from(page)})
    client.post("/login", data={"username": "boss", "password": TEST_PASSWORD,
                                "csrf_token": csrf_from(client.get("/login").get_data(
                                    as_text=True))})
    csrf = {"X-CSRF-Token": csrf_from(client.get("/account/tokens").get_data(as_text=True))}
    token = client.post("/api/v1/tokens", headers=csrf, json={"name": "erp"}).get_json()
    secret = token["token"]
    bearer = {"Authorization": f"Bearer {secret}"}
    assert client.get("/api/v1/me", headers=bearer).status_code == 200
    guessed = "olt_" + "g" * 43
    assert client.get("/api/v1/me",
                      headers={"Authorization": f"Bearer {guessed}"}).status_code == 401

    webhook_secret = "webhook-signing-secret-0123456789"
    made = client.post("/api/v1/webhooks", headers=bearer, json={
        "name": "erp", "url": "http://127.0.0.1:9/hook", "events": ["*"],
        "secret": webhook_secret})
    assert made.status_code == 201, made.get_json()
    carrier = client.post("/api/v1/carriers", headers=bearer,
                          json={"code": "sf", "name": "SF Express"}).get_json()
    carrier_secret = carrier["webhook_secret"]
    forged = app.test_client().post("/api/v1/carriers/sf/webhook", data=b'{"events": []}',
                         headers={"X-Orderloom-Signature": "sha256=" + "0" * 64,
                                  "Content-Type": "application/json"})
    assert forged.status_code == 401
    rotated = client.post("/api/v1/carriers/sf/secret", headers=bearer).get_json()
    assert rotated["webhook_secret"] != carrier_secret

    logged = _logged(every_log)
    assert "refused a webhook" in logged  # the logs did record the events
    for value in (TEST_PASSWORD, wrong_password, secret, guessed, webhook_secret,
                  carrier_secret, rotated["webhook_secret"], TEST_SECRET):
        assert value not in logged, f"a secret reached the logs: {value[:6]}..."


def test_database_and_smtp_passwords_stay_out_of_logs_and_settings(
        tmp_path, every_log, postgres_server_url):
    db_password = "db-pass-Secret-42"
    smtp_password = "smtp-pass-Secret-42"
    # The test server trusts local connections, so any password gets in.
    url = postgres_server_url.replace("postgres@", f"postgres:{db_password}@", 1)
    assert db_password in url
    settings = load_settings({
        "ORDERLOOM_INSTANCE_PATH": str(tmp_path / "instance"),
        "ORDERLOOM_DATABASE_URL": url,
        "ORDERLOOM_SECRET_KEY": TEST_SECRET,
        "ORDERLOOM_LOG_LEVEL": "DEBUG",
        "ORDERLOOM_SMTP_HOST": "127.0.0.1", "ORDERLOOM_SMTP_USER": "mailer",
        "ORDERLOOM_SMTP_PASSWORD": smtp_password, "ORDERLOOM_SMTP_SENDER": "oms@example.com",
    })
    assert settings.smtp.password == smtp_password
    app = create_app(settings)
    try:
        app.test_client().get("/healthz")
        app.test_client().get("/api/v1/me")
    finally:
        app.extensions["orderloom.db"].engine.dispose()
    for text in (_logged(every_log), repr(settings), settings.database_url_safe):
        assert db_password not in text
        assert smtp_password not in text
    assert POSTGRES_ADMIN_URL  # the server this test needs


def test_a_channel_secret_and_its_signatures_stay_out_of_the_logs(
        app, client, token_for, published, every_log):
    from tests.channels.support import SIMPLE_ORDER, create_channel, deliver

    admin = {"Authorization": f"Bearer {token_for('admin')}"}
    secret = create_channel(client, admin)["secret"]
    sender = app.test_client()  # a web shop: no cookies of ours
    signed = deliver(sender, "shop", SIMPLE_ORDER, secret=secret)
    assert signed.status_code == 201, signed.get_json()
    forged = deliver(sender, "shop", SIMPLE_ORDER,
                     headers={"X-Orderloom-Signature": "sha256=" + "f" * 64})
    assert forged.status_code == 401
    logged = _logged(every_log)
    assert "refused a delivery" in logged
    assert secret not in logged
    assert "f" * 64 not in logged


def test_a_store_secret_its_credentials_and_signatures_stay_out_of_the_logs(
        app, client, token_for, published, every_log):
    from tests.channels.store_payloads import SHOPIFY_SECRET, shopify_delivery, shopify_order

    admin = {"Authorization": f"Bearer {token_for('admin')}"}
    token = "shpat_e5d4c3b2a1f0e9d8c7b6"
    created = client.post("/api/v1/channels", headers=admin, json={
        "key": "shopify_cn", "name": "Shopify", "kind": "shopify",
        "order_type": "retail_order", "webhook_secret": SHOPIFY_SECRET,
        "credentials": {"access_token": token}})
    assert created.status_code == 201, created.get_json()
    sender = app.test_client()  # the store: no cookies of ours
    signed = shopify_delivery(sender, "shopify_cn", shopify_order())
    assert signed.status_code in (201, 202), signed.get_json()
    forged = shopify_delivery(sender, "shopify_cn", shopify_order(), webhook_id="forged",
                              signature="A" * 44)
    assert forged.status_code == 401
    logged = _logged(every_log)
    assert "refused a delivery" in logged
    for secret in (SHOPIFY_SECRET, token, "A" * 44):
        assert secret not in logged

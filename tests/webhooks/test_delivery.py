"""An ERP's endpoint that fails three times, then succeeds, gets each event once:
retried with real (short) backoff, the same Idempotency-Key every time, and a
signature it can verify. In-process (the embedded mode, with its sweeper)."""
from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from sqlalchemy import select

from orderloom.platform.app import JOBS
from orderloom.runtime.jobs.sweeper import start_sweeper
from orderloom.runtime.notify.webhooks import DELIVERED, WebhookAttempt, WebhookDelivery
from tests.runtime.support import create
from tests.webhooks.conftest import FIRST_WAIT
from tests.webhooks.support import Receiver, wait_for


def subscribe(client, admin, url, events=("order.created",), **extra):
    response = client.post("/api/v1/webhooks", headers=admin, json={
        "name": "ERP", "url": url, "events": list(events), **extra})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def delivered(db):
    found = db.scalars(select(WebhookDelivery).where(
        WebhookDelivery.status == DELIVERED)).all()
    db.rollback()  # end the read: on SQLite it holds the write lock the sweeper needs
    return found


def test_an_endpoint_failing_three_times_gets_the_event_once_signed(
        app, client, db, published, token_for):
    admin = {"Authorization": f"Bearer {token_for('admin')}"}
    staff = {"Authorization": f"Bearer {token_for('staff')}"}
    with Receiver(fail_first=3) as erp:
        subscription = subscribe(client, admin, erp.url)
        erp.secret = subscription["secret"]
        stop = start_sweeper(app.extensions[JOBS].sessions,
                             runner=app.extensions[JOBS].runner, every=0.05)
        try:
            created = create(client, staff)
            assert created.status_code == 201, created.get_json()
            wait_for(lambda: delivered(db))
        finally:
            stop.set()

    assert [r["headers"]["Idempotency-Key"] for r in erp.requests] == (
        [erp.requests[0]["headers"]["Idempotency-Key"]] * 4)
    assert all(r["signature_valid"] for r in erp.requests)
    assert all(r["headers"]["Orderloom-Event"] == "order.created" for r in erp.requests)
    [event] = erp.processed.values()
    assert event["type"] == "order.created"
    assert event["data"]["order"]["number"] == created.get_json()["number"]
    assert event["id"] == erp.requests[0]["headers"]["Idempotency-Key"]
    # The waits grew: at least the configured backoff between attempts.
    gaps = [b["at"] - a["at"] for a, b in zip(erp.requests, erp.requests[1:], strict=False)]
    assert gaps[0] >= FIRST_WAIT * 0.9 and gaps[1] >= 2 * FIRST_WAIT * 0.9, gaps

    [delivery] = delivered(db)
    assert delivery.attempts == 4 and delivery.last_status_code == 200
    codes = db.scalars(select(WebhookAttempt.status_code).where(
        WebhookAttempt.delivery_id == delivery.id).order_by(WebhookAttempt.number)).all()
    assert codes == [500, 500, 500, 200]
    delivery_id = delivery.id
    db.rollback()
    log = client.get(f"/api/v1/webhook-deliveries/{delivery_id}", headers=admin).get_json()
    assert [a["status_code"] for a in log["attempt_log"]] == [500, 500, 500, 200]
    assert log["attempt_log"][0]["error"] == "answered 500: busy"
    assert json.loads(erp.requests[-1]["body"]) == log["payload"]


class HtmlErrorPage:
    """A receiver behind a proxy that answers every delivery with a 502 error page."""

    PAGE = (b"<!DOCTYPE html><html><head><title>502</title><style>h1{color:red}</style>"
            b"<script>document.location='https://evil.example'</script></head>"
            b"<body><h1>Bad Gateway</h1><p>The upstream &lt;erp&gt; did not answer"
            + b" in time." * 100 + b"</p></body></html>")

    def __enter__(self):
        page = self.PAGE

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's naming)
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                self.send_response(502)
                self.send_header("Content-Type", "text/html")
                self.send_header("Content-Length", str(len(page)))
                self.end_headers()
                self.wfile.write(page)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def test_an_error_page_appears_in_the_delivery_log_as_a_short_plain_excerpt(
        client, published, token_for):
    admin = {"Authorization": f"Bearer {token_for('admin')}"}
    staff = {"Authorization": f"Bearer {token_for('staff')}"}
    with HtmlErrorPage() as proxy:
        subscribe(client, admin, proxy.url)
        assert create(client, staff).status_code == 201

        def first_attempt():
            listed = client.get("/api/v1/webhook-deliveries", headers=admin).get_json()
            for delivery in listed:
                log = client.get(f"/api/v1/webhook-deliveries/{delivery['id']}",
                                 headers=admin).get_json()
                if log["attempt_log"]:
                    return log["attempt_log"][0]
            return None

        attempt = wait_for(first_attempt)
    error = attempt["error"]
    assert attempt["status_code"] == 502
    assert error.startswith("answered 502: Bad Gateway The upstream <erp> did not answer")
    assert len(error) <= len("answered 502: ") + 200
    for markup in ("<!DOCTYPE", "<h1>", "<script", "evil.example", "color:red"):
        assert markup not in error

"""Stock sync to channels: every change of available stock reaches the channels that
sell the SKU, signed, coalesced per interval, retried when a channel fails. The
channels here are real HTTP servers of the test's own."""
from __future__ import annotations

import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import select

from orderloom.db import utcnow
from orderloom.runtime.channels.ingestion import signature_matches
from orderloom.runtime.channels.stock_sync import JOB_KIND
from orderloom.runtime.jobs.models import DONE, PENDING, Job
from orderloom.runtime.jobs.runner import BACKOFF_FIRST
from orderloom.runtime.jobs.sweeper import sweep
from tests.designer.samples import retail
from tests.platform.test_api_tokens import assert_problem, bearer
from tests.runtime.support import create


class ShopServer:
    """A web shop's stock endpoint: records every request, answers ``status``."""

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.status = 200
        shop = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (the name http.server calls)
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                shop.requests.append({"path": self.path, "headers": dict(self.headers),
                                      "body": body})
                self.send_response(shop.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/stock"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def pushes(self) -> list[dict]:
        return [json.loads(r["body"]) for r in self.requests]

    def figures(self) -> list[tuple[str, int]]:
        return [(p["sku"], p["available"]) for p in self.pushes()]

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def shop_server():
    server = ShopServer()
    yield server
    server.stop()


@pytest.fixture
def other_server():
    server = ShopServer()
    yield server
    server.stop()


@pytest.fixture
def admin(client, token_for):
    """Two products, two warehouses and a published retail order type whose submit
    reserves stock and whose cancel releases it."""
    headers = bearer(token_for("admin"))
    for sku in ("TEA-01", "CUP-02"):
        assert client.post("/api/v1/products", headers=headers,
                           json={"sku": sku, "name": sku}).status_code == 201
    for code, regions in (("HZ", ["Zhejiang"]), ("SH", ["Shanghai"])):
        assert client.post("/api/v1/warehouses", headers=headers, json={
            "code": code, "name": code, "regions": regions}).status_code == 201
    definition = retail()
    definition["workflow"]["transitions"][0]["actions"] = [{"type": "reserve_stock"}]
    response = client.post("/api/v1/import", headers=headers, json={
        "format": "orderloom-package/1", "order_types": [definition]})
    assert response.status_code == 201, response.get_json()
    return headers


def add_channel(client, headers, key, url, **sync):
    response = client.post("/api/v1/channels", headers=headers, json={
        "key": key, "name": key.title(), "kind": "manual", "order_type": "retail_order",
        "stock_push_url": url, **sync})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def receive(client, headers, sku, warehouse, quantity):
    response = client.post("/api/v1/stock/receipts", headers=headers, json={
        "sku": sku, "warehouse": warehouse, "quantity": quantity})
    assert response.status_code == 201, response.get_json()


def stock_jobs(db) -> list[tuple[str, str, str, int]]:
    jobs = db.scalars(select(Job).where(Job.kind == JOB_KIND).order_by(Job.id)).all()
    found = [(j.payload["channel"], j.payload["sku"], j.status, j.attempts) for j in jobs]
    db.rollback()  # end the read: on SQLite it holds the write lock
    return found


def sessions_of(app):
    return app.extensions["orderloom.db"].sessions


def test_a_receipt_pushes_the_new_figure_less_safety_stock_signed(client, admin,
                                                                 shop_server):
    channel = add_channel(client, admin, "shop", shop_server.url, safety_stock=2,
                          push_interval_seconds=0)
    assert (channel["stock_push_url"], channel["safety_stock"], channel["skus"],
            channel["push_interval_seconds"]) == (shop_server.url, 2, [], 0)
    receive(client, admin, "TEA-01", "HZ", 10)
    receive(client, admin, "TEA-01", "SH", 5)
    # Summed over the warehouses, less the two units held back.
    assert shop_server.figures() == [("TEA-01", 8), ("TEA-01", 13)]
    pushed = shop_server.requests[-1]
    assert pushed["path"] == "/stock"
    assert pushed["headers"]["Content-Type"] == "application/json"
    assert signature_matches(channel["secret"], pushed["body"],
                             pushed["headers"]["X-Orderloom-Signature"])
    assert not signature_matches("olwh_another", pushed["body"],
                                 pushed["headers"]["X-Orderloom-Signature"])
    assert shop_server.pushes()[-1]["at"].endswith("+00:00")


def test_safety_stock_never_pushes_below_zero_and_can_be_changed(client, admin, shop_server):
    add_channel(client, admin, "shop", shop_server.url, safety_stock=5,
                push_interval_seconds=0)
    receive(client, admin, "TEA-01", "HZ", 3)
    changed = client.patch("/api/v1/channels/shop", headers=admin,
                           json={"safety_stock": 1, "skus": ["TEA-01"]})
    assert changed.status_code == 200, changed.get_json()
    assert (changed.get_json()["safety_stock"], changed.get_json()["skus"]) == (1, ["TEA-01"])
    receive(client, admin, "TEA-01", "HZ", 1)
    assert shop_server.figures() == [("TEA-01", 0), ("TEA-01", 3)]
    body = assert_problem(client.patch("/api/v1/channels/shop", headers=admin,
                                       json={"stock_push_url": "ftp://x"}), 422)
    assert body["errors"][0]["pointer"] == "/stock_push_url"
    assert_problem(client.patch("/api/v1/channels/shop", headers=admin,
                                json={"safety_stock": -1}), 422)


def test_many_changes_within_the_interval_give_one_push_of_the_latest_figure(
        client, admin, db, app, shop_server):
    add_channel(client, admin, "shop", shop_server.url, push_interval_seconds=60)
    receive(client, admin, "TEA-01", "HZ", 10)
    assert client.post("/api/v1/stock/adjustments", headers=admin, json={
        "sku": "TEA-01", "warehouse": "HZ", "change": -3, "reference": "broken"}
    ).status_code == 201
    receive(client, admin, "TEA-01", "SH", 5)
    assert shop_server.requests == []  # not due before the interval is over
    assert stock_jobs(db) == [("shop", "TEA-01", PENDING, 0)]
    assert sweep(sessions_of(app)) == []
    later = utcnow() + timedelta(seconds=61)
    assert len(sweep(sessions_of(app), now=later)) == 1
    assert shop_server.figures() == [("TEA-01", 12)]
    # The job has started and finished: the next change is a new push.
    receive(client, admin, "TEA-01", "HZ", 1)
    assert stock_jobs(db) == [("shop", "TEA-01", DONE, 1), ("shop", "TEA-01", PENDING, 0)]
    sweep(sessions_of(app), now=later + timedelta(seconds=61))
    assert shop_server.figures() == [("TEA-01", 12), ("TEA-01", 13)]


def test_a_channel_not_selling_the_sku_gets_nothing(client, admin, db, shop_server,
                                                    other_server):
    add_channel(client, admin, "cups", other_server.url, skus=["CUP-02"],
                push_interval_seconds=0)
    add_channel(client, admin, "shop", shop_server.url, push_interval_seconds=0)
    add_channel(client, admin, "quiet", None, push_interval_seconds=0)
    receive(client, admin, "TEA-01", "HZ", 4)
    assert shop_server.figures() == [("TEA-01", 4)]
    assert other_server.requests == []
    receive(client, admin, "CUP-02", "HZ", 6)
    assert other_server.figures() == [("CUP-02", 6)]
    assert [(key, sku) for key, sku, _, _ in stock_jobs(db)] == [
        ("shop", "TEA-01"), ("cups", "CUP-02"), ("shop", "CUP-02")]


def test_a_switched_off_channel_gets_nothing(client, admin, db, shop_server):
    add_channel(client, admin, "shop", shop_server.url, push_interval_seconds=0,
                active=False)
    receive(client, admin, "TEA-01", "HZ", 4)
    assert shop_server.requests == []
    assert stock_jobs(db) == []


def test_a_failing_channel_is_retried_with_backoff_and_then_gets_the_figure(
        client, admin, db, app, shop_server):
    channel = add_channel(client, admin, "shop", shop_server.url, push_interval_seconds=0)
    shop_server.status = 500
    started = utcnow()
    receive(client, admin, "TEA-01", "HZ", 4)
    assert len(shop_server.requests) == 1  # tried once, right after the receipt
    job = db.scalars(select(Job).where(Job.kind == JOB_KIND)).one()
    job_id, run_after = job.id, job.run_after
    assert (job.status, job.attempts) == (PENDING, 1)
    assert job.last_error == "PushFailed: channel shop answered 500 to a stock push"
    assert channel["secret"] not in job.last_error
    assert run_after >= started + BACKOFF_FIRST
    db.rollback()
    receive(client, admin, "TEA-01", "HZ", 1)  # coalesced into the waiting retry
    assert stock_jobs(db) == [("shop", "TEA-01", PENDING, 1)]
    shop_server.status = 200
    assert sweep(sessions_of(app)) == []  # still backing off
    assert sweep(sessions_of(app), now=run_after + timedelta(seconds=1)) == [job_id]
    assert shop_server.figures() == [("TEA-01", 4), ("TEA-01", 5)]
    assert stock_jobs(db) == [("shop", "TEA-01", DONE, 2)]


def test_an_unreachable_channel_is_retried(client, admin, db, shop_server):
    url = shop_server.url
    shop_server.stop()
    add_channel(client, admin, "shop", url, push_interval_seconds=0)
    receive(client, admin, "TEA-01", "HZ", 4)
    job = db.scalars(select(Job).where(Job.kind == JOB_KIND)).one()
    assert (job.status, job.attempts) == (PENDING, 1)
    assert job.last_error.startswith("PushFailed: channel shop could not be reached")
    db.rollback()


def test_reserving_and_releasing_for_an_order_push_the_figure(client, admin, token_for,
                                                              shop_server):
    receive(client, admin, "TEA-01", "HZ", 3)
    receive(client, admin, "TEA-01", "SH", 1)
    receive(client, admin, "CUP-02", "HZ", 10)
    add_channel(client, admin, "shop", shop_server.url, push_interval_seconds=0)
    staff = bearer(token_for("staff"))
    number = create(client, staff).get_json()["number"]
    assert shop_server.requests == []  # a draft holds nothing
    submitted = client.post(f"/api/v1/orders/{number}/transitions/submit", headers=staff)
    assert submitted.status_code == 200, submitted.get_json()
    assert sorted(shop_server.figures()) == [("CUP-02", 7), ("TEA-01", 2)]
    cancelled = client.post(f"/api/v1/orders/{number}/transitions/cancel", headers=staff)
    assert cancelled.status_code == 200, cancelled.get_json()
    assert sorted(shop_server.figures()[2:]) == [("CUP-02", 10), ("TEA-01", 4)]

"""A hostile carrier: a server of the test's own answering bookings and tracking
queries with HTML, a 5 MB body, a ``javascript:`` label, a tracking number of 10,000
characters, an unknown status. Only validated fields reach staff, the API and the
public page; what is not valid is refused with a short plain reason or dropped."""
from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from orderloom.runtime.shipping.carriers.answers import label, tracking_number
from orderloom.runtime.shipping.models import Shipment, TrackingEvent
from orderloom.runtime.shipping.tracking import poll_due
from tests.logistics.support import API_KEY, carrier_config, parcel_order, post_webhook
from tests.platform.test_api_tokens import bearer

HTML_PAGE = (b"<html><head><title>Oops</title><style>p{color:red}</style>"
             b"<script>alert('x')</script></head><body><h1>Gateway</h1>"
             b"<p>upstream &amp; proxy failed</p></body></html>")
PDF = "JVBERi0xLjQKJcfsj6IK"  # base64 of "%PDF-1.4\n%...": the start of a real PDF


class HostileCarrier:
    """Answers each path with what the test put in ``answers``: (status, content type,
    body bytes)."""

    def __init__(self) -> None:
        self.answers: dict[str, tuple[int, str, bytes]] = {}
        carrier = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _answer(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                key = "/routes" if self.path.startswith("/routes/") else self.path
                status, kind, body = carrier.answers.get(key, (404, "text/plain", b""))
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                try:
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # Orderloom stopped reading at its limit

            do_POST = do_GET = _answer

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def json(self, path: str, document: Any, status: int = 200) -> None:
        self.answers[path] = (status, "application/json", json.dumps(document).encode())

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def hostile(client, token_for):
    server = HostileCarrier()
    admin = bearer(token_for("admin"))
    created = client.post("/api/v1/carriers", headers=admin, json={
        "code": "sf", "name": "SF Express", "config": carrier_config(server.url),
        "poll_interval_seconds": 60})
    assert created.status_code == 201, created.get_json()
    imported = client.post("/api/v1/import", headers=bearer(token_for("designer")), json={
        "format": "orderloom-package/1", "order_types": [parcel_order()]})
    assert imported.status_code == 201, imported.get_json()
    server.staff = bearer(token_for("staff"))
    server.secret = created.get_json()["webhook_secret"]
    yield server
    server.close()


def _order(client, staff) -> str:
    created = client.post("/api/v1/orders", headers=staff, json={
        "order_type": "parcel_order", "data": {
            "customer": {"name": "Zhang Wei", "phone": "13812345678"},
            "ship_to": {"province": "Zhejiang", "city": "Hangzhou", "street": "88 Road"}}})
    assert created.status_code == 201, created.get_json()
    return created.get_json()["number"]


def _book(client, hostile) -> tuple[str, Any]:
    number = _order(client, hostile.staff)
    answer = client.post(f"/api/v1/orders/{number}/shipments", headers=hostile.staff,
                         json={"carrier": "sf"})
    return number, answer


@pytest.mark.parametrize(("answer", "said"), [
    ((200, "text/html", HTML_PAGE), "answered something that is not JSON"),
    ((200, "application/json", b'{"waybill": "' + b"9" * 5_000_000 + b'"}'),
     "answered more than 1000000 bytes"),
    ((502, "text/html", HTML_PAGE), "answered 502 to POST: Gateway upstream & proxy failed"),
    ((200, "application/json", json.dumps({"waybill": "SF" + "1" * 9998}).encode()),
     "tracking number at 'waybill' is 10000 characters long"),
    ((200, "application/json", json.dumps({"waybill": "<img src=x onerror=alert(1)>"})
      .encode()), "is not a tracking number"),
])
def test_a_booking_answer_that_is_not_valid_books_nothing(client, hostile, answer, said):
    hostile.answers["/shipments"] = answer
    number, refused = _book(client, hostile)
    assert refused.status_code == 502
    detail = refused.get_json()["detail"]
    assert said in detail and detail.endswith("; nothing was stored")
    # A short plain line: no markup, no script, never the carrier's whole answer.
    assert len(detail) < 400
    for markup in ("<", "alert", "color:red", "Oops"):
        assert markup not in detail
    assert client.get(f"/api/v1/orders/{number}/shipments",
                      headers=hostile.staff).get_json()["shipments"] == []


def test_a_carrier_quoting_the_key_in_its_error_does_not_show_it(client, hostile):
    hostile.answers["/shipments"] = (401, "text/plain",
                                     f"key {API_KEY} is not valid".encode())
    _number, refused = _book(client, hostile)
    assert refused.status_code == 502
    detail = refused.get_json()["detail"]
    assert "answered 401 to POST: key *** is not valid" in detail and API_KEY not in detail


@pytest.mark.parametrize(("given", "kept"), [
    ("javascript:alert(document.cookie)", {}),
    ({"url": "javascript:alert(1)"}, {}),
    ({"url": "data:text/html,<script>alert(1)</script>"}, {}),
    ({"url": "https://user:pw@labels.example/1.pdf"}, {}),
    ("https://labels.example/SF1.pdf", {"url": "https://labels.example/SF1.pdf"}),
    ({"format": "pdf", "data": PDF}, {"format": "pdf", "data": PDF}),
    ({"format": "pdf", "data": "PHNjcmlwdD4="}, {}),  # base64 of "<script>", not a PDF
    ({"format": "zpl", "data": "^XA^FDSF1^FS^XZ"}, {"format": "zpl", "data": "^XA^FDSF1^FS^XZ"}),
    ({"format": "html", "data": "<h1>label</h1>"}, {}),
    (["a", "list"], {}),
])
def test_only_a_url_or_a_pdf_label_is_kept(given, kept):
    assert label(given) == kept


def test_a_pdf_label_larger_than_the_bound_is_dropped():
    import base64
    big = base64.b64encode(b"%PDF-1.4\n" + b"0" * 2_100_000).decode()
    assert label({"format": "pdf", "data": big}) == {}


@pytest.mark.parametrize("number", ["SF1000000001", "1Z999AA10123456784", "JD-0001", 42])
def test_real_tracking_numbers_are_read(number):
    assert tracking_number(number) == str(number)


def test_a_javascript_label_is_dropped_and_the_rest_of_the_booking_kept(client, hostile):
    hostile.json("/shipments", {"waybill": "SF2000000001",
                                "label": "javascript:alert(document.cookie)",
                                "extra": "<script>steal()</script>"})
    number, booked = _book(client, hostile)
    assert booked.status_code == 201, booked.get_json()
    shipment = booked.get_json()
    assert shipment["tracking_number"] == "SF2000000001"
    assert shipment["label"]["carrier_label"] == {}
    text = json.dumps(shipment)
    assert "javascript:" not in text and "steal()" not in text
    page = client.get(urlsplit(shipment["tracking_url"]).path).get_data(as_text=True)
    assert "SF2000000001" in page and "javascript:" not in page


def test_polled_events_keep_only_validated_fields(client, db, app, hostile):
    hostile.json("/shipments", {"waybill": "SF3000000001"})
    number, booked = _book(client, hostile)
    assert booked.status_code == 201, booked.get_json()
    now = datetime.now(UTC).replace(microsecond=0)
    hostile.json("/routes", {"waybill": "SF3000000001", "routes": [
        {"opCode": "50", "time": (now + timedelta(minutes=1)).isoformat(),
         "city": "<b>Hangzhou</b>\x00 hub" + " x" * 500,
         "remark": "<script>alert(1)</script><p>Collected</p>" + "!" * 10_000,
         "padding": "y" * 10_000},
        {"opCode": "77", "time": now.isoformat(), "city": "Nowhere"},  # unknown status
        {"opCode": "30", "time": "yesterday-ish", "city": "Nowhere"},
        {"opCode": "30", "time": "2999-01-01T00:00:00Z", "city": "The future"},
        {"opCode": "30", "time": now.isoformat(), "waybill": "SF" + "3" * 9998},
    ]})
    sessions = app.extensions["orderloom.db"].sessions
    assert poll_due(sessions, now + timedelta(minutes=5))
    events = db.scalars(select(TrackingEvent).join(Shipment).where(
        Shipment.tracking_number == "SF3000000001")).all()
    # Booked, and the one valid event; the others were skipped.
    assert sorted(e.status for e in events) == ["label_created", "picked_up"]
    [picked] = [e for e in events if e.status == "picked_up"]
    assert picked.location.startswith("Hangzhou hub x x") and len(picked.location) <= 100
    assert picked.description.startswith("Collected !!!") and len(picked.description) <= 300
    assert "<" not in picked.description + picked.location
    assert picked.raw == {"not_kept": picked.raw["not_kept"]}
    shipment = db.scalar(select(Shipment).where(Shipment.tracking_number == "SF3000000001"))
    assert shipment.status == "picked_up"
    token = shipment.public_token
    db.rollback()  # end the read: on SQLite it holds a lock the page's session needs
    page = client.get(f"/track/{token}").get_data(as_text=True)
    assert "Picked up" in page and "Hangzhou hub" in page
    for hidden in ("Collected", "Nowhere", "The future", "alert(1)"):
        assert hidden not in page


def test_a_webhook_with_an_unknown_status_or_a_huge_number_is_refused_with_a_pointer(
        client, db, hostile):
    hostile.json("/shipments", {"waybill": "SF4000000001"})
    _number, booked = _book(client, hostile)
    assert booked.status_code == 201, booked.get_json()
    now = datetime.now(UTC).replace(microsecond=0).isoformat()
    unknown = post_webhook(client, "sf", hostile.secret, {"routes": [
        {"waybill": "SF4000000001", "opCode": "<b>77</b>", "time": now}]})
    assert unknown.status_code == 422
    assert unknown.get_json()["errors"][0]["pointer"] == "/routes/0/opCode"
    huge = post_webhook(client, "sf", hostile.secret, {"routes": [
        {"waybill": "SF" + "4" * 9998, "opCode": "80", "time": now}]})
    assert huge.status_code == 422
    [problem] = huge.get_json()["errors"]
    assert problem["pointer"] == "/routes/0/waybill" and "10000 characters" in problem["detail"]
    assert "4444444444" not in json.dumps(huge.get_json())
    assert db.scalars(select(TrackingEvent.status)).all() == ["label_created"]

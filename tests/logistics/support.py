"""A carrier on 127.0.0.1 for the logistics tests, and an order type that ships with it.

``FakeCarrier`` is a real HTTP server in a thread: it books parcels (answering a
waybill number and label), answers tracking queries with the routes a test gives
it, and remembers every request so a test can check what Orderloom sent.
"""
from __future__ import annotations

import copy
import json
import threading
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from orderloom.runtime.channels.ingestion import signature

API_KEY = "k-test-123"
PHONE = "13812345678"
SAMPLE = {
    "customer": {"code": "C1", "name": "Zhang Wei", "phone": PHONE},
    "ship_to": {"country": "CN", "province": "Zhejiang", "city": "Hangzhou",
                "district": "Xihu", "street": "88 Wensan Road, Room 1203"},
}

PARCEL_ORDER: dict[str, Any] = {
    "key": "parcel_order",
    "name": {"en": "Parcel order"},
    "number_prefix": "PO",
    "form": {"fields": [
        {"key": "customer", "type": "customer", "label": {"en": "Customer"}, "required": True},
        {"key": "ship_to", "type": "address", "label": {"en": "Ship to"}, "required": True},
        {"key": "tracking_no", "type": "text", "label": {"en": "Tracking number"}},
    ]},
    "workflow": {
        "states": [
            {"key": "packed", "label": {"en": "Packed"}, "kind": "start"},
            {"key": "shipped", "label": {"en": "Shipped"}, "kind": "normal"},
            {"key": "problem", "label": {"en": "Delivery problem"}, "kind": "normal"},
            {"key": "delivered", "label": {"en": "Delivered"}, "kind": "terminal"},
        ],
        "transitions": [
            {"key": "ship", "from": ["packed"], "to": "shipped", "label": {"en": "Ship"},
             "roles": ["staff"], "actions": [{"type": "create_shipment", "carrier": "sf"}]},
            {"key": "deliver", "from": ["shipped", "problem"], "to": "delivered",
             "label": {"en": "Delivered"}, "roles": ["staff"]},
            {"key": "flag_problem", "from": ["shipped"], "to": "problem",
             "label": {"en": "Flag a problem"}, "roles": ["staff"]},
        ],
    },
    "tracking": {"delivered": "deliver", "exception": "flag_problem"},
}

# How the fake carrier speaks, told to Orderloom as a generic HTTP carrier's config.
def carrier_config(base_url: str) -> dict[str, Any]:
    return {
        "create_url": f"{base_url}/shipments",
        "tracking_url": f"{base_url}/routes/{{tracking_number}}",
        "auth_header": "X-Api-Key", "auth_value": API_KEY,
        "fields": {"tracking_number": "waybill", "label": "label", "events": "routes",
                   "status": "opCode", "occurred_at": "time", "location": "city",
                   "description": "remark"},
        "status_map": {"50": "picked_up", "30": "in_transit", "44": "out_for_delivery",
                       "80": "delivered", "99": "exception"},
        "utc_offset": "+08:00",
    }


def parcel_order(**changes: Any) -> dict[str, Any]:
    definition = copy.deepcopy(PARCEL_ORDER)
    definition.update(changes)
    return definition


class FakeCarrier:
    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.routes: dict[str, list[dict[str, Any]]] = {}
        self.fail_with: int | None = None
        self.next_number = 1000000001
        self.quote = {"price": "12.00", "days": 3, "service": "standard"}  # at /quotes
        carrier = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _answer(self, status: int, body: Any) -> None:
                data = json.dumps(body).encode("utf-8")
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _note(self, body: Any = None) -> None:
                carrier.requests.append({"method": self.command, "path": self.path,
                                         "headers": dict(self.headers), "body": body})

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"null")
                self._note(body)
                if self.path == "/hooks":  # outbound events of Orderloom, for a subscriber
                    return self._answer(200, {})
                if carrier.fail_with:
                    return self._answer(carrier.fail_with, {"error": "down"})
                if self.headers.get("X-Api-Key") != API_KEY:
                    return self._answer(401, {"error": "bad key"})
                if self.path == "/quotes":
                    return self._answer(200, carrier.quote)
                number = f"SF{carrier.next_number}"
                carrier.next_number += 1
                self._answer(200, {"waybill": number,
                                   "label": {"format": "zpl", "data": f"^XA{number}^XZ"}})

            def do_GET(self) -> None:
                self._note()
                if carrier.fail_with:
                    return self._answer(carrier.fail_with, {"error": "down"})
                number = self.path.rsplit("/", 1)[-1]
                self._answer(200, {"waybill": number, "routes": carrier.routes.get(number, [])})

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> FakeCarrier:
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.shutdown()
        self.server.server_close()


def local_time(moment: datetime) -> str:
    """``moment`` as the carrier writes it: Beijing time, no zone."""
    return (moment + timedelta(hours=8)).strftime("%Y-%m-%d %H:%M:%S")


def route(op_code: str, time: str, city: str = "", remark: str = "",
          waybill: str | None = None) -> dict[str, Any]:
    event = {"opCode": op_code, "time": time, "city": city, "remark": remark}
    if waybill:
        event["waybill"] = waybill
    return event


def post_webhook(client, code: str, secret: str, body: Any, *, sign_with: str | None = None):
    data = json.dumps(body).encode("utf-8")
    return client.post(f"/api/v1/carriers/{code}/webhook", data=data,
                       headers={"Content-Type": "application/json",
                                "X-Orderloom-Signature": signature(sign_with or secret, data)})

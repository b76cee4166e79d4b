"""A local fake HubSpot: a real HTTP server on 127.0.0.1 answering the CRM API v3
paths a won deal needs, in the shapes of HubSpot's documentation
(developers.hubspot.com/docs/api/crm/deals, line-items, contacts, companies, notes,
associations; "Webhooks API"; "Validating requests from HubSpot"), and the webhook
HubSpot sends, signed as it signs it.

- ``Authorization: Bearer <private app token>``; a wrong token is 401 ``{"status":
  "error", "message": "Authentication credentials not found...", "category":
  "INVALID_AUTHENTICATION"}``.
- ``GET /crm/v3/objects/deals?limit=1`` answers ``{"results": [...]}``.
- ``GET /crm/v3/objects/deals/<id>?properties=...&associations=line_items,contacts,companies``
  answers ``{"id", "properties": {...}, "associations": {"line_items":
  {"results": [{"id", "type": "deal_to_line_item"}]}, ...}}`` (only those asked for);
  an unknown deal is 404.
- ``POST /crm/v3/objects/line_items/batch/read`` takes ``{"properties", "inputs":
  [{"id"}]}`` and answers ``{"status": "COMPLETE", "results": [{"id", "properties"}]}``.
- ``GET /crm/v3/objects/contacts/<id>``, ``GET /crm/v3/objects/companies/<id>``.
- ``POST /crm/v3/objects/notes`` takes ``{"properties": {"hs_timestamp",
  "hs_note_body"}, "associations": [{"to": {"id"}, "types": [...]}]}`` and answers 201
  with the note's ``id``.
- A rate limit is 429 ``{"status": "error", "errorType": "RATE_LIMIT", "policyName":
  "SECONDLY"}`` with ``Retry-After``.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

HUBSPOT_TOKEN = "pat-na1-6f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"
CLIENT_SECRET = "0c1d2e3f-4a5b-6c7d-8e9f-a0b1c2d3e4f5"
DEAL_ID = "14976932781"


def hubspot_signature(secret: str, method: str, uri: str, body: bytes, timestamp: str) -> str:
    """Computed as HubSpot's documentation spells it out, apart from the product's code."""
    source = f"{method}{uri}".encode() + body + timestamp.encode()
    return base64.b64encode(hmac.new(secret.encode(), source, hashlib.sha256).digest()).decode()


def stage_event(deal_id: str = DEAL_ID, stage: str = "closedwon", event_id: int = 3817620515):
    return {"eventId": event_id, "subscriptionId": 2341977, "portalId": 62515,
            "appId": 54321, "occurredAt": 1796561400000,
            "subscriptionType": "deal.propertyChange", "attemptNumber": 0,
            "objectId": int(deal_id), "propertyName": "dealstage", "propertyValue": stage,
            "changeSource": "CRM", "sourceId": "userId:8745412"}


def deliver(client, key, events, *, secret=CLIENT_SECRET, timestamp=None, signature=None):
    """HubSpot posting ``events`` to the channel's webhook address."""
    body = json.dumps(events).encode()
    uri = f"http://localhost/api/v1/crm-channels/{key}/deals"
    timestamp = timestamp or str(int(time.time() * 1000))
    headers = {"Content-Type": "application/json", "X-HubSpot-Request-Timestamp": timestamp,
               "X-HubSpot-Signature-v3": hubspot_signature(secret, "POST", uri, body,
                                                           timestamp)
               if signature is None else signature,
               "User-Agent": "HubSpot Webhooks"}
    return client.post(f"/api/v1/crm-channels/{key}/deals", data=body, headers=headers)


class FakeHubSpot:
    def __init__(self) -> None:
        self.deals: dict[str, dict] = {}
        self.line_items: dict[str, dict] = {}
        self.contacts: dict[str, dict] = {}
        self.companies: dict[str, dict] = {}
        self.notes: list[dict] = []
        self.failures: list[tuple[int, dict]] = []
        self.requests: list[dict] = []
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def won_deal(self, deal_id: str = DEAL_ID, stage: str = "closedwon") -> None:
        """A deal of two mugs and a hoodie, with its contact and company."""
        self.line_items.update({
            "6240133781": {"name": "Mug 350 ml", "hs_sku": "MUG-350", "quantity": "2",
                           "price": "39.00", "amount": "78.00"},
            "6240133782": {"name": "Hoodie", "hs_sku": "HOODIE-GRY-M", "quantity": "1",
                           "price": "199", "amount": "199.00"}})
        self.contacts["551"] = {"email": "li.na@example.cn", "firstname": "Na",
                                "lastname": "Li", "phone": "+8613800138000",
                                "address": "88 Nanjing Road", "city": "Shanghai",
                                "state": "Shanghai", "zip": "200001", "country": "CN"}
        self.companies["9901"] = {"name": "Blue Harbour Trading", "city": "Shanghai"}
        self.deals[deal_id] = {
            "properties": {"dealname": "Blue Harbour spring order", "amount": "267.00",
                           "dealstage": stage, "pipeline": "default",
                           "closedate": "2026-12-06T08:00:00Z",
                           "deal_currency_code": "CNY",
                           "description": "Deliver before the fair"},
            "associations": {
                "line_items": {"results": [{"id": "6240133781", "type": "deal_to_line_item"},
                                           {"id": "6240133782", "type": "deal_to_line_item"}]},
                "contacts": {"results": [{"id": "551", "type": "deal_to_contact"}]},
                "companies": {"results": [{"id": "9901", "type": "deal_to_company"}]}}}

    def made(self, method: str, path_start: str) -> list[dict]:
        return [r for r in self.requests if r["method"] == method
                and r["path"].startswith(path_start)]

    def _answer(self, method: str, path: str, query: dict, body) -> tuple[int, dict, dict]:
        def record(kind: str, object_id: str, store: dict) -> tuple[int, dict, dict]:
            if object_id not in store:
                return 404, {}, {"status": "error", "message": "Object not found. objectId "
                                 "are usually numeric.", "category": "OBJECT_NOT_FOUND"}
            found = {"id": object_id, "properties": store[object_id], "archived": False,
                     "createdAt": "2026-12-01T08:00:00Z", "updatedAt": "2026-12-06T08:00:00Z"}
            return 200, {}, found

        parts = path.strip("/").split("/")
        if parts[:3] != ["crm", "v3", "objects"]:
            return 404, {}, {"status": "error", "message": "not found"}
        kind, rest = parts[3], parts[4:]
        if method == "GET" and kind == "deals" and not rest:
            return 200, {}, {"results": [{"id": i, "properties": d["properties"]}
                                         for i, d in list(self.deals.items())[:1]]}
        if method == "GET" and kind == "deals" and len(rest) == 1:
            status, headers, found = record("deals", rest[0],
                                            {i: d["properties"] for i, d in self.deals.items()})
            if status == 200:
                asked = (query.get("associations") or [""])[0].split(",")
                held = self.deals[rest[0]]["associations"]
                found["associations"] = {name: held[name] for name in held if name in asked}
            return status, headers, found
        if method == "POST" and kind == "line_items" and rest == ["batch", "read"]:
            results = [{"id": i["id"], "properties": {p: self.line_items[i["id"]].get(p)
                                                      for p in body["properties"]}}
                       for i in body["inputs"] if i["id"] in self.line_items]
            return 200, {}, {"status": "COMPLETE", "results": results,
                             "startedAt": "2026-12-06T08:00:00Z",
                             "completedAt": "2026-12-06T08:00:01Z"}
        if method == "GET" and kind == "contacts" and len(rest) == 1:
            return record("contacts", rest[0], self.contacts)
        if method == "GET" and kind == "companies" and len(rest) == 1:
            return record("companies", rest[0], self.companies)
        if method == "POST" and kind == "notes" and not rest:
            note = {"id": str(70000000000 + len(self.notes)), **body}
            self.notes.append(note)
            return 201, {}, {"id": note["id"], "properties": body["properties"],
                             "archived": False}
        return 404, {}, {"status": "error", "message": "not found"}

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def _serve(self) -> None:
                split = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                body = json.loads(raw) if raw else None
                with fake.lock:
                    fake.requests.append({"method": self.command, "path": split.path,
                                          "query": split.query, "body": body,
                                          "headers": dict(self.headers)})
                    if self.headers.get("Authorization") != f"Bearer {HUBSPOT_TOKEN}":
                        status, headers, answer = 401, {}, {
                            "status": "error", "category": "INVALID_AUTHENTICATION",
                            "message": "Authentication credentials not found. This API "
                                       "supports OAuth 2.0 authentication"}
                    elif fake.failures:
                        status, headers = fake.failures.pop(0)
                        answer = {"status": "error", "errorType": "RATE_LIMIT",
                                  "policyName": "SECONDLY",
                                  "message": "You have reached your secondly limit."}
                    else:
                        status, headers, answer = fake._answer(
                            self.command, split.path, parse_qs(split.query), body)
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json;charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = _serve

        return Handler

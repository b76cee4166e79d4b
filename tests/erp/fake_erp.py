"""Local fake Odoo and ERPNext servers: real HTTP servers on 127.0.0.1 that answer
each ERP's own API, authentication and errors.

Written from each ERP's published documentation:

- Odoo external API (odoo/odoo, doc "External API"; odoo/addons/base/controllers/rpc.py
  and odoo/http.py for the JSON-RPC envelope): ``POST /jsonrpc`` with ``{"jsonrpc":
  "2.0", "method": "call", "params": {"service", "method", "args"}, "id"}``;
  ``common.login(db, login, key)`` answers the uid or ``false``; ``object.execute_kw(db,
  uid, key, model, method, args, kwargs)`` with ``search``, ``search_read``, ``read``,
  ``create``, ``write`` over domains of ``[field, operator, value]``; many2one fields read
  as ``[id, display_name]``; an error answers 200 with ``{"error": {"code": 200,
  "message": "Odoo Server Error", "data": {"name": "odoo.exceptions.AccessDenied",
  "message", "debug"}}}``. ``common.version()`` answers ``server_version`` and
  ``server_version_info``; the fake acts as Odoo 17 or 18 (``FakeOdoo(version=18)``),
  whose ``account.payment`` has ``ref`` (17) or ``memo`` (18): a field the model lacks,
  written or searched, raises ``ValueError`` ("Invalid field") as Odoo does.
- Frappe / ERPNext REST (frappe/frappe, frappe/api/v1.py, frappe/auth.py,
  frappe/utils/response.py): ``Authorization: token <key>:<secret>``; ``GET
  /api/resource/<DocType>?filters=&fields=&limit_page_length=`` answers ``{"data":
  [...]}``; ``GET /api/resource/<DocType>/<name>`` and ``POST /api/resource/<DocType>``
  answer ``{"data": {...}}``; errors carry ``exc_type`` and ``_server_messages`` (a
  JSON list of JSON objects), a wrong key is 401 ``AuthenticationError``, a missing link
  or field 417 ``LinkValidationError`` / ``MandatoryError``, an unknown document 404
  ``DoesNotExistError``.

``failures`` is a list of HTTP statuses the next requests are answered with (then the
server works again); ``lose_answers`` makes the next N documents of the kind
``losing`` names ("sale order" unless told, or "refund") take effect while the answer
is a 502, as a proxy that drops it would.
"""
from __future__ import annotations

import itertools
import json
import threading
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

ODOO_DB, ODOO_LOGIN, ODOO_KEY = "orderloom-test", "erp@example.com", "7d1e2c3b4a59687f"
NEXT_KEY, NEXT_SECRET = "5a4b3c2d1e0f9a8", "9f8e7d6c5b4a3f2"


class _Server:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.requests: list[dict] = []
        self.failures: list[int] = []
        self.lose_answers = 0
        self.losing = "sale order"
        self.clock = itertools.count(1)
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def stamp(self) -> str:
        tick = next(self.clock)
        return f"2026-12-06 10:{tick // 60:02d}:{tick % 60:02d}"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    def answer(self, method: str, path: str, query: dict, headers: dict, body: bytes
               ) -> tuple[int, object]:
        raise NotImplementedError

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def _serve(self, method: str) -> None:
                parts = urlsplit(self.path)
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with fake.lock:
                    fake.requests.append({"method": method, "path": unquote(parts.path),
                                          "body": body})
                    if fake.failures:
                        status, answer = fake.failures.pop(0), {"message": "overloaded"}
                    else:
                        status, answer = fake.answer(
                            method, unquote(parts.path), parse_qs(parts.query),
                            dict(self.headers), body)
                        if method == "POST" and fake.lose_answers and \
                                _creates(fake.losing, unquote(parts.path), body):
                            fake.lose_answers -= 1
                            status, answer = 502, "<html>Bad Gateway</html>"
                data = (answer if isinstance(answer, str) else json.dumps(
                    answer, default=str)).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                self._serve("GET")

            def do_POST(self) -> None:
                self._serve("POST")

        return Handler


# Where each kind of document is made: ERPNext's doctype, Odoo's model.
MADE_AS = {"sale order": ("Sales Order", "sale.order"),
           "refund": ("Payment Entry", "account.move")}


def _creates(kind: str, path: str, body: bytes) -> bool:
    doctype, model = MADE_AS[kind]
    if path == f"/api/resource/{doctype}":
        return True
    try:
        params = json.loads(body).get("params") or {}
    except (ValueError, AttributeError):
        return False
    args = params.get("args") or []
    return params.get("method") == "execute_kw" and args[3:5] == [model, "create"]


# --- Odoo -------------------------------------------------------------------------------------

class OdooError(Exception):
    def __init__(self, name: str, message: str) -> None:
        super().__init__(message)
        self.name, self.message = name, message


class FakeOdoo(_Server):
    """Holds ``records[model][id] = {field: value}`` for the models Orderloom uses."""

    MANY2ONE = {"partner_id": "res.partner", "product_id": "product.product",
                "order_id": "sale.order", "location_id": "stock.location"}

    # The fields of the accounting models the fake checks, per release.
    PAYMENT_FIELDS = {"id", "name", "state", "write_date", "payment_type", "partner_type",
                      "partner_id", "amount", "date"}
    MOVE_FIELDS = {"id", "name", "state", "write_date", "move_type", "partner_id", "ref",
                   "invoice_origin", "invoice_date", "invoice_line_ids", "reversed_entry_id",
                   "amount_total"}

    def __init__(self, version: int = 17) -> None:
        super().__init__()
        self.version = version
        self.fields = {"account.payment": self.PAYMENT_FIELDS | {
            "memo" if version >= 18 else "ref"}, "account.move": self.MOVE_FIELDS}
        self.ids = itertools.count(10)
        self.records: dict[str, dict[int, dict]] = {m: {} for m in (
            "res.partner", "product.product", "sale.order", "sale.order.line",
            "account.payment", "account.move", "stock.location", "stock.quant")}
        self.records["stock.location"][8] = {"id": 8, "complete_name": "WH/Stock",
                                             "write_date": self.stamp()}

    def add_product(self, sku: str, name: str, price: str) -> int:
        return self._create("product.product", {"default_code": sku, "name": name,
                                                "list_price": float(price)})

    def quantity(self, sku: str) -> float:
        ids = {i for i, p in self.records["product.product"].items()
               if p["default_code"] == sku}
        return sum(q["quantity"] for q in self.records["stock.quant"].values()
                   if q["product_id"] in ids)

    def sale_order(self, reference: str) -> dict | None:
        for order in self.records["sale.order"].values():
            if order.get("client_order_ref") == reference:
                lines = [line for line in self.records["sale.order.line"].values()
                         if line["order_id"] == order["id"]]
                return {**order, "lines": [
                    (self.records["product.product"][line["product_id"]]["default_code"],
                     line["product_uom_qty"], line["price_unit"]) for line in lines]}
        return None

    def add_invoice(self, reference: str, state: str = "posted") -> int:
        """An invoice of the sale order of ``reference``, as Odoo's *Create invoice*
        makes it."""
        order = self.sale_order(reference)
        invoice = self._store("account.move", {
            "move_type": "out_invoice", "state": state, "partner_id": order["partner_id"],
            "invoice_origin": order["name"], "amount_total": order["amount_total"]})
        self.records["sale.order"][order["id"]].setdefault("invoice_ids", []).append(invoice)
        return invoice

    def credit_notes(self) -> list[dict]:
        return [m for m in self.records["account.move"].values()
                if m["move_type"] == "out_refund"]

    def payment_reference(self, payment: dict) -> str:
        return payment["memo" if self.version >= 18 else "ref"]

    def answer(self, method, path, query, headers, body):
        if method != "POST" or path != "/jsonrpc":
            return 404, "<html>404: Not Found</html>"
        request = json.loads(body)
        params = request["params"]
        try:
            result = self._dispatch(params["service"], params["method"], params["args"])
        except OdooError as error:
            return 200, {"jsonrpc": "2.0", "id": request.get("id"), "error": {
                "code": 200, "message": "Odoo Server Error",
                "data": {"name": error.name, "message": error.message, "debug": "Traceback"}}}
        return 200, {"jsonrpc": "2.0", "id": request.get("id"), "result": result}

    def _dispatch(self, service, method, args):
        if service == "common" and method in ("login", "authenticate"):
            db, login, key = args[:3]
            return 2 if (db, login, key) == (ODOO_DB, ODOO_LOGIN, ODOO_KEY) else False
        if service == "common" and method == "version":
            return {"server_version": f"{self.version}.0", "server_serie": f"{self.version}.0",
                    "server_version_info": [self.version, 0, 0, "final", 0, ""],
                    "protocol_version": 1}
        if service != "object" or method != "execute_kw":
            raise OdooError("werkzeug.exceptions.NotFound", f"{service}.{method}")
        db, uid, key, model, name, margs, kwargs = (*args, {})[:7]
        if (db, uid, key) != (ODOO_DB, 2, ODOO_KEY):
            raise OdooError("odoo.exceptions.AccessDenied", "Access Denied")
        if model not in self.records:
            raise OdooError("builtins.KeyError", model)
        if name in ("search", "search_read"):
            self._check_fields(model, [leaf[0] for leaf in margs[0]], "in leaf")
        if name == "create":
            self._check_fields(model, list(margs[0]), "on model")
        if name == "search":
            found = self._search(model, margs[0])
            return found[:kwargs["limit"]] if kwargs.get("limit") else found
        if name == "search_read":
            return [self._read(model, i, kwargs.get("fields"))
                    for i in self._search(model, margs[0])]
        if name == "read":
            return [self._read(model, i, kwargs.get("fields")) for i in margs[0]
                    if i in self.records[model]]
        if name == "create":
            return self._create(model, margs[0])
        if name == "write":
            for i in margs[0]:
                self.records[model][i].update(margs[1])
                self.records[model][i]["write_date"] = self.stamp()
            return True
        if name == "action_apply_inventory" and model == "stock.quant":
            for i in margs[0]:
                quant = self.records[model][i]
                quant["quantity"] = quant.pop("inventory_quantity", quant["quantity"])
                quant["write_date"] = self.stamp()
            return False
        raise OdooError("builtins.AttributeError",
                        f"The method '{name}' does not exist on the model '{model}'")

    def _check_fields(self, model, fields, where):
        known = self.fields.get(model)
        for field in fields:
            if known is not None and field not in known:
                raise OdooError("builtins.ValueError",
                                f"Invalid field {field!r} {where} {model!r}")

    def _value(self, record, field):
        head, _, rest = field.partition(".")
        value = record.get(head)
        if rest and head in self.MANY2ONE:
            target = self.records[self.MANY2ONE[head]].get(value)
            return target and self._value(target, rest)
        return value

    def _search(self, model, domain):
        def matches(record):
            for field, op, value in domain:
                have = self._value(record, field)
                if op == "=" and have != value or op == "in" and have not in value:
                    return False
                if op in (">", ">=", "<") and (have is None or not {
                        ">": have > value, ">=": have >= value, "<": have < value}[op]):
                    return False
            return True
        found = [i for i, r in self.records[model].items() if matches(r)]
        return sorted(found, key=lambda i: (self.records[model][i].get("write_date", ""), i))

    def _read(self, model, i, fields):
        record = self.records[model][i]
        answer = {"id": i}
        for field in fields or record:
            value = record.get(field, False)
            if field in self.MANY2ONE and value:
                target = self.records[self.MANY2ONE[field]][value]
                value = [value, target.get("name") or target.get("complete_name")
                         or target.get("default_code")]
            answer[field] = value
        return answer

    def _create(self, model, values):
        values = dict(values)
        if model == "sale.order":
            if not values.get("partner_id") or values["partner_id"] not in \
                    self.records["res.partner"]:
                raise OdooError("odoo.exceptions.ValidationError",
                                "The operation cannot be completed: Customer is required")
            lines = values.pop("order_line", [])
            values.setdefault("date_order", "2026-12-06 10:00:00")
            values["name"] = f"S{len(self.records[model]) + 1:05d}"
            order_id = self._store(model, values)
            total = Decimal(0)
            for command, _, line in lines:
                if command != 0 or line.get("product_id") not in \
                        self.records["product.product"]:
                    raise OdooError("odoo.exceptions.ValidationError", "Invalid product")
                self._store("sale.order.line", {"order_id": order_id, **line})
                total += Decimal(str(line["product_uom_qty"])) * Decimal(str(line["price_unit"]))
            self.records[model][order_id]["amount_total"] = float(total)
            return order_id
        if model in ("account.payment", "account.move") and not values.get("partner_id"):
            raise OdooError("odoo.exceptions.ValidationError", "Customer/Vendor is required")
        if model == "account.move":
            lines = values.pop("invoice_line_ids", [])
            values.setdefault("state", "draft")
            values["amount_total"] = float(sum(
                Decimal(str(line["quantity"])) * Decimal(str(line["price_unit"]))
                for _command, _, line in lines))
            values["lines"] = [line for _command, _, line in lines]
        if model == "stock.quant":
            values.setdefault("quantity", 0.0)
        return self._store(model, values)

    def _store(self, model, values):
        i = next(self.ids)
        self.records[model][i] = {**values, "id": i, "write_date": self.stamp()}
        return i


# --- ERPNext ----------------------------------------------------------------------------------

class FakeErpNext(_Server):
    """Holds ``docs[doctype][name] = {...}``; Bins follow the submitted Stock Entries."""

    WAREHOUSE = "Stores - OL"

    def __init__(self) -> None:
        super().__init__()
        self.docs: dict[str, dict[str, dict]] = {d: {} for d in (
            "Item", "Customer", "Sales Order", "Payment Entry", "Stock Entry", "Bin")}
        self.numbers = itertools.count(1)

    def add_item(self, code: str, name: str, rate: str) -> None:
        self.docs["Item"][code] = {"name": code, "item_code": code, "item_name": name,
                                   "standard_rate": float(rate), "modified": self.stamp()}

    def set_bin(self, code: str, quantity: float) -> None:
        key = f"{code}@{self.WAREHOUSE}"
        self.docs["Bin"][key] = {"name": key, "item_code": code, "warehouse": self.WAREHOUSE,
                                 "actual_qty": quantity, "modified": self.stamp()}

    def quantity(self, code: str) -> float:
        found = self.docs["Bin"].get(f"{code}@{self.WAREHOUSE}")
        return found["actual_qty"] if found else 0.0

    def sales_order(self, reference: str) -> dict | None:
        return next((o for o in self.docs["Sales Order"].values()
                     if o.get("po_no") == reference), None)

    @staticmethod
    def _error(status: int, exc_type: str, message: str):
        return status, {"exc_type": exc_type, "exception": f"frappe.exceptions.{exc_type}: "
                        f"{message}", "_server_messages": json.dumps(
                            [json.dumps({"message": message, "indicator": "red"})])}

    def answer(self, method, path, query, headers, body):
        if headers.get("Authorization") != f"token {NEXT_KEY}:{NEXT_SECRET}":
            return self._error(401, "AuthenticationError", "Invalid API key or secret")
        if path == "/api/method/frappe.auth.get_logged_user":
            return 200, {"message": "erp@example.com"}
        parts = path.split("/")
        if len(parts) < 4 or parts[1:3] != ["api", "resource"] or parts[3] not in self.docs:
            return self._error(404, "DoesNotExistError", f"{path} not found")
        doctype = parts[3]
        if len(parts) == 5 and method == "GET":
            found = self.docs[doctype].get(parts[4])
            if found is None:
                return self._error(404, "DoesNotExistError",
                                   f"{doctype} {parts[4]} not found")
            return 200, {"data": found}
        if method == "GET":
            filters = json.loads(query.get("filters", ["[]"])[0])
            fields = json.loads(query.get("fields", ['["name"]'])[0])
            rows = [d for d in self.docs[doctype].values() if _match(d, filters)]
            rows.sort(key=lambda d: (d.get("modified", ""), d["name"]))
            if query.get("limit_page_length", ["20"])[0] not in ("0",):
                rows = rows[:int(query["limit_page_length"][0]) if "limit_page_length"
                            in query else 20]
            return 200, {"data": [{f: d.get(f) for f in fields} for d in rows]}
        return self._insert(doctype, json.loads(body))

    def _insert(self, doctype, doc):
        if doctype == "Customer":
            doc["name"] = doc["customer_name"]
        elif doctype == "Sales Order":
            if not doc.get("delivery_date"):
                return self._error(417, "MandatoryError",
                                   "[Sales Order, new]: delivery_date")
            if doc.get("customer") not in self.docs["Customer"]:
                return self._error(417, "LinkValidationError",
                                   f"Could not find Customer: {doc.get('customer')}")
            for row, item in enumerate(doc.get("items", []), 1):
                if item.get("item_code") not in self.docs["Item"]:
                    return self._error(417, "LinkValidationError",
                                       f"Could not find Row #{row}: Item Code: "
                                       f"{item.get('item_code')}")
            doc["grand_total"] = float(sum(Decimal(str(i["qty"])) * Decimal(str(i["rate"]))
                                           for i in doc.get("items", [])))
            doc.setdefault("transaction_date", "2026-12-06")
            doc["name"] = f"SAL-ORD-2026-{next(self.numbers):05d}"
        elif doctype == "Payment Entry":
            if doc.get("party") not in self.docs["Customer"]:
                return self._error(417, "LinkValidationError",
                                   f"Could not find Party: {doc.get('party')}")
            doc["name"] = f"ACC-PAY-2026-{next(self.numbers):05d}"
        elif doctype == "Stock Entry":
            for item in doc["items"]:
                code = item["item_code"]
                if code not in self.docs["Item"]:
                    return self._error(417, "LinkValidationError",
                                       f"Could not find Item Code: {code}")
                sign = 1 if item.get("t_warehouse") else -1
                self.set_bin(code, self.quantity(code) + sign * float(item["qty"]))
            doc["name"] = f"MAT-STE-2026-{next(self.numbers):05d}"
        else:
            doc["name"] = doc.get("name") or f"{doctype}-{next(self.numbers)}"
        doc["modified"] = self.stamp()
        self.docs[doctype][doc["name"]] = doc
        return 200, {"data": doc}


def _match(doc: dict, filters: list) -> bool:
    for field, op, value in filters:
        have = doc.get(field)
        if op == "=" and have != value or op == "in" and have not in value:
            return False
        if op in (">", ">=", "<=", "<") and (have is None or not {
                ">": have > value, ">=": have >= value, "<=": have <= value,
                "<": have < value}[op]):
            return False
    return True

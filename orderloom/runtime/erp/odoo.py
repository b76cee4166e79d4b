"""Odoo over its external JSON-RPC API (odoo/addons/base/controllers/rpc.py,
doc/developer/reference/external_api): ``POST /jsonrpc`` with ``{"jsonrpc": "2.0",
"method": "call", "params": {"service", "method", "args"}}``; ``common.login(db,
login, key)`` answers the user id (false for a wrong key), ``object.execute_kw(db,
uid, key, model, method, args, kwargs)`` does the rest. An error answers ``{"error":
{"code", "message", "data": {"name", "message"}}}``; ``odoo.exceptions.ValidationError``
and ``UserError`` are the user's to mend, ``AccessDenied`` a wrong key.

The sale order is ``sale.order`` with ``client_order_ref`` = the Orderloom order
number and ``order_line`` as ``(0, 0, {product_id, product_uom_qty, price_unit})``;
products are ``product.product`` found by ``default_code`` (the SKU); payments are
``account.payment`` with the reference in ``ref`` (Odoo 17 and before) or ``memo``
(Odoo 18 renamed it), so the client asks ``common.version`` once and writes the field
the server has; refunds are credit notes (``account.move`` of ``move_type``
``out_refund``, the reference in ``ref``) that name the invoice they reverse in
``reversed_entry_id`` when the sale order has a posted one; stock is ``stock.quant`` in
one ``stock.location`` set with ``inventory_quantity`` and ``action_apply_inventory``.
"""
from __future__ import annotations

import itertools
from decimal import Decimal
from typing import Any

from orderloom.runtime.erp.client import ErpOrder, Refused, Unavailable, exchange, parsed

# Error names the user must mend; any other server error may pass.
REFUSING = ("odoo.exceptions.ValidationError", "odoo.exceptions.UserError",
            "odoo.exceptions.AccessDenied", "odoo.exceptions.AccessError",
            "odoo.exceptions.MissingError", "builtins.ValueError")
_ids = itertools.count(1)
# The release that renamed account.payment's ``ref`` to ``memo``.
MEMO_SINCE = 18


class OdooClient:
    def __init__(self, base_url: str, database: str, login: str, api_key: str) -> None:
        self.url = base_url.rstrip("/") + "/jsonrpc"
        self.database, self.login, self.api_key = database, login, api_key
        self._uid: int | None = None
        self._version: tuple[int, str] | None = None

    def _rpc(self, service: str, method: str, args: list[Any]) -> Any:
        answer = exchange("POST", self.url, {"Content-Type": "application/json"}, {
            "jsonrpc": "2.0", "method": "call", "id": next(_ids),
            "params": {"service": service, "method": method, "args": args}})
        if answer.status >= 500 and not answer.body.strip().startswith(b"{"):
            raise Unavailable(f"Odoo answered {answer.status}: {answer.excerpt()}")
        body = parsed(answer)
        error = body.get("error") if isinstance(body, dict) else None
        if error:
            data = error.get("data") or {}
            name = str(data.get("name", ""))
            said = str(data.get("message") or error.get("message") or "an error")
            if name in REFUSING:
                raise Refused(f"Odoo refused it: {said}")
            raise Unavailable(f"Odoo failed: {said}")
        if answer.status >= 400:
            raise Unavailable(f"Odoo answered {answer.status}")
        return body.get("result") if isinstance(body, dict) else None

    def uid(self) -> int:
        if self._uid is None:
            uid = self._rpc("common", "login", [self.database, self.login, self.api_key])
            if not uid:
                raise Refused(f"Odoo did not accept the login {self.login!r} with this API "
                              f"key on database {self.database!r}")
            self._uid = int(uid)
        return self._uid

    def version(self) -> tuple[int, str]:
        """The server's major release and its name ("18.0"), asked once per client: a
        client lives for one connection test or one job, so an upgraded Odoo is seen
        at the next one."""
        if self._version is None:
            answer = self._rpc("common", "version", [])
            info = answer.get("server_version_info") if isinstance(answer, dict) else None
            # An Odoo Online release reads ["saas~17", 4, ...]: the major is after "~".
            head = str(info[0]).rpartition("~")[2] if isinstance(info, list) and info else ""
            if not head.isdigit():
                raise Refused(f"Odoo did not say which version it is: {answer!r}"[:200])
            name = answer.get("server_version") or head
            self._version = (int(head), str(name))
        return self._version

    def payment_reference_field(self) -> str:
        return "memo" if self.version()[0] >= MEMO_SINCE else "ref"

    def call(self, model: str, method: str, args: list[Any],
             kwargs: dict[str, Any] | None = None) -> Any:
        return self._rpc("object", "execute_kw", [self.database, self.uid(), self.api_key,
                                                  model, method, args, kwargs or {}])

    # --- what every client answers -------------------------------------------------------

    def check(self) -> str:
        return (f"logged in to Odoo {self.version()[1]} database {self.database!r} as user "
                f"{self.uid()}")

    def products(self, skus: list[str]) -> dict[str, int]:
        found = self.call("product.product", "search_read",
                          [[["default_code", "in", sorted(set(skus))]]],
                          {"fields": ["id", "default_code"]})
        return {p["default_code"]: p["id"] for p in found}

    def _partner(self, name: str) -> int:
        found = self.call("res.partner", "search", [[["name", "=", name]]], {"limit": 1})
        if found:
            return found[0]
        return self.call("res.partner", "create", [{"name": name}])

    def find_sale_order(self, reference: str) -> str | None:
        found = self.call("sale.order", "search", [[["client_order_ref", "=", reference]]],
                          {"limit": 1})
        return str(found[0]) if found else None

    def create_sale_order(self, reference: str, document: dict[str, Any]) -> str:
        lines = document.get("order_line", [])
        products = self.products([str(line.get("default_code")) for line in lines])
        missing = sorted({str(line.get("default_code")) for line in lines} - set(products))
        if missing:
            raise Refused(f"Odoo has no product with the internal reference (SKU) "
                          f"{', '.join(missing)}")
        values = {"client_order_ref": reference,
                  "partner_id": self._partner(str(document.get("partner_name") or reference)),
                  "order_line": [[0, 0, {"product_id": products[str(line["default_code"])],
                                         "product_uom_qty": line.get("product_uom_qty", 1),
                                         "price_unit": line.get("price_unit", 0)}]
                                 for line in lines]}
        if document.get("note"):
            values["note"] = document["note"]
        return str(self.call("sale.order", "create", [values]))

    def find_payment(self, reference: str) -> str | None:
        found = self.call("account.payment", "search",
                          [[[self.payment_reference_field(), "=", reference]]], {"limit": 1})
        return str(found[0]) if found else None

    def create_payment(self, reference: str, sale_order: str, amount: Decimal,
                       day: str) -> str:
        order = self.call("sale.order", "read", [[int(sale_order)]],
                          {"fields": ["partner_id"]})
        partner = order[0]["partner_id"][0] if order and order[0].get("partner_id") else False
        return str(self.call("account.payment", "create", [{
            "payment_type": "inbound", "partner_type": "customer", "partner_id": partner,
            "amount": amount, "date": day, self.payment_reference_field(): reference}]))

    def find_refund(self, reference: str) -> str | None:
        found = self.call("account.move", "search", [[["move_type", "=", "out_refund"],
                                                      ["ref", "=", reference]]],
                          {"limit": 1})
        return str(found[0]) if found else None

    def create_refund(self, reference: str, sale_order: str, amount: Decimal, day: str,
                      reason: str) -> str:
        """A credit note for the money given back: one line of the refunded amount, so
        its total is what left the till (no taxes computed on it again), reversing the
        sale order's posted invoice when there is one. It stays a draft for the
        accountant to post, as the payments do."""
        [order] = self.call("sale.order", "read", [[int(sale_order)]],
                            {"fields": ["name", "partner_id", "invoice_ids"]}) or [{}]
        partner = order["partner_id"][0] if order.get("partner_id") else False
        values: dict[str, Any] = {
            "move_type": "out_refund", "partner_id": partner, "ref": reference,
            "invoice_origin": order.get("name") or reference, "invoice_date": day,
            "invoice_line_ids": [[0, 0, {
                "name": f"Refund {reference}" + (f": {reason}" if reason else ""),
                "quantity": 1, "price_unit": amount, "tax_ids": [[6, 0, []]]}]]}
        invoices = order.get("invoice_ids") or []
        if invoices:
            posted = self.call("account.move", "search", [[
                ["id", "in", invoices], ["move_type", "=", "out_invoice"],
                ["state", "=", "posted"]]], {"limit": 1})
            if posted:
                values["reversed_entry_id"] = posted[0]
        return str(self.call("account.move", "create", [values]))

    def _location(self, location: str) -> int:
        found = self.call("stock.location", "search", [[["complete_name", "=", location]]],
                          {"limit": 1})
        if not found:
            raise Refused(f"Odoo has no stock location {location!r}")
        return found[0]

    def stock(self, location: str, skus: list[str] | None = None) -> dict[str, Decimal]:
        domain: list[Any] = [["location_id", "=", self._location(location)]]
        if skus is not None:
            domain.append(["product_id.default_code", "in", sorted(set(skus))])
        quants = self.call("stock.quant", "search_read", [domain],
                           {"fields": ["product_id", "quantity"]})
        return self._by_sku(quants)

    def _by_sku(self, quants: list[dict[str, Any]]) -> dict[str, Decimal]:
        ids = sorted({q["product_id"][0] for q in quants})
        codes = {p["id"]: p["default_code"] for p in self.call(
            "product.product", "read", [ids], {"fields": ["default_code"]})} if ids else {}
        totals: dict[str, Decimal] = {}
        for quant in quants:
            sku = codes.get(quant["product_id"][0])
            if sku:
                totals[sku] = totals.get(sku, Decimal(0)) + Decimal(str(quant["quantity"]))
        return totals

    def set_stock(self, location: str, sku: str, quantity: int) -> str:
        products = self.products([sku])
        if sku not in products:
            raise Refused(f"Odoo has no product with the internal reference (SKU) {sku}")
        where = self._location(location)
        found = self.call("stock.quant", "search", [[["product_id", "=", products[sku]],
                                                     ["location_id", "=", where]]],
                          {"limit": 1})
        if found:
            quant = found[0]
            self.call("stock.quant", "write", [[quant], {"inventory_quantity": quantity}])
        else:
            quant = self.call("stock.quant", "create", [{
                "product_id": products[sku], "location_id": where,
                "inventory_quantity": quantity}])
        self.call("stock.quant", "action_apply_inventory", [[quant]])
        return str(quant)

    def sale_orders(self, since: str, until: str) -> list[ErpOrder]:
        orders = self.call("sale.order", "search_read", [[["date_order", ">=", since],
                                                          ["date_order", "<", until]]],
                           {"fields": ["id", "client_order_ref", "amount_total"]})
        if not orders:
            return []
        lines = self.call("sale.order.line", "search_read",
                          [[["order_id", "in", [o["id"] for o in orders]]]],
                          {"fields": ["order_id", "product_id", "product_uom_qty"]})
        ids = sorted({line["product_id"][0] for line in lines})
        codes = {p["id"]: p["default_code"] for p in self.call(
            "product.product", "read", [ids], {"fields": ["default_code"]})} if ids else {}
        answer = {o["id"]: ErpOrder(str(o.get("client_order_ref") or f"#{o['id']}"),
                                    Decimal(str(o["amount_total"]))) for o in orders}
        for line in lines:
            order = answer[line["order_id"][0]]
            sku = codes.get(line["product_id"][0], str(line["product_id"][0]))
            order.lines[sku] = order.lines.get(sku, Decimal(0)) + Decimal(
                str(line["product_uom_qty"]))
        return list(answer.values())

    def items_since(self, cursor: str | None) -> list[dict[str, Any]]:
        domain = [["write_date", ">", cursor]] if cursor else []
        found = self.call("product.product", "search_read", [domain], {
            "fields": ["default_code", "name", "list_price", "write_date"],
            "order": "write_date asc"})
        return [{"sku": p["default_code"], "name": p["name"], "price": p["list_price"],
                 "stamp": p["write_date"]} for p in found if p.get("default_code")]

    def stock_since(self, location: str, cursor: str | None) -> list[dict[str, Any]]:
        domain: list[Any] = [["location_id", "=", self._location(location)]]
        if cursor:
            domain.append(["write_date", ">", cursor])
        quants = self.call("stock.quant", "search_read", [domain], {
            "fields": ["product_id", "quantity", "write_date"], "order": "write_date asc"})
        stamps: dict[str, str] = {}
        ids = sorted({q["product_id"][0] for q in quants})
        codes = {p["id"]: p["default_code"] for p in self.call(
            "product.product", "read", [ids], {"fields": ["default_code"]})} if ids else {}
        for quant in quants:
            if codes.get(quant["product_id"][0]):
                stamps[codes[quant["product_id"][0]]] = quant["write_date"]
        totals = self._by_sku(quants)
        return [{"sku": sku, "quantity": totals[sku], "stamp": stamps[sku]} for sku in totals]

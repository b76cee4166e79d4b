"""ERPNext over Frappe's REST API (frappe/api/v1.py, frappe.app.handle_exception):
``Authorization: token <api_key>:<api_secret>``; ``GET /api/resource/<DocType>?filters=
[[field, op, value]]&fields=[...]&limit_page_length=0`` answers ``{"data": [...]}``;
``POST /api/resource/<DocType>`` with the document answers ``{"data": {"name", ...}}``;
``GET /api/method/frappe.auth.get_logged_user`` answers ``{"message": user}``. An error
carries ``exc_type`` and ``_server_messages`` (a JSON list of JSON objects with a
``message``); a validation error is 417, a wrong key 401 or 403.

The sale order is a ``Sales Order`` with ``po_no`` = the Orderloom order number;
payments are ``Payment Entry`` with the reference in ``reference_no``; a refund is a
``Payment Entry`` of ``payment_type`` ``Pay`` to the customer (money paid back
against the advance the sale order's payments left; a return Sales Invoice would need
an invoice with the items returned, which Orderloom does not make); stock is moved
by a submitted ``Stock Entry`` (Material Receipt or Material Issue) of the difference to
the ``Bin``'s ``actual_qty``.
"""
from __future__ import annotations

import json
from decimal import Decimal
from typing import Any
from urllib.parse import quote, urlencode

from orderloom.runtime.erp.client import ErpOrder, Refused, Unavailable, exchange, parsed


class ErpNextClient:
    def __init__(self, base_url: str, api_key: str, api_secret: str) -> None:
        self.base = base_url.rstrip("/")
        self.headers = {"Authorization": f"token {api_key}:{api_secret}",
                        "Accept": "application/json", "Content-Type": "application/json"}

    def _call(self, method: str, path: str, query: dict[str, Any] | None = None,
              body: Any = None) -> Any:
        url = self.base + path
        if query:
            url += "?" + urlencode({k: v if isinstance(v, str) else json.dumps(v)
                                    for k, v in query.items()})
        answer = exchange(method, url, self.headers, body)
        if answer.status < 400:
            return parsed(answer)
        said = _said(answer)
        if answer.status in (401, 403):
            raise Refused(f"ERPNext did not accept the API key and secret: {said}")
        if answer.status in (404, 409, 417, 400):
            raise Refused(f"ERPNext refused it: {said}")
        raise Unavailable(f"ERPNext answered {answer.status}: {said}")

    def _list(self, doctype: str, filters: list[Any], fields: list[str],
              order_by: str | None = None) -> list[dict[str, Any]]:
        query: dict[str, Any] = {"filters": filters, "fields": fields,
                                 "limit_page_length": "0"}
        if order_by:
            query["order_by"] = order_by
        return self._call("GET", f"/api/resource/{quote(doctype)}", query)["data"]

    def _create(self, doctype: str, document: dict[str, Any]) -> str:
        return str(self._call("POST", f"/api/resource/{quote(doctype)}",
                              body=document)["data"]["name"])

    # --- what every client answers -------------------------------------------------------

    def check(self) -> str:
        user = self._call("GET", "/api/method/frappe.auth.get_logged_user")["message"]
        return f"logged in to ERPNext as {user}"

    def known_items(self, skus: list[str]) -> set[str]:
        found = self._list("Item", [["item_code", "in", sorted(set(skus))]], ["item_code"])
        return {i["item_code"] for i in found}

    def find_sale_order(self, reference: str) -> str | None:
        found = self._list("Sales Order", [["po_no", "=", reference]], ["name"])
        return found[0]["name"] if found else None

    def create_sale_order(self, reference: str, document: dict[str, Any]) -> str:
        items = document.get("items", [])
        missing = sorted({str(i.get("item_code")) for i in items}
                         - self.known_items([str(i.get("item_code")) for i in items]))
        if missing:
            raise Refused(f"ERPNext has no Item with the item code (SKU) {', '.join(missing)}")
        customer = str(document.get("customer") or reference)
        if not self._list("Customer", [["name", "=", customer]], ["name"]):
            self._create("Customer", {"customer_name": customer,
                                      "customer_type": "Individual"})
        return self._create("Sales Order", {**document, "customer": customer,
                                            "po_no": reference})

    def find_payment(self, reference: str) -> str | None:
        found = self._list("Payment Entry", [["reference_no", "=", reference]], ["name"])
        return found[0]["name"] if found else None

    def create_payment(self, reference: str, sale_order: str, amount: Decimal,
                       day: str) -> str:
        order = self._call("GET", f"/api/resource/Sales%20Order/{quote(sale_order)}")["data"]
        return self._create("Payment Entry", {
            "payment_type": "Receive", "party_type": "Customer", "party": order["customer"],
            "paid_amount": amount, "received_amount": amount, "reference_no": reference,
            "reference_date": day, "posting_date": day,
            "references": [{"reference_doctype": "Sales Order", "reference_name": sale_order,
                            "allocated_amount": amount}]})

    def find_refund(self, reference: str) -> str | None:
        found = self._list("Payment Entry", [["payment_type", "=", "Pay"],
                                             ["reference_no", "=", reference]], ["name"])
        return found[0]["name"] if found else None

    def create_refund(self, reference: str, sale_order: str, amount: Decimal, day: str,
                      reason: str) -> str:
        order = self._call("GET", f"/api/resource/Sales%20Order/{quote(sale_order)}")["data"]
        entry: dict[str, Any] = {
            "payment_type": "Pay", "party_type": "Customer", "party": order["customer"],
            "paid_amount": amount, "received_amount": amount, "reference_no": reference,
            "reference_date": day, "posting_date": day}
        if reason:
            entry["remarks"] = f"Refund of {sale_order}: {reason}"
        return self._create("Payment Entry", entry)

    def stock(self, warehouse: str, skus: list[str] | None = None) -> dict[str, Decimal]:
        filters: list[Any] = [["warehouse", "=", warehouse]]
        if skus is not None:
            filters.append(["item_code", "in", sorted(set(skus))])
        return {b["item_code"]: Decimal(str(b["actual_qty"]))
                for b in self._list("Bin", filters, ["item_code", "actual_qty"])}

    def set_stock(self, warehouse: str, sku: str, quantity: int) -> str:
        if sku not in self.known_items([sku]):
            raise Refused(f"ERPNext has no Item with the item code (SKU) {sku}")
        # Read then move the difference: a retry after a move that went through reads
        # the new balance and moves nothing.
        change = Decimal(quantity) - self.stock(warehouse, [sku]).get(sku, Decimal(0))
        if change == 0:
            return "unchanged"
        receipt = change > 0
        line = {"item_code": sku, "qty": abs(change),
                ("t_warehouse" if receipt else "s_warehouse"): warehouse}
        return self._create("Stock Entry", {
            "stock_entry_type": "Material Receipt" if receipt else "Material Issue",
            "docstatus": 1, "items": [line]})

    def sale_orders(self, since: str, until: str) -> list[ErpOrder]:
        found = self._list("Sales Order", [["transaction_date", ">=", since[:10]],
                                           ["transaction_date", "<=", until[:10]]],
                           ["name", "po_no", "grand_total"])
        answer = []
        for summary in found:
            order = self._call("GET", f"/api/resource/Sales%20Order/"
                                      f"{quote(summary['name'])}")["data"]
            erp = ErpOrder(str(summary.get("po_no") or summary["name"]),
                           Decimal(str(summary["grand_total"])))
            for item in order.get("items", []):
                erp.lines[item["item_code"]] = erp.lines.get(item["item_code"], Decimal(0)) \
                    + Decimal(str(item["qty"]))
            answer.append(erp)
        return answer

    def items_since(self, cursor: str | None) -> list[dict[str, Any]]:
        filters = [["modified", ">", cursor]] if cursor else []
        found = self._list("Item", filters, ["item_code", "item_name", "standard_rate",
                                             "modified"], "modified asc")
        return [{"sku": i["item_code"], "name": i["item_name"], "price": i["standard_rate"],
                 "stamp": i["modified"]} for i in found]

    def stock_since(self, warehouse: str, cursor: str | None) -> list[dict[str, Any]]:
        filters: list[Any] = [["warehouse", "=", warehouse]]
        if cursor:
            filters.append(["modified", ">", cursor])
        found = self._list("Bin", filters, ["item_code", "actual_qty", "modified"],
                           "modified asc")
        return [{"sku": b["item_code"], "quantity": Decimal(str(b["actual_qty"])),
                 "stamp": b["modified"]} for b in found]


def _said(answer: Any) -> str:
    """The message a Frappe error carries: the first of ``_server_messages``, else its
    ``exc_type`` or ``message``."""
    try:
        body = json.loads(answer.body)
    except ValueError:
        return answer.excerpt()
    if not isinstance(body, dict):
        return answer.excerpt()
    try:
        messages = [json.loads(m).get("message", "") for m in
                    json.loads(body.get("_server_messages") or "[]")]
    except (ValueError, AttributeError):
        messages = []
    said = next((m for m in messages if m), None) or body.get("message") or answer.excerpt()
    kind = body.get("exc_type")
    return f"{kind}: {said}" if kind else str(said)

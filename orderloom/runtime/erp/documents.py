"""The ERP document an order becomes, by the channels' mapping language run the other
way round.

A channel's mapping reads a payload into an order form's fields; here the "payload"
is the order as JSON (:func:`order_json`: its number, totals and form data) and the
"form" is the ERP's document, described with the same field types
(``SALE_ORDER_FORMS``). So a user edits one language for both directions, and the
same checks (paths, formulas, did-you-mean on a document's fields) apply.

The external reference (Odoo's ``client_order_ref``, ERPNext's ``po_no``) is not
mappable: it is always the Orderloom order number, because a retry finds the
document by it before creating one.
"""
from __future__ import annotations

import copy
from typing import Any

from orderloom.designer.problems import DefinitionProblem
from orderloom.runtime.channels.mapping import apply_mapping, check_mapping
from orderloom.runtime.erp.models import ERPNEXT, ODOO

SALE_ORDER = "sale_order"


def _form(fields: list[dict[str, Any]]) -> dict[str, Any]:
    return {"form": {"fields": fields}}


# The ERP's sale order as a form: what a mapping may fill.
SALE_ORDER_FORMS: dict[str, dict[str, Any]] = {
    ODOO: _form([
        {"key": "partner_name", "type": "text"},   # res.partner found or made by name
        {"key": "note", "type": "long_text"},
        {"key": "order_line", "type": "line_items", "fields": [
            {"key": "default_code", "type": "text"},  # the SKU: product.product's code
            {"key": "product_uom_qty", "type": "number"},
            {"key": "price_unit", "type": "money"}]}]),
    ERPNEXT: _form([
        {"key": "customer", "type": "text"},
        {"key": "delivery_date", "type": "text"},
        {"key": "items", "type": "line_items", "fields": [
            {"key": "item_code", "type": "text"},
            {"key": "qty", "type": "number"},
            {"key": "rate", "type": "money"}]}]),
}

# Defaults that fit the built-in retail template (customer, items with sku/qty/price).
DEFAULT_MAPPINGS: dict[str, dict[str, Any]] = {
    ODOO: {SALE_ORDER: {
        "fields": {"partner_name": "$.data.customer.name",
                   "note": {"formula": "\"Orderloom \" & number"}},
        "lines": {"order_line": {"from": "$.data.items[*]", "fields": {
            "default_code": "$.sku", "product_uom_qty": "$.qty", "price_unit": "$.price"}}}}},
    ERPNEXT: {SALE_ORDER: {
        "fields": {"customer": "$.data.customer.name",
                   "delivery_date": {"path": "$.created_at", "formula": "LEFT(value, 10)"}},
        "lines": {"items": {"from": "$.data.items[*]", "fields": {
            "item_code": "$.sku", "qty": "$.qty", "rate": "$.price"}}}}},
}

# The line members that name the SKU and the quantity, per kind.
LINES = {ODOO: ("order_line", "default_code", "product_uom_qty"),
         ERPNEXT: ("items", "item_code", "qty")}


def default_mappings(kind: str) -> dict[str, Any]:
    return copy.deepcopy(DEFAULT_MAPPINGS[kind])


def mapping_problems(kind: str, mappings: Any) -> list[DefinitionProblem]:
    """Problems of a connection's mappings, pointers relative to ``mappings``."""
    if not isinstance(mappings, dict) or set(mappings) - {SALE_ORDER}:
        return [DefinitionProblem("", f"give {{\"{SALE_ORDER}\": {{...}}}}")]
    # The checks speak of an order form; here the "form" is the ERP's document.
    return [DefinitionProblem(f"/{SALE_ORDER}{p.pointer}",
                              p.message.replace("this order type", "the ERP's sale order"),
                              p.line, p.column)
            for p in check_mapping(mappings.get(SALE_ORDER, {}), SALE_ORDER_FORMS[kind])]


def order_json(order: Any) -> dict[str, Any]:
    """The order as a mapping reads it."""
    return {"number": order.number, "order_type": order.order_type.key,
            "state": order.state, "channel": order.channel,
            "total": str(order.total) if order.total is not None else None,
            "currency": order.currency, "warehouse": order.warehouse,
            "created_at": order.created_at.isoformat(), "data": order.data}


def sale_order(kind: str, mappings: dict[str, Any], order: Any) -> dict[str, Any]:
    """The ERP document's fields for ``order``. Raises the mapping's MappingError."""
    mapping = mappings.get(SALE_ORDER) or DEFAULT_MAPPINGS[kind][SALE_ORDER]
    return apply_mapping(mapping, order_json(order), SALE_ORDER_FORMS[kind]).data

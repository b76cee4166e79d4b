"""Shopify: its webhooks and its order resource (REST Admin API, ``Order``).

Shopify signs each webhook with ``X-Shopify-Hmac-Sha256``: the base64 HMAC-SHA256 of
the raw body with the app's client secret (or the secret shown under Settings >
Notifications > Webhooks for webhooks made there). ``X-Shopify-Topic`` names the
topic and ``X-Shopify-Webhook-Id`` is the same for every retry of one delivery.
"""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from orderloom.runtime.channels.regions import SHOPIFY_CN, province_name
from orderloom.runtime.channels.stores import (
    Event,
    StorePlatform,
    amount,
    balanced,
    joined,
    money,
    text,
    without_empty,
)

# financial_status values that mean the buyer paid the whole order at some point;
# a refund is recorded separately and does not undo the payment.
PAID = frozenset({"paid", "partially_refunded", "refunded"})


class Shopify(StorePlatform):
    kind = "shopify"
    name = "Shopify"
    signature_header = "X-Shopify-Hmac-Sha256"
    topic_header = "X-Shopify-Topic"
    delivery_header = "X-Shopify-Webhook-Id"
    topics = {"orders/create": Event.CREATED, "orders/updated": Event.UPDATED,
              "orders/cancelled": Event.CANCELLED, "refunds/create": Event.REFUND_REQUESTED}
    # A refunds/create payload is a Refund, which names its order.
    order_id_member = {Event.REFUND_REQUESTED: "order_id"}
    credential_names = ("access_token", "api_key", "api_secret")

    def cancelled(self, payload: dict[str, Any]) -> bool:
        return bool(payload.get("cancelled_at"))

    def store_order(self, payload: dict[str, Any]) -> dict[str, Any]:
        currency = text(payload.get("currency"))
        address = payload.get("shipping_address") or payload.get("billing_address") or {}
        customer = payload.get("customer") or {}
        lines = []
        items = Decimal(0)
        for line in payload.get("line_items") or []:
            if not isinstance(line, dict):
                continue
            qty = amount(line.get("quantity"))
            price = amount(line.get("price"))
            items += qty * price
            lines.append(without_empty({
                # A product without a SKU is still a product: its variant id names it.
                "sku": text(line.get("sku")) or text(line.get("variant_id")),
                "name": text(line.get("name")) or text(line.get("title")),
                "qty": int(qty) if qty == qty.to_integral_value() else qty,
                "price": money(price, currency)}))
        shipping = sum((amount(s.get("price")) for s in payload.get("shipping_lines") or []
                        if isinstance(s, dict)), Decimal(0))
        tax = amount(payload.get("total_tax"))
        # With taxes included in the prices the tax is already in the lines' amounts.
        tax_added = Decimal(0) if payload.get("taxes_included") else tax
        total = amount(payload.get("total_price"))
        discount, charges = balanced(items, shipping, tax_added, total)
        return without_empty({
            "order_id": text(payload.get("id")),
            "name": text(payload.get("name")),
            "currency": currency,
            "customer": without_empty({
                "code": text(customer.get("id")),
                "name": joined(customer.get("first_name"), customer.get("last_name"))
                or text(address.get("name")),
                "email": text(payload.get("email")) or text(customer.get("email")),
                "phone": text(customer.get("phone")) or text(payload.get("phone"))
                or text(address.get("phone"))}),
            "recipient": without_empty({
                "name": text(address.get("name"))
                or joined(address.get("first_name"), address.get("last_name")),
                "phone": text(address.get("phone"))}),
            "ship_to": without_empty({
                "country": text(address.get("country_code")),
                "province": province_name(address.get("country_code"),
                                          address.get("province_code"),
                                          address.get("province"), SHOPIFY_CN),
                "city": text(address.get("city")),
                "street": joined(address.get("address1"), address.get("address2")),
                "postcode": text(address.get("zip"))}),
            "lines": lines,
            "items_total": money(items, currency),
            "shipping": money(charges, currency),
            "discount": money(discount, currency),
            "tax": money(tax, currency),
            "tax_added": money(tax_added, currency),
            "total": money(total, currency),
            "note": text(payload.get("note")),
            "paid": self._paid(payload, total, currency),
            "cancelled": self.cancelled(payload),
        })

    def _paid(self, payload: dict[str, Any], total: Decimal,
              currency: str | None) -> dict[str, Any] | None:
        status = payload.get("financial_status")
        if status in PAID:
            paid = total
        elif status == "partially_paid" and payload.get("total_outstanding") is not None:
            paid = total - amount(payload.get("total_outstanding"))
        else:
            return None
        if paid <= 0:
            return None
        gateways = payload.get("payment_gateway_names") or [payload.get("gateway")]
        return without_empty({
            "amount": money(paid, currency), "currency": currency,
            "method": text(gateways[0] if gateways else None) or "shopify",
            "reference": text(payload.get("name")) or text(payload.get("id")),
            "received_at": text(payload.get("processed_at")) or text(payload.get("created_at"))})


PLATFORM = Shopify()

"""Shopify: its webhooks and its order resource (REST Admin API, ``Order``).

Shopify signs each webhook with ``X-Shopify-Hmac-Sha256``: the base64 HMAC-SHA256 of
the raw body with the app's client secret (or the secret shown under Settings >
Notifications > Webhooks for webhooks made there). ``X-Shopify-Topic`` names the
topic and ``X-Shopify-Webhook-Id`` is the same for every retry of one delivery.

The REST Admin API (version ``API_VERSION``) is called with ``X-Shopify-Access-Token``:
``shop.json`` to test the connection, the order's fulfillment orders then
``fulfillments.json`` to write a shipment back, and ``orders.json`` with
``updated_at_min``, paged by the ``page_info`` of its ``Link`` header, to pull.
"""
from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, quote, urlencode, urlsplit

from orderloom.runtime.channels.regions import SHOPIFY_CN, province_name
from orderloom.runtime.channels.stores import (
    Event,
    OrderPage,
    Shipped,
    StoreCallFailed,
    StorePlatform,
    amount,
    balanced,
    joined,
    money,
    record,
    text,
    without_empty,
)

# financial_status values that mean the buyer paid the whole order at some point;
# a refund is recorded separately and does not undo the payment.
PAID = frozenset({"paid", "partially_refunded", "refunded"})
# Pinned, so a change Shopify makes in a later version does not change our calls;
# Shopify supports each version for a year at least.
API_VERSION = "2024-10"
# Fulfillment orders a fulfilment can still be created for.
FULFILLABLE = frozenset({"open", "in_progress"})
PAGE_SIZE = 250  # the most orders.json gives in one page
NEXT_LINK = re.compile(r'<([^>]+)>;\s*rel="?next"?')


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
    api_credentials = ("access_token",)

    rejected_credential = "access_token"
    forbidden_hint = ("the access token lacks a scope; give the app read_orders, "
                      "write_merchant_managed_fulfillment_orders and read_fulfillments")

    def cancelled(self, payload: dict[str, Any]) -> bool:
        return bool(payload.get("cancelled_at"))

    # --- Admin API ---------------------------------------------------------------------------

    def headers(self, credentials: dict[str, str]) -> dict[str, str]:
        return {"X-Shopify-Access-Token": credentials.get("access_token", "")}

    def path(self, resource: str) -> str:
        return f"/admin/api/{API_VERSION}/{resource}"

    def connection(self, store_url: str, credentials: dict[str, str]) -> str:
        answer = self.ask("GET", store_url, self.path("shop.json"), credentials)
        shop = answer.data.get("shop") if isinstance(answer.data, dict) else None
        if not isinstance(shop, dict):
            raise StoreCallFailed("the address answered without a shop; is it the store's "
                                  "myshopify.com address?", fix="/store_url")
        return text(shop.get("name")) or text(shop.get("myshopify_domain")) or store_url

    def fulfil(self, store_url: str, credentials: dict[str, str], order_id: str,
               shipped: Shipped) -> str:
        order = quote(order_id, safe="")
        done = self.ask("GET", store_url, self.path(f"orders/{order}/fulfillments.json"),
                        credentials).data or {}
        for fulfillment in done.get("fulfillments") or []:
            numbers = [fulfillment.get("tracking_number"),
                       *(fulfillment.get("tracking_numbers") or [])]
            if shipped.tracking_number in numbers:
                return str(fulfillment.get("id"))
        found = self.ask("GET", store_url,
                         self.path(f"orders/{order}/fulfillment_orders.json"),
                         credentials).data or {}
        open_ones = [{"fulfillment_order_id": fo["id"]}
                     for fo in found.get("fulfillment_orders") or []
                     if isinstance(fo, dict) and fo.get("status") in FULFILLABLE]
        if not open_ones:
            raise StoreCallFailed(f"Shopify has nothing left to fulfil on order {order_id} "
                                  "(every fulfillment order is closed or cancelled)")
        tracking = {"company": shipped.carrier, "number": shipped.tracking_number}
        if shipped.tracking_url:
            tracking["url"] = shipped.tracking_url
        created = self.ask("POST", store_url, self.path("fulfillments.json"), credentials,
                           {"fulfillment": {"line_items_by_fulfillment_order": open_ones,
                                            "tracking_info": tracking,
                                            "notify_customer": True}}).data or {}
        return str((created.get("fulfillment") or {}).get("id"))

    def orders_page(self, store_url: str, credentials: dict[str, str], since: datetime,
                    page: str | None) -> OrderPage:
        # With page_info Shopify takes no other filter: the first page's carry on.
        query = ({"limit": PAGE_SIZE, "page_info": page} if page else
                 {"limit": PAGE_SIZE, "status": "any", "order": "updated_at asc",
                  "updated_at_min": since.astimezone(UTC).isoformat()})
        answer = self.ask("GET", store_url, self.path("orders.json?" + urlencode(query)),
                          credentials)
        orders = [o for o in (answer.data or {}).get("orders") or [] if isinstance(o, dict)]
        following = NEXT_LINK.search(answer.headers.get("Link") or "")
        next_page = None
        if following:
            next_page = (parse_qs(urlsplit(following.group(1)).query).get("page_info")
                         or [None])[0]
        return OrderPage(orders, next_page)

    def store_order(self, payload: dict[str, Any]) -> dict[str, Any]:
        currency = text(payload.get("currency"))
        address = record(payload.get("shipping_address")) or record(payload.get("billing_address"))
        customer = record(payload.get("customer"))
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

"""WooCommerce: its webhooks and its order resource (REST API v3, ``orders``).

WooCommerce signs each webhook with ``X-WC-Webhook-Signature``: the base64
HMAC-SHA256 of the raw body with the secret entered when the webhook was made
(WooCommerce > Settings > Advanced > Webhooks). ``X-WC-Webhook-Topic`` names the
topic and ``X-WC-Webhook-Delivery-ID`` the delivery. Saving a webhook sends an
unsigned form-encoded ping, ``webhook_id=<id>``, and WooCommerce switches the
webhook off when that ping is not answered 2xx.

The REST API v3 is called with the consumer key and secret as HTTP Basic (which
WooCommerce takes over https): ``system_status`` to test the connection, the
a customer note naming the carrier, tracking number and tracking link for each parcel
written back (WooCommerce has no tracking of its own; tracking plugins differ), and the
order's status set to ``completed`` once its last parcel is; and ``orders`` with
``modified_after`` and ``orderby=modified``, paged by the last change seen (keyset),
to pull. For stock sync, ``products?sku=`` (and a variable product's ``variations``)
finds a SKU, and a ``PUT`` of the product or variation sets its ``stock_quantity``.
"""
from __future__ import annotations

import base64
import json
import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import quote, urlencode

from orderloom.runtime.channels.regions import WOOCOMMERCE_CN, province_name
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
    whole,
    without_empty,
)

PING = re.compile(rb"^webhook_id=\d{1,20}$")
# Statuses an order.updated may carry that mean the store gave up the order.
CANCELLED = frozenset({"cancelled", "refunded", "trash"})
API = "/wp-json/wc/v3/"
PAGE_SIZE = 100  # the most the REST API gives in one page
SHIPPED = "completed"
# WooCommerce keeps times to the second and ``modified_after`` is strictly after: each
# page asks from a second before the last change seen, and drops what it saw already.
OVERLAP = timedelta(seconds=1)
SKUS_PER_CALL = 50  # SKUs asked for in one products?sku= call
MOST_PAGES = 20  # pages of variable products read when looking for a variation's SKU


class WooCommerce(StorePlatform):
    kind = "woocommerce"
    name = "WooCommerce"
    signature_header = "X-WC-Webhook-Signature"
    topic_header = "X-WC-Webhook-Topic"
    delivery_header = "X-WC-Webhook-Delivery-ID"
    changed_member = "date_modified_gmt"
    topics = {"order.created": Event.CREATED, "order.updated": Event.UPDATED,
              "order.deleted": Event.CANCELLED}
    credential_names = ("consumer_key", "consumer_secret")
    api_credentials = credential_names

    def is_ping(self, headers: Any, body: bytes) -> bool:
        # Only the exact ping: no topic, no signature, a body of nothing but the id.
        return (not headers.get(self.topic_header) and not headers.get(self.signature_header)
                and PING.match(body.strip()) is not None)

    rejected_credential = "consumer_key"
    forbidden_hint = ("the key cannot do this; make a key with Read/Write permissions "
                      "under WooCommerce > Settings > Advanced > REST API")

    def cancelled(self, payload: dict[str, Any]) -> bool:
        return payload.get("status") in CANCELLED

    # --- REST API ----------------------------------------------------------------------------

    def headers(self, credentials: dict[str, str]) -> dict[str, str]:
        pair = f"{credentials.get('consumer_key', '')}:{credentials.get('consumer_secret', '')}"
        return {"Authorization": "Basic " + base64.b64encode(pair.encode("utf-8")).decode()}

    def connection(self, store_url: str, credentials: dict[str, str]) -> str:
        answer = self.ask("GET", store_url, API + "system_status", credentials)
        environment = (answer.data or {}).get("environment") if isinstance(answer.data,
                                                                            dict) else None
        if not isinstance(environment, dict):
            raise StoreCallFailed("the address answered without the store's status; is it "
                                  "the WordPress site's address?", fix="/store_url")
        return text(environment.get("site_title")) or text(environment.get("home_url")) \
            or store_url

    def fulfil(self, store_url: str, credentials: dict[str, str], order_id: str,
               shipped: Shipped) -> str:
        order = API + "orders/" + quote(order_id, safe="")
        notes = self.ask("GET", store_url, order + "/notes", credentials).data or []
        note_id = next((str(n.get("id")) for n in notes if isinstance(n, dict)
                        and shipped.tracking_number in str(n.get("note") or "")), None)
        if note_id is None:
            words = f"Shipped with {shipped.carrier}, tracking number {shipped.tracking_number}"
            if shipped.tracking_url:
                words += f": {shipped.tracking_url}"
            # A customer note: WooCommerce mails it to the buyer and shows it on the order.
            note = self.ask("POST", store_url, order + "/notes", credentials,
                            {"note": words, "customer_note": True}).data or {}
            note_id = str(note.get("id"))
        if shipped.last:
            # Only once the whole order is on its way: "completed" ends it at the store.
            self.ask("PUT", store_url, order, credentials, {"status": SHIPPED})
        return note_id

    def line_item_ids(self, payload: dict[str, Any]) -> dict[str, list[tuple[str, int]]]:
        found: dict[str, list[tuple[str, int]]] = {}
        for line in payload.get("line_items") or []:
            if isinstance(line, dict) and line.get("id") is not None:
                sku = (text(line.get("sku")) or text(line.get("variation_id"))
                       or text(line.get("product_id")))
                if sku:
                    found.setdefault(sku, []).append((str(line["id"]),
                                                      whole(line.get("quantity"))))
        return found

    def created_day(self, payload: dict[str, Any]) -> date | None:
        # ``date_created`` is the site's own time (``date_created_gmt`` is UTC).
        try:
            return datetime.fromisoformat(str(payload.get("date_created"))).date()
        except ValueError:
            return None

    def orders_page(self, store_url: str, credentials: dict[str, str], since: datetime,
                    page: str | None) -> OrderPage:
        # Paged by the last change seen, not by page number: an order changed while the
        # pages are read moves to the end of the list, and numbered pages would then
        # skip the one that slid into its place.
        after, number, seen = keyset(page) if page else (since.astimezone(UTC), 1, frozenset())
        query = {"modified_after": (after - OVERLAP).strftime("%Y-%m-%dT%H:%M:%S"),
                 "dates_are_gmt": "true", "orderby": "modified", "order": "asc",
                 "per_page": PAGE_SIZE, "page": number}
        answer = self.ask("GET", store_url, API + "orders?" + urlencode(query), credentials)
        orders = []
        last = after
        for found in answer.data or []:
            if not isinstance(found, dict):
                continue
            changed = self.changed_at(found)
            last = max(last, changed) if changed else last
            # The overlap's orders were read already: the same id at the same moment.
            if changed is not None and (changed < after or (changed == after and
                                                            text(found.get("id")) in seen)):
                continue
            orders.append(found)
        try:
            pages = int(answer.headers.get("X-WP-TotalPages") or 1)
        except ValueError:
            pages = 1
        if number >= pages:
            return OrderPage(orders, None)
        at_last = frozenset(text(o.get("id")) for o in answer.data or []
                            if isinstance(o, dict) and self.changed_at(o) == last)
        if last > after:
            return OrderPage(orders, token(last, 1, at_last))
        # A whole page changed in one second: only then the next page by number.
        return OrderPage(orders, token(after, number + 1, seen | at_last))

    def store_order(self, payload: dict[str, Any]) -> dict[str, Any]:
        currency = text(payload.get("currency"))
        shipping_address = record(payload.get("shipping"))
        billing = record(payload.get("billing"))
        # An order for pickup or a virtual product has an empty shipping address.
        address = shipping_address if text(shipping_address.get("address_1")) else billing
        lines = []
        items = Decimal(0)
        for line in payload.get("line_items") or []:
            if not isinstance(line, dict):
                continue
            qty = amount(line.get("quantity"))
            # ``subtotal`` is the line before discounts, without tax, as exact text;
            # ``price`` is a JSON number after discounts and would lose its places.
            subtotal = amount(line.get("subtotal")) if line.get("subtotal") is not None \
                else amount(line.get("price")) * qty
            unit = money(subtotal / qty if qty else Decimal(0), currency)
            # The form adds up qty x the rounded unit price: count that, so the
            # discount or charge balancing the store's total takes up the rounding.
            items += amount(unit) * qty
            lines.append(without_empty({
                "sku": text(line.get("sku")) or text(line.get("variation_id"))
                or text(line.get("product_id")),
                "name": text(line.get("name")),
                "qty": int(qty) if qty == qty.to_integral_value() else qty,
                "price": unit}))
        shipping = amount(payload.get("shipping_total"))
        # Line subtotals and shipping_total are without tax; total_tax is added on top.
        tax = amount(payload.get("total_tax"))
        total = amount(payload.get("total"))
        discount, charges = balanced(items, shipping, tax, total)
        number = text(payload.get("number")) or text(payload.get("id"))
        return without_empty({
            "order_id": text(payload.get("id")),
            "name": f"#{number}" if number else None,
            "currency": currency,
            "customer": without_empty({
                # A guest has customer_id 0: no customer code, matched by name and phone.
                "code": text(payload.get("customer_id")) if payload.get("customer_id")
                else None,
                "name": joined(billing.get("first_name"), billing.get("last_name")),
                "email": text(billing.get("email")),
                "phone": text(billing.get("phone"))}),
            "recipient": without_empty({
                "name": joined(address.get("first_name"), address.get("last_name")),
                "phone": text(address.get("phone")) or text(billing.get("phone"))}),
            "ship_to": without_empty({
                "country": text(address.get("country")),
                "province": province_name(address.get("country"), address.get("state"),
                                          None, WOOCOMMERCE_CN),
                "city": text(address.get("city")),
                "street": joined(address.get("address_1"), address.get("address_2")),
                "postcode": text(address.get("postcode"))}),
            "lines": lines,
            "items_total": money(items, currency),
            "shipping": money(charges, currency),
            "discount": money(discount, currency),
            "tax": money(tax, currency),
            "tax_added": money(tax, currency),
            "total": money(total, currency),
            "note": text(payload.get("customer_note")),
            "paid": self._paid(payload, total, currency),
            "cancelled": self.cancelled(payload),
        })

    def _paid(self, payload: dict[str, Any], total: Decimal,
              currency: str | None) -> dict[str, Any] | None:
        paid_at = text(payload.get("date_paid_gmt"))
        if not (paid_at or payload.get("date_paid") or payload.get("set_paid")) or total <= 0:
            return None
        return without_empty({
            "amount": money(total, currency), "currency": currency,
            "method": text(payload.get("payment_method_title"))
            or text(payload.get("payment_method")) or "woocommerce",
            "reference": text(payload.get("transaction_id")) or text(payload.get("number"))
            or text(payload.get("id")),
            # WooCommerce's *_gmt dates are UTC written without a zone.
            "received_at": paid_at + "+00:00" if paid_at and len(paid_at) == 19 else paid_at})

    # --- inventory (channel stock sync) ---------------------------------------------------------

    def stock_items(self, store_url: str, credentials: dict[str, str],
                    skus: list[str]) -> dict[str, str]:
        """``<id>`` of a product, ``<parent>/variations/<id>`` of a variation, by SKU:
        ``products?sku=`` takes several SKUs at once, comma-separated; a SKU not found
        there is looked for among the variations of the variable products."""
        wanted = list(dict.fromkeys(skus))
        found: dict[str, str] = {}
        for start in range(0, len(wanted), SKUS_PER_CALL):
            chunk = wanted[start:start + SKUS_PER_CALL]
            answer = self.ask("GET", store_url, API + "products?" + urlencode(
                {"sku": ",".join(chunk), "per_page": PAGE_SIZE}), credentials)
            for product in answer.data or []:
                if not isinstance(product, dict) or not isinstance(product.get("id"), int):
                    continue
                sku, parent = text(product.get("sku")), product.get("parent_id")
                if sku in chunk and sku not in found:
                    found[sku] = (f"{parent}/variations/{product['id']}"
                                  if isinstance(parent, int) and parent else str(product["id"]))
        missing = set(wanted) - set(found)
        page, pages = 1, 1
        while missing and page <= min(pages, MOST_PAGES):
            answer = self.ask("GET", store_url, API + "products?" + urlencode(
                {"type": "variable", "per_page": PAGE_SIZE, "page": page}), credentials)
            try:
                pages = int(answer.headers.get("X-WP-TotalPages") or 1)
            except ValueError:
                pages = 1
            for product in answer.data or []:
                if not missing:
                    break
                if not isinstance(product, dict) or not isinstance(product.get("id"), int):
                    continue
                variations = self.ask("GET", store_url, API + f"products/{product['id']}/"
                                      f"variations?per_page={PAGE_SIZE}", credentials).data
                for variation in variations or []:
                    sku = text(record(variation).get("sku"))
                    if sku in missing and isinstance(variation.get("id"), int):
                        found[sku] = f"{product['id']}/variations/{variation['id']}"
                        missing.discard(sku)
            page += 1
        return found

    def set_stock(self, store_url: str, credentials: dict[str, str], item: str,
                  available: int, location: str | None) -> str | None:
        """The product's or variation's stock_quantity, with manage_stock on so that
        WooCommerce counts it (and sells no more than it)."""
        self.ask("PUT", store_url, API + "products/" + item, credentials,
                 {"manage_stock": True, "stock_quantity": available})
        return None


def token(after: datetime, number: int, seen: frozenset[str | None]) -> str:
    return json.dumps([after.isoformat(), number, sorted(i for i in seen if i)])


def keyset(page: str) -> tuple[datetime, int, frozenset[str | None]]:
    after, number, seen = json.loads(page)
    return datetime.fromisoformat(after), int(number), frozenset(seen)


PLATFORM = WooCommerce()

"""Shopify: its webhooks and its order resource (REST Admin API, ``Order``).

Shopify signs each webhook with ``X-Shopify-Hmac-Sha256``: the base64 HMAC-SHA256 of
the raw body with the app's client secret (or the secret shown under Settings >
Notifications > Webhooks for webhooks made there). ``X-Shopify-Topic`` names the
topic and ``X-Shopify-Webhook-Id`` is the same for every retry of one delivery.

The REST Admin API (version ``API_VERSION``) is called with ``X-Shopify-Access-Token``:
``shop.json`` to test the connection, the order's fulfillment orders then
``fulfillments.json`` to write a shipment back (only the parcel's own lines and
quantities, by the fulfillment order line items of the order's line item ids), and
``orders.json`` with ``updated_at_min``, paged by the ``page_info`` of its ``Link`` header, to pull.
For stock sync, ``products.json`` (ids and variants) finds a SKU's inventory item,
``locations.json`` lists the locations and ``inventory_levels/set.json`` sets the
figure.
"""
from __future__ import annotations

import re
from datetime import UTC, date, datetime
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
    whole,
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
# A catalogue read for SKUs stops after this many pages (250 products each).
MOST_PRODUCT_PAGES = 40


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
        open_ones = [fo for fo in found.get("fulfillment_orders") or []
                     if isinstance(fo, dict) and fo.get("status") in FULFILLABLE]
        chosen = fulfilment_lines(open_ones, shipped.lines)
        if not chosen:
            raise StoreCallFailed(f"Shopify has nothing left to fulfil on order {order_id} "
                                  "for this parcel (its lines are fulfilled, closed or "
                                  "cancelled)")
        tracking = {"company": shipped.carrier, "number": shipped.tracking_number}
        if shipped.tracking_url:
            tracking["url"] = shipped.tracking_url
        created = self.ask("POST", store_url, self.path("fulfillments.json"), credentials,
                           {"fulfillment": {"line_items_by_fulfillment_order": chosen,
                                            "tracking_info": tracking,
                                            "notify_customer": True}}).data or {}
        return str((created.get("fulfillment") or {}).get("id"))

    def line_item_ids(self, payload: dict[str, Any]) -> dict[str, list[tuple[str, int]]]:
        found: dict[str, list[tuple[str, int]]] = {}
        for line in payload.get("line_items") or []:
            if isinstance(line, dict) and line.get("id") is not None:
                sku = text(line.get("sku")) or text(line.get("variant_id"))
                if sku:
                    found.setdefault(sku, []).append((str(line["id"]),
                                                      whole(line.get("quantity"))))
        return found

    def created_day(self, payload: dict[str, Any]) -> date | None:
        # Shopify writes times with the shop's own UTC offset: its date is the shop's day.
        try:
            created = datetime.fromisoformat(str(payload.get("created_at")))
        except ValueError:
            return None
        return created.date() if created.tzinfo else None

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

    # --- inventory (channel stock sync) ---------------------------------------------------------

    def stock_items(self, store_url: str, credentials: dict[str, str],
                    skus: list[str]) -> dict[str, str]:
        """Each SKU's variant's ``inventory_item_id``. The REST Admin API finds no
        variant by SKU, so products.json is read (only ids and variants) page by page
        until every SKU asked for is found or the catalogue ends."""
        wanted = set(skus)
        found: dict[str, str] = {}
        query: dict[str, Any] = {"limit": PAGE_SIZE, "fields": "id,variants"}
        for _ in range(MOST_PRODUCT_PAGES):
            answer = self.inventory_call("GET", store_url, "products.json?" + urlencode(query),
                                         credentials)
            for product in record(answer.data).get("products") or []:
                for variant in record(product).get("variants") or []:
                    sku, item = text(record(variant).get("sku")), variant.get("inventory_item_id")
                    if sku in wanted and sku not in found and isinstance(item, int):
                        found[sku] = str(item)
            following = NEXT_LINK.search(answer.headers.get("Link") or "")
            if len(found) == len(wanted) or not following:
                break
            # With page_info Shopify takes only limit and fields beside it.
            page = (parse_qs(urlsplit(following.group(1)).query).get("page_info") or [""])[0]
            query = {"limit": PAGE_SIZE, "fields": "id,variants", "page_info": page}
        return found

    def locations(self, store_url: str, credentials: dict[str, str]) -> list[dict[str, Any]]:
        answer = self.inventory_call("GET", store_url, "locations.json", credentials)
        return [{"id": str(place["id"]), "name": text(place.get("name")) or str(place["id"]),
                 "active": bool(place.get("active", True))}
                for place in record(answer.data).get("locations") or []
                if isinstance(place, dict) and isinstance(place.get("id"), int)]

    def set_stock(self, store_url: str, credentials: dict[str, str], item: str,
                  available: int, location: str | None) -> str | None:
        """inventory_levels/set.json at ``location``; without one, at the store's only
        active location (a store with several must be told which)."""
        if not location:
            active = [p for p in self.locations(store_url, credentials) if p["active"]]
            if len(active) != 1:
                raise StoreCallFailed(f"the store has {len(active)} active locations: choose "
                                      "the one whose stock is set in the channel's stock "
                                      "settings", fix="/location_id")
            location = active[0]["id"]
        self.inventory_call("POST", store_url, "inventory_levels/set.json", credentials,
                            {"location_id": int(location), "inventory_item_id": int(item),
                             "available": available})
        return location

    def inventory_call(self, method: str, store_url: str, resource: str,
                       credentials: dict[str, str], body: Any = None):
        """``ask``, with a 403 naming the scopes stock sync needs, not those of orders."""
        try:
            return self.ask(method, store_url, self.path(resource), credentials, body)
        except StoreCallFailed as failure:
            if failure.status != 403:
                raise
            raise StoreCallFailed("Shopify answered 403: the access token lacks a scope; "
                                  "give the app read_products, read_locations and "
                                  "write_inventory", status=403,
                                  fix="/credentials/access_token") from None


def fulfilment_lines(fulfillment_orders: list[dict[str, Any]],
                     lines: tuple[tuple[str, int], ...]) -> list[dict[str, Any]]:
    """``line_items_by_fulfillment_order`` for a parcel carrying ``lines`` (the order's
    line item ids and quantities), at most what each line can still be fulfilled; with
    no lines, everything still open."""
    if not lines:
        return [{"fulfillment_order_id": fo["id"]} for fo in fulfillment_orders]
    wanted: dict[str, int] = {}
    for line_id, qty in lines:
        wanted[line_id] = wanted.get(line_id, 0) + qty
    chosen = []
    for fo in fulfillment_orders:
        items = []
        for item in fo.get("line_items") or []:
            if not isinstance(item, dict):
                continue
            line_id = str(item.get("line_item_id"))
            take = min(wanted.get(line_id, 0), int(item.get("fulfillable_quantity") or 0))
            if take > 0:
                items.append({"id": item["id"], "quantity": take})
                wanted[line_id] -= take
        if items:
            chosen.append({"fulfillment_order_id": fo["id"],
                           "fulfillment_order_line_items": items})
    return chosen


PLATFORM = Shopify()

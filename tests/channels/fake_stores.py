"""Local fake Shopify and WooCommerce stores: real HTTP servers on 127.0.0.1 that
answer the platforms' own paths, authentication, pagination headers and 429s.

Written from each platform's published API documentation and official client
fixtures:

- Shopify REST Admin API 2024-10 (shopify.dev/docs/api/admin-rest/2024-10; the
  fixtures of github.com/Shopify/shopify-api-js, packages/shopify-api/rest/admin/
  __tests__/2024-10/ fulfillment.test.ts, fulfillment_order.test.ts, order.test.ts,
  shop.test.ts): ``X-Shopify-Access-Token``; ``GET shop.json`` answers ``{"shop":
  {...}}``; ``GET orders/<id>/fulfillment_orders.json`` answers
  ``{"fulfillment_orders": [{"id", "status": "open", ...}]}``; ``POST
  fulfillments.json`` takes ``{"fulfillment": {"line_items_by_fulfillment_order":
  [{"fulfillment_order_id"}], "tracking_info": {"company", "number", "url"},
  "notify_customer"}}`` and answers 201 ``{"fulfillment": {"id", "tracking_number",
  ...}}``; ``GET orders.json`` pages with ``Link: <...page_info=...>; rel="next"``
  (and takes no filter beside ``limit`` with ``page_info``); 429 carries
  ``Retry-After: 2.0``; a bad token is 401 ``{"errors": "[API] Invalid API key or
  access token (unrecognized login or wrong password)"}``.
- WooCommerce REST API v3 (woocommerce.github.io/woocommerce-rest-api-docs;
  github.com/woocommerce/woocommerce, plugins/woocommerce/includes/rest-api):
  HTTP Basic with the consumer key and secret; ``GET system_status`` answers
  ``{"environment": {"home_url", "site_url", ...}, ...}``; ``PUT orders/<id>``;
  ``GET|POST orders/<id>/notes`` (``{"note", "customer_note"}``, 201 with the note's
  ``id``); ``GET orders?modified_after=&page=&per_page=`` with ``X-WP-Total`` and
  ``X-WP-TotalPages``; a bad key is 401 ``{"code": "woocommerce_rest_cannot_view"}``.

Inventory, for stock sync (the block at the end of ``FakeStore``):

- Shopify: ``GET products.json?fields=id,variants&limit=`` answers ``{"products":
  [{"id", "variants": [{"id", "product_id", "sku", "inventory_item_id"}]}]}``, paged
  like orders.json (with ``page_info`` only ``limit`` and ``fields`` are taken);
  ``GET locations.json`` answers ``{"locations": [{"id", "name", "active"}]}``;
  ``POST inventory_levels/set.json`` takes ``{"location_id", "inventory_item_id",
  "available"}`` and answers ``{"inventory_level": {...}}``.
- WooCommerce: ``GET products?sku=a,b&per_page=`` (several SKUs comma-separated;
  products only, not variations), ``GET products?type=variable&page=&per_page=``,
  ``GET products/<id>/variations``; ``PUT products/<id>`` and ``PUT
  products/<id>/variations/<id>`` take ``{"manage_stock", "stock_quantity"}``; an
  unknown id is 404 ``{"code": "woocommerce_rest_product_invalid_id"}``.
"""
from __future__ import annotations

import base64
import copy
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

SHOPIFY_TOKEN = "shpat_4f3c2b1a0987654321fedcba"
WOO_KEY, WOO_SECRET = "ck_6a1b2c3d4e5f", "cs_9f8e7d6c5b4a"
SHOPIFY_API = "/admin/api/2024-10/"
WOO_API = "/wp-json/wc/v3/"


class FakeStore:
    """One store of ``kind`` ("shopify" or "woocommerce") holding ``orders``.

    ``failures`` is a list of (status, headers) the next requests are answered with
    before the store works normally again; ``requests`` records every request."""

    def __init__(self, kind: str, page_size: int = 2) -> None:
        self.kind = kind
        self.page_size = page_size
        self.orders: list[dict] = []
        self.fulfillments: dict[str, list[dict]] = {}
        self.notes: dict[str, list[dict]] = {}
        self.statuses: dict[str, str] = {}
        # Inventory (stock sync): see the block at the end of the class.
        self.products: list[dict] = []
        self.locations: list[dict] = [{"id": 655441491, "name": "Hangzhou", "active": True}]
        self.inventory_levels: dict[tuple[int, int], int] = {}
        self.failures: list[tuple[int, dict]] = []
        # Called after each page of orders is answered: a shop whose orders change
        # while a pull reads its pages.
        self.between_pages = None
        self.requests: list[dict] = []
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def made(self, method: str, fragment: str) -> list[dict]:
        return [r for r in self.requests if r["method"] == method and fragment in r["path"]]

    # --- answering -----------------------------------------------------------------------------

    def _handler(self):
        store = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length)) if length else None
                with store.lock:
                    store.requests.append({"method": self.command, "path": self.path,
                                           "headers": dict(self.headers), "body": body})
                    if store.failures:
                        status, headers = store.failures.pop(0)
                        return self.send(status, {"errors": "Exceeded 2 calls per second "
                                                  "for api client."}, headers)
                    if store.kind == "shopify":
                        return store.shopify(self, body)
                    return store.woocommerce(self, body)

            do_GET = do_POST = do_PUT = _answer  # noqa: N815 (http.server's naming)

            def send(self, status: int, data, headers: dict | None = None) -> None:
                raw = json.dumps(data).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(raw)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(raw)

            def log_message(self, *args):
                pass

        return Handler

    def shopify(self, request, body) -> None:
        if request.headers.get("X-Shopify-Access-Token") != SHOPIFY_TOKEN:
            return request.send(401, {"errors": "[API] Invalid API key or access token "
                                                "(unrecognized login or wrong password)"})
        parts = urlsplit(request.path)
        query = parse_qs(parts.query)
        if not parts.path.startswith(SHOPIFY_API):
            return request.send(404, {"errors": "Not Found"})
        resource = parts.path[len(SHOPIFY_API):]
        if resource == "shop.json":
            return request.send(200, {"shop": {"id": 548380009, "name": "Orderloom Test Shop",
                                               "myshopify_domain": "orderloom-test.myshopify.com"}})
        if resource == "orders.json":
            if "page_info" in query:
                if set(query) - {"page_info", "limit"}:
                    return request.send(400, {"errors": {"page_info": ["Invalid value."]}})
                start = int(base64.b64decode(query["page_info"][0]))
                since = self.page_since
            else:
                start, since = 0, query["updated_at_min"][0]
                self.page_since = since
            found = sorted((o for o in self.orders if o["updated_at"] >= since),
                           key=lambda o: o["updated_at"])
            limit = int(query.get("limit", ["50"])[0])
            size = min(limit, self.page_size)
            page = found[start:start + size]
            headers = {}
            if start + size < len(found):
                token = base64.b64encode(str(start + size).encode()).decode()
                headers["Link"] = (f'<{self.url}{SHOPIFY_API}orders.json?limit={limit}'
                                   f'&page_info={token}>; rel="next"')
            return request.send(200, {"orders": copy.deepcopy(page)}, headers)
        pieces = resource.split("/")
        if pieces[0] == "orders" and len(pieces) == 3:
            order_id = pieces[1]
            if not any(str(o["id"]) == order_id for o in self.orders):
                return request.send(404, {"errors": "Not Found"})
            if pieces[2] == "fulfillments.json":
                return request.send(200, {"fulfillments": self.fulfillments.get(order_id, [])})
            if pieces[2] == "fulfillment_orders.json":
                return request.send(200, {"fulfillment_orders": [
                    self.fulfillment_order(order_id)]})
        if resource == "fulfillments.json" and request.command == "POST":
            return request.send(201, {"fulfillment": self.fulfil(body["fulfillment"])})
        if self.shopify_inventory(request, resource, query, body):
            return None
        return request.send(404, {"errors": "Not Found"})

    def woocommerce(self, request, body) -> None:
        expected = "Basic " + base64.b64encode(f"{WOO_KEY}:{WOO_SECRET}".encode()).decode()
        if request.headers.get("Authorization") != expected:
            return request.send(401, {"code": "woocommerce_rest_cannot_view",
                                      "message": "Sorry, you cannot list resources.",
                                      "data": {"status": 401}})
        parts = urlsplit(request.path)
        query = parse_qs(parts.query)
        resource = parts.path[len(WOO_API):] if parts.path.startswith(WOO_API) else None
        if resource == "system_status":
            return request.send(200, {"environment": {"home_url": "https://shop.example.cn",
                                                      "site_url": "https://shop.example.cn",
                                                      "version": "9.4.2"}})
        if resource == "orders":
            since = query["modified_after"][0]
            found = sorted((o for o in self.orders if o["date_modified_gmt"] > since),
                           key=lambda o: o["date_modified_gmt"])
            per_page = min(int(query["per_page"][0]), self.page_size)
            page = int(query.get("page", ["1"])[0])
            pages = max((len(found) + per_page - 1) // per_page, 1)
            chunk = found[(page - 1) * per_page:page * per_page]
            request.send(200, copy.deepcopy(chunk), {"X-WP-Total": str(len(found)),
                                                     "X-WP-TotalPages": str(pages)})
            return self.page_served()
        pieces = (resource or "").split("/")
        if pieces[0] == "orders" and len(pieces) >= 2:
            order_id = pieces[1]
            if len(pieces) == 3 and pieces[2] == "notes":
                notes = self.notes.setdefault(order_id, [])
                if request.command == "POST":
                    note = {"id": 281 + len(self.requests), "note": body["note"],
                            "customer_note": body.get("customer_note", False)}
                    notes.append(note)
                    return request.send(201, note)
                return request.send(200, notes)
            if request.command == "PUT":
                self.statuses[order_id] = body["status"]
                return request.send(200, {"id": int(order_id), "status": body["status"]})
        if self.woocommerce_inventory(request, resource or "", query, body):
            return None
        return request.send(404, {"code": "rest_no_route",
                                  "message": "No route was found matching the URL and "
                                             "request method.", "data": {"status": 404}})

    # --- fulfilment by line and orders changing between pages ---------------------------------
    # Shopify (fulfillment_order.test.ts, fulfillment.test.ts of shopify-api-js 2024-10): a
    # fulfillment order's ``line_items`` are ``{"id", "line_item_id", "quantity",
    # "fulfillable_quantity"}``; ``POST fulfillments.json`` takes per fulfillment order
    # ``fulfillment_order_line_items: [{"id", "quantity"}]``, or without them fulfils
    # all that is left of it; the order's one fulfillment order closes when nothing is.

    def fulfilled(self, order_id: str) -> dict[int, int]:
        """Quantities fulfilled so far per line item id; a fulfilment made without line
        quantities (a test's own) took the whole order."""
        done: dict[int, int] = {}
        order = next(o for o in self.orders if str(o["id"]) == order_id)
        for made in self.fulfillments.get(order_id, []):
            lines = made.get("line_items")
            if lines is None:
                return {line["id"]: line["quantity"] for line in order["line_items"]}
            for line in lines:
                done[line["id"]] = done.get(line["id"], 0) + line["quantity"]
        return done

    def fulfillment_order(self, order_id: str) -> dict:
        order = next(o for o in self.orders if str(o["id"]) == order_id)
        done = self.fulfilled(order_id)
        items = [{"id": line["id"] + 7, "line_item_id": line["id"],
                  "fulfillment_order_id": int(order_id) + 1, "quantity": line["quantity"],
                  "fulfillable_quantity": line["quantity"] - done.get(line["id"], 0)}
                 for line in order["line_items"]]
        left = any(item["fulfillable_quantity"] > 0 for item in items)
        return {"id": int(order_id) + 1, "order_id": int(order_id),
                "status": "open" if left else "closed", "line_items": items}

    def fulfil(self, wanted: dict) -> dict:
        [by_order] = wanted["line_items_by_fulfillment_order"]
        order_id = str(by_order["fulfillment_order_id"] - 1)
        items = self.fulfillment_order(order_id)["line_items"]
        chosen = by_order.get("fulfillment_order_line_items")
        if chosen is None:
            lines = [{"id": i["line_item_id"], "quantity": i["fulfillable_quantity"]}
                     for i in items if i["fulfillable_quantity"] > 0]
        else:
            by_id = {i["id"]: i for i in items}
            lines = [{"id": by_id[c["id"]]["line_item_id"], "quantity": c["quantity"]}
                     for c in chosen]
        tracking = wanted["tracking_info"]
        made = {"id": 255858046 + len(self.requests), "order_id": int(order_id),
                "status": "success", "tracking_company": tracking["company"],
                "tracking_number": tracking["number"],
                "tracking_numbers": [tracking["number"]],
                "tracking_url": tracking.get("url"), "line_items": lines}
        self.fulfillments.setdefault(order_id, []).append(made)
        return made

    def page_served(self) -> None:
        if self.between_pages is not None:
            self.between_pages(self)

    # --- inventory (stock sync) ----------------------------------------------------------------

    def shopify_product(self, product_id: int, *variants: tuple[int, str, int]) -> None:
        """A product with variants given as (variant id, SKU, inventory item id)."""
        self.products.append({"id": product_id, "title": f"Product {product_id}", "variants": [
            {"id": v, "product_id": product_id, "sku": sku, "inventory_item_id": item}
            for v, sku, item in variants]})

    def woo_product(self, product_id: int, sku: str, variations: tuple = ()) -> None:
        """A simple product with ``sku``, or (with ``variations`` as (id, SKU) pairs) a
        variable one."""
        self.products.append({
            "id": product_id, "name": f"Product {product_id}", "sku": sku, "parent_id": 0,
            "type": "variable" if variations else "simple", "manage_stock": False,
            "stock_quantity": None, "variations": [
                {"id": v, "parent_id": product_id, "sku": v_sku, "manage_stock": False,
                 "stock_quantity": None} for v, v_sku in variations]})

    def woo_stock(self, sku: str) -> tuple[bool, int | None]:
        """(manage_stock, stock_quantity) of the product or variation with ``sku``."""
        for product in self.products:
            for found in (product, *product["variations"]):
                if found["sku"] == sku:
                    return found["manage_stock"], found["stock_quantity"]
        raise KeyError(sku)

    def shopify_inventory(self, request, resource, query, body) -> bool:
        if resource == "products.json" and request.command == "GET":
            if "page_info" in query:
                if set(query) - {"page_info", "limit", "fields"}:
                    request.send(400, {"errors": {"page_info": ["Invalid value."]}})
                    return True
                start = int(base64.b64decode(query["page_info"][0]))
            else:
                start = 0
            size = min(int(query.get("limit", ["50"])[0]), self.page_size)
            fields = set(query.get("fields", ["id,title,variants"])[0].split(","))
            page = [{k: v for k, v in p.items() if k in fields}
                    for p in self.products[start:start + size]]
            headers = {}
            if start + size < len(self.products):
                token = base64.b64encode(str(start + size).encode()).decode()
                headers["Link"] = (f'<{self.url}{SHOPIFY_API}products.json?limit={size}'
                                   f'&page_info={token}>; rel="next"')
            request.send(200, {"products": copy.deepcopy(page)}, headers)
            return True
        if resource == "locations.json" and request.command == "GET":
            request.send(200, {"locations": copy.deepcopy(self.locations)})
            return True
        if resource == "inventory_levels/set.json" and request.command == "POST":
            item, location = body["inventory_item_id"], body["location_id"]
            items = {v["inventory_item_id"] for p in self.products for v in p["variants"]}
            if item not in items or location not in {p["id"] for p in self.locations}:
                request.send(404, {"errors": "Not Found"})
                return True
            self.inventory_levels[(item, location)] = body["available"]
            request.send(200, {"inventory_level": {
                "inventory_item_id": item, "location_id": location,
                "available": body["available"], "updated_at": "2026-12-06T10:00:00+08:00"}})
            return True
        return False

    def woocommerce_inventory(self, request, resource, query, body) -> bool:
        pieces = resource.split("/")
        if pieces[0] != "products":
            return False
        if len(pieces) == 1 and request.command == "GET":
            found = self.products
            if "sku" in query:
                wanted = set(query["sku"][0].split(",")) | {query["sku"][0]}
                found = [p for p in found if p["sku"] in wanted]
            if "type" in query:
                found = [p for p in found if p["type"] == query["type"][0]]
            per_page = min(int(query.get("per_page", ["10"])[0]), self.page_size)
            page = int(query.get("page", ["1"])[0])
            pages = max((len(found) + per_page - 1) // per_page, 1)
            chunk = [{k: v for k, v in p.items() if k != "variations"} |
                     {"variations": [v["id"] for v in p["variations"]]}
                     for p in found[(page - 1) * per_page:page * per_page]]
            request.send(200, copy.deepcopy(chunk), {"X-WP-Total": str(len(found)),
                                                     "X-WP-TotalPages": str(pages)})
            return True
        product = next((p for p in self.products if len(pieces) > 1
                        and str(p["id"]) == pieces[1]), None)
        target = product
        if product is not None and len(pieces) == 3 and pieces[2] == "variations" \
                and request.command == "GET":
            request.send(200, copy.deepcopy(product["variations"]))
            return True
        if product is not None and len(pieces) == 4 and pieces[2] == "variations":
            target = next((v for v in product["variations"] if str(v["id"]) == pieces[3]),
                          None)
        elif len(pieces) != 2:
            target = None
        if target is None:
            request.send(404, {"code": "woocommerce_rest_product_invalid_id",
                               "message": "Invalid ID.", "data": {"status": 404}})
            return True
        if request.command == "PUT":
            for member in ("manage_stock", "stock_quantity"):
                if member in body:
                    target[member] = body[member]
        request.send(200, copy.deepcopy({k: v for k, v in target.items()
                                         if k != "variations"}))
        return True

"""Products, warehouses and stock over the API, and stock levels in and out as CSV or
Excel files."""
from __future__ import annotations

from typing import Any

from flask import request, url_for
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from orderloom.platform import query_args
from orderloom.platform.api import api
from orderloom.platform.api.body import json_body, upload_option, uploaded_file
from orderloom.platform.api.downloads import export_response
from orderloom.platform.auth import current_actor, requires
from orderloom.platform.database import database, db_session
from orderloom.platform.openapi import documented
from orderloom.platform.problems import Problem, invalid
from orderloom.platform.query_args import ParameterError
from orderloom.runtime.floor import setup as floor_setup
from orderloom.runtime.retry import in_transaction
from orderloom.runtime.stock import catalog
from orderloom.runtime.stock import files as stock_files
from orderloom.runtime.stock import keeping as stock_keeping
from orderloom.runtime.stock.catalog import Product, Warehouse
from orderloom.runtime.stock.models import StockLevel, StockMovement

SKU = {"type": "string", "minLength": 1, "maxLength": 64}
CODE = {"type": "string", "pattern": "^[A-Za-z0-9_-]{1,50}$"}
NEW_PRODUCT = {"type": "object", "required": ["sku", "name"], "additionalProperties": False,
               "properties": {"sku": SKU, "name": {"type": "string", "minLength": 1,
                                                   "maxLength": 200},
                              "barcode": {"type": "string", "maxLength": 64},
                              "weight_grams": {"type": "integer", "minimum": 0},
                              "attributes": {"type": "object"},
                              "low_stock_threshold": {"type": "integer", "minimum": 0}}}
NEW_WAREHOUSE = {"type": "object", "required": ["code", "name"], "additionalProperties": False,
                 "properties": {"code": CODE,
                                "name": {"type": "string", "minLength": 1, "maxLength": 200},
                                "address": {"type": "object",
                                            "additionalProperties": {"type": "string"}},
                                "regions": {"type": "array", "items": {"type": "string"}},
                                "zone_order": {"type": "array", "maxItems": 200,
                                               "items": {"type": "string", "minLength": 1,
                                                         "maxLength": 64},
                                               "description": "zones in the order pickers "
                                                              "walk them"},
                                "priority": {"type": "integer"}}}
RECEIPT = {"type": "object", "required": ["sku", "warehouse", "quantity"],
           "additionalProperties": False,
           "properties": {"sku": SKU, "warehouse": CODE,
                          "quantity": {"type": "integer", "minimum": 1, "maximum": 10_000_000},
                          "reference": {"type": "string", "maxLength": 200}}}
ADJUSTMENT = {"type": "object", "required": ["sku", "warehouse", "change", "reference"],
              "additionalProperties": False,
              "properties": {"sku": SKU, "warehouse": CODE,
                             "change": {"type": "integer", "minimum": -10_000_000,
                                        "maximum": 10_000_000, "not": {"const": 0}},
                             "reference": {"type": "string", "minLength": 1, "maxLength": 200}}}
LEVEL = {"type": "object", "properties": {
    "sku": {"type": "string"}, "warehouse": {"type": "string"}, "on_hand": {"type": "integer"},
    "reserved": {"type": "integer"}, "available": {"type": "integer"}}}
OBJECT = {"type": "object"}
PRODUCT_PAGE = {"type": "object", "properties": {
    "products": {"type": "array", "items": {"type": "object", "properties": {
        "sku": {"type": "string"}, "name": {"type": "string"},
        "barcode": {"type": ["string", "null"]},
        "price": {"type": ["string", "null"], "description": "Decimal, as an exact string"}}}},
    "next": {"type": ["string", "null"]}}}
MAX_PAGE = 100


def _product_json(p: Product) -> dict[str, Any]:
    return {"sku": p.sku, "name": p.name, "barcode": p.barcode, "weight_grams": p.weight_grams,
            "attributes": p.attributes, "low_stock_threshold": p.low_stock_threshold}


def _warehouse_json(w: Warehouse) -> dict[str, Any]:
    return {"code": w.code, "name": w.name, "address": w.address, "regions": w.regions,
            "zone_order": w.zone_order, "priority": w.priority, "active": w.active}


def _add_new(record, pointer: str, taken: str):
    """Store a new product or warehouse; its unique code taken already is a 409 at
    ``pointer`` (the database's unique constraint decides, also under a race)."""
    session = db_session()
    session.add(record)
    try:
        session.commit()
    except IntegrityError:
        raise invalid(pointer, taken, status=409) from None
    return record


@api.get("/products")
@requires("inventory.view")
@documented("Products by SKU", tags=("inventory",),
            responses={200: ("Products", {"type": "array", "items": OBJECT})})
def list_products():
    return [_product_json(p) for p in db_session().scalars(select(Product).order_by(Product.sku))]


@api.get("/products/search")
@requires("inventory.view")
@documented("Products whose SKU, name or barcode contains q, by SKU, each with its list "
            "price when it has one (the order form's product picker); limit, and after "
            "(a SKU) for the next page", tags=("inventory",),
            responses={200: ("A page of products", PRODUCT_PAGE)})
def search_products():
    args = request.args
    text = (args.get("q") or "").strip() or None
    if text is not None and len(text) > SKU["maxLength"] * 4:
        raise ParameterError("q", f"at most {SKU['maxLength'] * 4} characters")
    limit = query_args.whole(args, "limit", 20, low=1, high=MAX_PAGE)
    after = args.get("after") or None
    found, more = catalog.search_products(db_session(), text, limit, after)
    return {"products": [{"sku": p.sku, "name": p.name, "barcode": p.barcode,
                          "price": catalog.price_of(p)} for p in found],
            "next": (url_for("api.search_products", **{**args, "after": found[-1].sku})
                     if more else None)}


@api.post("/products")
@requires("inventory.manage")
@documented("Add a product", request=NEW_PRODUCT, tags=("inventory",),
            responses={201: ("The product", OBJECT)})
def create_product():
    body = json_body(NEW_PRODUCT)
    product = _add_new(Product(**body), "/sku",
                       f"a product with SKU {body['sku']!r} exists already")
    return _product_json(product), 201


@api.get("/warehouses")
@requires("inventory.view")
@documented("Warehouses by priority", tags=("inventory",),
            responses={200: ("Warehouses", {"type": "array", "items": OBJECT})})
def list_warehouses():
    query = select(Warehouse).order_by(Warehouse.priority, Warehouse.code)
    return [_warehouse_json(w) for w in db_session().scalars(query)]


@api.post("/warehouses")
@requires("inventory.manage")
@documented("Add a warehouse", request=NEW_WAREHOUSE, tags=("inventory",),
            responses={201: ("The warehouse", OBJECT)})
def create_warehouse():
    body = json_body(NEW_WAREHOUSE)
    refuse_zones_twice(body.get("zone_order", []))
    warehouse = _add_new(Warehouse(**body), "/code",
                         f"a warehouse {body['code']!r} exists already")
    return _warehouse_json(warehouse), 201


ZONE_ORDER = {"type": "object", "required": ["zone_order"], "additionalProperties": False,
              "properties": {"zone_order": NEW_WAREHOUSE["properties"]["zone_order"]}}


def refuse_zones_twice(zones: list[str]) -> None:
    """A zone listed twice would have two places on the walk (checked as the floor's
    setup page checks it)."""
    try:
        floor_setup.check_zones(zones)
    except floor_setup.SetupProblem as refused:
        raise invalid(refused.pointer, refused.message) from None


@api.put("/warehouses/<code>/zone-order")
@requires("inventory.manage")
@documented("Set the order pickers walk a warehouse's zones in (docs/warehouse.md); waves "
            "planned afterwards follow it, waves planned before keep their walk",
            request=ZONE_ORDER, tags=("inventory",),
            responses={200: ("The warehouse", OBJECT)})
def set_zone_order(code: str):
    body = json_body(ZONE_ORDER)
    session = db_session()
    warehouse = session.scalar(select(Warehouse).where(Warehouse.code == code))
    if warehouse is None:
        raise Problem(404, f"there is no warehouse {code!r}")
    zones = body["zone_order"]
    refuse_zones_twice(zones)
    warehouse.zone_order = zones
    session.commit()
    return _warehouse_json(warehouse)


@api.get("/stock")
@requires("inventory.view")
@documented("Stock levels (?sku=, ?warehouse=): on hand, reserved, available",
            tags=("inventory",), responses={200: ("Levels", {"type": "array", "items": LEVEL})})
def stock_levels():
    query = (select(Product.sku, Warehouse.code, StockLevel.on_hand, StockLevel.reserved)
             .join(Product, Product.id == StockLevel.product_id)
             .join(Warehouse, Warehouse.id == StockLevel.warehouse_id)
             .order_by(Product.sku, Warehouse.code))
    if "sku" in request.args:
        query = query.where(Product.sku == request.args["sku"])
    if "warehouse" in request.args:
        query = query.where(Warehouse.code == request.args["warehouse"])
    return [{"sku": sku, "warehouse": code, "on_hand": on_hand, "reserved": reserved,
             "available": on_hand - reserved}
            for sku, code, on_hand, reserved in db_session().execute(query)]


def stock_change(work) -> None:
    """Run a stock change in a transaction of its own, again if it collided with
    another (a serialization failure or deadlock)."""
    db_session().commit()  # end this request's own reads before the change's transaction
    try:
        in_transaction(database().sessions, work)
    except stock_keeping.StockError as refusal:
        # These requests' members are named as stock keeping's arguments: the refusal
        # points at the one at fault, as every 422 does.
        if refusal.argument and not refusal.pointer:
            refusal.pointer = f"/{refusal.argument}"
        raise


@api.post("/stock/receipts")
@requires("inventory.manage")
@documented("Receive stock into a warehouse", request=RECEIPT, tags=("inventory",),
            responses={201: ("Received", OBJECT)})
def receive_stock():
    body = json_body(RECEIPT)
    actor = current_actor().name
    stock_change(lambda session: stock_keeping.receive(
        session, actor, body["sku"], body["warehouse"], body["quantity"],
        body.get("reference", "")))
    return {"received": body["quantity"]}, 201


@api.post("/stock/returns")
@requires("inventory.manage")
@documented("Put returned goods back into stock (a return in the ledger)", request=RECEIPT,
            tags=("inventory",), responses={201: ("Taken back", OBJECT)})
def return_stock():
    body = json_body(RECEIPT)
    actor = current_actor().name
    stock_change(lambda session: stock_keeping.take_back(
        session, actor, body["sku"], body["warehouse"], body["quantity"],
        body.get("reference", "")))
    return {"returned": body["quantity"]}, 201


@api.post("/stock/adjustments")
@requires("inventory.manage")
@documented("Correct on-hand stock after a count (never below what is reserved)",
            request=ADJUSTMENT, tags=("inventory",), responses={201: ("Adjusted", OBJECT)})
def adjust_stock():
    body = json_body(ADJUSTMENT)
    actor = current_actor().name
    stock_change(lambda session: stock_keeping.adjust(
        session, actor, body["sku"], body["warehouse"], body["change"], body["reference"]))
    return {"adjusted": body["change"]}, 201


@api.get("/stock/movements")
@requires("inventory.view")
@documented("The stock ledger, newest first (?sku=, ?limit=)", tags=("inventory",),
            responses={200: ("Movements", {"type": "array", "items": OBJECT})})
def stock_movements():
    query = (select(StockMovement, Product.sku, Warehouse.code)
             .join(Product, Product.id == StockMovement.product_id)
             .join(Warehouse, Warehouse.id == StockMovement.warehouse_id)
             .order_by(StockMovement.id.desc()))
    if "sku" in request.args:
        query = query.where(Product.sku == request.args["sku"])
    limit = query_args.whole(request.args, "limit", 100, low=1, high=1000)
    return [{"at": m.at.isoformat(), "sku": sku, "warehouse": code, "kind": m.kind,
             "on_hand_change": m.on_hand_change, "reserved_change": m.reserved_change,
             "reference": m.reference, "actor": m.actor_name}
            for m, sku, code in db_session().execute(query.limit(limit))]


@api.get("/stock/export")
@requires("inventory.view")
@documented("Stock levels as a file (?format=csv or xlsx): sku, warehouse, on_hand, reserved, "
            "available", tags=("inventory",),
            responses={200: ("text/csv, or an Excel workbook", None)})
def export_stock():
    return export_response(db_session(), "stock", stock_files.export_csv, stock_files.export_xlsx)


@api.post("/stock/import")
@requires("inventory.manage")
@documented("Receive stock, or set counted stock (mode=set), from a CSV or .xlsx file "
            "uploaded as multipart field `file` with columns sku, warehouse, quantity, "
            "reference; all rows or none, every bad row listed with its row number",
            tags=("inventory",), responses={201: ("What was stored", OBJECT)})
def import_stock():
    content, filename = uploaded_file()
    mode = upload_option("mode", tuple(stock_files.MODES), "receive")
    session = db_session()
    rows = stock_files.read_rows(content, filename)
    counts = stock_files.import_rows(session, current_actor().name, rows, mode, filename)
    session.commit()
    return {"mode": mode, **counts}, 201

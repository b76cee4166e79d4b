"""Customers over the API: list, read, create, change and merge them, and upsert them
from CSV or Excel files, so a CRM can feed them in."""
from __future__ import annotations

from typing import Any

from flask import request, url_for
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from orderloom.designer import numbers
from orderloom.designer.problems import pointer
from orderloom.platform import query_args
from orderloom.platform.api import api
from orderloom.platform.api.body import json_body, upload_option, uploaded_file
from orderloom.platform.api.downloads import export_response
from orderloom.platform.auth import current_actor, current_user, requires
from orderloom.platform.database import db_session
from orderloom.platform.openapi import documented
from orderloom.platform.problems import Problem, invalid
from orderloom.platform.query_args import ParameterError
from orderloom.platform.row_access import visible_orders
from orderloom.runtime.channels.order_files import FileError
from orderloom.runtime.customers import files as customer_files
from orderloom.runtime.customers import records as customers
from orderloom.runtime.customers.records import Customer, CustomerError, CustomerFilter, Standing
from orderloom.runtime.orders.models import Order

MAX_PAGE = 200
TEXT = {"type": "string", "maxLength": 254}
FIELDS: dict[str, Any] = {
    "code": {"type": "string", "minLength": 1, "maxLength": customers.CODE_LENGTH,
             "description": "The business's customer code or the CRM's id; unique"},
    "name": {"type": "string", "minLength": 1, "maxLength": customers.NAME_LENGTH},
    "email": {"type": ["string", "null"], "maxLength": 254},
    "phone": {"type": ["string", "null"], "maxLength": 40},
    "tags": {"type": "array", "maxItems": customers.MAX_TAGS,
             "items": {"type": "string", "minLength": 1, "maxLength": customers.TAG_LENGTH}},
    "attributes": {"type": "object", "description": "Tier, credit_limit and anything else"},
}
NEW_CUSTOMER = {"type": "object", "required": ["name"], "additionalProperties": False,
                "properties": FIELDS}
CUSTOMER_CHANGE = {"type": "object", "additionalProperties": False, "minProperties": 1,
                   "properties": {**FIELDS, "attributes": {
                       "type": "object",
                       "description": "Merged into the stored ones; a null removes a key"},
                       "revision": {"type": "integer",
                                    "description": "The revision you read; or send If-Match"}}}
MERGE = {"type": "object", "required": ["duplicates"], "additionalProperties": False,
         "properties": {"duplicates": {"type": "array", "minItems": 1, "maxItems": 100,
                                       "items": {"type": "string", "minLength": 1}}}}
CUSTOMER = {"type": "object", "properties": {
    "code": {"type": "string"}, "name": {"type": "string"},
    "email": {"type": ["string", "null"]}, "phone": {"type": ["string", "null"]},
    "tags": {"type": "array", "items": {"type": "string"}}, "attributes": {"type": "object"},
    "merged_into": {"type": ["string", "null"]}, "revision": {"type": "integer"},
    "lifetime_value": {"type": "string", "description": "Decimal, as an exact string"},
    "segment": {"type": "string", "enum": list(customers.SEGMENTS)},
    "orders": {"type": "object"}, "created_at": {"type": "string"},
    "updated_at": {"type": "string"}}}
OBJECT = {"type": "object"}


def customer_json(customer: Customer, standing: Standing,
                  merged_into: str | None = None) -> dict[str, Any]:
    return {
        "code": customer.code,
        "name": customer.name,
        "email": customer.email,
        "phone": customer.phone,
        "tags": customer.tags,
        "attributes": customer.attributes,
        "merged_into": merged_into,
        "revision": customer.revision,
        "lifetime_value": str(standing.value),
        "segment": standing.segment,
        "orders": {"all": standing.all_orders, "counted": standing.orders,
                   "first_at": _time(standing.first_order_at),
                   "last_at": _time(standing.last_order_at)},
        "created_at": customer.created_at.isoformat(),
        "updated_at": customer.updated_at.isoformat(),
    }


def _time(value) -> str | None:
    return value.isoformat() if value is not None else None


def _customer(code: str) -> Customer:
    return customers.find(db_session(), code)


def _answer(customer: Customer, status: int = 200, headers: dict | None = None):
    session = db_session()
    standing = customers.standings(session, [customer.id],
                                   visible=visible_orders(current_user()))[customer.id]
    survivor = customers.survivor_of(session, customer)
    return (customer_json(customer, standing, survivor.code if survivor else None), status,
            {"ETag": f'"{customer.revision}"', **(headers or {})})


def _cleaned(body: dict[str, Any]) -> dict[str, Any]:
    """The body's identity fields, cleaned the same way as files and orders are."""
    out: dict[str, Any] = {}
    cleaners = {"code": customers.clean_code, "name": customers.clean_name,
                "email": customers.clean_email, "phone": customers.clean_phone,
                "tags": customers.clean_tags}
    for key, clean in cleaners.items():
        if key in body:
            out[key] = clean(body[key], f"/{key}")
    if "attributes" in body:
        out["attributes"] = body["attributes"]
        for key, value in body["attributes"].items():
            # A credit limit or a score is read by formulas and rules: a number here has
            # a number's bounds (designer/numbers.py).
            if isinstance(value, int | float) and not isinstance(value, bool):
                try:
                    numbers.checked("number", value)
                except numbers.OutOfBounds as refused:
                    raise invalid(pointer("attributes", key), str(refused)) from None
    return out


@api.get("/customers")
@requires("customers.view")
@documented("Customers, newest first, each with lifetime value and segment. Filters: q "
            "(code, name, email or phone), tag, segment; limit, and before for the next page",
            tags=("customers",), responses={200: ("A page of customers", OBJECT)})
def list_customers():
    args = request.args
    segment = args.get("segment") or None
    if segment is not None and segment not in customers.SEGMENTS:
        raise ParameterError("segment", "must be one of " + ", ".join(customers.SEGMENTS))
    limit = query_args.whole(args, "limit", 50, low=1, high=MAX_PAGE)
    spec = CustomerFilter(text=args.get("q") or None, tag=args.get("tag") or None,
                          segment=segment, before_id=query_args.cursor(args))
    page, more = customers.customer_page(db_session(), spec, limit,
                                         visible=visible_orders(current_user()))
    return {"customers": [customer_json(c, s) for c, s in page],
            "next": (url_for("api.list_customers", **{**args, "before": page[-1][0].id})
                     if more else None)}


@api.post("/customers")
@requires("customers.manage")
@documented("Add a customer; without a code one is made (C-...)", request=NEW_CUSTOMER,
            tags=("customers",), responses={201: ("The customer", CUSTOMER)})
def create_customer():
    body = json_body(NEW_CUSTOMER)
    session = db_session()
    try:
        customer = customers.create(session, current_actor(), **_cleaned(body))
        session.commit()
    except IntegrityError:  # the same code added at the same moment by someone else
        raise invalid("/code", f"a customer with code {body.get('code')!r} exists already",
                      status=409) from None
    return _answer(customer, 201, {"Location": url_for("api.get_customer",
                                                       code=customer.code)})


@api.get("/customers/export")
@requires("customers.manage")
@documented("Every customer as a file (?format=csv or xlsx): code, name, email, phone, tags, "
            "attributes, orders, lifetime_value, segment, last_order_at", tags=("customers",),
            responses={200: ("text/csv, or an Excel workbook", None)})
def export_customers():
    return export_response(db_session(), "customers", customer_files.export_csv,
                           customer_files.export_xlsx)


@api.post("/customers/import")
@requires("customers.manage")
@documented("Add or update customers, by code, from a CSV or .xlsx file uploaded as "
            "multipart field `file` (columns code, name, email, phone, tags, and any "
            "attributes). A bad row stores nothing and every bad row is listed; with "
            "skip_bad_rows=true every good row is stored and the bad ones listed as skipped",
            tags=("customers",), responses={201: ("What was stored", OBJECT)})
def import_customers():
    content, filename = uploaded_file()
    skip = upload_option("skip_bad_rows", ("true", "false"), "false")
    session = db_session()
    try:
        report = customer_files.import_rows(session, current_actor(), content, filename,
                                            skip_bad_rows=skip.lower() == "true")
        session.commit()
    except FileError as error:
        raise invalid("/file", str(error)) from None
    except IntegrityError:
        raise Problem(409, "a customer in the file was added by someone else at the same "
                           "moment; nothing was imported, send the file again") from None
    return report.as_json(), 201


@api.get("/customers/<code>")
@requires("customers.view")
@documented("One customer with lifetime value, segment and order counts; ETag is its "
            "revision. A merged duplicate names the customer it was merged into",
            tags=("customers",), responses={200: ("The customer", CUSTOMER)})
def get_customer(code: str):
    return _answer(_customer(code))


def _expected_revision(body: dict[str, Any]) -> int | None:
    header = request.headers.get("If-Match")
    if header:
        try:
            return int(header.strip().removeprefix("W/").strip('"'))
        except ValueError:
            raise ParameterError("If-Match", "must be the customer's ETag, e.g. \"3\""
                                 ) from None
    return body.get("revision")


@api.patch("/customers/<code>")
@requires("customers.manage")
@documented("Change a customer; with If-Match (or revision), refused with 409 if it changed "
            "since you read it", request=CUSTOMER_CHANGE, tags=("customers",),
            responses={200: ("The customer", CUSTOMER)})
def update_customer(code: str):
    body = json_body(CUSTOMER_CHANGE)
    session = db_session()
    customer = _customer(code)
    try:
        changes = _cleaned(body)
        if "name" in body and changes.get("name") is None:
            raise CustomerError("the name is empty", pointer="/name")
        customers.change(session, current_actor(), customer, changes,
                         expected_revision=_expected_revision(body))
        session.commit()
    except (StaleDataError, IntegrityError):
        raise Problem(409, f"customer {code} was changed by someone else at the same moment; "
                           "reload it and try again") from None
    return _answer(customer)


@api.post("/customers/<code>/merge")
@requires("customers.manage")
@documented("Merge duplicates into this customer: their orders and tags move to it, and "
            "their codes keep pointing at it", request=MERGE, tags=("customers",),
            responses={200: ("The surviving customer, with orders_moved", CUSTOMER)})
def merge_customers(code: str):
    body = json_body(MERGE)
    session = db_session()
    survivor = _customer(code)
    try:
        moved = customers.merge_codes(session, current_actor(), survivor, body["duplicates"])
        session.commit()
    except StaleDataError:
        raise Problem(409, "one of these customers was changed at the same moment; nothing "
                           "was merged, send it again") from None
    answer, status, headers = _answer(survivor)
    return {**answer, "orders_moved": moved}, status, headers


@api.get("/customers/<code>/orders")
@requires("orders.view")
@documented("The customer's orders, newest first (limit, before for the next page)",
            tags=("customers",), responses={200: ("A page of orders", OBJECT)})
def customer_orders(code: str):
    from orderloom.platform.api.orders import order_json

    customer = _customer(code)
    target = customer.merged_into_id or customer.id
    limit = query_args.whole(request.args, "limit", 50, low=1, high=MAX_PAGE)
    visible = visible_orders(current_user())
    query = (select(Order).where(Order.customer_id == target, visible)
             .order_by(Order.id.desc()))
    before = query_args.cursor(request.args)
    if before is not None:
        query = query.where(Order.id < before)
    orders = list(db_session().scalars(query.limit(limit + 1)))
    page = orders[:limit]
    return {"orders": [order_json(o, with_transitions=False) for o in page],
            "count": db_session().scalar(select(func.count(Order.id))
                                         .where(Order.customer_id == target, visible)),
            "next": (url_for("api.customer_orders", code=code,
                             **{**request.args, "before": page[-1].id})
                     if len(orders) > limit else None)}

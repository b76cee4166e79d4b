"""Returns and exchanges over the API: open a return against an order's shipped
lines, move it through approval, receipt and inspection, close it with a refund, an
exchange or a re-shipment; list returns with counts; read and set the time limit."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import request
from sqlalchemy import select

from orderloom.db import utcnow
from orderloom.designer.published import blueprint_for
from orderloom.platform import query_args
from orderloom.platform.api import api
from orderloom.platform.api.body import json_body
from orderloom.platform.auth import current_actor, current_user, requires
from orderloom.platform.database import db_session
from orderloom.platform.field_sight import access_to, seen_links
from orderloom.platform.openapi import documented
from orderloom.platform.problems import Problem, invalid
from orderloom.platform.row_access import visible_orders
from orderloom.runtime.after_sales import handling, listing, log, outcomes, requesting, settings
from orderloom.runtime.after_sales.models import ReturnRequest
from orderloom.runtime.after_sales.reasons import (
    REASON_LABELS,
    Disposition,
    Outcome,
    ReturnReason,
    ReturnState,
)
from orderloom.runtime.orders.models import Order
from orderloom.runtime.payments import entitlement
from orderloom.runtime.payments.received import PaymentError
from orderloom.runtime.prices import order_lines

HANDLING = "after_sales.manage"
MONEY = "payments.manage"
TIMESTAMP = {"type": ["string", "null"], "format": "date-time"}
LABEL = {"type": "object", "properties": {"en": {"type": "string"}, "zh": {"type": "string"}}}
SKU = {"type": "string", "minLength": 1, "maxLength": 64}
LINES = {"type": "array", "minItems": 1, "maxItems": requesting.MOST_LINES,
         "items": {"type": "object", "required": ["sku", "quantity"],
                   "additionalProperties": False,
                   "properties": {"sku": SKU,
                                  "quantity": {"type": "integer", "minimum": 1,
                                               "maximum": 1000000}}}}
NOTE = {"type": "string", "maxLength": requesting.NOTE_LENGTH}
RETURN = {"type": "object", "properties": {
    "number": {"type": "string"}, "order": {"type": "string"},
    "reason": {"enum": list(ReturnReason)}, "reason_label": LABEL, "note": {"type": "string"},
    "state": {"enum": list(ReturnState)}, "requested_at": TIMESTAMP,
    "requested_by": {"type": "string"}, "due_at": TIMESTAMP,
    "late": {"type": "boolean", "description": "Not closed or refused past its time limit"},
    "lines": {"type": "array", "description": "empty where the order's lines are hidden "
                                              "from you",
              "items": {"type": "object", "properties": {
        "sku": {"type": "string"}, "quantity": {"type": "integer"},
        "unit_price": {"type": ["string", "null"],
                       "description": "null where the order's line prices are hidden "
                                      "from you"},
        "received": {"type": ["integer", "null"]},
        "disposition": {"enum": [*Disposition, None]},
        "warehouse": {"type": ["string", "null"]}}}},
    "outcome": {"enum": [*Outcome, None]}, "refunded": {"type": ["string", "null"]},
    "replacement_order": {"type": ["string", "null"],
                          "description": "The exchange's or re-shipment's order"},
    "closed_at": TIMESTAMP,
    "log": {"type": "array", "items": {"type": "object", "properties": {
        "at": TIMESTAMP, "actor": {"type": "string"}, "step": {"type": "string"},
        "state": {"type": "string"}, "details": {"type": "object"}}}}}}
NEW = {"type": "object", "required": ["order", "reason", "lines"],
       "additionalProperties": False, "properties": {
           "order": {"type": "string", "maxLength": 40, "description": "The order's number"},
           "reason": {"type": "string", "maxLength": 30,
                      "description": "One of " + ", ".join(ReturnReason)},
           "lines": LINES, "note": NOTE}}
STEP = {"type": "object", "additionalProperties": False, "properties": {"note": NOTE}}
RECEIVE = {"type": "object", "additionalProperties": False, "properties": {
    "received": {"type": "object", "maxProperties": requesting.MOST_LINES,
                 "additionalProperties": {"type": "integer", "minimum": 0,
                                          "maximum": 1000000},
                 "description": "SKU -> units that arrived; a SKU left out arrived in full"}}}
INSPECT = {"type": "object", "required": ["lines"], "additionalProperties": False,
           "properties": {"lines": {
               "type": "object", "maxProperties": requesting.MOST_LINES,
               "description": "SKU -> what inspection does with its received units",
               "additionalProperties": {
                   "type": "object", "required": ["disposition"], "additionalProperties": False,
                   "properties": {"disposition": {"enum": list(Disposition)},
                                  "warehouse": {"type": "string", "maxLength": 50,
                                                "description": "restock: where it goes "
                                                               "back; the order's warehouse "
                                                               "when left out"}}}}}}
CLOSE = {"type": "object", "required": ["outcome"], "additionalProperties": False,
         "properties": {
             "outcome": {"type": "string", "maxLength": 20,
                         "description": "One of " + ", ".join(Outcome)},
             "amount": {"type": ["string", "number"],
                        "description": "refund: the amount; left out, what the returned "
                                       "lines cost less their share of the order's "
                                       "discount, up to what is left to refund"},
             "lines": {**LINES, "description": "exchange, reship: the new order's lines; "
                                               "left out, the returned ones"},
             "warehouse": {"type": "string", "maxLength": 50,
                           "description": "exchange, reship: where the new order's stock "
                                          "is reserved; the order's warehouse when left "
                                          "out"},
             "note": NOTE}}
SETTINGS = {"type": "object", "additionalProperties": False, "required": ["sla_hours"],
            "properties": {"sla_hours": {"type": "integer",
                                         "description": "Hours from request to closing "
                                                        "before a return is late"}}}
COUNTS = {"type": "object", "properties": {
    "states": {"type": "object", "additionalProperties": {"type": "integer"}},
    "reasons": {"type": "object", "additionalProperties": {"type": "integer"}},
    "late": {"type": "integer"}}}


def may_refund(order: Order) -> bool:
    """Whether the reader may close a return of ``order`` with a refund: as for a refund
    by hand, payments.manage and the order's workflow giving refunds to one of their
    roles now."""
    user = current_user()
    return user.can(MONEY) and entitlement.allowed(
        order, "refund", set(user.role_names), whole_workflow=current_actor().whole_workflow)


def check_refund(order: Order) -> None:
    """Refuse (403) a return's refund the reader could not issue by hand."""
    user = current_user()
    if not user.can(MONEY):
        raise PaymentError(f"a refund needs the {MONEY} permission, which your roles do "
                           "not have", status=403, code="payment.not_permitted",
                           permission=MONEY)
    entitlement.check(order, "refund", set(user.role_names),
                      whole_workflow=current_actor().whole_workflow)


def _time(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def line_sight(order: Order) -> tuple[bool, bool]:
    """Whether the reader may see a return's lines of ``order``, and their prices: as
    they may see the order's own lines and the lines' money (its form's field access)."""
    definition = blueprint_for(order.version).definition
    access = access_to(order.version)
    lines_seen = not any(columns.lines in access.hidden
                         for columns in order_lines.priced_columns(definition))
    return lines_seen, lines_seen and not access.hides_line_money(definition)


def seen_order(order_id: int | None) -> Order | None:
    """The order linked to a return (its exchange or re-shipment), unless the reader's
    row rules hide it: then not even its number is shown."""
    if order_id is None:
        return None
    return db_session().scalar(select(Order).where(Order.id == order_id,
                                                   visible_orders(current_user())))


def return_json(found: ReturnRequest, order: Order, now: datetime) -> dict[str, Any]:
    session = db_session()
    lines_seen, prices_seen = line_sight(order)
    replacement = seen_order(found.replacement_order_id)
    entries = log.entries(session, found)
    return {"number": found.number, "order": order.number, "reason": found.reason,
            "reason_label": REASON_LABELS.get(found.reason, {}), "note": found.note,
            "state": found.state, "requested_at": _time(found.requested_at),
            "requested_by": found.requested_by, "due_at": _time(found.due_at),
            "late": found.late(now),
            "lines": [{"sku": line.sku, "quantity": line.quantity,
                       "unit_price": None if line.unit_price is None or not prices_seen
                       else str(line.unit_price.normalize()),
                       "received": line.received, "disposition": line.disposition,
                       "warehouse": line.warehouse}
                      for line in (found.lines if lines_seen else [])],
            "outcome": found.outcome,
            "refunded": None if found.refunded is None else str(found.refunded.normalize()),
            "replacement_order": replacement.number if replacement else None,
            "closed_at": _time(found.closed_at),
            "log": [{"at": _time(entry.at), "actor": entry.actor_name, "step": entry.step,
                     "state": entry.state, "details": details}
                    for entry, details in zip(entries, seen_links(
                        session, [entry.details for entry in entries]), strict=True)]}


def _found(number: str) -> tuple[ReturnRequest, Order]:
    row = listing.one(db_session(), visible_orders(current_user()), number)
    if row is None:
        raise Problem(404, f"there is no return {number}")
    return row


def _answer(found: ReturnRequest) -> dict[str, Any]:
    session = db_session()
    session.commit()
    return return_json(found, session.get_one(Order, found.order_id), utcnow())


def _choice(name: str, options: list[str]) -> str | None:
    raw = (request.args.get(name) or "").strip()
    if raw and raw not in options:
        raise invalid(f"?{name}", f"there is no {name} {raw!r}; choose one of "
                                  f"{', '.join(options)}", 400)
    return raw or None


@api.get("/returns")
@requires("orders.view")
@documented("Returns of the orders you may see, newest first (?state=, ?reason=, "
            "?late=true, ?order=<number>, ?before=<id>, ?limit=)", tags=("returns",),
            responses={200: ("A page of returns", {"type": "object", "properties": {
                "returns": {"type": "array", "items": RETURN},
                "more": {"type": "boolean"}}})})
def list_returns():
    filters = listing.Filters(
        state=_choice("state", list(ReturnState)), reason=_choice("reason", list(ReturnReason)),
        late=query_args.choice(request.args, "late", ("true", "false"), "false") == "true",
        order=(request.args.get("order") or "").strip() or None)
    now = utcnow()
    rows, more = listing.listing(db_session(), visible_orders(current_user()), filters,
                                 limit=query_args.whole(request.args, "limit", 50, low=1,
                                                        high=listing.MOST),
                                 before=query_args.whole(request.args, "before"), now=now)
    return {"returns": [return_json(f, o, now) for f, o in rows], "more": more}


@api.get("/returns/counts")
@requires("orders.view")
@documented("Returns per state and per reason, and how many are late, of the orders you "
            "may see", tags=("returns",), responses={200: ("The counts", COUNTS)})
def return_counts():
    return listing.counts(db_session(), visible_orders(current_user()))


@api.get("/returns/<number>")
@requires("orders.view")
@documented("One return with its lines and log", tags=("returns",),
            responses={200: ("The return", RETURN)})
def get_return(number: str):
    found, order = _found(number)
    return return_json(found, order, utcnow())


@api.post("/returns")
@requires(HANDLING)
@documented("Open a return of an order's shipped lines (up to what was shipped, less what "
            "other returns ask for); an order nothing of which has shipped has nothing "
            "to return", request=NEW,
            tags=("returns",), responses={201: ("The return, requested", RETURN)},
            examples={"a damaged cup": {"order": "SO-000001", "reason": "damaged",
                                        "lines": [{"sku": "CUP-02", "quantity": 1}]}})
def post_return():
    body = json_body(NEW)
    session = db_session()
    order = session.scalar(select(Order).where(Order.number == body["order"],
                                               visible_orders(current_user())))
    if order is None:
        raise invalid("/order", f"there is no order {body['order']!r}")
    found = requesting.request_return(session, current_actor(), order, body["reason"],
                                      requesting.read_lines(body["lines"]),
                                      note=body.get("note") or "")
    return _answer(found), 201


@api.post("/returns/<number>/approve")
@requires(HANDLING)
@documented("Approve a requested return: the buyer may send it back", request=STEP,
            tags=("returns",), responses={200: ("The return", RETURN)})
def approve_return(number: str):
    body = json_body(STEP)
    found, _order = _found(number)
    return _answer(handling.approve(db_session(), current_actor(), found,
                                    (body.get("note") or "").strip()))


@api.post("/returns/<number>/refuse")
@requires(HANDLING)
@documented("Refuse a return, saying why in the note; it is final", request=STEP,
            tags=("returns",), responses={200: ("The return", RETURN)})
def refuse_return(number: str):
    body = json_body(STEP)
    found, _order = _found(number)
    return _answer(handling.refuse(db_session(), current_actor(), found,
                                   body.get("note") or ""))


@api.post("/returns/<number>/receive")
@requires(HANDLING)
@documented("The returned parcel arrived: how many of each line came", request=RECEIVE,
            tags=("returns",), responses={200: ("The return", RETURN)})
def receive_return(number: str):
    body = json_body(RECEIVE)
    found, _order = _found(number)
    return _answer(handling.receive(db_session(), current_actor(), found,
                                    body.get("received")))


@api.post("/returns/<number>/inspect")
@requires(HANDLING)
@documented("Inspect the received lines: each restocked into a warehouse (on hand again "
            "at once) or written off", request=INSPECT, tags=("returns",),
            responses={200: ("The return", RETURN)})
def inspect_return(number: str):
    body = json_body(INSPECT)
    found, _order = _found(number)
    return _answer(handling.inspect(db_session(), current_actor(), found, body["lines"]))


@api.post("/returns/<number>/close")
@requires(HANDLING)
@documented("Close a return with a refund, an exchange (a new order with the replacement "
            "lines, reserving their stock; 409 when the stock is not there, with nothing "
            "stored), a re-shipment of missing items at no charge, or nothing more "
            "(a refund only with payments.manage and where the order's workflow gives refunds "
            "to one of your roles now, 403 otherwise)", request=CLOSE, tags=("returns",),
            responses={200: ("The return", RETURN)})
def close_return(number: str):
    body = json_body(CLOSE, exact_numbers=True)
    found, order = _found(number)
    if body["outcome"] == Outcome.REFUND:
        # A return refunds only where a refund by hand would.
        check_refund(order)
    lines = requesting.read_lines(body["lines"]) if "lines" in body else None
    return _answer(outcomes.close(db_session(), current_actor(), found, outcomes.Closing(
        outcome=body["outcome"], amount=body.get("amount"), lines=lines,
        warehouse=body.get("warehouse"), note=(body.get("note") or "").strip())))


@api.get("/return-settings")
@requires("orders.view")
@documented("The returns' time limit", tags=("returns",),
            responses={200: ("The settings", SETTINGS)})
def get_return_settings():
    return settings.as_json(db_session())


@api.put("/return-settings")
@requires(HANDLING)
@documented("Set the hours a return may take from request to closing before it is late; "
            "returns requested before keep theirs", request=SETTINGS, tags=("returns",),
            responses={200: ("The settings", SETTINGS)})
def put_return_settings():
    body = json_body(SETTINGS)
    session = db_session()
    settings.change(session, current_actor(), body["sla_hours"])
    session.commit()
    return settings.as_json(session)

"""The exception queue over the API: the exceptions of the orders the caller may see,
counts per reason, raising one by hand, assigning and resolving, and the queue's
settings."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import request
from sqlalchemy import select

from orderloom.db import utcnow
from orderloom.platform import query_args
from orderloom.platform.api import api
from orderloom.platform.api.body import json_body
from orderloom.platform.auth import current_actor, current_user, requires
from orderloom.platform.database import db_session
from orderloom.platform.field_sight import seen_exception
from orderloom.platform.models import User
from orderloom.platform.openapi import documented
from orderloom.platform.problems import Problem, invalid
from orderloom.platform.row_access import visible_orders
from orderloom.runtime.exception_queue import queue, resolving, settings
from orderloom.runtime.exception_queue.models import OPEN, RESOLVED, OrderException
from orderloom.runtime.exception_queue.raising import raise_exception
from orderloom.runtime.exception_queue.reasons import REASONS, RESOLUTIONS
from orderloom.runtime.orders.models import Order

MANAGING = "exceptions.manage"
# Who may resolve an exception, and so be given one.
ACTING = "orders.act"
PRICING = ("discount_limit", "floors")
TIMESTAMP = {"type": ["string", "null"], "format": "date-time"}
LABEL = {"type": "object", "properties": {"en": {"type": "string"}, "zh": {"type": "string"}}}
EXCEPTION = {"type": "object", "properties": {
    "id": {"type": "integer"}, "order": {"type": "string"},
    "order_state": {"type": "string"}, "reason": {"enum": list(REASONS)},
    "reason_label": LABEL, "message": LABEL, "details": {"type": "object"},
    "status": {"enum": [OPEN, RESOLVED]}, "raised_at": TIMESTAMP,
    "raised_by": {"type": "string"}, "due_at": TIMESTAMP,
    "overdue": {"type": "boolean", "description": "Open past its reason's age limit"},
    "assignee": {"type": ["string", "null"]},
    "resolutions": {"type": "array", "items": {"enum": list(RESOLUTIONS)},
                    "description": "What may resolve it"},
    "resolution": {"type": ["string", "null"]}, "resolved_at": TIMESTAMP,
    "resolved_by": {"type": ["string", "null"]}, "note": {"type": ["string", "null"]}}}
COUNTS = {"type": "object", "description": "Per reason: open and overdue",
          "additionalProperties": {"type": "object", "properties": {
              "open": {"type": "integer"}, "overdue": {"type": "integer"}}}}
NEW = {"type": "object", "required": ["order", "reason"], "additionalProperties": False,
       "properties": {
           "order": {"type": "string", "maxLength": 40, "description": "The order's number"},
           "reason": {"type": "string", "maxLength": 30,
                      "description": "One of " + ", ".join(REASONS)},
           "message": {"type": "string", "maxLength": 300}}}
ASSIGN = {"type": "object", "required": ["assignee"], "additionalProperties": False,
          "properties": {"assignee": {"type": ["string", "null"], "maxLength": 150,
                                      "description": "A username; null to unassign"}}}
RESOLVE = {"type": "object", "required": ["resolution"], "additionalProperties": False,
           "properties": {
               "resolution": {"type": "string", "maxLength": 20,
                              "description": "One of " + ", ".join(RESOLUTIONS)
                                             + "; the exception's resolutions list those "
                                               "its reason allows"},
               "note": {"type": "string", "maxLength": resolving.NOTE_LENGTH},
               "fixes": {"type": "object", "maxProperties": 200,
                         "additionalProperties": {"type": "string", "minLength": 1,
                                                  "maxLength": 64},
                         "description": "fix_sku: each unknown SKU -> the catalog's SKU "
                                        "that replaces it"}}}
SETTINGS = {"type": "object", "additionalProperties": False, "properties": {
    "sla_hours": {"type": "object", "maxProperties": 50,
                  "additionalProperties": {"type": "integer"},
                  "description": "Reason -> hours an exception may wait before it is "
                                 "overdue; a reason left out keeps its default"},
    "discount_limit": {"type": ["string", "number", "null"],
                       "description": "Largest discount, in percent of the lines' amount"},
    "floors": {"type": "object", "maxProperties": settings.MOST_FLOORS,
               "additionalProperties": {"type": ["string", "number"]},
               "description": "SKU -> the lowest unit price it may be sold at"},
    "duplicate_window_hours": {"type": "integer",
                               "description": "0 turns the duplicate check off"},
    "checks": {"type": "object", "additionalProperties": {"type": "boolean"},
               "maxProperties": 10,
               "description": "Check -> on or off: " + ", ".join(settings.CHECKS)}}}


def _time(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def exception_json(found: OrderException, order: Order, now: datetime) -> dict[str, Any]:
    reason = REASONS.get(found.reason)
    message, details = seen_exception(db_session(), found, order)
    return {"id": found.id, "order": order.number, "order_state": order.state,
            "reason": found.reason, "reason_label": reason.label if reason else {},
            "message": message, "details": details, "status": found.status,
            "raised_at": _time(found.raised_at), "raised_by": found.raised_by,
            "due_at": _time(found.due_at), "overdue": found.overdue(now),
            "assignee": found.assignee,
            "resolutions": list(reason.resolutions) if reason and found.status == OPEN
            else [],
            "resolution": found.resolution, "resolved_at": _time(found.resolved_at),
            "resolved_by": found.resolved_by, "note": found.note}


def _found(exception_id: int) -> tuple[OrderException, Order]:
    row = queue.one(db_session(), visible_orders(current_user()), exception_id)
    if row is None:
        raise Problem(404, f"there is no exception {exception_id}")
    return row


def _reason_filter(name: str = "reason") -> str | None:
    raw = (request.args.get(name) or "").strip()
    if raw and raw not in REASONS:
        raise invalid(f"?{name}", f"there is no reason {raw!r}; the reasons are "
                                  f"{', '.join(REASONS)}", 400)
    return raw or None


@api.get("/exceptions")
@requires("orders.view")
@documented("The exception queue: exceptions of the orders you may see, oldest first "
            "(?status=open|resolved|all, ?reason=, ?assignee=, ?overdue=true, ?after=<id>, "
            "?limit=)", tags=("exceptions",),
            responses={200: ("A page of exceptions", {"type": "object", "properties": {
                "exceptions": {"type": "array", "items": EXCEPTION},
                "more": {"type": "boolean"}}})})
def list_exceptions():
    status = query_args.choice(request.args, "status", (OPEN, RESOLVED, "all"), OPEN)
    filters = queue.Filters(
        status=None if status == "all" else status, reason=_reason_filter(),
        assignee=(request.args.get("assignee") or "").strip() or None,
        overdue=query_args.choice(request.args, "overdue", ("true", "false"), "false")
        == "true")
    now = utcnow()
    rows, more = queue.listing(db_session(), visible_orders(current_user()), filters,
                               limit=query_args.whole(request.args, "limit", 50, low=1,
                                                      high=queue.MOST),
                               after=query_args.whole(request.args, "after"), now=now)
    return {"exceptions": [exception_json(f, o, now) for f, o in rows], "more": more}


@api.get("/exceptions/counts")
@requires("orders.view")
@documented("Open and overdue exceptions per reason, of the orders you may see",
            tags=("exceptions",), responses={200: ("Counts per reason", COUNTS)})
def exception_counts():
    return queue.counts(db_session(), visible_orders(current_user()))


@api.get("/exceptions/<int:exception_id>")
@requires("orders.view")
@documented("One exception", tags=("exceptions",), responses={200: ("The exception",
                                                                   EXCEPTION)})
def get_exception(exception_id: int):
    found, order = _found(exception_id)
    return exception_json(found, order, utcnow())


@api.post("/exceptions")
@requires("orders.act")
@documented("Raise an exception on an order by hand; its automatic moves wait until it is "
            "resolved", request=NEW, tags=("exceptions",),
            responses={201: ("The exception (or the open one of that reason)", EXCEPTION)})
def post_exception():
    body = json_body(NEW)
    if body["reason"] not in REASONS:
        raise invalid("/reason", f"there is no reason {body['reason']!r}; the reasons are "
                                 f"{', '.join(REASONS)}")
    session = db_session()
    order = session.scalar(select(Order).where(Order.number == body["order"],
                                               visible_orders(current_user())))
    if order is None:
        raise invalid("/order", f"there is no order {body['order']!r}")
    label = REASONS[body["reason"]].label
    text = (body.get("message") or "").strip()
    found = raise_exception(session, order, body["reason"],
                            {"en": text, "zh": text} if text else label,
                            actor_name=current_actor().name)
    session.commit()
    return exception_json(found, order, utcnow()), 201


@api.post("/exceptions/<int:exception_id>/assign")
@requires("orders.act")
@documented("Give an exception to a person who may see its order (null: to nobody)",
            request=ASSIGN, tags=("exceptions",), responses={200: ("The exception", EXCEPTION)})
def assign_exception(exception_id: int):
    body = json_body(ASSIGN)
    found, order = _found(exception_id)
    session = db_session()
    name = body["assignee"]
    if name is not None:
        person = session.scalar(select(User).where(User.username == name,
                                                   User.active.is_(True)))
        if person is None:
            raise invalid("/assignee", f"there is no active user {name!r}")
        if not person.can(ACTING):
            raise invalid("/assignee", f"{name} cannot act on orders (their roles lack "
                                       f"{ACTING}), so they could not resolve it")
        if session.scalar(select(Order.id).where(Order.id == order.id,
                                                 visible_orders(person))) is None:
            raise invalid("/assignee", f"{name} may not see order {order.number} (their "
                                       "row rules hide it)")
    try:
        resolving.assign(session, current_actor(), found, order, name)
    except resolving.ExceptionRefused as refused:
        raise invalid(refused.pointer, refused.message, refused.status) from None
    session.commit()
    return exception_json(found, order, utcnow())


@api.post("/exceptions/<int:exception_id>/resolve")
@requires("orders.act")
@documented("Resolve an exception: release (the order flows on), hold, cancel (its "
            "transition into a cancelled state, as you) or fix_sku (with fixes); a "
            "resolution its reason does not allow is refused with 422, a second one with 409",
            request=RESOLVE, tags=("exceptions",),
            responses={200: ("The exception, with the order's state now", EXCEPTION)})
def resolve_exception(exception_id: int):
    body = json_body(RESOLVE)
    found, order = _found(exception_id)
    session = db_session()
    note = (body.get("note") or "").strip() or None
    try:
        resolving.resolve(session, current_actor(), found, order,
                          resolving.Resolution(body["resolution"], note, body.get("fixes")),
                          current_user().role_names)
    except resolving.ExceptionRefused as refused:
        raise invalid(refused.pointer, refused.message, refused.status) from None
    session.commit()
    return exception_json(found, order, utcnow())


@api.get("/exception-settings")
@requires("orders.view")
@documented("The exception queue's settings: age limits per reason, the duplicate window "
            "and the checks; the discount limit and price floors only with "
            "exceptions.manage", tags=("exceptions",),
            responses={200: ("The settings", SETTINGS)})
def get_exception_settings():
    shown = settings.current(db_session()).as_json()
    if not current_user().can(MANAGING):
        # Floors and the discount limit are what a buyer may be sold down to: for the
        # people who set them, not for everyone who sees orders.
        for key in PRICING:
            shown.pop(key, None)
    return shown


@api.put("/exception-settings")
@requires("exceptions.manage")
@documented("Replace the exception queue's settings; a wrong value is refused at its "
            "pointer and nothing is stored", request=SETTINGS, tags=("exceptions",),
            responses={200: ("The settings", SETTINGS)})
def put_exception_settings():
    body = json_body(SETTINGS)
    try:
        new = settings.checked(body)
    except settings.SettingsError as error:
        raise invalid(error.pointer, error.detail) from None
    session = db_session()
    settings.store(session, current_actor(), new)
    session.commit()
    return new.as_json()

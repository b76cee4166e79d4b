"""Orders over the API: create, read, list, transition, timeline, and moving open
orders to a newer version."""
from __future__ import annotations

from typing import Any

from flask import request, url_for
from sqlalchemy import select

from orderloom.designer import versions
from orderloom.platform.api import api
from orderloom.platform.api.body import json_body
from orderloom.platform.auth import current_actor, current_user, requires
from orderloom.platform.database import db_session
from orderloom.platform.openapi import documented
from orderloom.platform.problems import Problem
from orderloom.runtime import lifecycle
from orderloom.runtime.errors import OrderError, OrderInputError, StaleOrder
from orderloom.runtime.orders import Order, OrderEvent
from orderloom.runtime.version_moves import move_open_orders

NEW_ORDER = {
    "type": "object",
    "required": ["order_type", "data"],
    "additionalProperties": False,
    "properties": {
        "order_type": {"type": "string", "maxLength": 63},
        "data": {"type": "object", "description": "Values for the order form's fields"},
        "channel": {"type": "string", "pattern": "^[a-z][a-z0-9_-]{0,39}$"},
    },
}
ORDER = {"type": "object", "properties": {
    "number": {"type": "string"}, "order_type": {"type": "string"},
    "version": {"type": "integer"}, "state": {"type": "string"},
    "data": {"type": "object"}, "tags": {"type": "array", "items": {"type": "string"}},
    "channel": {"type": "string"}, "revision": {"type": "integer"},
    "created_at": {"type": "string"}, "updated_at": {"type": "string"},
    "created_by": {"type": "string"},
    "transitions": {"type": "array", "items": {"type": "object"}}}}
TRANSITION = {"type": "object", "additionalProperties": False, "properties": {
    "revision": {"type": "integer", "description": "The revision you read; or send If-Match"}}}
EVENT = {"type": "object", "properties": {
    "at": {"type": "string"}, "actor": {"type": "string"}, "kind": {"type": "string"},
    "transition": {"type": ["string", "null"]}, "from_state": {"type": ["string", "null"]},
    "to_state": {"type": ["string", "null"]}, "details": {"type": "object"}}}
MAX_PAGE = 200


def _problem(error: OrderError) -> Problem:
    if isinstance(error, OrderInputError):
        return Problem(422, error.message, errors=[p.as_json() for p in error.problems])
    if isinstance(error, StaleOrder):
        return Problem(409, error.message,
                       extra={"current": {"revision": error.revision, "state": error.state}})
    return Problem(error.status, error.message)


def _roles() -> set[str]:
    return set(current_user().role_names)


def order_json(order: Order, with_transitions: bool = True) -> dict[str, Any]:
    data = {
        "number": order.number,
        "order_type": order.order_type.key,
        "version": order.version.number,
        "state": order.state,
        "data": order.data,
        "tags": order.tags,
        "channel": order.channel,
        "revision": order.revision,
        "created_at": order.created_at.isoformat(),
        "updated_at": order.updated_at.isoformat(),
        "created_by": order.created_by,
    }
    if with_transitions:
        data["transitions"] = lifecycle.open_transitions(order, _roles())
    return data


def _with_etag(order: Order, status: int = 200, headers: dict | None = None):
    return order_json(order), status, {"ETag": f'"{order.revision}"', **(headers or {})}


@api.post("/orders")
@requires("orders.create")
@documented("Create an order on the latest published version of its type", request=NEW_ORDER,
            tags=("orders",), responses={201: ("The order, with computed fields", ORDER)})
def create_order():
    body = json_body(NEW_ORDER, exact_numbers=True)
    session = db_session()
    try:
        order = lifecycle.create_order(session, current_actor(), body["order_type"],
                                       body["data"], channel=body.get("channel", "manual"))
    except OrderError as error:
        session.rollback()
        raise _problem(error) from None
    session.commit()
    return _with_etag(order, 201, {"Location": url_for("api.get_order", number=order.number)})


@api.get("/orders")
@requires("orders.view")
@documented("Orders, newest first (?order_type=, ?state=, ?limit=, ?before= for the next page)",
            tags=("orders",), responses={200: ("A page of orders", {"type": "object"})})
def list_orders():
    query = select(Order).order_by(Order.id.desc())
    if "order_type" in request.args:
        order_type = versions.find(db_session(), request.args["order_type"])
        if order_type is None:
            raise Problem(404, f"there is no order type {request.args['order_type']!r}")
        query = query.where(Order.order_type_id == order_type.id)
    if "state" in request.args:
        query = query.where(Order.state == request.args["state"])
    try:
        limit = min(int(request.args.get("limit", 50)), MAX_PAGE)
        before = int(request.args["before"]) if "before" in request.args else None
    except ValueError:
        raise Problem(400, "limit and before must be whole numbers") from None
    if limit < 1:
        raise Problem(400, "limit must be at least 1")
    if before is not None:
        query = query.where(Order.id < before)
    orders = list(db_session().scalars(query.limit(limit + 1)))
    page = orders[:limit]
    return {"orders": [order_json(o, with_transitions=False) for o in page],
            "next": (url_for("api.list_orders", **{**request.args, "before": page[-1].id})
                     if len(orders) > limit else None)}


def _order(number: str) -> Order:
    try:
        return lifecycle.find_order(db_session(), number)
    except OrderError as error:
        raise _problem(error) from None


@api.get("/orders/<number>")
@requires("orders.view")
@documented("One order, with the transitions you may take now; ETag is its revision",
            tags=("orders",), responses={200: ("The order", ORDER)})
def get_order(number: str):
    return _with_etag(_order(number))


def _expected_revision(body: dict[str, Any]) -> int | None:
    header = request.headers.get("If-Match")
    if header:
        try:
            return int(header.strip().removeprefix("W/").strip('"'))
        except ValueError:
            raise Problem(400, "If-Match must be the order's ETag, e.g. \"3\"") from None
    return body.get("revision")


@api.post("/orders/<number>/transitions/<key>")
@requires("orders.act")
@documented("Take a transition; with If-Match (or revision), refused with 409 if the order "
            "changed since you read it", request=TRANSITION, tags=("orders",),
            responses={200: ("The order after the transition", ORDER)})
def take_transition(number: str, key: str):
    body = json_body(TRANSITION) if request.get_data() else {}
    session = db_session()
    order = _order(number)
    try:
        lifecycle.take_transition(session, current_actor(), order, key, _roles(),
                                  expected_revision=_expected_revision(body))
    except OrderError as error:
        session.rollback()
        raise _problem(error) from None
    session.commit()
    return _with_etag(order)


@api.get("/orders/<number>/timeline")
@requires("orders.view")
@documented("Everything that happened to an order, oldest first", tags=("orders",),
            responses={200: ("Timeline entries", {"type": "array", "items": EVENT})})
def timeline(number: str):
    order = _order(number)
    events = db_session().scalars(select(OrderEvent).where(OrderEvent.order_id == order.id)
                                  .order_by(OrderEvent.id))
    return [{"at": e.at.isoformat(), "actor": e.actor_name, "kind": e.kind,
             "transition": e.transition, "from_state": e.from_state, "to_state": e.to_state,
             "details": e.details} for e in events]


@api.post("/order-types/<key>/versions/<int:number>/move-orders")
@requires("definitions.publish")
@documented("Move open orders to this version (?dry_run=1 reports what would move and what "
            "cannot, and why)", tags=("definitions",),
            responses={200: ("The plan, or what was moved", {"type": "object"})})
def move_orders(key: str, number: int):
    session = db_session()
    order_type = versions.find(session, key)
    if order_type is None:
        raise Problem(404, f"there is no order type {key!r}")
    target = versions.version(order_type, number)
    if target is None:
        raise Problem(404, f"order type {key!r} has no version {number}")
    dry_run = request.args.get("dry_run", "0") in ("1", "true", "yes")
    plan = move_open_orders(session, current_actor(), order_type, target, dry_run=dry_run)
    if not dry_run:
        session.commit()
    return plan.as_json()

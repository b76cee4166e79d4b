"""Orders over the API: create, read, list, transition, timeline, and moving open
orders to a newer version."""
from __future__ import annotations

from typing import Any

from flask import request, url_for
from sqlalchemy import select

from orderloom.designer import versions
from orderloom.designer.published import blueprint_for
from orderloom.platform import i18n, query_args
from orderloom.platform.api import api
from orderloom.platform.api.body import json_body
from orderloom.platform.auth import current_actor, current_user, requires
from orderloom.platform.database import db_session
from orderloom.platform.field_sight import access_to, limit_search, seen_links
from orderloom.platform.lookups import order_or_404
from orderloom.platform.openapi import documented
from orderloom.platform.problems import Problem, problem_response
from orderloom.platform.refusals import problem_for
from orderloom.platform.row_access import find_type, visible_orders
from orderloom.runtime import business_calendar
from orderloom.runtime.channels import hand_entry
from orderloom.runtime.engine import lifecycle
from orderloom.runtime.engine.version_moves import move_open_orders
from orderloom.runtime.errors import OrderError
from orderloom.runtime.order_edits import placed as placed_edits
from orderloom.runtime.orders import idempotency
from orderloom.runtime.orders.models import Order, OrderEvent, money_text
from orderloom.runtime.orders.search import OrderFilter, order_query
from orderloom.runtime.orders.timeline import TimelineKind

NEW_ORDER = {
    "type": "object",
    "required": ["order_type", "data"],
    "additionalProperties": False,
    "properties": {
        "order_type": {"type": "string", "maxLength": 63},
        "data": {"type": "object", "description": "Values for the order form's fields"},
        "channel": {"type": "string", "pattern": "^[a-z][a-z0-9_-]{0,39}$",
                    "description": "manual (the default), or the key of an active channel "
                                   "of kind manual for this order type; channels that "
                                   "receive orders stamp their own (422 at /channel)"},
    },
}
# Orders of the built-in retail and catering templates, as the API takes them.
ORDER_EXAMPLES = {
    "retail": {"order_type": "retail_order", "channel": "manual", "data": {
        "customer": {"code": "C-1002", "name": "Li Ming", "tier": "regular"},
        "payment_method": "alipay", "risk_score": 12,
        "ship_to": {"country": "CN", "province": "Zhejiang", "city": "Hangzhou",
                    "street": "90 Wensan Road", "postcode": "310012"},
        "items": [{"sku": "TSHIRT-WHT-M", "qty": 2, "price": "79.00"},
                  {"sku": "MUG-350", "qty": 1, "price": "39.00"}],
        "shipping_fee": "10.00", "discount": "5.00"}},
    "catering": {"order_type": "catering_order", "data": {
        "customer": {"code": "F-4001", "name": "Zhangjiang office", "tier": "corporate"},
        "contact_phone": "021-50801234",
        "delivery_address": {"country": "CN", "province": "Shanghai", "city": "Shanghai",
                             "street": "500 Zhangjiang Road"},
        "delivery_date": "2099-06-01", "time_slot": "lunch", "headcount": 20,
        "items": [{"sku": "BENTO-CHK", "qty": 15, "price": "38.00"}]}},
}
ORDER = {"type": "object", "properties": {
    "number": {"type": "string"}, "order_type": {"type": "string"},
    "version": {"type": "integer"}, "state": {"type": "string"},
    "data": {"type": "object"}, "tags": {"type": "array", "items": {"type": "string"}},
    "channel": {"type": "string"}, "revision": {"type": "integer"},
    "created_at": {"type": "string"}, "updated_at": {"type": "string"},
    "created_by": {"type": "string"},
    "total": {"type": ["string", "null"],
              "description": "The order type's total field as an exact decimal string"},
    "currency": {"type": ["string", "null"]},
    "payment_status": {"type": "string", "description": "unpaid, partly_paid, paid, "
                       "overpaid, partly_refunded or refunded (see GET .../payments)"},
    "transitions": {"type": "array", "items": {"type": "object"}}}}
TRANSITION = {"type": "object", "additionalProperties": False, "properties": {
    "revision": {"type": "integer", "description": "The revision you read; or send If-Match"}}}
EVENT = {"type": "object", "properties": {
    "at": {"type": "string"}, "actor": {"type": "string"}, "kind": {"type": "string"},
    "transition": {"type": ["string", "null"]}, "from_state": {"type": ["string", "null"]},
    "to_state": {"type": ["string", "null"]}, "details": {"type": "object"}}}
MAX_PAGE = 200


def _roles() -> set[str]:
    return set(current_user().role_names)


def order_json(order: Order, with_transitions: bool = True) -> dict[str, Any]:
    access = access_to(order.version)
    # The total is the total field's value: hidden with it.
    total_hidden = blueprint_for(order.version).total_key in access.hidden
    data = {
        "number": order.number,
        "order_type": order.order_type.key,
        "version": order.version.number,
        "state": order.state,
        "data": access.visible(order.data),
        "total": None if total_hidden else money_text(order.total, order.currency),
        "currency": order.currency,
        "payment_status": order.payment_status,
        "tags": order.tags,
        "channel": order.channel,
        "revision": order.revision,
        "created_at": order.created_at.isoformat(),
        "updated_at": order.updated_at.isoformat(),
        "created_by": order.created_by,
    }
    if with_transitions:
        data["transitions"] = lifecycle.open_transitions(
            order, _roles(), calendar=business_calendar.formula_calendar(db_session()),
            whole_workflow=current_actor().whole_workflow, actor=current_actor())
    return data


def _with_etag(order: Order, status: int = 200, headers: dict | None = None):
    return order_json(order), status, {"ETag": f'"{order.revision}"', **(headers or {})}


def _committed(session, order: Order):
    """The answer about ``order``, built before the change is committed: a failure while
    building it then leaves nothing stored, as its 500 says."""
    session.flush()
    answer = _with_etag(order)
    session.commit()
    return answer


@api.post("/orders")
@requires("orders.create")
@documented("Create an order on the latest published version of its type. With an "
            "Idempotency-Key header, a repeat returns the first response and creates nothing",
            request=NEW_ORDER, examples=ORDER_EXAMPLES,
            tags=("orders",), responses={201: ("The order, with computed fields", ORDER)})
def create_order():
    body = json_body(NEW_ORDER, exact_numbers=True)
    session = db_session()
    key = request.headers.get("Idempotency-Key")
    claimed = None
    if key is not None:
        if not 1 <= len(key) <= 255:
            raise query_args.ParameterError("Idempotency-Key", "must be 1 to 255 characters")
        try:
            claimed = idempotency.claim(session, current_user().id, key, "POST /orders",
                                        idempotency.request_fingerprint("POST /orders", body))
        except idempotency.IdempotencyConflict as conflict:
            headers = {"Retry-After": "1"} if conflict.status == 409 else {}
            problem = Problem(conflict.status, conflict.message)
            return problem_response(problem), conflict.status, headers
        if isinstance(claimed, tuple):  # a repeat: the first response, nothing created
            status, stored = claimed
            return stored, status, {"Idempotent-Replayed": "true",
                                    "ETag": f'"{stored.get("revision", "")}"'}
    try:
        # Stamped before anything else is written, so a refused channel writes nothing.
        channel = hand_entry.stamp(session, body.get("channel"), body["order_type"])
        order = lifecycle.create_order(session, current_actor(), body["order_type"],
                                       body["data"], channel=channel, roles=_roles(),
                                       language=i18n.language())
    except OrderError:
        if claimed is not None:
            # The key must be free for a corrected retry, and freeing it writes.
            idempotency.release(session, claimed)
        raise
    answer = order_json(order)
    if claimed is not None:
        idempotency.complete(claimed, 201, answer)
    session.commit()
    return answer, 201, {"ETag": f'"{order.revision}"',
                         "Location": url_for("api.get_order", number=order.number)}


def order_filter(args) -> OrderFilter:
    """The filters of the order list from query parameters (the list and its export read
    them alike); a day in created_from or created_to is a day on the instance's clocks."""
    return OrderFilter(
        states=[s for s in args.get("state", "").split(",") if s],
        payment_statuses=[s for s in args.get("payment_status", "").split(",") if s],
        channel=args.get("channel") or None,
        created_from=query_args.moment(args, "created_from"),
        created_to=query_args.moment(args, "created_to", end_of_day=True),
        customer=args.get("customer") or None,
        tag=args.get("tag") or None,
        text=args.get("q") or None,
        fields={name[len("field."):]: value for name, value in args.items()
                if name.startswith("field.")},
    )


@api.get("/orders")
@requires("orders.view")
@documented("Orders, newest first. Filters: order_type, state (comma-separated), channel, "
            "created_from and created_to (ISO dates), customer (code or name), tag, q (text "
            "anywhere), field.<key>=<value>, payment_status (comma-separated); limit, and "
            "before for the next page",
            tags=("orders",), responses={200: ("A page of orders", {"type": "object"})})
def list_orders():
    args = request.args
    spec = order_filter(args)
    spec.before_id = query_args.cursor(args)
    if "order_type" in args:
        order_type = find_type(db_session(), current_user(), args["order_type"])
        if order_type is None:
            raise Problem(404, f"there is no order type {args['order_type']!r}")
        spec.order_type_id = order_type.id
    limit = query_args.whole(args, "limit", 50, low=1, high=MAX_PAGE)
    limit_search(db_session(), spec)
    orders = list(db_session().scalars(
        order_query(spec, visible=visible_orders(current_user())).limit(limit + 1)))
    page = orders[:limit]
    return {"orders": [order_json(o, with_transitions=False) for o in page],
            "next": (url_for("api.list_orders", **{**args, "before": page[-1].id})
                     if len(orders) > limit else None)}


@api.get("/orders/<number>")
@requires("orders.view")
@documented("One order, with the transitions you may take now; ETag is its revision",
            tags=("orders",), responses={200: ("The order", ORDER)})
def get_order(number: str):
    return _with_etag(order_or_404(number))


def expected_revision(body: dict[str, Any]) -> int | None:
    """The order revision the caller read: the If-Match header, else ``revision``."""
    header = request.headers.get("If-Match")
    if header:
        try:
            return int(header.strip().removeprefix("W/").strip('"'))
        except ValueError:
            raise query_args.ParameterError("If-Match", "must be the order's ETag, e.g. "
                                                        "\"3\"") from None
    return body.get("revision")


@api.post("/orders/<number>/transitions/<key>")
@requires("orders.act")
@documented("Take a transition; with If-Match (or revision), refused with 409 if the order "
            "changed since you read it", request=TRANSITION, tags=("orders",),
            responses={200: ("The order after the transition", ORDER)})
def take_transition(number: str, key: str):
    body = json_body(TRANSITION) if request.get_data() else {}
    session = db_session()
    order = order_or_404(number)
    lifecycle.take_transition(session, current_actor(), order, key, _roles(),
                              expected_revision=expected_revision(body))
    return _committed(session, order)


EDIT = {"type": "object", "required": ["data"], "additionalProperties": False, "properties": {
    "data": {"type": "object", "description": "New values for entered fields; fields left "
                                              "out keep theirs, computed ones are recalculated"},
    "revision": {"type": "integer", "description": "The revision you read; or send If-Match"}}}


@api.patch("/orders/<number>")
@requires("orders.edit")
@documented("Change the entered values of an open order on its own version of the form; "
            "with If-Match (or revision), refused with 409 if the order changed since you "
            "read it. The timeline records each changed field, and the rules the edit made "
            "act. Lines of an order holding stock change too: the reservation moves by the "
            "difference (409 at the line with the shortfall when the stock is not there); "
            "refused with 409 at each changed field once the order has shipped, its "
            "picking has started or it is finished", request=EDIT, examples={
                "discount": {"data": {"discount": "20.00", "note": "price matched"}},
                "lines": {"data": {"items": [{"sku": "MUG-350", "qty": 3, "price": "39.00"}]},
                          "revision": 2}},
            tags=("orders",), responses={200: ("The order after the edit", ORDER)})
def edit_order(number: str):
    body = json_body(EDIT, exact_numbers=True)
    session = db_session()
    order = order_or_404(number)
    placed_edits.edit_placed_order(session, current_actor(), order, body["data"],
                                   expected_revision=expected_revision(body), roles=_roles(),
                                   language=i18n.language())
    return _committed(session, order)


@api.get("/orders/<number>/timeline")
@requires("orders.view")
@documented("Everything that happened to an order, oldest first", tags=("orders",),
            responses={200: ("Timeline entries", {"type": "array", "items": EVENT})})
def timeline(number: str):
    order = order_or_404(number)
    events = list(db_session().scalars(select(OrderEvent)
                                       .where(OrderEvent.order_id == order.id)
                                       .order_by(OrderEvent.id)))
    access = access_to(order.version)
    definition = blueprint_for(order.version).definition
    shown = [access.in_details(e.details, definition, e.kind) for e in events]
    returns = [i for i, e in enumerate(events) if e.kind == TimelineKind.AFTER_SALES]
    for i, seen in zip(returns, seen_links(db_session(), [shown[i] for i in returns]),
                       strict=True):
        shown[i] = seen
    return [{"at": e.at.isoformat(), "actor": e.actor_name, "kind": e.kind,
             "transition": e.transition, "from_state": e.from_state, "to_state": e.to_state,
             "details": details} for e, details in zip(events, shown, strict=True)]


@api.post("/order-types/<key>/versions/<int:number>/move-orders")
@requires("definitions.publish")
@documented("Move open orders to this version (?dry_run=1 reports what would move and what "
            "cannot, and why)", tags=("definitions",),
            responses={200: ("The plan, or what was moved", {"type": "object"})})
def move_orders(key: str, number: int):
    session = db_session()
    order_type = find_type(session, current_user(), key)
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


BULK = {"type": "object", "required": ["numbers"], "additionalProperties": False,
        "properties": {"numbers": {"type": "array", "minItems": 1, "maxItems": 500,
                                   "uniqueItems": True, "items": {"type": "string"}}}}
BULK_RESULT = {"type": "object", "properties": {"results": {"type": "array", "items": {
    "type": "object", "properties": {"number": {"type": "string"}, "status": {"type": "integer"},
                                     "state": {"type": "string"}, "detail": {"type": "string"}}}}}}


@api.post("/orders/bulk/transitions/<key>")
@requires("orders.act")
@documented("Take one transition on many orders; each succeeds or fails on its own",
            request=BULK, tags=("orders",),
            responses={200: ("One result per order, in the order given", BULK_RESULT)})
def bulk_transition(key: str):
    body = json_body(BULK)
    session = db_session()
    actor, roles = current_actor(), _roles()
    results = []
    for number in body["numbers"]:
        try:
            with session.begin_nested():
                order = order_or_404(number, session)
                lifecycle.take_transition(session, actor, order, key, roles)
            results.append({"number": number, "status": 200, "state": order.state})
        except OrderError as error:
            problem = problem_for(error)
            results.append({"number": number, "status": problem.status,
                            "detail": problem.detail})
    session.commit()
    return {"results": results}

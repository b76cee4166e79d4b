"""Waves over the API: plan them by hand or by rules, read their pick list, and scan
to pick and to pack (orderloom/runtime/floor). A refused scan is an answer, not an
error: it is logged on the wave and the order, so it is stored and answered 200 with
``accepted: false`` and the reason."""
from __future__ import annotations

from typing import Any

from flask import Response, request
from sqlalchemy import func, select

from orderloom.platform.api import api
from orderloom.platform.api.body import json_body
from orderloom.platform.auth import current_actor, current_user, requires
from orderloom.platform.database import db_session
from orderloom.platform.field_sight import seen_data
from orderloom.platform.openapi import documented
from orderloom.platform.problems import Problem
from orderloom.platform.row_access import visible_orders
from orderloom.runtime.engine.holds import ACTING_PERMISSION as ACTING
from orderloom.runtime.floor import planning, printing, scanning
from orderloom.runtime.floor.models import Wave, WaveOrder
from orderloom.runtime.orders.models import Order

CODE = {"type": "string", "pattern": "^[A-Za-z0-9_-]{1,50}$"}
NUMBER = {"type": "string", "minLength": 1, "maxLength": 40}
BY_HAND = {"type": "object", "required": ["warehouse", "orders"], "additionalProperties": False,
           "properties": {"warehouse": CODE,
                          "orders": {"type": "array", "minItems": 1,
                                     "maxItems": planning.MAX_ORDERS, "items": NUMBER}}}
BY_RULES = {"type": "object", "required": ["warehouse"], "additionalProperties": False,
            "properties": {
                "warehouse": CODE,
                "single_item": {"type": "boolean", "description":
                                "orders of one unit in waves of their own"},
                "same_carrier": {"type": "boolean", "description":
                                 "one carrier per wave (the one the order ships with)"},
                "max_orders": {"type": "integer", "minimum": 1,
                               "maximum": planning.MAX_ORDERS},
                "max_lines": {"type": "integer", "minimum": 1, "maximum": 100_000}}}
SCAN = {"type": "object", "required": ["code"], "additionalProperties": False,
        "properties": {"code": {"type": "string", "minLength": 1,
                                "maxLength": scanning.MAX_CODE}}}
PACK_SCAN = {"type": "object", "required": ["code"], "additionalProperties": False,
             "properties": {"code": SCAN["properties"]["code"],
                            "order": {"type": ["string", "null"], "maxLength": 40,
                                      "description": "the order on the bench, as the last "
                                                     "accepted order scan named it"}}}
STOP = {"type": "object", "properties": {
    "bin": {"type": "string"}, "zone": {"type": "string"}, "sku": {"type": "string"},
    "name": {"type": "string"}, "quantity": {"type": "integer"},
    "picked": {"type": "integer"}, "short": {"type": "boolean"},
    "orders": {"type": "array", "items": {"type": "string"}}}}
WAVE = {"type": "object", "properties": {
    "number": {"type": "string"}, "warehouse": {"type": "string"},
    "status": {"type": "string", "enum": ["open", "done"]},
    "orders": {"type": "array", "items": {"type": "object"}},
    "pick_list": {"type": "array", "items": STOP,
                  "description": "the stops in walking order, each SKU totalled"},
    "next_stop": {"anyOf": [STOP, {"type": "null"}]}}}
ANSWER = {"type": "object", "properties": {
    "accepted": {"type": "boolean"}, "refusal": {"type": ["string", "null"]},
    "message": {"type": "string"}, "order": {"type": ["string", "null"]},
    "shipped_by": {"type": ["string", "null"]}, "wave": WAVE}}
PRINTS = {"type": "object", "additionalProperties": False, "properties": {
    "documents": {"type": "array", "minItems": 1, "uniqueItems": True,
                  "items": {"enum": list(printing.PRINTABLE)},
                  "description": "which documents of each order, in this order "
                                 "(default: packing slip, then shipping label)"}}}
TAGS = ("warehouse floor",)


def visible_wave(number: str, *, lock: bool = False) -> Wave:
    """The wave, when the reader may see every order in it; else not found, as a
    hidden order is."""
    session = db_session()
    wave = scanning.find_wave(session, number, lock=lock)
    hidden = session.scalar(
        select(func.count()).select_from(WaveOrder).join(Order, Order.id == WaveOrder.order_id)
        .where(WaveOrder.wave_id == wave.id, ~visible_orders(current_user())))
    if hidden:
        raise scanning.WaveNotFound(f"there is no wave {number}")
    return wave


def must_move_orders() -> None:
    """Floor work that moves or holds orders also needs the permission to move them on:
    floor.work alone plans, picks and packs."""
    if not current_user().can(ACTING):
        raise Problem(403, f"your roles do not include the permission {ACTING!r}")


def _answered(answer: scanning.Answer, number: str) -> dict[str, Any]:
    session = db_session()
    session.commit()
    return {**answer.as_json(), "wave": scanning.summary(session, visible_wave(number))}


@api.get("/waves")
@requires("floor.work")
@documented("Waves, newest first (?status=open or done)", tags=TAGS,
            responses={200: ("Waves", {"type": "array", "items": WAVE})})
def list_waves():
    session = db_session()
    query = select(Wave).order_by(Wave.id.desc()).limit(200)
    if request.args.get("status") in ("open", "done"):
        query = query.where(Wave.status == request.args["status"])
    hidden = select(WaveOrder.wave_id).join(Order, Order.id == WaveOrder.order_id).where(
        ~visible_orders(current_user()))
    return [scanning.summary(session, w) for w in session.scalars(
        query.where(Wave.id.not_in(hidden)))]


@api.post("/waves")
@requires("floor.work")
@documented("Plan a wave by hand from the orders named, picked from one warehouse",
            request=BY_HAND, tags=TAGS, responses={201: ("The wave", WAVE)},
            examples={"two orders": {"warehouse": "HZ", "orders": ["SO-000001"]}})
def plan_wave():
    body = json_body(BY_HAND)
    session = db_session()
    wave = planning.plan_by_hand(session, current_actor(), body["warehouse"], body["orders"],
                                 visible_orders(current_user()))
    session.commit()
    return scanning.summary(session, wave), 201


@api.post("/waves/plan")
@requires("floor.work")
@documented("Plan waves by rules from every order waiting to be picked in a warehouse",
            request=BY_RULES, tags=TAGS,
            responses={201: ("The waves planned", {"type": "array", "items": WAVE})},
            examples={"single items": {"warehouse": "HZ", "single_item": True,
                                       "max_orders": 20}})
def plan_waves_by_rules():
    body = json_body(BY_RULES)
    rules = planning.Rules(single_item=body.get("single_item", False),
                           same_carrier=body.get("same_carrier", False),
                           max_orders=body.get("max_orders", 50),
                           max_lines=body.get("max_lines"))
    session = db_session()
    waves = planning.plan_by_rules(session, current_actor(), body["warehouse"], rules,
                                   visible_orders(current_user()),
                                   set(current_user().role_names))
    session.commit()
    return [scanning.summary(session, w) for w in waves], 201


@api.get("/waves/<number>")
@requires("floor.work")
@documented("A wave: its orders, its pick list in walking order and the next stop",
            tags=TAGS, responses={200: ("The wave", WAVE)})
def get_wave(number: str):
    return scanning.summary(db_session(), visible_wave(number))


@api.get("/waves/<number>/log")
@requires("floor.work")
@documented("The wave's log: every scan, accepted or refused, newest first", tags=TAGS,
            responses={200: ("Scans", {"type": "array", "items": {"type": "object"}})})
def wave_log(number: str):
    session = db_session()
    wave = visible_wave(number)
    numbers = dict(session.execute(select(Order.id, Order.number).where(
        Order.id.in_(select(WaveOrder.order_id).where(WaveOrder.wave_id == wave.id)))).all())
    return [{"at": s.at.isoformat(), "step": s.step, "code": s.code, "accepted": s.accepted,
             "outcome": s.outcome, "order": numbers.get(s.order_id), "by": s.actor_name}
            for s in scanning.log_of(session, wave)]


@api.post("/waves/<number>/pick-scans")
@requires("floor.work")
@documented("Scan to pick: a bin, then one scan per unit", request=SCAN, tags=TAGS,
            responses={200: ("What the scan did, or why it was refused", ANSWER)},
            examples={"a bin": {"code": "A-2"}})
def pick_scan(number: str):
    body = json_body(SCAN)
    visible_wave(number, lock=True)
    answer = scanning.pick_scan(db_session(), current_actor(), number, body["code"])
    return _answered(answer, number)


@api.post("/waves/<number>/short")
@requires("floor.work")
@documented("Report the units of the current stop missing: the orders lacking them are "
            "held and leave the wave (needs orders.act too)", tags=TAGS,
            responses={200: ("The orders held", ANSWER)})
def report_short(number: str):
    must_move_orders()
    visible_wave(number, lock=True)
    answer = scanning.report_short(db_session(), current_actor(), number)
    return _answered(answer, number)


@api.post("/waves/<number>/pack-scans")
@requires("floor.work")
@documented("Scan to pack: the order's number or waybill, then each unit; the order ships "
            "when every unit is verified (by a packer who also holds orders.act)",
            request=PACK_SCAN, tags=TAGS,
            responses={200: ("What the scan did, or why it was refused", ANSWER)},
            examples={"an order": {"code": "SO-000001"}})
def pack_scan(number: str):
    body = json_body(PACK_SCAN)
    visible_wave(number, lock=True)
    answer = scanning.pack_scan(db_session(), current_actor(), number, body["code"],
                                body.get("order"), set(current_user().role_names),
                                may_act=current_user().can(ACTING))
    return _answered(answer, number)


WEIGHING = {"type": "object", "required": ["order", "grams"], "additionalProperties": False,
            "properties": {"order": {**NUMBER, "description": "the order on the bench"},
                           "grams": {"type": "integer", "minimum": 1,
                                     "maximum": scanning.MOST_GRAMS,
                                     "description": "what the parcel weighs"}}}


@api.post("/waves/<number>/weighings")
@requires("floor.work")
@documented("Weigh the parcel of the order on the packing bench: within the warehouse's "
            "tolerance of its expected weight it is accepted (and a parcel whose every "
            "unit is verified closes and ships), outside it refused and on the order's "
            "timeline; weigh again as often as needed",
            request=WEIGHING, tags=TAGS,
            responses={200: ("What the weighing did, or why it was refused", ANSWER)},
            examples={"a parcel": {"order": "SO-000001", "grams": 1250}})
def weigh_parcel(number: str):
    body = json_body(WEIGHING)
    visible_wave(number, lock=True)
    answer = scanning.weigh_scan(db_session(), current_actor(), number, body["order"],
                                 str(body["grams"]), set(current_user().role_names),
                                 may_act=current_user().can(ACTING))
    return _answered(answer, number)


def wave_pdf_response(number: str, kinds: list[str]) -> Response:
    """The wave's documents as one PDF download; the print is logged on the wave."""
    visible_wave(number)
    session = db_session()
    content, filename = printing.wave_pdf(session, current_actor(), number, kinds,
                                          data_of=seen_data)
    session.commit()
    response = Response(content, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


@api.post("/waves/<number>/prints")
@requires("floor.work")
@documented("The wave's packing slips and shipping labels as one PDF, in the order the "
            "orders were sorted to; orders short picked are left out; every print and "
            "reprint is on the wave's log", request=PRINTS, tags=TAGS,
            responses={200: ("application/pdf", None)},
            examples={"labels only": {"documents": ["shipping_label"]}})
def print_wave(number: str):
    body = json_body(PRINTS) if request.get_data() else {}
    return wave_pdf_response(number, body.get("documents") or list(printing.PRINTABLE))

"""Merging and splitting orders over the API: the orders an order could be merged
with, merging, undoing and shipping a merge, splitting an order into parts and
shipping each part, and the merge and split settings."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import current_app
from sqlalchemy import select

from orderloom.designer.published import blueprint_for
from orderloom.platform.api import api
from orderloom.platform.api.body import json_body
from orderloom.platform.auth import current_actor, current_user, requires
from orderloom.platform.database import db_session
from orderloom.platform.field_sight import access_to
from orderloom.platform.lookups import may_act_on, may_act_on_all, order_or_404, seen_numbers
from orderloom.platform.openapi import documented
from orderloom.platform.problems import Problem, invalid
from orderloom.platform.row_access import visible_orders
from orderloom.runtime.consolidation import merging, settings, splitting
from orderloom.runtime.consolidation.candidates import suggest
from orderloom.runtime.consolidation.models import PART_STATUSES, Merge, OrderPart
from orderloom.runtime.consolidation.progress import shipping_progress
from orderloom.runtime.orders.models import Order
from orderloom.runtime.promotions import pre_sale
from orderloom.runtime.shipping.carriers import UnknownCarrier
from orderloom.runtime.shipping.carriers.base import CarrierError
from orderloom.runtime.shipping.models import Shipment

MANAGING = "consolidation.manage"
TIMESTAMP = {"type": ["string", "null"], "format": "date-time"}
NUMBERS = {"type": "array", "items": {"type": "string"}}
MERGE = {"type": "object", "properties": {
    "id": {"type": "integer"}, "status": {"enum": ["merged", "undone"]},
    "orders": {**NUMBERS, "description": "The orders merged, the first placed first"},
    "warehouse": {"type": ["string", "null"], "description": "Where the parcel leaves from"},
    "by": {"enum": ["staff", "rule"]},
    "tracking_number": {"type": ["string", "null"]}, "carrier": {"type": ["string", "null"]},
    "created_by": {"type": "string"}, "created_at": TIMESTAMP,
    "undone_by": {"type": ["string", "null"]}, "undone_at": TIMESTAMP}}
CANDIDATE = {"type": "object", "properties": {
    "number": {"type": "string"}, "channel": {"type": "string"},
    "state": {"type": "string"}, "total": {"type": ["string", "null"]},
    "created_at": TIMESTAMP}}
LINE = {"type": "object", "required": ["sku", "qty"], "additionalProperties": False,
        "properties": {"sku": {"type": "string", "minLength": 1, "maxLength": 64},
                       "qty": {"type": "integer"}}}
PART = {"type": "object", "properties": {
    "position": {"type": "integer"}, "basis": {"type": "string"},
    "status": {"enum": list(PART_STATUSES)}, "warehouse": {"type": ["string", "null"]},
    "lines": {"type": "array", "items": LINE}, "note": {"type": "string"},
    "carrier": {"type": ["string", "null"]}, "tracking_number": {"type": ["string", "null"]}}}
PARTS = {"type": "object", "properties": {
    "progress": {"enum": [None, "not_shipped", "partly_shipped", "shipped"],
                 "description": "How far the parts have shipped; null when not split"},
    "parts": {"type": "array", "items": PART}}}
NEW_MERGE = {"type": "object", "required": ["orders"], "additionalProperties": False,
             "properties": {"orders": {"type": "array", "minItems": 1,
                                       "maxItems": merging.MOST_ORDERS,
                                       "items": {"type": "string", "maxLength": 40},
                                       "description": "The numbers of the orders to merge"}}}
PARCEL = {"type": "object", "required": ["carrier", "tracking_number"],
          "additionalProperties": False, "properties": {
              "carrier": {"type": "string", "maxLength": 40,
                          "description": "A carrier's code (local for the local courier)"},
              "tracking_number": {"type": "string", "maxLength": 100}}}
SPLIT = {"type": "object", "required": ["basis"], "additionalProperties": False,
         "properties": {
             "basis": {"type": "string", "maxLength": 20,
                       "description": "One of " + ", ".join(
                           (*splitting.BASES, pre_sale.SPLIT_BASIS))
                       + "; pre_sale: the lines waiting for a pre-sale release are held "
                         "parts, one per release date, and the rest ships now"},
             "parts": {"type": "array", "maxItems": splitting.MOST_PARTS,
                       "items": {"type": "array", "maxItems": 200, "items": LINE},
                       "description": "hand: each part's lines; what they leave out is one "
                                      "more part"}}}
SETTINGS = {"type": "object", "additionalProperties": False, "properties": {
    "merge_window_hours": {"type": "integer",
                           "description": "Orders placed further apart do not merge"},
    "merge_by_rule": {"type": "boolean",
                      "description": "Merge an arriving order with the open orders of its "
                                     "buyer and address by itself"},
    "parcel_weight_grams": {"type": ["integer", "null"],
                            "description": "Heaviest parcel when splitting by parcel"},
    "parcel_units": {"type": ["integer", "null"],
                     "description": "Most units in a parcel when splitting by parcel"},
    "split_pre_sale": {"type": "boolean",
                       "description": "Split an arriving order's pre-sale lines off into "
                                      "held parts, so the rest ships now"}}}


def _time(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def merge_json(found: Merge) -> dict[str, Any]:
    parcel = db_session().get(Shipment, found.shipment_id) if found.shipment_id else None
    return {"id": found.id, "status": found.status, "orders": seen_numbers(list(found.numbers)),
            "warehouse": found.warehouse, "by": found.by,
            "carrier": parcel.carrier if parcel else None,
            "tracking_number": parcel.tracking_number if parcel else None,
            "created_by": found.created_by, "created_at": _time(found.created_at),
            "undone_by": found.undone_by, "undone_at": _time(found.undone_at)}


def part_json(part: OrderPart, lines_hidden: bool = False) -> dict[str, Any]:
    parcel = db_session().get(Shipment, part.shipment_id) if part.shipment_id else None
    found = {**splitting.described(part), "basis": part.basis, "note": part.note,
             "carrier": parcel.carrier if parcel else None,
             "tracking_number": parcel.tracking_number if parcel else None}
    if lines_hidden:
        found["lines"] = []
    return found


def lines_hidden(order: Order) -> bool:
    """Whether the reader may not see the order's lines (a line-items field or its
    product column hidden from them): then a part's SKUs are not shown either."""
    access = access_to(order.version)
    for f in blueprint_for(order.version).definition["form"]["fields"]:
        if f["type"] != "line_items":
            continue
        product = access.line_products.get(f["key"])
        if f["key"] in access.hidden or product in access.hidden_columns.get(f["key"], ()):
            return True
    return False


def total_text(order: Order) -> str | None:
    """The order's total, unless the reader may not see its total field."""
    if order.total is None or \
            blueprint_for(order.version).total_key in access_to(order.version).hidden:
        return None
    return str(order.total)


def parts_json(order: Order) -> dict[str, Any]:
    session = db_session()
    hidden = lines_hidden(order)
    return {"progress": shipping_progress(session, order.id),
            "parts": [part_json(p, hidden) for p in splitting.parts_of(session, order.id)]}


@contextmanager
def _carrier_problems() -> Iterator[None]:
    """A carrier that is not there or whose credentials cannot be opened, said as the
    shipments API says it, not as a 500."""
    try:
        yield
    except UnknownCarrier as error:
        raise invalid("/carrier", str(error)) from None
    except CarrierError as error:
        raise Problem(502, f"{error}; nothing was stored") from None


def _merge_or_404(merge_id: int) -> Merge:
    session = db_session()
    found = session.get(Merge, merge_id)
    # A merge is seen by whoever may see its first order.
    if found is None or session.scalar(select(Order.id).where(
            Order.id == found.lead_order_id, visible_orders(current_user()))) is None:
        raise Problem(404, f"there is no merge {merge_id}")
    return found


@api.get("/orders/<number>/merge-candidates")
@requires("orders.view")
@documented("The merge the order is in, and the orders it could be merged with: one buyer "
            "and address, open, not picked or shipped, within the merge window",
            tags=("merging",), responses={200: ("The merge and the candidates", {
                "type": "object", "properties": {
                    "merge": {"oneOf": [MERGE, {"type": "null"}]},
                    "candidates": {"type": "array", "items": CANDIDATE}}})})
def merge_candidates(number: str):
    session = db_session()
    order = order_or_404(number)
    found = merging.merge_of(session, order.id)
    others = [] if found else suggest(session, order,
                                      settings.current(session).merge_window_hours,
                                      visible_orders(current_user()))
    return {"merge": merge_json(found) if found else None,
            "candidates": [{"number": o.number, "channel": o.channel, "state": o.state,
                            "total": total_text(o),
                            "created_at": _time(o.created_at)} for o in others]}


@api.post("/merges")
@requires("orders.act")
@documented("Merge orders of one buyer to one address into one parcel, whole or not at "
            "all; stock they hold elsewhere moves to the warehouse the parcel leaves from",
            request=NEW_MERGE, tags=("merging",), examples={
                "two": {"orders": ["SO-000001", "SO-000002"]}},
            responses={201: ("The merge", MERGE)})
def post_merge():
    body = json_body(NEW_MERGE)
    session = db_session()
    ids = []
    for index, number in enumerate(body["orders"]):
        order = session.scalar(select(Order).where(Order.number == number,
                                                   visible_orders(current_user())))
        if order is None:
            raise invalid(f"/orders/{index}", f"there is no order {number!r}")
        ids.append(may_act_on(order).id)
    found = merging.merge(session, current_actor(), ids,
                          settings.current(session).merge_window_hours)
    session.commit()
    return merge_json(found), 201


@api.get("/merges/<int:merge_id>")
@requires("orders.view")
@documented("One merge", tags=("merging",), responses={200: ("The merge", MERGE)})
def get_merge(merge_id: int):
    return merge_json(_merge_or_404(merge_id))


@api.post("/merges/<int:merge_id>/undo")
@requires("orders.act")
@documented("Undo a merge while nothing of its orders is picked and its parcel is not "
            "booked; each order then ships on its own", tags=("merging",),
            responses={200: ("The merge, undone", MERGE)})
def undo_merge(merge_id: int):
    found = _merge_or_404(merge_id)
    may_act_on_all(merging.orders_of(db_session(), found.id), f"there is no merge {merge_id}")
    session = db_session()
    merging.undo(session, current_actor(), found.id)
    session.commit()
    return merge_json(found)


@api.post("/merges/<int:merge_id>/shipment")
@requires("orders.act")
@documented("Record the merge's one parcel; every order of the merge gets its tracking "
            "number, written back to its own channel", request=PARCEL, tags=("merging",),
            examples={"sf": {"carrier": "sf", "tracking_number": "SF1234567890"}},
            responses={201: ("The merge, with its parcel", MERGE)})
def ship_merge(merge_id: int):
    body = json_body(PARCEL)
    found = _merge_or_404(merge_id)
    may_act_on_all(merging.orders_of(db_session(), found.id), f"there is no merge {merge_id}")
    session = db_session()
    with _carrier_problems():
        merging.ship(session, current_actor(), found.id, body["carrier"],
                     body["tracking_number"], instance_key=current_app.config["SECRET_KEY"])
    session.commit()
    return merge_json(found), 201


@api.get("/orders/<number>/parts")
@requires("orders.view")
@documented("The parts a split order ships in, and how far they have shipped",
            tags=("splitting",), responses={200: ("The parts", PARTS)})
def order_parts(number: str):
    return parts_json(order_or_404(number))


@api.post("/orders/<number>/split")
@requires("orders.act")
@documented("Split an open order into parts that ship apart: by warehouse, by stock (ship "
            "what is there, back-order the rest), by parcel limits, by hand with line "
            "quantities, or by pre-sale lines (held until their release, the rest ships "
            "now); again, while no part has shipped", request=SPLIT,
            tags=("splitting",), examples={
                "stock": {"basis": "stock"},
                "hand": {"basis": "hand", "parts": [[{"sku": "TEA-01", "qty": 1}]]}},
            responses={201: ("The parts", PARTS)})
def split_order(number: str):
    body = json_body(SPLIT)
    session = db_session()
    order = may_act_on(order_or_404(number))
    splitting.split(session, current_actor(), order, body["basis"],
                    settings.current(session), body.get("parts"))
    session.commit()
    return parts_json(order), 201


@api.post("/orders/<number>/parts/<int:position>/shipment")
@requires("orders.act")
@documented("Record one part's parcel with its own tracking number; its units leave "
            "stock, the other parts keep theirs held", request=PARCEL, tags=("splitting",),
            examples={"sf": {"carrier": "sf", "tracking_number": "SF1234567891"}},
            responses={201: ("The parts", PARTS)})
def ship_order_part(number: str, position: int):
    body = json_body(PARCEL)
    session = db_session()
    order = may_act_on(order_or_404(number))
    with _carrier_problems():
        splitting.ship_part(session, current_actor(), order, position, body["carrier"],
                            body["tracking_number"],
                            instance_key=current_app.config["SECRET_KEY"])
    session.commit()
    return parts_json(order), 201


@api.post("/orders/<number>/parts/<int:position>/ready")
@requires("orders.act")
@documented("Let a back-ordered part (or a released held one) ship once its stock is "
            "there: its units are held in one warehouse, what the order holds there "
            "already or reserved anew, and it becomes to_ship", tags=("splitting",),
            responses={200: ("The parts", PARTS)})
def ready_order_part(number: str, position: int):
    session = db_session()
    order = may_act_on(order_or_404(number))
    splitting.ready_part(session, current_actor(), order, position)
    session.commit()
    return parts_json(order)


@api.get("/consolidation-settings")
@requires("orders.view")
@documented("The merge and split settings: merge window, merging by rule, parcel limits",
            tags=("merging",), responses={200: ("The settings", SETTINGS)})
def get_consolidation_settings():
    return settings.current(db_session()).as_json()


@api.put("/consolidation-settings")
@requires(MANAGING)
@documented("Change the merge and split settings; what is left out keeps its value; a "
            "wrong value is refused at its pointer", request=SETTINGS, tags=("merging",),
            examples={"window": {"merge_window_hours": 48, "merge_by_rule": True,
                                 "parcel_weight_grams": 20000, "parcel_units": None}},
            responses={200: ("The settings", SETTINGS)})
def put_consolidation_settings():
    body = json_body(SETTINGS)
    session = db_session()
    try:
        new = settings.checked(body, settings.current(session))
    except settings.SettingsError as error:
        raise invalid(error.pointer, error.detail) from None
    settings.store(session, current_actor(), new)
    session.commit()
    return new.as_json()

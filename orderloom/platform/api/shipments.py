"""Carriers and shipments over the API: set carriers up (of the kinds in the carrier
registry, each with its own config schema and sealed secrets) and test their
connection, book shipments of an order, enter the local courier's events, ask a
carrier for a shipment's news, and receive carriers' signed webhooks and pushes."""
from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from flask import current_app, request, url_for
from sqlalchemy import select

from orderloom.db import utcnow
from orderloom.platform.api import api
from orderloom.platform.api.body import json_body
from orderloom.platform.api.destinations import check_destination
from orderloom.platform.auth import current_actor, requires
from orderloom.platform.database import db_session
from orderloom.platform.lookups import may_act_on, order_or_404, shared_with, shipment_or_404
from orderloom.platform.openapi import documented
from orderloom.platform.problems import Problem, invalid
from orderloom.runtime import audit, outbound, sealing
from orderloom.runtime.channels import ingestion
from orderloom.runtime.documents import fulfilment
from orderloom.runtime.errors import OrderError
from orderloom.runtime.orders.models import Order
from orderloom.runtime.shipping import rates, staff_booking, tracking
from orderloom.runtime.shipping.carriers import (
    UnknownCarrier,
    adapter_for,
    companies,
    kind_of,
    kinds,
)
from orderloom.runtime.shipping.carriers.base import (
    STATUSES,
    CarrierError,
    CarrierEvent,
    CarrierKind,
    ForgedPush,
    NumberNeeded,
    PayloadError,
)
from orderloom.runtime.shipping.carriers.local_courier import LocalCourier
from orderloom.runtime.shipping.models import (
    LOCAL,
    Carrier,
    Shipment,
    events_of,
    find_carrier,
    new_secret,
    parcels_carrying,
)

log = logging.getLogger(__name__)

SIGNATURE_HEADER = ingestion.SIGNATURE_HEADER  # one signing scheme for every inbound webhook
CODE = {"type": "string", "pattern": "^[a-z][a-z0-9_-]{0,39}$"}
DEFAULT_KIND = "http"
CARRIER_MEMBERS = {
    "code": CODE,
    "name": {"type": "string", "minLength": 1, "maxLength": 200},
    "kind": {"enum": list(kinds()), "description": "A kind of the carrier registry; "
                                                   f"default {DEFAULT_KIND}"},
    "config": {"type": "object", "description": "What the kind's config schema asks for"},
    "poll_interval_seconds": {"type": "integer", "minimum": 0, "maximum": 86400,
                              "description": "0: webhooks or pushes only, never polled"},
    "active": {"type": "boolean"},
}
# Each kind's config is checked against that kind's schema, so an error points into
# /config where it is.
NEW_CARRIER = {
    "type": "object",
    "required": ["code", "name"],
    "additionalProperties": False,
    "properties": CARRIER_MEMBERS,
    "allOf": [{"if": {"required": ["kind"], "properties": {"kind": {"const": name}}}
               if name != DEFAULT_KIND else {"not": {"required": ["kind"],
                                                     "properties": {"kind": {"not": {
                                                         "const": name}}}}},
               "then": {"properties": {"config": spec.config_schema}}}
              for name, spec in kinds().items()],
}


def _secrets_optional(spec: CarrierKind) -> dict[str, Any]:
    """The kind's config schema for a change: a secret left out keeps the stored one."""
    schema = dict(spec.config_schema)
    if "required" in schema:
        schema["required"] = [m for m in schema["required"] if m not in spec.secrets]
    return schema


CHANGE_CARRIER = {name: {
    "type": "object", "additionalProperties": False,
    "properties": {**{k: v for k, v in CARRIER_MEMBERS.items() if k not in ("code", "kind")},
                   "config": _secrets_optional(spec)}} for name, spec in kinds().items()}
CARRIER = {"type": "object", "properties": {
    "code": {"type": "string"}, "name": {"type": "string"}, "kind": {"type": "string"},
    "abilities": {"type": "array", "items": {"type": "string"}},
    "follows": {"type": "array", "description": "A tracking service: the carriers it follows"},
    "config": {"type": "object"}, "poll_interval_seconds": {"type": "integer"},
    "active": {"type": "boolean"}, "webhook_url": {"type": ["string", "null"]},
    "webhook_secret": {"type": "string", "description": "Only when created or rotated"}}}
NEW_SHIPMENT = {
    "type": "object",
    "required": ["carrier"],
    "additionalProperties": False,
    "properties": {
        "carrier": CODE,
        "tracking_number": {"type": "string", "minLength": 1, "maxLength": 100,
                            "pattern": "\\S",
                            "description": "Already booked: record it without calling the "
                                           "carrier"},
        "warehouse": {"type": "string", "minLength": 1, "maxLength": 50},
        "choose": {"enum": [*rates.MODES, rates.CHOSEN],
                   "description": "Rate shopping: book with the carrier of the cheapest or "
                                  "fastest quote (carrier when none quotes), or 'chosen': "
                                  "carrier was picked from the quotes; the quotes compared "
                                  "go on the order's timeline"},
        "lines": {"type": "array", "minItems": 1, "maxItems": 500,
                  "description": "What this parcel carries when the order ships in several; "
                                 "default: all of it",
                  "items": {"type": "object", "required": ["sku", "qty"],
                            "additionalProperties": False,
                            "properties": {"sku": {"type": "string", "minLength": 1,
                                                   "maxLength": 100},
                                           "qty": {"type": "integer", "minimum": 1,
                                                   "maximum": 1000000}}}},
    },
}
EVENT_IN = {
    "type": "object",
    "required": ["status"],
    "additionalProperties": False,
    "properties": {
        "status": {"enum": list(STATUSES)},
        "description": {"type": "string", "maxLength": 500},
        "location": {"type": "string", "maxLength": 200},
        "occurred_at": {"type": "string", "description": "ISO 8601; default now"},
    },
}
TRACKING_EVENT = {"type": "object", "properties": {
    "status": {"type": "string"}, "description": {"type": "string"},
    "location": {"type": "string"}, "occurred_at": {"type": "string"},
    "received_at": {"type": "string"}}}
SHIPMENT = {"type": "object", "properties": {
    "id": {"type": "integer"}, "order": {"type": "string"}, "carrier": {"type": "string"},
    "tracking_number": {"type": "string"}, "status": {"type": "string"},
    "warehouse": {"type": ["string", "null"]}, "label": {"type": "object"},
    "tracking_url": {"type": "string"}, "created_at": {"type": "string"},
    "shipped_at": {"type": ["string", "null"]}, "delivered_at": {"type": ["string", "null"]},
    "events": {"type": "array", "items": TRACKING_EVENT}}}
CONNECTION_TEST = {"type": "object", "properties": {
    "ok": {"type": "boolean"}, "detail": {"type": "string"}}}
WEBHOOK_RESULT = {"type": "object", "properties": {
    "recorded": {"type": "integer"}, "duplicates": {"type": "integer"},
    "unknown": {"type": "array", "items": {"type": "string"}},
    "transitions": {"type": "array", "items": {"type": "string"}}}}


# --- carriers ---------------------------------------------------------------------------------

def _iso(moment) -> str | None:
    return moment.isoformat() if moment is not None else None


def _runner() -> Any:
    """The process's job runner, which runs a staff booking's job in the request."""
    from orderloom.platform.app import JOBS  # the app module imports this one

    return current_app.extensions[JOBS].runner


def _instance_key() -> str:
    return current_app.config["SECRET_KEY"]


def _spec(carrier: Carrier) -> CarrierKind | None:
    return kind_of(carrier.kind)


def carrier_json(carrier: Carrier, secret: bool = False) -> dict[str, Any]:
    spec = _spec(carrier)
    hidden = spec.secrets if spec is not None else ()
    config = {k: ("***" if k in hidden else v) for k, v in (carrier.config or {}).items()}
    if carrier.credentials:
        # Credentials go in, never out: the answer says only that one is set.
        config.update({name: "***" for name in hidden})
    answer = {
        "code": carrier.code, "name": carrier.name, "kind": carrier.kind,
        "abilities": sorted(spec.abilities) if spec is not None else [],
        "follows": [{"carrier": code, **entry} for code, entry in companies(carrier).items()],
        "config": config,
        "poll_interval_seconds": carrier.poll_interval_seconds, "active": carrier.active,
        "webhook_url": url_for("api.carrier_webhook", code=carrier.code, _external=True),
        "created_at": _iso(carrier.created_at), "updated_at": _iso(carrier.updated_at)}
    if secret:
        answer["webhook_secret"] = carrier.webhook_secret
    return answer


def _local_json() -> dict[str, Any]:
    return {"code": LOCAL, "name": LocalCourier.name, "kind": "local", "config": {},
            "poll_interval_seconds": 0, "active": True, "webhook_url": None,
            "builtin": True}


def _carrier(code: str) -> Carrier:
    carrier = find_carrier(db_session(), code)
    if carrier is None:
        detail = ("the local courier is built in and has nothing to set up" if code == LOCAL
                  else f"there is no carrier {code!r}")
        raise Problem(404, detail)
    return carrier


def _check_urls(spec: CarrierKind, config: dict[str, Any]) -> None:
    for member in spec.url_members:
        check_destination(config.get(member), f"/config/{member}")


def _check_polling(spec: CarrierKind, config: dict[str, Any], interval: int) -> None:
    if interval and not spec.queries(config):
        if spec.query_needs:
            raise invalid(f"/config/{spec.query_needs}", "is required to poll the carrier "
                                                         "(poll_interval_seconds is above 0)")
        raise invalid("/poll_interval_seconds", f"a {spec.label} carrier cannot be asked "
                                                "for news; leave it 0")
    if bool(config.get("auth_header")) != bool(config.get("auth_value")):
        missing = "auth_value" if config.get("auth_header") else "auth_header"
        raise invalid(f"/config/{missing}", "auth_header and auth_value go together")
    problem = outbound.header_problem(config["auth_header"]) if config.get("auth_header") \
        else None
    if problem:
        raise invalid("/config/auth_header", problem)


def sealed_config(spec: CarrierKind,
                  config: dict[str, Any]) -> tuple[dict[str, Any], str | None]:
    """The config without its secrets, and the secrets sealed (None: there are none)."""
    secrets = {k: config[k] for k in spec.secrets if config.get(k)}
    kept = {k: v for k, v in config.items() if k not in spec.secrets}
    return kept, sealing.seal_json(_instance_key(), secrets) if secrets else None


def stored_secrets(carrier: Carrier, spec: CarrierKind) -> dict[str, Any]:
    """The carrier's secrets as stored: sealed, or (set up before sealing) in config."""
    try:
        opened = sealing.unseal_json(_instance_key(), carrier.credentials)
    except (sealing.SealError, ValueError):
        opened = {}
    legacy = {k: (carrier.config or {})[k] for k in spec.secrets
              if (carrier.config or {}).get(k)}
    return {**legacy, **opened}


def _setting(spec: CarrierKind, config: dict[str, Any], member: str) -> Any:
    """A config member as it counts: left out, its schema's default."""
    default = spec.config_schema.get("properties", {}).get(member, {}).get("default")
    return config.get(member, default)


def _with_callback(spec: CarrierKind, code: str, config: dict[str, Any]) -> dict[str, Any]:
    """A service that pushes to an address it is told is told this carrier's webhook
    address unless the administrator gave another (a proxy's)."""
    if spec.signs_own_pushes and "callback_url" in spec.config_schema.get("properties", {}) \
            and not config.get("callback_url"):
        config = {**config, "callback_url": url_for("api.carrier_webhook", code=code,
                                                    _external=True)}
    return config


@api.get("/carriers")
@requires("carriers.manage")
@documented("Carriers: the built-in local courier and the carriers set up here",
            tags=("carriers",), responses={200: ("Carriers", {"type": "object"})})
def list_carriers():
    rows = db_session().scalars(select(Carrier).order_by(Carrier.code))
    return {"carriers": [_local_json(), *(carrier_json(c) for c in rows)]}


@api.post("/carriers")
@requires("carriers.manage")
@documented("Set up a carrier of a kind of the carrier registry (docs/logistics.md). The "
            "kind's secret config members are sealed and answered as ***. The answer "
            "carries the webhook secret, shown this once", request=NEW_CARRIER,
            tags=("carriers",),
            responses={201: ("The carrier, with its webhook secret", CARRIER)})
def create_carrier():
    carrier = set_up_carrier(json_body(NEW_CARRIER))
    answer = carrier_json(carrier, secret=True)
    db_session().commit()
    return answer, 201, {"Location": url_for("api.get_carrier", code=carrier.code)}


def set_up_carrier(body: dict[str, Any]) -> Carrier:
    """Add the carrier ``body`` (valid against NEW_CARRIER) describes, its secrets sealed;
    raises Problem pointing at what does not fit. The caller commits."""
    session = db_session()
    if body["code"] == LOCAL:
        raise invalid("/code", "'local' is the built-in local courier; choose another code")
    if find_carrier(session, body["code"]) is not None:
        raise Problem(409, f"there is already a carrier {body['code']!r}",
                      errors=[{"pointer": "/code", "detail": "is taken"}])
    kind = body.get("kind", DEFAULT_KIND)
    spec = kinds()[kind]
    config = _with_callback(spec, body["code"], body.get("config", {}))
    for member in spec.secrets:
        if config.get(member) == "***":
            raise invalid(f"/config/{member}", "give the secret itself: *** stands for one "
                                               "stored already")
    interval = body.get("poll_interval_seconds", 0)
    _check_urls(spec, config)
    _check_polling(spec, config, interval)
    config, credentials = sealed_config(spec, config)
    now = utcnow()
    carrier = Carrier(code=body["code"], name=body["name"], kind=kind,
                      config=config, credentials=credentials, webhook_secret=new_secret(),
                      poll_interval_seconds=interval, active=body.get("active", True),
                      created_at=now, updated_at=now)
    session.add(carrier)
    session.flush()
    audit.record(session, current_actor(), "carrier.created", "carrier", carrier.code)
    return carrier


@api.get("/carriers/<code>")
@requires("carriers.manage")
@documented("One carrier; credentials are shown as ***", tags=("carriers",),
            responses={200: ("The carrier", CARRIER)})
def get_carrier(code: str):
    if code == LOCAL:
        return _local_json()
    return carrier_json(_carrier(code))


@api.patch("/carriers/<code>")
@requires("carriers.manage")
@documented("Change a carrier. A config given replaces the old one, except that a secret "
            "(an auth_value, a key) left out or sent as *** keeps the stored one, unless an "
            "address it is sent to changes: then the secret must be given again",
            request=CHANGE_CARRIER, tags=("carriers",),
            responses={200: ("The carrier", CARRIER)})
def change_carrier(code: str):
    carrier = _carrier(code)
    spec = _spec(carrier)
    if spec is None:
        raise Problem(409, f"carrier {code!r} is of kind {carrier.kind!r}, which this "
                           "installation does not have")
    body = json_body(CHANGE_CARRIER[carrier.kind])
    if "config" in body:
        config = _with_callback(spec, carrier.code, dict(body["config"]))
        stored = carrier.config or {}
        _check_urls(spec, config)
        moved = [m for m in spec.url_members
                 if config.get(m) and config.get(m) != stored.get(m)]
        moved += [m for m in spec.secrets_bound_to
                  if _setting(spec, config, m) != _setting(spec, stored, m)]
        kept = stored_secrets(carrier, spec)
        for member in spec.secrets:
            if config.get(member) == "***":  # as answered: keep the stored one
                config.pop(member)
            if not config.get(member) and member in kept:
                if moved:
                    # Kept, the stored credential would go to an address its owner never
                    # gave it for: whoever moves the URL must know the credential.
                    raise invalid(f"/config/{member}", f"{moved[0]} changed: give the "
                                  "credential again for the new address")
                config[member] = kept[member]
        for member in spec.config_schema.get("required", []):
            if member in spec.secrets and not config.get(member):
                raise invalid(f"/config/{member}", "is required: the carrier has none stored")
        body["config"] = config
    config = body.get("config")
    if config is None:
        config = {**(carrier.config or {}), **stored_secrets(carrier, spec)}
    _check_polling(spec, config, body.get("poll_interval_seconds",
                                          carrier.poll_interval_seconds))
    if "config" in body:
        carrier.config, carrier.credentials = sealed_config(spec, body["config"])
    for member in ("name", "poll_interval_seconds", "active"):
        if member in body:
            setattr(carrier, member, body[member])
    carrier.updated_at = utcnow()
    session = db_session()
    audit.record(session, current_actor(), "carrier.changed", "carrier", carrier.code,
                 members=sorted(body))
    session.commit()
    return carrier_json(carrier)


@api.post("/carriers/<code>/secret")
@requires("carriers.manage")
@documented("Make a new webhook secret; the old one stops working at once",
            tags=("carriers",), responses={200: ("The carrier, with the new secret", CARRIER)})
def rotate_carrier_secret(code: str):
    carrier = _carrier(code)
    carrier.webhook_secret = new_secret()
    carrier.updated_at = utcnow()
    session = db_session()
    audit.record(session, current_actor(), "carrier.secret_rotated", "carrier", carrier.code)
    answer = carrier_json(carrier, secret=True)
    session.commit()
    return answer


@api.post("/carriers/<code>/test")
@requires("carriers.manage")
@documented("Test a carrier's connection with its account details with one harmless "
            "call: ok, or what the carrier said is wrong (a wrong key, an unknown "
            "account). 422 pointing at the setting to fix when the carrier names it "
            "(SF Express: a check word that is not the partner ID's)", tags=("carriers",),
            responses={200: ("The outcome", CONNECTION_TEST)})
def test_carrier(code: str):
    outcome = connection_test(_carrier(code))
    if outcome.get("pointer"):
        # The carrier refused a setting it names: the answer points at it to fix.
        raise Problem(422, outcome["detail"], errors=[{"pointer": outcome["pointer"],
                                                       "detail": outcome["detail"]}])
    return outcome


def connection_test(carrier: Carrier) -> dict[str, Any]:
    """Ask the carrier whether it accepts the account; the carriers page shows it too."""
    try:
        adapter = adapter_for(db_session(), carrier.code, _instance_key())
    except CarrierError as error:
        return {"ok": False, "detail": str(error)}
    check = getattr(adapter, "check", None)
    if check is None:
        return {"ok": False, "detail": f"a {carrier.kind} carrier has no connection test"}
    try:
        return {"ok": True, "detail": check()}
    except CarrierError as error:
        outcome = {"ok": False, "detail": str(error)}
        setting = getattr(error, "setting", None)
        if setting:
            outcome["pointer"] = f"/config/{setting}"
        return outcome


# --- shipments --------------------------------------------------------------------------------

def shipment_json(shipment: Shipment, with_events: bool = True,
                  order: Order | None = None) -> dict[str, Any]:
    """The shipment as the API shows it, as a parcel of ``order`` (by default the order
    it was booked under): a merge's parcel carries several orders, and ``shared_with``
    names the others the reader may see."""
    order = order or shipment.order
    answer = {
        "id": shipment.id, "order": order.number, "shared_with": shared_with(shipment, order),
        "carrier": shipment.carrier,
        "tracking_number": shipment.tracking_number, "status": shipment.status,
        "warehouse": shipment.warehouse, "label": shipment.label,
        "tracking_url": url_for("pages.track", code=shipment.public_token, _external=True),
        "created_at": _iso(shipment.created_at), "shipped_at": _iso(shipment.shipped_at),
        "delivered_at": _iso(shipment.delivered_at)}
    if with_events:
        answer["events"] = [
            {"status": e.status, "description": e.description, "location": e.location,
             "occurred_at": _iso(e.occurred_at), "received_at": _iso(e.received_at)}
            for e in events_of(db_session(), shipment.id)]
    return answer


@api.get("/orders/<number>/shipments")
@requires("orders.view")
@documented("The shipments of an order with their tracking events, oldest first",
            tags=("shipments",), responses={200: ("Shipments", {"type": "object"})})
def order_shipments(number: str):
    order = order_or_404(number)
    return {"shipments": [shipment_json(s, order=order)
                          for s in parcels_carrying(db_session(), order.id)]}


@api.post("/orders/<number>/shipments")
@requires("orders.act")
@documented("Ship (part of) an order: book it with the carrier, or record a tracking "
            "number already booked. 502 when the carrier fails; nothing is stored then. "
            "Booking by quote (choose) commits the carrier chosen and the booking's "
            "reference before the carrier is called: a 502 then says the booking may "
            "have gone through and names it (booking), and asking again books with the "
            "same carrier and reference; another carrier chosen while it is unconfirmed "
            "is 409 (cancel it at /orders/{number}/bookings/{id}/cancel), as is asking "
            "while it is running",
            request=NEW_SHIPMENT, tags=("shipments",),
            responses={201: ("The shipment", SHIPMENT)})
def create_shipment(number: str):
    body = json_body(NEW_SHIPMENT)
    session = db_session()
    order = may_act_on(order_or_404(number))
    lines = _parcel_lines(session, order, body.get("lines"))
    if body.get("choose") and body.get("tracking_number"):
        raise invalid("/choose", "a parcel with a tracking number is booked already; "
                                 "leave out choose or tracking_number")
    key = _instance_key()
    try:
        if body.get("choose"):
            # Settled and committed before the carrier is called, so a click again
            # after a lost answer books the same parcel with the same reference.
            booking = staff_booking.settle(session, current_actor(), order, body["choose"],
                                           carrier=body["carrier"],
                                           warehouse=body.get("warehouse"), lines=lines,
                                           instance_key=key)
            session.commit()
            shipment = staff_booking.run(session, _runner(), booking)
        else:
            shipment = tracking.book(session, current_actor(), order, body["carrier"],
                                     tracking_number=body.get("tracking_number"),
                                     warehouse=body.get("warehouse"), lines=lines,
                                     instance_key=key)
    except UnknownCarrier as error:
        raise invalid("/carrier", str(error)) from None
    except NumberNeeded as error:
        raise invalid("/tracking_number", str(error)) from None
    except CarrierError as error:
        raise Problem(502, f"{error}; nothing was stored") from None
    except staff_booking.BookingError:
        raise  # its own family names the booking under way
    except OrderError as error:
        if error.status != 409:
            raise
        # A conflict here is a tracking number that is taken already.
        raise Problem(409, error.message, errors=[
            {"pointer": "/tracking_number", "detail": error.message}]) from None
    answer = shipment_json(shipment)
    session.commit()
    return answer, 201, {"Location": url_for("api.get_shipment", shipment_id=shipment.id)}


BOOKING = {"type": "object", "properties": {
    "id": {"type": "integer"}, "carrier": {"type": "string"},
    "reference": {"type": "string", "description": "What the carrier deduplicates on "
                                                   "(SF's orderId)"},
    "status": {"type": "string"}}}


@api.post("/orders/<number>/bookings/<int:booking_id>/cancel")
@requires("orders.act")
@documented("Stop an unconfirmed booking of a parcel by quote (the carrier did not "
            "answer), so that another carrier may be chosen. The carrier may have booked "
            "the parcel all the same: cancel it with the carrier too. 409 while the "
            "booking is running", tags=("shipments",),
            responses={200: ("The booking, stopped", BOOKING)})
def cancel_booking(number: str, booking_id: int):
    session = db_session()
    order = may_act_on(order_or_404(number))
    job = staff_booking.cancel(session, current_actor(), order, booking_id)
    answer = staff_booking.described(job)
    session.commit()
    return answer


def _parcel_lines(session, order, given: list[dict[str, Any]] | None):
    """The parcel's lines, each an SKU of the order in at most the quantity ordered."""
    if given is None:
        return None
    ordered: dict[str, int] = {}
    for line in fulfilment.order_lines(session, order):
        if line["sku"] is not None and isinstance(line["quantity"], int):
            ordered[str(line["sku"])] = ordered.get(str(line["sku"]), 0) + line["quantity"]
    packed: dict[str, int] = {}
    for index, line in enumerate(given):
        sku = line["sku"]
        if sku not in ordered:
            raise invalid(f"/lines/{index}/sku", f"{sku!r} is not on order {order.number}")
        packed[sku] = packed.get(sku, 0) + line["qty"]
        if packed[sku] > ordered[sku]:
            raise invalid(f"/lines/{index}/qty", f"the order has {ordered[sku]} of {sku}, "
                                                 f"not {packed[sku]}")
    return [{"sku": sku, "qty": qty} for sku, qty in packed.items()]


@api.get("/shipments/<int:shipment_id>")
@requires("orders.view")
@documented("One shipment with its tracking events", tags=("shipments",),
            responses={200: ("The shipment", SHIPMENT)})
def get_shipment(shipment_id: int):
    return shipment_json(shipment_or_404(shipment_id))


@api.post("/shipments/<int:shipment_id>/events")
@requires("orders.act")
@documented("Enter a tracking event of a shipment of the local courier or of a carrier "
            "not set up under Carriers (set-up carriers report their own). Sending the "
            "same event again records nothing",
            request=EVENT_IN, tags=("shipments",),
            responses={201: ("Recorded", SHIPMENT), 200: ("Already recorded", SHIPMENT)})
def add_tracking_event(shipment_id: int):
    body = json_body(EVENT_IN)
    shipment = shipment_or_404(shipment_id)
    may_act_on(shipment.order)
    if not tracking.entered_by_staff(db_session(), shipment):
        raise Problem(409, f"shipment {shipment_id} is carried by {shipment.carrier!r}, whose "
                           "events come from the carrier itself")
    occurred_at = utcnow()
    if body.get("occurred_at"):
        occurred_at = _moment(body["occurred_at"])
    session = db_session()
    outcome = tracking.record(session, shipment, [CarrierEvent(
        tracking_number=shipment.tracking_number, status=body["status"],
        occurred_at=occurred_at, description=body.get("description", ""),
        location=body.get("location", ""), raw={"entered_by": current_actor().name})])
    answer = shipment_json(shipment)
    session.commit()
    return answer, 201 if outcome.recorded else 200


@api.post("/shipments/<int:shipment_id>/refresh")
@requires("orders.act")
@documented("Ask the carrier for the shipment's news now and record what is new. 502 when "
            "the carrier fails; nothing is recorded then", tags=("shipments",),
            responses={200: ("The shipment", SHIPMENT)})
def refresh_shipment(shipment_id: int):
    shipment = shipment_or_404(shipment_id)
    may_act_on(shipment.order)
    session = db_session()
    try:
        tracking.refresh(session, shipment, _instance_key())
    except UnknownCarrier as error:
        raise Problem(409, f"{error}: no carrier to ask; its news is entered by hand") \
            from None
    except CarrierError as error:
        raise Problem(502, f"{error}; nothing was recorded") from None
    answer = shipment_json(shipment)
    session.commit()
    return answer


def _moment(raw: str) -> datetime:
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        raise invalid("/occurred_at", "must be an ISO 8601 time such as "
                                      "2026-11-25T09:30:00+08:00") from None
    if moment.tzinfo is None:
        raise invalid("/occurred_at", "must say its zone, e.g. +08:00 or Z")
    if moment.astimezone(UTC) > utcnow():
        raise invalid("/occurred_at", "is in the future")
    return moment.astimezone(UTC)


# --- carrier webhooks -------------------------------------------------------------------------

def _signed(view: Callable) -> Callable:
    """The carrier proves itself with an HMAC of the body under its webhook secret."""

    @functools.wraps(view)
    def wrapper(code: str):
        carrier = find_carrier(db_session(), code)
        if carrier is None or not carrier.active:
            raise Problem(404, f"there is no active carrier {code!r}")
        body = request.get_data(cache=True)
        spec = _spec(carrier)
        if spec is not None and spec.signs_own_pushes:
            # A tracking service signs its pushes its own way; its adapter checks.
            return service_push(carrier, body)
        header = request.headers.get(SIGNATURE_HEADER)
        if not ingestion.signature_matches(carrier.webhook_secret, body, header):
            log.warning("carrier %s: refused a webhook of %s bytes with a %s signature",
                        code, len(body), "wrong" if header else "missing")
            raise Problem(401, f"missing or wrong {SIGNATURE_HEADER} header: send "
                               "sha256=<hex HMAC-SHA256 of the body with the carrier's "
                               "webhook secret>")
        return view(carrier, body)

    # A guard of its own (the signature), recorded as the permission walk reads it.
    wrapper.required_permission = None  # type: ignore[attr-defined]
    wrapper.requires_login = True  # type: ignore[attr-defined]
    return wrapper


@api.post("/carriers/<code>/webhook")
@_signed
@documented("A carrier reports tracking events, signed with X-Orderloom-Signature: "
            "sha256=<hex HMAC-SHA256 of the body with the carrier's webhook secret>. A "
            "re-delivered event records nothing. 404 when no event names a known shipment",
            tags=("carriers",), public=True,
            responses={200: ("What was recorded", WEBHOOK_RESULT),
                       401: ("Missing or wrong signature", None)})
def carrier_webhook(carrier: Carrier, body: bytes):
    session = db_session()
    try:
        events = adapter_for(session, carrier.code, _instance_key()).parse_webhook(
            body, request.headers)
    except PayloadError as error:
        raise invalid(error.pointer, error.message) from None
    by_number: dict[str, list[CarrierEvent]] = {}
    for event in events:
        by_number.setdefault(event.tracking_number, []).append(event)
    shipments = {s.tracking_number: s for s in session.scalars(
        select(Shipment).where(Shipment.carrier == carrier.code,
                               Shipment.tracking_number.in_(sorted(by_number))))}
    unknown = sorted(set(by_number) - set(shipments))
    if events and not shipments:
        raise Problem(404, f"carrier {carrier.code!r} has no shipment with tracking number "
                           f"{', '.join(unknown)}")
    result = {"recorded": 0, "duplicates": 0, "unknown": unknown, "transitions": []}
    for number, shipment in sorted(shipments.items()):
        outcome = tracking.record(session, shipment, by_number[number])
        result["recorded"] += len(outcome.recorded)
        result["duplicates"] += outcome.duplicates
        result["transitions"] += outcome.transitions
    session.commit()
    return result


def service_push(carrier: Carrier, body: bytes):
    """A tracking service's push, answered in the service's own words: a forged one is
    refused with nothing read or changed, a repeated one records nothing new."""
    session = db_session()
    try:
        adapter = adapter_for(session, carrier.code, _instance_key())
    except CarrierError as error:
        log.error("carrier %s: cannot read its pushes: %s", carrier.code, error)
        raise Problem(503, f"carrier {carrier.code!r} cannot read pushes now: {error}") \
            from None
    try:
        events = adapter.parse_webhook(body, request.headers)
    except ForgedPush as error:
        log.warning("carrier %s: refused a push of %s bytes: %s", carrier.code, len(body),
                    error)
        return adapter.push_answer(str(error)), 401
    except PayloadError as error:
        log.warning("carrier %s: refused a push: %s", carrier.code, error)
        return adapter.push_answer(str(error)), 422
    by_waybill: dict[tuple[str, str], list[CarrierEvent]] = {}
    for event in events:
        by_waybill.setdefault((event.carrier or carrier.code, event.tracking_number),
                              []).append(event)
    numbers = sorted({number for _code, number in by_waybill})
    shipments = {(s.carrier, s.tracking_number): s for s in session.scalars(
        select(Shipment).where(Shipment.tracking_number.in_(numbers)))}
    for waybill, news in sorted(by_waybill.items()):
        shipment = shipments.get(waybill)
        if shipment is None:
            # Accepted all the same: refused, the service would push it again forever.
            log.info("carrier %s: a push of %s %s, which is no shipment here",
                     carrier.code, *waybill)
            continue
        tracking.record(session, shipment, news)
    session.commit()
    return adapter.push_answer(None)

"""Sales channels over the API: set them up, receive their orders, handle dead
letters, import orders from spreadsheets and export them back."""
from __future__ import annotations

import functools
import json
import logging
from collections.abc import Callable
from typing import Any

from flask import current_app, g, request, url_for
from sqlalchemy import select

from orderloom.db import utcnow
from orderloom.designer.blueprint import published_blueprint, to_json
from orderloom.designer.field_access import field_access
from orderloom.platform import query_args
from orderloom.platform.api import api, import_progress
from orderloom.platform.api.body import json_body, uploaded_file
from orderloom.platform.api.destinations import (
    another_host,
    check_credentials_given_again,
    check_destination,
    check_secure_destination,
)
from orderloom.platform.api.downloads import file_response
from orderloom.platform.api.orders import order_filter
from orderloom.platform.auth import current_actor, current_user, requires
from orderloom.platform.database import db_session
from orderloom.platform.design import preview_calendar
from orderloom.platform.field_sight import limit_search, roles_of_request, seen_data
from orderloom.platform.lookups import get_or_404
from orderloom.platform.openapi import documented
from orderloom.platform.problems import Problem, invalid
from orderloom.platform.row_access import find_type, visible_orders
from orderloom.runtime import audit, sealing
from orderloom.runtime.audit import Actor
from orderloom.runtime.channels import (
    crm_deals,
    file_columns,
    ingestion,
    order_files,
    store_deliveries,
    store_stock,
)
from orderloom.runtime.channels.mapping import MappingError, apply_mapping, check_mapping
from orderloom.runtime.channels.models import (
    ACCEPTED,
    APPLIED,
    CRM_KINDS,
    DEAD_LETTER,
    DUPLICATE,
    HELD,
    KINDS,
    PULLED_KINDS,
    PUSHED_KINDS,
    RESERVED_KEYS,
    STORE_KINDS,
    STORE_UPDATE_POLICIES,
    UNCHANGED,
    Channel,
    InboundOrder,
    add_channel,
    find_channel,
    new_secret,
)
from orderloom.runtime.channels.platforms import PLATFORMS, platform_for
from orderloom.runtime.channels.presets import PRESETS
from orderloom.runtime.channels.stores import fitted_mapping
from orderloom.runtime.engine import type_rules
from orderloom.runtime.errors import OrderError
from orderloom.runtime.orders.search import order_query

log = logging.getLogger(__name__)

MAPPING = {"type": "object", "description": "fields, lines and external_id; see "
                                            "docs/channels.md"}
STOCK_SYNC = {
    "stock_push_url": {"type": ["string", "null"], "maxLength": 500, "pattern": "^https?://",
                       "description": "Where available stock is POSTed, at a public address "
                                      "unless ORDERLOOM_OUTBOUND_ALLOW allows it; null: no "
                                      "pushes"},
    "safety_stock": {"type": "integer", "minimum": 0},
    "skus": {"type": "array", "items": {"type": "string", "minLength": 1, "maxLength": 64},
             "uniqueItems": True, "description": "SKUs the channel sells; [] means every SKU"},
    "push_interval_seconds": {"type": "integer", "minimum": 0, "maximum": 86400},
}
STORE = {
    "webhook_secret": {"type": "string", "minLength": 1, "maxLength": 500,
                       "description": "Store kinds: the secret the store signs its webhooks "
                                      "with; kept encrypted, never shown again"},
    "store_url": {"type": ["string", "null"], "maxLength": 500, "pattern": "^https?://",
                  "description": "Store kinds: the store's address"},
    "credentials": {"type": "object", "maxProperties": 8,
                    "additionalProperties": {"type": ["string", "null"], "minLength": 1,
                                             "maxLength": 500},
                    "description": "Store kinds: API credentials (shopify: access_token, "
                                   "api_key, api_secret; woocommerce: consumer_key, "
                                   "consumer_secret); kept encrypted, never shown again. "
                                   "On a change, the named ones replace the saved ones, "
                                   "null removes one, and those not named stay"},
    "store_update_policy": {"enum": list(STORE_UPDATE_POLICIES),
                            "description": "Store kinds: what the store's changes to an "
                                           "order here do"},
}
NEW_CHANNEL = {
    "type": "object",
    "required": ["key", "name", "kind", "order_type"],
    "additionalProperties": False,
    "properties": {
        "key": {"type": "string", "pattern": "^[a-z][a-z0-9_-]{0,39}$"},
        "name": {"type": "string", "minLength": 1, "maxLength": 200},
        "kind": {"enum": list(KINDS)},
        "order_type": {"type": "string", "maxLength": 63},
        "mapping": MAPPING,
        "active": {"type": "boolean"},
        **STOCK_SYNC,
        **STORE,
    },
}
CHANGE_CHANNEL = {
    "type": "object",
    "additionalProperties": False,
    "properties": {k: v for k, v in NEW_CHANNEL["properties"].items()
                   if k in ("name", "order_type", "mapping", "active", *STOCK_SYNC, *STORE)},
}
MAPPING_TEST = {
    "type": "object",
    "required": ["order_type", "mapping", "sample"],
    "additionalProperties": False,
    "properties": {
        "order_type": {"type": "string", "maxLength": 63},
        "mapping": MAPPING,
        "sample": {"type": ["object", "array"],
                   "description": "A payload, or the rows of a file as objects"},
    },
}
CHANNEL = {"type": "object", "properties": {
    "key": {"type": "string"}, "name": {"type": "string"}, "kind": {"type": "string"},
    "order_type": {"type": "string"}, "mapping": MAPPING, "active": {"type": "boolean"},
    "endpoint": {"type": ["string", "null"]}, **STOCK_SYNC,
    "store_url": {"type": ["string", "null"]},
    "store_update_policy": {"type": ["string", "null"]},
    "webhook_secret": {"type": ["string", "null"], "description": "Store kinds: masked"},
    "credentials": {"type": ["object", "null"], "description": "Store kinds: names, masked"},
    "secret": {"type": "string", "description": "Only when created or rotated"},
    "not_carried": {"type": "array", "items": {"type": "string"},
                    "description": "Store kinds created without a mapping: what of the "
                                   "store's orders the order type has no field for, and "
                                   "the field that would hold it"}}}
INBOUND = {"type": "object", "properties": {
    "id": {"type": "integer"}, "channel": {"type": "string"}, "status": {"type": "string"},
    "external_id": {"type": ["string", "null"]}, "order": {"type": ["string", "null"]},
    "error": {"type": ["object", "null"]}, "attempts": {"type": "integer"}}}
MAX_PAGE = 200


# --- channels ---------------------------------------------------------------------------------

def channel_json(channel: Channel) -> dict[str, Any]:
    return {
        "key": channel.key, "name": channel.name, "kind": channel.kind,
        "order_type": channel.order_type_key, "mapping": channel.mapping,
        "active": channel.active, "stock_push_url": channel.stock_push_url,
        "safety_stock": channel.safety_stock, "skus": channel.skus,
        "push_interval_seconds": channel.push_interval_seconds,
        "endpoint": (url_for("api.channel_orders", key=channel.key)
                     if channel.kind in PUSHED_KINDS else None),
        "created_at": channel.created_at.isoformat(),
        "updated_at": channel.updated_at.isoformat(),
        **(_store_json(channel) if channel.kind in STORE_KINDS else {}),
    }


def _store_json(channel: Channel) -> dict[str, Any]:
    # Secrets are never answered, only that they are set (and which credentials are).
    try:
        names = sorted(sealing.unseal_json(_instance_key(), channel.credentials))
    except (sealing.SealError, ValueError):
        names = []
    return {"store_url": channel.store_url, "store_update_policy": channel.store_update_policy,
            "webhook_secret": sealing.masked(channel.secret),
            "credentials": {name: sealing.masked(name) for name in names}}


def _instance_key() -> str:
    return current_app.config["SECRET_KEY"]


def _store_settings(kind: str, body: dict[str, Any], saved: Channel | None = None
                    ) -> dict[str, Any]:
    """The store members of ``body`` as channel columns, secrets sealed; 422 at the
    member when it does not fit the kind. On a change of the ``saved`` channel,
    credentials named replace the saved ones of the same name, so a page can send only
    the one that changed; a store address on another host takes none of the saved ones
    along, and must come with that store's credentials."""
    platform = platform_for(kind)
    if platform is None:
        for member in STORE:
            if member in body:
                raise invalid(f"/{member}", f"is only for {' and '.join(STORE_KINDS)} "
                                            f"channels, not {kind}")
        return {}
    if saved is None and not body.get("webhook_secret"):
        raise invalid("/webhook_secret", f"is required: copy the secret {platform.name} "
                                         "signs its webhooks with (docs/channels.md)")
    settings: dict[str, Any] = {}
    if "webhook_secret" in body:
        settings["secret"] = sealing.seal(_instance_key(), body["webhook_secret"])
    if "store_url" in body:
        check_secure_destination(body["store_url"], "/store_url")
        settings["store_url"] = body["store_url"]
    if "credentials" in body:
        for name in body["credentials"]:
            if name not in platform.credential_names:
                raise invalid(f"/credentials/{name}",
                              f"is not a {platform.name} credential; give "
                              f"{', '.join(platform.credential_names)}")
    moved = saved is not None and another_host(saved.store_url, body.get("store_url"))
    if moved:
        check_credentials_given_again(saved.store_url, bool(saved.credentials),
                                      body["store_url"], body.get("credentials"))
    if "credentials" in body or moved:
        # The saved credentials were given for the saved store: a store on another host
        # takes none of them along.
        kept = {} if saved is None or moved else \
            sealing.unseal_json(_instance_key(), saved.credentials)
        merged = {name: value for name, value in {**kept, **body.get("credentials", {})}
                  .items() if value is not None}
        settings["credentials"] = (sealing.seal_json(_instance_key(), merged)
                                   if merged else None)
    if "store_update_policy" in body:
        settings["store_update_policy"] = body["store_update_policy"]
    return settings


def _channel(key: str) -> Channel:
    channel = find_channel(db_session(), key)
    if channel is None:
        raise Problem(404, f"there is no channel {key!r}")
    return channel


def _check_mapping(kind: str, order_type_key: str, mapping: dict[str, Any]) -> None:
    session = db_session()
    if find_type(session, current_user(), order_type_key) is None:
        raise invalid("/order_type", f"there is no order type {order_type_key!r}")
    definition = ingestion.published_definition(session, order_type_key)
    if definition is None:
        raise invalid("/order_type", f"order type {order_type_key!r} has no published "
                                     "version yet; publish it first")
    problems = [p.as_json() for p in check_mapping(mapping, definition)]
    if kind != "manual" and "external_id" not in mapping:
        problems.append({"pointer": "/external_id", "detail": "is required, so that a "
                         "re-delivered order is recognised and not created twice"})
    if problems:
        for problem in problems:
            problem["pointer"] = "/mapping" + problem["pointer"]
        summary = "; ".join(f"{p['pointer']}: {p['detail']}" for p in problems[:3])
        raise Problem(422, summary, errors=problems)


@api.get("/channels")
@requires("channels.manage")
@documented("Every sales channel", tags=("channels",),
            responses={200: ("Channels", {"type": "array", "items": CHANNEL})})
def list_channels():
    channels = db_session().scalars(select(Channel).order_by(Channel.key))
    return [channel_json(c) for c in channels]


@api.post("/channels")
@requires("channels.manage")
@documented("Create a channel; the answer holds its signing secret, shown this once",
            request=NEW_CHANNEL, tags=("channels",), responses={201: ("The channel", CHANNEL)})
def create_channel():
    body = json_body(NEW_CHANNEL)
    session = db_session()
    if body["key"] in RESERVED_KEYS:
        raise invalid("/key", f"{body['key']!r} is reserved; choose another key")
    if find_channel(session, body["key"]) is not None:
        raise Problem(409, f"a channel with the key {body['key']!r} exists already")
    if body["kind"] in PULLED_KINDS:
        raise invalid("/kind", "a marketplace channel is made with POST "
                               "/api/v1/marketplace-channels, which takes its API setting")
    if body["kind"] in CRM_KINDS:
        raise invalid("/kind", "a CRM channel is made with POST /api/v1/crm-channels, "
                               "which takes its won stages and the CRM's credentials")
    store = _store_settings(body["kind"], body)
    mapping = body.get("mapping", {})
    not_carried: list[str] | None = None
    if "mapping" not in body and body["kind"] in STORE_KINDS:
        # A store connects with no mapping to write: the store order's mapping onto the
        # fields that declare what they hold; the merchant is told what finds no field.
        definition = ingestion.published_definition(session, body["order_type"])
        if definition is not None:
            fitted = fitted_mapping(definition)
            mapping, not_carried = fitted.mapping, fitted.not_carried
    _check_mapping(body["kind"], body["order_type"], mapping)
    check_destination(body.get("stock_push_url"), "/stock_push_url")
    channel = add_channel(session, current_actor(), key=body["key"], name=body["name"],
                          kind=body["kind"], order_type_key=body["order_type"],
                          mapping=mapping, active=body.get("active", True),
                          **{member: body[member] for member in STOCK_SYNC if member in body},
                          **store)
    answer = channel_json(channel)
    if channel.kind not in STORE_KINDS:
        answer["secret"] = channel.secret
    if not_carried is not None:
        answer["not_carried"] = not_carried
    session.commit()
    return answer, 201, {"Location": url_for("api.get_channel", key=channel.key)}


@api.get("/channels/<key>")
@requires("channels.manage")
@documented("One channel (its secret is never shown again)", tags=("channels",),
            responses={200: ("The channel", CHANNEL)})
def get_channel(key: str):
    return channel_json(_channel(key))


@api.patch("/channels/<key>")
@requires("channels.manage")
@documented("Change a channel's name, order type, mapping, active switch or stock sync",
            request=CHANGE_CHANNEL, tags=("channels",), responses={200: ("The channel", CHANNEL)})
def change_channel(key: str):
    body = json_body(CHANGE_CHANNEL)
    session = db_session()
    channel = _channel(key)
    if "mapping" in body or "order_type" in body:
        _check_mapping(channel.kind, body.get("order_type", channel.order_type_key),
                       body.get("mapping", channel.mapping))
    check_destination(body.get("stock_push_url"), "/stock_push_url")
    store = _store_settings(channel.kind, body, saved=channel)
    if channel.kind in STORE_KINDS and another_host(channel.store_url, body.get("store_url")):
        # In the same transaction: a push must never reach the new store with the old
        # store's product ids or location.
        store_stock.forget_store(session, channel.key)
    for member, attribute in (("name", "name"), ("order_type", "order_type_key"),
                              ("mapping", "mapping"), ("active", "active"),
                              *((member, member) for member in STOCK_SYNC)):
        if member in body:
            setattr(channel, attribute, body[member])
    for column, value in store.items():
        setattr(channel, column, value)
    channel.updated_at = utcnow()
    # The names of what changed, never the values: secrets stay out of the audit trail.
    audit.record(session, current_actor(), "channel.changed", "channel", channel.key,
                 changed=sorted(body))
    session.commit()
    return channel_json(channel)


@api.post("/channels/<key>/secret")
@requires("channels.manage")
@documented("Replace the channel's signing secret; the new one is shown this once and the "
            "old one stops working at once", tags=("channels",),
            responses={200: ("The channel with its new secret", CHANNEL)})
def rotate_secret(key: str):
    session = db_session()
    channel = _channel(key)
    if channel.kind in STORE_KINDS:
        raise Problem(409, f"channel {key!r} checks the secret {PLATFORMS[channel.kind].name} "
                           "signs with; when it changes there, send the new one with PATCH "
                           f"/api/v1/channels/{key} {{\"webhook_secret\": ...}}")
    if channel.kind == crm_deals.KIND:
        raise Problem(409, f"channel {key!r} checks the secret HubSpot signs with (the app's "
                           "client secret); when it changes there, send the new one with "
                           f"PATCH /api/v1/crm-channels/{key} {{\"client_secret\": ...}}")
    made = new_secret()
    # A CRM channel's secret is kept sealed, as its deals' webhook reads it (crm_channels).
    channel.secret = sealing.seal(_instance_key(), made) if channel.kind in CRM_KINDS \
        else made
    channel.updated_at = utcnow()
    audit.record(session, current_actor(), "channel.secret_rotated", "channel", channel.key)
    answer = {**channel_json(channel), "secret": made}
    session.commit()
    return answer


@api.get("/channel-presets")
@requires("channels.manage")
@documented("Mapping templates for common payload shapes", tags=("channels",),
            responses={200: ("Presets", {"type": "array", "items": {"type": "object"}})})
def channel_presets():
    return PRESETS


@api.post("/channel-mappings/test")
@requires("channels.manage")
@documented("Map a sample payload (or the rows of a file) and check the result against the "
            "order form; nothing is stored", request=MAPPING_TEST, tags=("channels",),
            responses={200: ("The mapped order data and its problems", {"type": "object"})})
def test_mapping():
    body = json_body(MAPPING_TEST, exact_numbers=True)
    definition = ingestion.published_definition(db_session(), body["order_type"])
    if definition is None:
        raise invalid("/order_type", f"order type {body['order_type']!r} does not exist or "
                                     "has no published version")
    mapping = body["mapping"]
    problems = check_mapping(mapping, definition)
    if problems:
        return {"problems": [_prefixed(p.as_json(), "/mapping") for p in problems]}
    # Published, so it was checked with the workspace's roles then (custom roles too).
    blueprint = published_blueprint(definition)
    calendar = preview_calendar(db_session())
    db_session().rollback()  # end the read: on SQLite every transaction holds the write lock
    if isinstance(body["sample"], dict):
        return _tried(mapping, body["sample"], definition, blueprint, calendar)
    if "external_id" not in mapping:
        raise invalid("/mapping/external_id", "is required to group a file's rows into orders")
    rows = [(number, row) for number, row in enumerate(body["sample"], start=2)
            if isinstance(row, dict)]
    # The sample's columns, as a file's header names them: a formula may test a column
    # that one row leaves out.
    columns = list(dict.fromkeys(key for _, row in rows for key in row))
    orders = []
    for group in order_files.group_rows(rows, mapping):
        tried = _tried(mapping, group.payload(columns), definition, blueprint, calendar)
        orders.append({"rows": group.numbers, **tried})
    return {"orders": orders, "problems": []}


def _tried(mapping, payload, definition, blueprint, calendar) -> dict[str, Any]:
    try:
        mapped = apply_mapping(mapping, payload, definition, calendar)
    except MappingError as error:
        return {"external_id": None, "data": None,
                "problems": [p.as_json() for p in error.problems]}
    values = blueprint.compute(mapped.data, calendar=calendar)
    return {"external_id": mapped.external_id, "data": to_json(values),
            "problems": [_prefixed(p.as_json(), "/order")
                         for p in blueprint.problems(values, calendar=calendar)]}


def _prefixed(problem: dict[str, Any], prefix: str) -> dict[str, Any]:
    return {**problem, "pointer": prefix + problem["pointer"]}


# --- receiving orders ---------------------------------------------------------------------

def _not_verified() -> Problem:
    """The one answer to a store delivery whose signature is not verified, whatever
    the reason (missing, wrong, or a secret this instance cannot read)."""
    return Problem(401, "the delivery's signature was not verified; nothing was stored")


def _signed_or_token(view: Callable) -> Callable:
    """A webhook channel's sender proves itself with the signature of the body; any other
    channel's with an API token holding orders.create."""

    @functools.wraps(view)
    def wrapper(key: str):
        channel = _channel(key)
        platform = platform_for(channel.kind)
        if platform is not None:
            body = request.get_data(cache=True)
            if platform.is_ping(request.headers, body):
                # Saving the webhook in the store: answered, nothing stored.
                return {"ping": True, "channel": channel.key}, 200
            header = request.headers.get(platform.signature_header)
            try:
                secret = sealing.unseal(_instance_key(), channel.secret)
            except sealing.SealError as error:
                # The operator's log says why; the sender is told no more than for a
                # wrong signature, so no answer tells a prober anything about the
                # instance or the channel.
                log.error("channel %s: %s", key, error)
                raise _not_verified() from None
            if not platform.signature_matches(secret, body, header):
                log.warning("channel %s: refused a delivery of %s bytes with a %s %s",
                            key, len(body), "wrong" if header else "missing",
                            platform.signature_header)
                raise _not_verified()
            g.channel_actor = Actor(user_id=None, name=f"channel:{key}", via="api")
        elif channel.kind == "webhook":
            body = request.get_data(cache=True)
            header = request.headers.get(ingestion.SIGNATURE_HEADER)
            if not ingestion.signature_matches(channel.secret, body, header):
                log.warning("channel %s: refused a delivery of %s bytes with a %s signature",
                            key, len(body), "wrong" if header else "missing")
                raise Problem(401, f"missing or wrong {ingestion.SIGNATURE_HEADER} header: "
                                   "send sha256=<hex HMAC-SHA256 of the body with the "
                                   "channel's secret>")
            g.channel_actor = Actor(user_id=None, name=f"channel:{key}", via="api")
        else:
            user = current_user()
            if user is None:
                raise Problem(401, "send an API token (Authorization: Bearer <token>)")
            if not user.can("orders.create"):
                raise Problem(403, "your roles do not include the permission "
                                   "'orders.create'")
            g.channel_actor = current_actor()
        return view(channel)

    # A guard of its own (signature or token), recorded as the permission walk reads it.
    wrapper.required_permission = "orders.create"  # type: ignore[attr-defined]
    wrapper.requires_login = True  # type: ignore[attr-defined]
    return wrapper


@api.post("/channels/<key>/orders")
@_signed_or_token
@documented("Deliver one order payload. 201 created, 200 a re-delivery (duplicate: true, "
            "nothing changed), 202 kept as a dead letter (do not resend; fix and retry it "
            "here). Webhook channels sign the body (X-Orderloom-Signature: sha256=<hex>); "
            "other channels send an API token with orders.create",
            tags=("channels",), responses={201: ("The order was created", INBOUND),
                                           200: ("A duplicate", INBOUND),
                                           202: ("Kept as a dead letter", INBOUND)})
def channel_orders(channel: Channel):
    if channel.kind not in PUSHED_KINDS:
        raise Problem(409, f"channel {channel.key!r} is a {channel.kind} channel; only "
                           "webhook, rest and pos channels receive orders here")
    if not channel.active:
        raise Problem(409, f"channel {channel.key!r} is switched off; nothing was stored")
    session = db_session()
    platform = platform_for(channel.kind)
    if platform is not None:
        return _store_delivery(channel, platform)
    receipt = ingestion.receive(session, channel, request.get_data(cache=True),
                                g.channel_actor)
    answer = inbound_json(receipt.inbound, receipt.order.number if receipt.order else None)
    # The same bytes again, after they became an order: the kept delivery, as a duplicate.
    answer["duplicate"] = receipt.status == DUPLICATE
    session.commit()
    return answer, _STATUS[receipt.status]


def _store_delivery(channel: Channel, platform):
    session = db_session()
    delivery = platform.delivery(request.headers)
    if delivery is None:
        # Answered 2xx all the same: a store resends anything else for days.
        topic = request.headers.get(platform.topic_header) or "(none)"
        return {"ignored": True, "detail": f"topic {topic!r} is not one this channel acts "
                                           f"on ({', '.join(platform.topics)}); nothing "
                                           "was stored"}, 200
    receipt, repeated = store_deliveries.receive(session, channel, platform, delivery,
                                                 request.get_data(cache=True),
                                                 g.channel_actor)
    answer = inbound_json(receipt.inbound, receipt.order.number if receipt.order else None)
    session.commit()
    if repeated:
        return {**answer, "duplicate": True, "repeated_delivery": True}, 200
    return answer, _STATUS[receipt.status]


_STATUS = {ACCEPTED: 201, DUPLICATE: 200, DEAD_LETTER: 202, APPLIED: 200, HELD: 200,
           UNCHANGED: 200}


def inbound_json(inbound: InboundOrder, number: str | None = None,
                 with_body: bool = False) -> dict[str, Any]:
    answer = {
        "id": inbound.id, "channel": inbound.source, "status": inbound.status,
        "duplicate": inbound.status == DUPLICATE, "external_id": inbound.external_id,
        "order": number, "error": inbound.error, "attempts": inbound.attempts,
        "topic": inbound.topic, "delivery_id": inbound.delivery_id,
        "received_at": inbound.received_at.isoformat(),
        "processed_at": inbound.processed_at.isoformat(),
    }
    if with_body:
        answer["body"] = inbound.body
    return answer


def _number_of(inbound: InboundOrder) -> str | None:
    from orderloom.runtime.orders.models import Order

    if inbound.order_id is None:
        return None
    order = db_session().get(Order, inbound.order_id)
    return order.number if order else None


@api.get("/channels/<key>/dead-letters")
@requires("channels.manage")
@documented("Payloads of the channel that could not become orders, newest first",
            tags=("channels",), responses={200: ("Dead letters", {"type": "object"})})
def dead_letters(key: str):
    channel = _channel(key)
    limit = query_args.whole(request.args, "limit", 50, low=1, high=MAX_PAGE)
    query = (select(InboundOrder)
             .where(InboundOrder.source == channel.key, InboundOrder.status == DEAD_LETTER)
             .order_by(InboundOrder.id.desc()))
    before = query_args.cursor(request.args)
    if before is not None:
        query = query.where(InboundOrder.id < before)
    found = list(db_session().scalars(query.limit(limit + 1)))
    page = found[:limit]
    return {"dead_letters": [inbound_json(i) for i in page],
            "next": (url_for("api.dead_letters", key=key, limit=limit, before=page[-1].id)
                     if len(found) > limit else None)}


def _inbound(inbound_id: int) -> InboundOrder:
    return get_or_404(InboundOrder, inbound_id, "inbound order")


@api.get("/inbound/<int:inbound_id>")
@requires("channels.manage")
@documented("One delivered payload as it was received, and what became of it",
            tags=("channels",), responses={200: ("The inbound order", INBOUND)})
def get_inbound(inbound_id: int):
    inbound = _inbound(inbound_id)
    return inbound_json(inbound, _number_of(inbound), with_body=True)


@api.post("/inbound/<int:inbound_id>/retry")
@requires("channels.manage")
@documented("Process a dead letter again with its channel's current mapping: 201 when it "
            "became an order, 200 when the order had arrived meanwhile, 422 with the "
            "problems when it still cannot", tags=("channels",),
            responses={201: ("The order was created", INBOUND), 200: ("A duplicate", INBOUND)})
def retry_inbound(inbound_id: int):
    session = db_session()
    inbound = _inbound(inbound_id)
    try:
        if inbound.channel is not None and platform_for(inbound.channel.kind) is not None:
            # A store's order held at once when it arrives cancelled, or news waited.
            receipt = store_deliveries.retry(session, inbound, current_actor())
        elif inbound.channel is not None and inbound.channel.kind in CRM_KINDS:
            # A deal's order links its customer to the CRM's contact and company.
            receipt = crm_deals.retry(session, inbound, current_actor())
        else:
            receipt = ingestion.retry(session, inbound, current_actor())
    except OrderError as error:
        raise Problem(409, error.message) from None
    audit.record(session, current_actor(), "inbound.retried", "inbound_order", inbound.id,
                 status=inbound.status)
    answer = inbound_json(inbound, receipt.order.number if receipt.order else None)
    session.commit()
    if receipt.status == DEAD_LETTER:
        error = inbound.error or {}
        raise Problem(422, error.get("detail", "the payload still cannot become an order"),
                      errors=error.get("errors"), extra={"inbound": answer})
    return answer, _STATUS[receipt.status]


# --- spreadsheets ---------------------------------------------------------------------------

@api.post("/order-imports")
@requires("orders.create")
@documented("Import orders from a CSV or xlsx file (multipart field `file`): ?order_type=, "
            "mapping (JSON, query or form field) or ?channel= of a file channel, ?preview=1 "
            "maps and checks without storing. Each order is created whole or not at all. "
            "An order report and its line report (Tmall) are sent as `file` and "
            "`lines_file` and joined by the mapping's order id column. "
            "A file of more than 500 rows, or ?background=1, is imported in the background: "
            "202 with the import run, whose progress GET /order-imports/{id} answers",
            tags=("channels",), responses={200: ("The import report", {"type": "object"})})
def import_orders():
    content, filename = uploaded_file()
    session = db_session()
    args = {**request.args, **request.form}
    channel = None
    if args.get("channel"):
        channel = _channel(args["channel"])
    order_type_key = args.get("order_type") or (channel.order_type_key if channel else None)
    if not order_type_key:
        raise invalid("/order_type", "is required", status=422)
    if "mapping" in args:
        try:
            mapping = json.loads(args["mapping"])
        except ValueError:
            raise invalid("/mapping", "is not valid JSON") from None
    elif channel is not None:
        mapping = channel.mapping
    else:
        raise invalid("/mapping", "is required (or name a file channel with ?channel=)")
    _check_mapping("file", order_type_key, mapping if isinstance(mapping, dict) else [])
    lines_upload = request.files.get("lines_file")
    # A form's file input left empty is sent as a part with no name and no content.
    lines_content = lines_upload.read() if lines_upload is not None else b""
    try:
        if lines_upload is not None and (lines_content or lines_upload.filename):
            # An order report and its line report (Tmall's 订单报表 and 宝贝报表), joined
            # into one file of one row per line by the mapping's order id column.
            if not isinstance(mapping, dict) or not file_columns.order_id_column(mapping):
                raise invalid("/mapping/external_id", "a column path (\"$.订单编号\") is "
                                                      "needed to join the line report")
            content = order_files.join_line_report(
                order_files.read_sheet(content, filename),
                order_files.read_sheet(lines_content, lines_upload.filename or ""),
                file_columns.order_id_column(mapping) or "", filename)
        columns, rows = order_files.read_sheet(content, filename)
        if isinstance(mapping, dict):
            order_files.check_columns(columns, mapping, filename)
    except order_files.FileError as error:
        raise invalid("/file", str(error)) from None
    definition = ingestion.published_definition(session, order_type_key)
    # The orders are created for the system's file import, but entering them is this
    # person's choice: their roles must be let through by the type's access.
    if definition is not None:
        type_rules.check(definition, order_type_key, "create", current_actor(),
                         current_user().role_names)
    preview = args.get("preview", "0") in ("1", "true", "yes")
    if not preview and import_progress.in_background(args, rows):
        return import_progress.start_run(
            session, rows, content, filename, order_type_key=order_type_key, mapping=mapping,
            source=channel.key if channel else order_files.import_source(order_type_key),
            channel_id=channel.id if channel else None)
    report = order_files.import_rows(
        session, current_actor(), rows, order_type_key, definition, mapping,
        source=channel.key if channel else order_files.import_source(order_type_key),
        channel_id=channel.id if channel else None, preview=preview, columns=columns)
    if preview:
        session.rollback()
    else:
        audit.record(session, current_actor(), "orders.imported", "order_type",
                     order_type_key, rows=report.total_rows, created=len(report.created),
                     duplicates=len(report.duplicates), failed=len(report.failed))
        session.commit()
    return report.as_json(preview)


@api.get("/orders/export")
@requires("orders.view")
@documented("Orders as CSV or xlsx (?format=csv|xlsx), one row per line item with the "
            "order's columns repeated; ?order_type= gives every field of that type, and the "
            "filters of GET /orders apply", tags=("orders",),
            responses={200: ("The file", None)})
def export_orders():
    session = db_session()
    kind = query_args.choice(request.args, "format", ("csv", "xlsx"), "csv")
    spec = order_filter(request.args)
    key = request.args.get("order_type")
    if key:
        order_type = find_type(session, current_user(), key)
        if order_type is None:
            raise Problem(404, f"there is no order type {key!r}")
        spec.order_type_id = order_type.id
        definition = ingestion.published_definition(session, key) or order_type.draft
        columns, lines_key = order_files.export_columns(
            field_access(definition, roles_of_request()).without_hidden(definition))
    else:
        columns, lines_key = list(order_files.ORDER_COLUMNS), None
    # Oldest first, so a re-import numbers the orders in the order they were made.
    orders = list(reversed(list(session.scalars(
        order_query(limit_search(session, spec), visible=visible_orders(current_user()))))))
    rows = order_files.export_rows(orders, columns, lines_key, data_of=seen_data)
    name = f"orders-{key or 'all'}-{utcnow():%Y%m%d}"
    if kind == "xlsx":
        return file_response(order_files.write_xlsx(columns, rows), name, kind)
    # Built before answering: the rows come from this request's session.
    return file_response("".join(order_files.write_csv(columns, rows)), name, kind)

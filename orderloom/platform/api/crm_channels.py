"""CRM channels over the API: connect HubSpot (its app's client secret, a private
app's access token, the deal stages that mean won), test the connection, receive its
deal webhooks and read what was told back. The deals themselves are
runtime/channels/crm_deals.py, the notes back runtime/channels/crm_updates.py."""
from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any

from flask import current_app, g, request, url_for

from orderloom.db import utcnow
from orderloom.platform.api import api
from orderloom.platform.api.body import json_body
from orderloom.platform.api.destinations import check_destination
from orderloom.platform.auth import current_actor, requires
from orderloom.platform.database import db_session
from orderloom.platform.openapi import documented
from orderloom.platform.problems import Problem, invalid
from orderloom.runtime import audit, sealing
from orderloom.runtime.audit import Actor
from orderloom.runtime.channels import (
    crm_deals,
    crm_updates,
    crm_webhook,
    hubspot,
    ingestion,
)
from orderloom.runtime.channels.mapping import check_mapping
from orderloom.runtime.channels.models import (
    CRM_KINDS,
    RESERVED_KEYS,
    Channel,
    add_channel,
    find_channel,
    new_secret,
)
from orderloom.runtime.channels.stores import fitted_mapping

log = logging.getLogger(__name__)

SECRET_TEXT = {"type": "string", "minLength": 1, "maxLength": 500}
STAGES = {"type": "array", "minItems": 1, "maxItems": 50, "uniqueItems": True,
          "items": {"type": "string", "minLength": 1, "maxLength": 100},
          "description": "The deal stage ids that mean won (HubSpot's default pipeline: "
                         "closedwon; each other pipeline has its own ids)"}
CHANGEABLE = {
    "name": {"type": "string", "minLength": 1, "maxLength": 200},
    "api_url": {"type": "string", "maxLength": 500, "pattern": "^https?://",
                "description": "HubSpot's API address; https://api.hubapi.com when left out"},
    "won_stages": STAGES,
    "client_secret": {**SECRET_TEXT, "description": "The app's client secret, which signs "
                                                    "its webhooks: kept encrypted, never "
                                                    "shown again"},
    "access_token": {**SECRET_TEXT, "description": "A private app's access token with the "
                                                   "CRM scopes of docs/erp-crm.md: kept "
                                                   "encrypted, never shown again"},
    "active": {"type": "boolean"},
}
NEW = {"type": "object", "additionalProperties": False,
       "required": ["key", "name", "order_type", "won_stages"],
       "properties": {"key": {"type": "string", "pattern": "^[a-z][a-z0-9_-]{0,39}$"},
                      "kind": {"enum": list(CRM_KINDS),
                               "description": "crm_hubspot (the default): HubSpot's own "
                                              "webhooks; crm: a CRM posting its deals "
                                              "signed with the secret answered once"},
                      "order_type": {"type": "string", "maxLength": 63},
                      "mapping": {"type": "object"},
                      **CHANGEABLE}}
CHANGE = {"type": "object", "additionalProperties": False, "properties": CHANGEABLE}
ANSWER = {"type": "object"}
RECENT_UPDATES = 20


def _instance_key() -> str:
    return current_app.config["SECRET_KEY"]


def _crm_channel(key: str) -> tuple[Channel, crm_deals.CrmConnection]:
    channel = find_channel(db_session(), key)
    if channel is None:
        raise Problem(404, f"there is no channel {key!r}")
    connection = crm_deals.connection_of(db_session(), channel)
    if connection is None:
        raise Problem(409, f"channel {key!r} is a {channel.kind} channel, not a CRM channel")
    return channel, connection


def crm_json(channel: Channel, connection: crm_deals.CrmConnection) -> dict[str, Any]:
    session = db_session()
    return {"key": channel.key, "name": channel.name, "kind": channel.kind,
            "order_type": channel.order_type_key, "active": channel.active,
            "api_url": connection.api_url, "won_stages": connection.won_stages,
            "mapping": channel.mapping,
            "webhook_url": url_for("api.crm_deal_webhook", key=channel.key, _external=True),
            # Secrets are never answered, only that they are set.
            "client_secret": sealing.masked(channel.secret),
            "access_token": sealing.masked(channel.credentials) if channel.credentials
            else None,
            "updates": [update_json(u) for u in
                        crm_updates.channel_attempts(session, channel.key, RECENT_UPDATES)]}


def update_json(update: crm_updates.CrmUpdate) -> dict[str, Any]:
    return {"id": update.id, "order_id": update.order_id, "event": update.event,
            "attempt": update.attempt, "outcome": update.outcome, "detail": update.detail,
            "remote_id": update.remote_id, "at": update.at.isoformat()}


def _checked_mapping(order_type_key: str, mapping: dict[str, Any] | None
                     ) -> tuple[dict[str, Any], list[str]]:
    """The mapping given, else the store order mapping fitted to the order type, and
    what of a deal the order type cannot hold."""
    definition = ingestion.published_definition(db_session(), order_type_key)
    if definition is None:
        raise invalid("/order_type", f"order type {order_type_key!r} does not exist or has "
                                     "no published version yet; publish it first")
    not_carried: list[str] = []
    if mapping is None:
        fitted = fitted_mapping(definition)
        mapping, not_carried = fitted.mapping, fitted.not_carried
    errors = [{**p.as_json(), "pointer": "/mapping" + p.as_json()["pointer"]}
              for p in check_mapping(mapping, definition)]
    if errors:
        raise Problem(422, "; ".join(f"{e['pointer']}: {e['detail']}" for e in errors[:3]),
                      errors=errors)
    return mapping, not_carried


@api.post("/crm-channels")
@requires("channels.manage")
@documented("Connect HubSpot as a channel whose won deals become orders; secrets are kept "
            "encrypted and never shown again", request=NEW, tags=("channels",),
            responses={201: ("The channel", ANSWER)})
def create_crm_channel():
    body = json_body(NEW)
    session = db_session()
    if body["key"] in RESERVED_KEYS:
        raise invalid("/key", f"{body['key']!r} is reserved; choose another key")
    if find_channel(session, body["key"]) is not None:
        raise Problem(409, f"a channel with the key {body['key']!r} exists already")
    kind = body.get("kind", crm_deals.KIND)
    if kind == crm_deals.KIND:
        for member in ("client_secret", "access_token"):
            if member not in body:
                raise invalid(f"/{member}", "is required to connect HubSpot")
    else:
        _only_for_hubspot(body)
    mapping, not_carried = _checked_mapping(body["order_type"], body.get("mapping"))
    api_url = body.get("api_url") or (hubspot.API_URL if kind == crm_deals.KIND else "")
    if api_url:
        check_destination(api_url, "/api_url")
    key = _instance_key()
    # A CRM posting its own deals signs them with a secret made here, shown this once.
    made_secret = new_secret() if kind == crm_deals.GENERIC else None
    channel = add_channel(session, current_actor(), key=body["key"], name=body["name"],
                          kind=kind, order_type_key=body["order_type"],
                          mapping=mapping, active=body.get("active", True),
                          secret=sealing.seal(key, made_secret or body["client_secret"]),
                          credentials=sealing.seal_json(
                              key, {"access_token": body["access_token"]})
                          if "access_token" in body else None)
    connection = crm_deals.CrmConnection(channel=channel.key, api_url=api_url,
                                         won_stages=body["won_stages"])
    session.add(connection)
    session.flush()
    answer = crm_json(channel, connection)
    answer["not_carried"] = not_carried
    if made_secret:
        answer["secret"] = made_secret
    session.commit()
    return answer, 201, {"Location": url_for("api.get_crm_channel", key=channel.key)}


def _only_for_hubspot(body: dict[str, Any]) -> None:
    for member in ("client_secret", "access_token", "api_url"):
        if member in body:
            raise invalid(f"/{member}", "is only for crm_hubspot channels: a crm channel's "
                                        "CRM posts its deals, and Orderloom makes its secret")


@api.get("/crm-channels/<key>")
@requires("channels.manage")
@documented("A CRM channel, with its latest updates told back to the CRM",
            tags=("channels",), responses={200: ("The channel", ANSWER)})
def get_crm_channel(key: str):
    return crm_json(*_crm_channel(key))


@api.patch("/crm-channels/<key>")
@requires("channels.manage")
@documented("Change a CRM channel; a secret given replaces the saved one",
            request=CHANGE, tags=("channels",), responses={200: ("The channel", ANSWER)})
def change_crm_channel(key: str):
    body = json_body(CHANGE)
    channel, connection = _crm_channel(key)
    instance_key = _instance_key()
    if channel.kind == crm_deals.GENERIC:
        _only_for_hubspot(body)
    if "api_url" in body:
        check_destination(body["api_url"], "/api_url")
        connection.api_url = body["api_url"]
    if "won_stages" in body:
        connection.won_stages = body["won_stages"]
    if "client_secret" in body:
        channel.secret = sealing.seal(instance_key, body["client_secret"])
    if "access_token" in body:
        channel.credentials = sealing.seal_json(instance_key,
                                                {"access_token": body["access_token"]})
    for member in ("name", "active"):
        if member in body:
            setattr(channel, member, body[member])
    channel.updated_at = utcnow()
    session = db_session()
    session.flush()
    # Which members changed, never their values: two of them are secrets.
    audit.record(session, current_actor(), "channel.changed", "channel", key,
                 members=sorted(body))
    answer = crm_json(channel, connection)
    session.commit()
    return answer


@api.post("/crm-channels/<key>/test")
@requires("channels.manage")
@documented("Read a deal with the saved address and token: says whether they work",
            tags=("channels",), responses={200: ("They work", ANSWER)})
def test_crm_channel(key: str):
    channel, connection = _crm_channel(key)
    if channel.kind == crm_deals.GENERIC:
        raise Problem(409, f"channel {key!r} is a crm channel: its CRM posts the deals and "
                           "Orderloom never calls it, so there is no connection to test")
    try:
        token = crm_deals.access_token(channel, _instance_key())
        said = hubspot.connection(connection.api_url, token)
    except crm_deals.NotConnected as missing:
        raise invalid(missing.fix, missing.detail) from None
    except hubspot.CrmCallFailed as failure:
        if failure.fix:
            raise Problem(502, failure.detail,
                          errors=[{"pointer": failure.fix, "detail": failure.detail}]) \
                from None
        raise Problem(502, failure.detail) from None
    return {"ok": True, "detail": said}


# --- receiving deals ------------------------------------------------------------------------

def _signed_by_hubspot(view: Callable) -> Callable:
    """HubSpot proves itself with X-HubSpot-Signature-v3 over the request and a fresh
    timestamp; one answer for every refusal, so a prober learns nothing."""

    @functools.wraps(view)
    def wrapper(key: str):
        channel = find_channel(db_session(), key)
        connection = crm_deals.connection_of(db_session(), channel) if channel else None
        if channel is None or connection is None:
            raise Problem(404, f"there is no CRM channel {key!r}")
        body = request.get_data(cache=True)
        try:
            secret = sealing.unseal(_instance_key(), channel.secret)
        except sealing.SealError as error:
            log.error("channel %s: %s", key, error)
            secret = ""
        if channel.kind == crm_deals.GENERIC:
            signed = crm_webhook.signature_matches(secret, body, request.headers, utcnow())
            headers = (crm_webhook.SIGNATURE_HEADER, crm_webhook.TIMESTAMP_HEADER)
        else:
            signed = hubspot.signature_matches(secret, request.method, _signed_uri(), body,
                                               request.headers, utcnow())
            headers = (hubspot.SIGNATURE_HEADER, hubspot.TIMESTAMP_HEADER)
        if not signed:
            log.warning("channel %s: refused a deal webhook of %s bytes (signature missing, "
                        "wrong or stale)", key, len(body))
            raise Problem(401, f"the request's {headers[0]} was not verified, or its "
                               f"{headers[1]} is more than five minutes off; nothing was "
                               "stored")
        g.channel_actor = Actor(user_id=None, name=f"channel:{key}", via="api")
        return view(channel, connection, body)

    # A guard of its own (the signature), recorded as the permission walk reads it.
    wrapper.required_permission = None  # type: ignore[attr-defined]
    wrapper.requires_login = True  # type: ignore[attr-defined]
    return wrapper


def _signed_uri() -> str:
    """The address HubSpot was given and signed: under the instance's public address
    when one is set (a proxy in front changes the scheme and host we see)."""
    from orderloom.platform.app import JOBS  # the app module imports this one

    public = current_app.extensions[JOBS].runner.public_url
    if not public:
        return request.url
    query = request.query_string.decode("latin-1")
    return public.rstrip("/") + request.path + (f"?{query}" if query else "")


@api.post("/crm-channels/<key>/deals")
@_signed_by_hubspot
@documented("The CRM's deals: HubSpot's webhook of deal stage changes "
            "(X-HubSpot-Signature-v3), or a crm channel's posted deal (X-Orderloom-Signature "
            "over the X-Orderloom-Timestamp and the body). A deal in a won stage becomes an "
            "order once; other stages store nothing. 200 with "
            "what became of each deal; 503 when HubSpot's API could not be read (HubSpot "
            "sends the webhook again)", tags=("channels",),
            responses={200: ("What became of each deal", ANSWER)})
def crm_deal_webhook(channel: Channel, connection: crm_deals.CrmConnection, body: bytes):
    if not channel.active:
        raise Problem(409, f"channel {channel.key!r} is switched off; nothing was stored")
    try:
        events = ingestion.read_payload(body)
    except ValueError as error:
        raise invalid("", str(error)) from None
    session = db_session()
    if channel.kind == crm_deals.GENERIC:
        try:
            outcomes = [crm_deals.receive_posted(session, channel, connection, events,
                                                 g.channel_actor)]
        except crm_webhook.UnreadableDeal as unreadable:
            session.rollback()
            raise invalid(unreadable.pointer, unreadable.detail) from None
        session.commit()
        return _answer(outcomes)
    try:
        outcomes = crm_deals.receive(session, channel, connection, events, _instance_key(),
                                     g.channel_actor)
    except crm_deals.NotConnected as missing:
        session.rollback()
        raise Problem(503, f"{missing.detail}: set {missing.fix} on channel {channel.key}; "
                           "nothing was stored") from None
    except hubspot.CrmCallFailed as failure:
        session.rollback()
        raise Problem(503 if failure.retryable else 502,
                      f"the deal could not be read from HubSpot: {failure.detail}; nothing "
                      "was stored") from None
    session.commit()
    return _answer(outcomes)


def _answer(outcomes: list[crm_deals.DealOutcome]) -> tuple[dict[str, Any], int]:
    return {"deals": [{"deal": o.deal_id, "stage": o.stage, "status": o.status,
                       "order": o.order.number if o.order else None,
                       "inbound": o.inbound_id} for o in outcomes]}, 200

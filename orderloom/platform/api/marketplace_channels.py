"""Marketplace channels over the API: connect a marketplace's open-platform API from a
preset (or a custom pull setting), change it, test the connection, poll on demand
and read the polls. The pull itself is runtime/channels/marketplace_pull.py.

The API address is checked as a store's address is (destinations.py: https, a host
Orderloom may call), and the credentials saved for one host are never carried to
another: a new host needs them given again."""
from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import current_app, request, url_for
from sqlalchemy.orm import Session

from orderloom.db import utcnow
from orderloom.designer.versions import find as find_order_type
from orderloom.platform import query_args
from orderloom.platform.api import api
from orderloom.platform.api.body import json_body
from orderloom.platform.api.destinations import (
    another_host,
    check_credentials_given_again,
    check_secure_destination,
)
from orderloom.platform.auth import current_actor, requires
from orderloom.platform.database import db_session
from orderloom.platform.openapi import documented
from orderloom.platform.problems import Problem, invalid
from orderloom.runtime import audit, sealing
from orderloom.runtime.channels import ingestion
from orderloom.runtime.channels.mapping import check_mapping
from orderloom.runtime.channels.marketplace_api import (
    CREDENTIALS,
    MarketplaceCallFailed,
    settings_problems,
)
from orderloom.runtime.channels.marketplace_api_presets import (
    CUSTOM,
    MARKETPLACE_API_PRESETS,
    merged,
    preset,
)
from orderloom.runtime.channels.marketplace_pull import (
    KIND,
    POLL_JOB,
    MarketplaceConnection,
    MarketplacePoll,
    NotConnected,
    access,
    connection_of,
    last_polls,
    marketplace_name,
    page_with_patience,
)
from orderloom.runtime.channels.models import (
    RESERVED_KEYS,
    STORE_UPDATE_POLICIES,
    Channel,
    add_channel,
    find_channel,
)
from orderloom.runtime.channels.store_sync import StoreCursor
from orderloom.runtime.jobs.outbox import enqueue

SECRET_TEXT = {"type": ["string", "null"], "minLength": 1, "maxLength": 500}
CHANGEABLE = {
    "name": {"type": "string", "minLength": 1, "maxLength": 200},
    "order_type": {"type": "string", "maxLength": 63},
    "api_address": {"type": "string", "maxLength": 500, "pattern": "^https?://",
                    "description": "Where the marketplace's API answers (a preset's own "
                                   "when left out)"},
    "credentials": {"type": "object", "additionalProperties": False,
                    "properties": {name: SECRET_TEXT for name in CREDENTIALS},
                    "description": "app_key, app_secret, access_token: kept encrypted, "
                                   "never shown again; on a change the named ones replace "
                                   "the saved ones and null removes one"},
    "settings": {"type": "object", "description": "Members laid over the preset's pull "
                                                  "setting (docs/channels.md)"},
    "mapping": {"type": "object"},
    "active": {"type": "boolean"},
    "store_update_policy": {"enum": list(STORE_UPDATE_POLICIES)},
}
NEW = {"type": "object", "additionalProperties": False,
       "required": ["key", "name", "order_type", "preset", "credentials"],
       "properties": {"key": {"type": "string", "pattern": "^[a-z][a-z0-9_-]{0,39}$"},
                      "preset": {"enum": [*MARKETPLACE_API_PRESETS, CUSTOM],
                                 "description": "taobao, jd, pinduoduo, douyin or custom"},
                      **CHANGEABLE}}
CHANGE = {"type": "object", "additionalProperties": False, "properties": CHANGEABLE}
ANSWER = {"type": "object"}
# A connection test asks for the orders changed in the last hour.
_HOUR = timedelta(hours=1)


def _instance_key() -> str:
    return current_app.config["SECRET_KEY"]


def _marketplace_channel(key: str) -> tuple[Channel, MarketplaceConnection]:
    session = db_session()
    channel = find_channel(session, key)
    if channel is None:
        raise Problem(404, f"there is no channel {key!r}")
    connection = connection_of(session, channel)
    if channel.kind != KIND or connection is None:
        raise Problem(409, f"channel {key!r} is a {channel.kind} channel, not a "
                           "marketplace channel")
    return channel, connection


def _checked_settings(preset_key: str, base: dict[str, Any],
                      changes: dict[str, Any]) -> dict[str, Any]:
    settings = merged(base, changes)
    found = MARKETPLACE_API_PRESETS.get(preset_key)
    problems = settings_problems(settings, found["longest_minutes"] if found else None,
                                 found["name"] if found else "")
    if problems:
        errors = [{"pointer": "/settings" + p["pointer"], "detail": p["detail"]}
                  for p in problems]
        summary = "; ".join(f"{e['pointer']}: {e['detail']}" for e in errors[:3])
        raise Problem(422, summary, errors=errors)
    return settings


def _checked_mapping(session: Session, order_type_key: str, mapping: dict[str, Any]) -> None:
    if find_order_type(session, order_type_key) is None:
        raise invalid("/order_type", f"there is no order type {order_type_key!r}")
    definition = ingestion.published_definition(session, order_type_key)
    if definition is None:
        raise invalid("/order_type", f"order type {order_type_key!r} has no published "
                                     "version yet; publish it first")
    errors = [{**p.as_json(), "pointer": "/mapping" + p.as_json()["pointer"]}
              for p in check_mapping(mapping, definition)]
    if "external_id" not in mapping:
        errors.append({"pointer": "/mapping/external_id", "detail": "is required: the "
                       "marketplace's order id, so an order read twice is created once"})
    if errors:
        raise Problem(422, "; ".join(f"{e['pointer']}: {e['detail']}" for e in errors[:3]),
                      errors=errors)


def _credentials(given: dict[str, Any], saved: str | None) -> str | None:
    kept = sealing.unseal_json(_instance_key(), saved) if saved else {}
    merged_credentials = {n: v for n, v in {**kept, **given}.items() if v is not None}
    return sealing.seal_json(_instance_key(), merged_credentials) if merged_credentials \
        else None


def marketplace_json(channel: Channel, connection: MarketplaceConnection) -> dict[str, Any]:
    session = db_session()
    try:
        names = sorted(sealing.unseal_json(_instance_key(), channel.credentials))
    except (sealing.SealError, ValueError):
        names = []
    cursor = session.get(StoreCursor, channel.key)
    polls = last_polls(session, channel.key, 1)
    return {"key": channel.key, "name": channel.name, "kind": channel.kind,
            "order_type": channel.order_type_key, "active": channel.active,
            "preset": connection.preset, "marketplace": marketplace_name(connection),
            "api_address": channel.store_url, "settings": connection.settings,
            "mapping": channel.mapping, "store_update_policy": channel.store_update_policy,
            # Secrets are never answered, only which are set.
            "credentials": {name: sealing.masked(name) for name in names},
            "cursor": cursor.changed_since.isoformat() if cursor and cursor.changed_since
            else None,
            "last_poll": poll_json(polls[0]) if polls else None}


def poll_json(record: MarketplacePoll) -> dict[str, Any]:
    return {"id": record.id, "started_at": record.started_at.isoformat(),
            "finished_at": record.finished_at.isoformat() if record.finished_at else None,
            "since": record.since.isoformat(),
            "cursor": record.cursor.isoformat() if record.cursor else None,
            "windows": record.windows, "orders_read": record.orders_read,
            "created": record.created, "updated": record.updated,
            "problems": record.problems, "waited_seconds": record.waited_seconds,
            "ok": record.error is None, "error": record.error, "fix": record.fix}


@api.get("/marketplace-presets")
@requires("channels.manage")
@documented("The marketplace presets (Taobao/Tmall, JD, Pinduoduo, Douyin): pull setting, "
            "mapping, API address and what each rests on", tags=("channels",),
            responses={200: ("Presets", {"type": "array", "items": ANSWER})})
def marketplace_presets():
    return list(MARKETPLACE_API_PRESETS.values())


@api.post("/marketplace-channels")
@requires("channels.manage")
@documented("Connect a marketplace's API as a channel that pulls its orders; secrets are "
            "kept encrypted and never shown again", request=NEW, tags=("channels",),
            responses={201: ("The channel", ANSWER)})
def create_marketplace_channel():
    body = json_body(NEW)
    session = db_session()
    if body["key"] in RESERVED_KEYS:
        raise invalid("/key", f"{body['key']!r} is reserved; choose another key")
    if find_channel(session, body["key"]) is not None:
        raise Problem(409, f"a channel with the key {body['key']!r} exists already")
    chosen = preset(body["preset"])
    if chosen is None and "settings" not in body:
        raise invalid("/settings", "is required for a custom marketplace: the whole pull "
                                   "setting (docs/channels.md#marketplace-apis-pull)")
    settings = _checked_settings(body["preset"], chosen["settings"] if chosen else {},
                                 body.get("settings", {}))
    address = body.get("api_address") or (chosen["api_address"] if chosen else None)
    if not address:
        raise invalid("/api_address", "is required for a custom marketplace")
    check_secure_destination(address, "/api_address")
    for name in ("app_key", "app_secret"):
        if not body["credentials"].get(name):
            raise invalid(f"/credentials/{name}", "is required: copy it from the "
                                                  "marketplace's open-platform console")
    mapping = body.get("mapping") or (chosen["mapping"] if chosen else {})
    _checked_mapping(session, body["order_type"], mapping)
    channel = add_channel(session, current_actor(), key=body["key"], name=body["name"],
                          kind=KIND, order_type_key=body["order_type"], mapping=mapping,
                          active=body.get("active", True), store_url=address,
                          credentials=_credentials(body["credentials"], None),
                          **({"store_update_policy": body["store_update_policy"]}
                             if "store_update_policy" in body else {}))
    connection = MarketplaceConnection(channel=channel.key, preset=body["preset"],
                                       settings=settings)
    session.add(connection)
    session.flush()
    answer = marketplace_json(channel, connection)
    session.commit()
    return answer, 201, {"Location": url_for("api.get_marketplace_channel", key=channel.key)}


@api.get("/marketplace-channels/<key>")
@requires("channels.manage")
@documented("A marketplace channel: its pull setting, cursor and last poll (never a "
            "secret)", tags=("channels",), responses={200: ("The channel", ANSWER)})
def get_marketplace_channel(key: str):
    return marketplace_json(*_marketplace_channel(key))


@api.patch("/marketplace-channels/<key>")
@requires("channels.manage")
@documented("Change a marketplace channel; settings members are laid over the saved "
            "setting", request=CHANGE, tags=("channels",),
            responses={200: ("The channel", ANSWER)})
def change_marketplace_channel(key: str):
    body = json_body(CHANGE)
    session = db_session()
    channel, connection = _marketplace_channel(key)
    settings = _checked_settings(connection.preset, connection.settings,
                                 body.get("settings", {}))
    if "api_address" in body:
        check_secure_destination(body["api_address"], "/api_address")
        if another_host(channel.store_url, body["api_address"]):
            # The saved credentials were given for the saved host: a new host takes
            # none of them along, as for a store.
            check_credentials_given_again(channel.store_url, bool(channel.credentials),
                                          body["api_address"], body.get("credentials"),
                                          "marketplace API")
    if "mapping" in body or "order_type" in body:
        _checked_mapping(session, body.get("order_type", channel.order_type_key),
                         body.get("mapping", channel.mapping))
    moved = "api_address" in body and another_host(channel.store_url, body["api_address"])
    try:
        credentials = _credentials(body.get("credentials", {}),
                                   None if moved else channel.credentials)
    except sealing.SealError as error:
        raise invalid("/credentials/app_secret", str(error)) from None
    connection.settings = settings
    channel.credentials = credentials
    for member, attribute in (("name", "name"), ("order_type", "order_type_key"),
                              ("mapping", "mapping"), ("active", "active"),
                              ("api_address", "store_url"),
                              ("store_update_policy", "store_update_policy")):
        if member in body:
            setattr(channel, attribute, body[member])
    channel.updated_at = utcnow()
    # The names of what changed, never the values: secrets stay out of the audit trail.
    audit.record(session, current_actor(), "channel.changed", "channel", channel.key,
                 changed=sorted(body))
    answer = marketplace_json(channel, connection)
    session.commit()
    return answer


@api.post("/marketplace-channels/<key>/test")
@requires("channels.manage")
@documented("Ask the marketplace for the first page of the last hour's orders with the "
            "channel's setting: ok with how many it answered, or what is wrong and the "
            "member to fix (never a secret). Nothing is stored",
            tags=("channels",), responses={200: ("What the marketplace answered", ANSWER)})
def test_marketplace_channel(key: str):
    channel, _ = _marketplace_channel(key)
    session = db_session()
    try:
        connection, address, credentials = access(session, channel, _instance_key())
    except NotConnected as missing:
        return {"ok": False, "detail": missing.detail, "fix": missing.fix}
    now = utcnow().replace(microsecond=0)
    name = marketplace_name(connection)
    try:
        page = page_with_patience(connection.settings, address, credentials,
                                  now - _HOUR, now, connection.settings["pages"]["first"],
                                  name)
    except MarketplaceCallFailed as failure:
        return {"ok": False, "detail": failure.detail, "fix": failure.fix}
    return {"ok": True, "fix": None, "orders": len(page.orders), "total": page.total,
            "detail": f"connected to {name}: {len(page.orders)} order(s) changed in the "
                      "last hour on the first page"}


@api.post("/marketplace-channels/<key>/poll")
@requires("channels.manage")
@documented("Poll the marketplace now, as a job; 202 with where the polls are read",
            tags=("channels",), responses={202: ("The poll was started", None)})
def poll_marketplace_channel(key: str):
    channel, _ = _marketplace_channel(key)
    if not channel.active:
        raise Problem(409, f"channel {key!r} is switched off; switch it on to poll it")
    session = db_session()
    job = enqueue(session, POLL_JOB, {"channel": channel.key}, max_attempts=1)
    session.commit()
    location = url_for("api.marketplace_polls", key=channel.key)
    return {"job": job.id, "polls": location}, 202, {"Location": location}


@api.get("/marketplace-channels/<key>/polls")
@requires("channels.manage")
@documented("The channel's polls, newest first (?limit=)", tags=("channels",),
            responses={200: ("Polls", ANSWER)})
def marketplace_polls(key: str):
    channel, _ = _marketplace_channel(key)
    limit = query_args.whole(request.args, "limit", 20, low=1, high=200)
    return {"polls": [poll_json(p) for p in last_polls(db_session(), channel.key, limit)]}


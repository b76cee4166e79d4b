"""A channel's stock settings over the API: the warehouses that feed it, its safety
stock, its share of their stock, and for a store channel whether the figure goes
through the store's inventory API and to which location; with the last push of
each SKU to the store."""
from __future__ import annotations

import re
from typing import Any

from flask import current_app
from sqlalchemy import select

from orderloom.db import utcnow
from orderloom.platform.api import api
from orderloom.platform.api.body import json_body
from orderloom.platform.auth import current_actor, requires
from orderloom.platform.database import db_session
from orderloom.platform.openapi import documented
from orderloom.platform.problems import Problem, invalid
from orderloom.runtime import audit
from orderloom.runtime.channels import channel_stock, stock_sync, store_stock
from orderloom.runtime.channels.channel_stock import (
    LOCATION_LENGTH,
    PERCENT,
    SHARE_KINDS,
    ChannelStockSettings,
)
from orderloom.runtime.channels.models import STORE_KINDS, Channel, find_channel
from orderloom.runtime.channels.store_sync import NotConnected, store_access
from orderloom.runtime.channels.stores import StoreCallFailed
from orderloom.runtime.stock.catalog import Warehouse

# Far more units than any shop holds, and within every database's integer column.
MOST_UNITS = 10**9
SHARE = {"type": "object", "required": ["kind", "value"], "additionalProperties": False,
         "properties": {"kind": {"enum": list(SHARE_KINDS)},
                        "value": {"type": "integer",
                                  "description": "percent: 0 to 100 of what is available; "
                                                 "fixed: at most this many units"}}}
CHANGE_STOCK = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "warehouses": {"type": "array", "maxItems": 500, "uniqueItems": True,
                       "items": {"type": "string", "minLength": 1, "maxLength": 50},
                       "description": "Codes of the warehouses whose stock the channel "
                                      "sells; [] means every warehouse"},
        "safety_stock": {"type": "integer"},
        "share": SHARE,
        "store_push": {"type": "boolean", "description": "Store kinds: set the figure "
                                                         "through the store's inventory API"},
        "location_id": {"type": ["string", "null"], "description": "Shopify: the location "
                                                                   "whose stock is set; null: "
                                                                   "the store's only one"},
    },
}
STOCK = {"type": "object", "properties": {
    **CHANGE_STOCK["properties"],
    "all_warehouses": {"type": "array", "items": {"type": "object"}},
    "skus": {"type": "array", "items": {"type": "object"},
             "description": "The last push of each SKU to the store"}}}


def _channel(key: str) -> Channel:
    channel = find_channel(db_session(), key)
    if channel is None:
        raise Problem(404, f"there is no channel {key!r}")
    return channel


def stock_json(channel: Channel) -> dict[str, Any]:
    session = db_session()
    settings = channel_stock.settings_of(session, channel.key)
    warehouses = list(session.scalars(select(Warehouse).order_by(Warehouse.code)))
    codes = {w.id: w.code for w in warehouses}
    return {
        "warehouses": [codes[i] for i in settings.warehouse_ids if i in codes],
        "safety_stock": channel.safety_stock,
        "share": {"kind": settings.share_kind, "value": settings.share},
        "store_push": settings.store_push,
        "location_id": settings.location_id,
        "all_warehouses": [{"code": w.code, "name": w.name} for w in warehouses],
        "skus": [{"sku": r.sku, "outcome": r.outcome, "figure": r.figure,
                  "detail": r.detail, "store_item": r.store_item, "location": r.location,
                  "pushed_at": r.pushed_at.isoformat() if r.pushed_at else None}
                 for r in store_stock.results_of(session, channel.key)],
    }


@api.get("/channels/<key>/stock")
@requires("channels.manage")
@documented("The channel's stock settings and, for a store, the last push of each SKU",
            tags=("channels",), responses={200: ("Stock settings", STOCK)})
def get_channel_stock(key: str):
    return stock_json(_channel(key))


def _warehouse_ids(codes: list[str]) -> list[int]:
    found = {code: id_ for code, id_ in db_session().execute(
        select(Warehouse.code, Warehouse.id).where(Warehouse.code.in_(codes)))}
    errors = [{"pointer": f"/warehouses/{i}", "detail": f"there is no warehouse {code!r}"}
              for i, code in enumerate(codes) if code not in found]
    if errors:
        raise Problem(422, "; ".join(f"{e['pointer']}: {e['detail']}" for e in errors[:3]),
                      errors=errors)
    return [found[code] for code in codes]


def _check(channel: Channel, body: dict[str, Any]) -> None:
    if not 0 <= body.get("safety_stock", 0) <= MOST_UNITS:
        raise invalid("/safety_stock", f"must be from 0 to {MOST_UNITS}")
    share = body.get("share")
    if share is not None:
        if not 0 <= share["value"] <= MOST_UNITS:
            raise invalid("/share/value", f"must be from 0 to {MOST_UNITS}")
        if share["kind"] == PERCENT and share["value"] > 100:
            raise invalid("/share/value", "a percent must be from 0 to 100")
    if channel.kind not in STORE_KINDS:
        for member in ("store_push", "location_id"):
            if member in body:
                raise invalid(f"/{member}", f"is only for {' and '.join(STORE_KINDS)} "
                                            f"channels, not {channel.kind}")
    location = body.get("location_id")
    if location is not None:
        if channel.kind != "shopify":
            raise invalid("/location_id", "only Shopify stores have locations")
        if not re.fullmatch(f"[0-9]{{1,{LOCATION_LENGTH}}}", location):
            raise invalid("/location_id", "must be a Shopify location id (digits), as "
                                          "GET /api/v1/channels/<key>/stock/locations lists")


@api.patch("/channels/<key>/stock")
@requires("channels.manage")
@documented("Change the channel's stock settings; members not sent stay as they were. "
            "Every SKU the channel sells is pushed again with the new figure, by one job "
            "a batch at a time (``pushing``: how many SKUs)",
            request=CHANGE_STOCK, tags=("channels",),
            responses={200: ("Stock settings", STOCK)})
def change_channel_stock(key: str):
    body = json_body(CHANGE_STOCK)
    channel = _channel(key)
    _check(channel, body)
    session = db_session()
    warehouse_ids = _warehouse_ids(body["warehouses"]) if "warehouses" in body else None
    settings = session.get(ChannelStockSettings, channel.key)
    if settings is None:
        settings = channel_stock.settings_of(session, channel.key)
        session.add(settings)
    if warehouse_ids is not None:
        settings.warehouse_ids = warehouse_ids
    if "share" in body:
        settings.share_kind, settings.share = body["share"]["kind"], body["share"]["value"]
    for member in ("store_push", "location_id"):
        if member in body:
            setattr(settings, member, body[member])
    if "safety_stock" in body:
        channel.safety_stock = body["safety_stock"]
        channel.updated_at = utcnow()
    settings.updated_at = utcnow()
    store_stock.forget_missing(session, channel.key)
    session.flush()
    pushing = stock_sync.push_every_sku(session, channel)
    audit.record(session, current_actor(), "channel.stock_changed", "channel", channel.key,
                 changed=sorted(body))
    session.commit()
    return {**stock_json(channel), "pushing": pushing}


@api.get("/channels/<key>/stock/locations")
@requires("channels.manage")
@documented("A Shopify channel's store locations, to choose the one whose stock is set",
            tags=("channels",), responses={200: ("Locations", {"type": "object"})})
def channel_stock_locations(key: str):
    channel = _channel(key)
    if channel.kind != "shopify":
        raise Problem(409, f"channel {key!r} is a {channel.kind} channel; only Shopify "
                           "stores have locations")
    try:
        platform, url, credentials = store_access(channel, current_app.config["SECRET_KEY"])
        return {"locations": platform.locations(url, credentials)}
    except NotConnected as missing:
        raise invalid(missing.fix, missing.detail, status=409) from None
    except StoreCallFailed as failure:
        raise Problem(502, f"the store did not list its locations: {failure.detail}",
                      extra={"fix": failure.fix}) from None

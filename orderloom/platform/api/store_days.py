"""A store channel's reconciliation per calendar day over the API: for each day (in
the store's time zone) the store's orders, those here, those fetched, those cancelled
at the store before they came here, and those still missing with why."""
from __future__ import annotations

from flask import request

from orderloom.platform import query_args
from orderloom.platform.api import api
from orderloom.platform.auth import requires
from orderloom.platform.database import db_session
from orderloom.platform.openapi import documented
from orderloom.platform.problems import Problem
from orderloom.runtime.channels.models import STORE_KINDS, find_channel
from orderloom.runtime.channels.store_sync import recent_days

MOST_DAYS = 366
DAYS = {"type": "object", "properties": {"days": {"type": "array", "items": {
    "type": "object", "properties": {
        "day": {"type": "string", "format": "date"},
        "store_orders": {"type": "integer"}, "here": {"type": "integer"},
        "fetched": {"type": "array", "items": {"type": "string"}},
        "cancelled_at_store": {"type": "array", "items": {"type": "string"}},
        "missing": {"type": "array", "items": {"type": "object", "properties": {
            "id": {"type": "string"}, "why": {"type": "string"}}}},
        "checked_at": {"type": "string"}}}}}}


@api.get("/channels/<key>/reconciliation-days")
@requires("channels.manage")
@documented("The channel's reconciliation per day, newest day first (?limit= days, "
            "default 14): the store's orders of the day, how many are here, which were "
            "fetched, which were cancelled at the store before they came here, and which "
            "are still missing and why", tags=("channels",),
            responses={200: ("Days", DAYS)})
def reconciliation_days(key: str):
    channel = find_channel(db_session(), key)
    if channel is None:
        raise Problem(404, f"there is no channel {key!r}")
    if channel.kind not in STORE_KINDS:
        raise Problem(409, f"channel {key!r} is a {channel.kind} channel; only "
                           f"{' and '.join(STORE_KINDS)} channels are reconciled")
    limit = query_args.whole(request.args, "limit", 14, low=1, high=MOST_DAYS)
    return {"days": [{
        "day": d.day.isoformat(), "store_orders": d.store_orders, "here": d.here,
        "fetched": d.fetched, "cancelled_at_store": d.cancelled_there, "missing": d.missing,
        "checked_at": d.checked_at.isoformat()}
        for d in recent_days(db_session(), channel.key, limit)]}

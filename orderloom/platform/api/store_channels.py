"""A store channel's calls to its store over the API: test the connection, see what
was written back for an order, reconcile the channel with its store on demand and
read the results."""
from __future__ import annotations

from typing import Any

from flask import current_app, request, url_for
from sqlalchemy import select

from orderloom.platform import query_args
from orderloom.platform.api import api
from orderloom.platform.auth import requires
from orderloom.platform.database import db_session
from orderloom.platform.lookups import order_or_404
from orderloom.platform.openapi import documented
from orderloom.platform.problems import Problem
from orderloom.runtime.channels.models import STORE_KINDS, Channel, find_channel
from orderloom.runtime.channels.store_sync import (
    RECONCILE_JOB,
    NotConnected,
    StoreReconciliation,
    attempts_of,
    reconciling,
    store_access,
)
from orderloom.runtime.channels.stores import StoreCallFailed
from orderloom.runtime.jobs.outbox import enqueue

MAX_PAGE = 200
TEST = {"type": "object", "required": ["ok", "detail"], "properties": {
    "ok": {"type": "boolean"}, "store": {"type": ["string", "null"]},
    "detail": {"type": "string"}, "fix": {"type": ["string", "null"]},
    "status": {"type": ["integer", "null"]}}}


def _store_channel(key: str) -> Channel:
    channel = find_channel(db_session(), key)
    if channel is None:
        raise Problem(404, f"there is no channel {key!r}")
    if channel.kind not in STORE_KINDS:
        raise Problem(409, f"channel {key!r} is a {channel.kind} channel; only "
                           f"{' and '.join(STORE_KINDS)} channels call their store")
    return channel


@api.post("/channels/<key>/test")
@requires("channels.manage")
@documented("Call the store with the channel's address and credentials: ok with the store's "
            "name, or what is wrong and the member to fix (never a secret)",
            tags=("channels",), responses={200: ("What the store answered", TEST)})
def test_store_connection(key: str):
    channel = _store_channel(key)
    try:
        platform, url, credentials = store_access(channel, current_app.config["SECRET_KEY"])
    except NotConnected as missing:
        return {"ok": False, "store": None, "detail": missing.detail, "fix": missing.fix,
                "status": None}
    try:
        name = platform.connection(url, credentials)
    except StoreCallFailed as failure:
        return {"ok": False, "store": None, "detail": failure.detail, "fix": failure.fix,
                "status": failure.status}
    return {"ok": True, "store": name, "detail": f"connected to {platform.name} store "
                                                 f"{name}", "fix": None, "status": None}


@api.get("/orders/<number>/store-writebacks")
@requires("orders.view")
@documented("Every attempt to write the order's shipments back to the store it came from",
            tags=("channels",), responses={200: ("Attempts, oldest first", {"type": "object"})})
def store_writebacks(number: str):
    order = order_or_404(number)
    return {"attempts": [{
        "shipment": a.shipment_id, "channel": a.channel, "attempt": a.attempt,
        "outcome": a.outcome, "detail": a.detail, "remote_id": a.remote_id,
        "at": a.at.isoformat()} for a in attempts_of(db_session(), order.id)]}


@api.post("/channels/<key>/reconcile")
@requires("channels.manage")
@documented("Compare the store's orders changed since ?since= (else since the last pull) "
            "with the orders here and fetch the missing ones, as a job; 202. 409 while "
            "one of the channel is queued or running",
            tags=("channels",), responses={202: ("The reconciliation was started", None),
                                           409: ("One is queued or running", None)})
def reconcile_channel(key: str):
    channel = _store_channel(key)
    since = query_args.moment(request.args, "since")
    session = db_session()
    # The channel's row locked: two requests at once cannot both find none running.
    session.scalar(select(Channel.id).where(Channel.id == channel.id).with_for_update())
    if reconciling(session, channel.key):
        location = url_for("api.reconciliations", key=channel.key)
        raise Problem(409, f"a reconciliation of channel {channel.key!r} is already queued "
                           "or running; its result will be listed at "
                           f"{location} when it finishes. Start another after that",
                      extra={"results": location})
    job = enqueue(session, RECONCILE_JOB, {"channel": channel.key,
                                           **({"since": since.isoformat()} if since else {})},
                  max_attempts=1)
    session.commit()
    location = url_for("api.reconciliations", key=channel.key)
    return {"job": job.id, "results": location}, 202, {"Location": location}


def reconciliation_json(result: StoreReconciliation) -> dict[str, Any]:
    return {"id": result.id, "channel": result.channel, "since": result.since.isoformat(),
            "started_at": result.started_at.isoformat(),
            "finished_at": result.finished_at.isoformat() if result.finished_at else None,
            "store_orders": result.store_orders, "already_here": result.already_here,
            "fetched": result.fetched, "errors": result.errors}


@api.get("/channels/<key>/reconciliations")
@requires("channels.manage")
@documented("The channel's reconciliations with its store, newest first (?limit=)",
            tags=("channels",), responses={200: ("Results", {"type": "object"})})
def reconciliations(key: str):
    channel = _store_channel(key)
    limit = query_args.whole(request.args, "limit", 20, low=1, high=MAX_PAGE)
    found = db_session().scalars(select(StoreReconciliation)
                                 .where(StoreReconciliation.channel == channel.key)
                                 .order_by(StoreReconciliation.id.desc()).limit(limit))
    return {"reconciliations": [reconciliation_json(r) for r in found]}

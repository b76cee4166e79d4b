"""ERP connections over the API: set one up, test it, see what was sent with every
attempt, send again, pull now, and reconcile a period."""
from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import current_app, url_for
from sqlalchemy import select

from orderloom.db import utcnow
from orderloom.designer.state_categories import CATEGORIES
from orderloom.designer.versions import find as find_order_type
from orderloom.platform.api import api
from orderloom.platform.api.body import json_body
from orderloom.platform.api.destinations import check_secure_destination
from orderloom.platform.auth import current_actor, requires
from orderloom.platform.database import db_session
from orderloom.platform.lookups import get_or_404, order_or_404
from orderloom.platform.openapi import documented
from orderloom.platform.problems import Problem, invalid
from orderloom.platform.query_args import ParameterError, moment
from orderloom.runtime import audit, sealing
from orderloom.runtime.erp import documents, pulling, reconciliation, sending
from orderloom.runtime.erp.client import ErpError
from orderloom.runtime.erp.connections import client_for
from orderloom.runtime.erp.models import (
    ERPNEXT,
    KINDS,
    ODOO,
    SENT,
    WHEN_PAID,
    ErpConnection,
    ErpReconciliation,
    ErpSync,
)
from orderloom.runtime.stock.catalog import Warehouse

# Its own permission: an ERP connection carries the books' keys and writes into the
# accounts, which is more than subscribing a system to events.
PERMISSION = "erp.manage"
TEXT = {"type": "string", "minLength": 1, "maxLength": 200}
CONNECTION_FIELDS: dict[str, Any] = {
    "name": TEXT,
    "kind": {"enum": list(KINDS)},
    "base_url": {"type": "string", "minLength": 1, "maxLength": 500},
    "database": {**TEXT, "description": "Odoo: the database name"},
    "login": {**TEXT, "description": "Odoo: the user's login"},
    "api_key": {**TEXT, "description": "Odoo: the user's API key; ERPNext: the API key. "
                                       "Kept sealed, never shown back"},
    "api_secret": {**TEXT, "description": "ERPNext: the API secret. Kept sealed"},
    "order_types": {"type": "array", "maxItems": 100, "uniqueItems": True,
                    "items": {"type": "string", "minLength": 1, "maxLength": 63}},
    "send_at": {"enum": [*CATEGORIES, WHEN_PAID],
                "description": "The state category at which an order is sent, or \"paid\": "
                               "when a payment makes its payment status paid"},
    "mappings": {"type": "object"},
    "erp_warehouse": TEXT,
    "warehouse": {"type": "string", "minLength": 1, "maxLength": 50},
    "pull_every_minutes": {"type": "integer", "minimum": 1, "maximum": 1440},
    "active": {"type": "boolean"},
}
NEW_CONNECTION = {"type": "object", "additionalProperties": False,
                  "required": ["name", "kind", "base_url", "api_key", "erp_warehouse",
                               "warehouse"],
                  "properties": CONNECTION_FIELDS}
CHANGE_CONNECTION = {"type": "object", "additionalProperties": False,
                     "properties": CONNECTION_FIELDS}
RECONCILE = {"type": "object", "additionalProperties": False, "properties": {
    "from": {"type": "string", "maxLength": 40}, "to": {"type": "string", "maxLength": 40}}}


def instance_key() -> str:
    return current_app.config["SECRET_KEY"]


def connection_json(connection: ErpConnection) -> dict[str, Any]:
    try:
        names = sorted(sealing.unseal_json(instance_key(), connection.credentials))
    except (sealing.SealError, ValueError):
        names = []
    return {"id": connection.id, "name": connection.name, "kind": connection.kind,
            "base_url": connection.base_url, "database": connection.database,
            "login": connection.login,
            "credentials": {name: sealing.masked(name) for name in names},
            "order_types": connection.order_types, "send_at": connection.send_at,
            "mappings": connection.mappings, "erp_warehouse": connection.erp_warehouse,
            "warehouse": connection.warehouse,
            "pull_every_minutes": connection.pull_every_minutes,
            "items_cursor": connection.items_cursor, "stock_cursor": connection.stock_cursor,
            "pulled_at": connection.pulled_at and connection.pulled_at.isoformat(),
            "pull_error": connection.pull_error, "active": connection.active}


def attempt_json(sync: ErpSync, attempt: Any) -> dict[str, Any]:
    return {"sync": sync.id, "subject": sync.subject, "reference": sync.reference,
            "status": sync.status, "erp_id": sync.erp_id, "number": attempt.number,
            "at": attempt.at.isoformat(), "outcome": attempt.outcome,
            "detail": attempt.detail}


def reconciliation_json(record: ErpReconciliation) -> dict[str, Any]:
    return {"id": record.id, "from": record.period_from.isoformat(),
            "to": record.period_to.isoformat(), "made_at": record.made_at.isoformat(),
            "orders_compared": record.orders_compared, "skus_compared": record.skus_compared,
            "differences": record.differences, "error": record.error}


def check_address(url: str) -> None:
    """The ERP is sent its keys: the rule of every destination sent secrets."""
    check_secure_destination(url, "/base_url")


def _connection(connection_id: int) -> ErpConnection:
    return get_or_404(ErpConnection, connection_id, "ERP connection")


def _check(session: Any, connection: ErpConnection) -> None:
    """Every setting of the connection as it will be stored; 422s point at the member."""
    errors: list[dict[str, str]] = []
    if connection.kind == ODOO:
        for member in ("database", "login"):
            if not getattr(connection, member):
                errors.append({"pointer": f"/{member}", "detail": "Odoo needs it"})
    secret = sealing.unseal_json(instance_key(), connection.credentials)
    if connection.kind == ERPNEXT and not secret.get("api_secret"):
        errors.append({"pointer": "/api_secret", "detail": "ERPNext needs the API secret"})
    for index, key in enumerate(connection.order_types):
        if find_order_type(session, key) is None:
            errors.append({"pointer": f"/order_types/{index}",
                           "detail": f"there is no order type {key!r}"})
    if session.scalar(select(Warehouse.id).where(Warehouse.code == connection.warehouse)) \
            is None:
        errors.append({"pointer": "/warehouse",
                       "detail": f"there is no warehouse {connection.warehouse!r}"})
    errors += [{"pointer": "/mappings" + p.pointer, "detail": p.message}
               for p in documents.mapping_problems(connection.kind, connection.mappings)]
    name_taken = session.scalar(select(ErpConnection.id).where(
        ErpConnection.name == connection.name, ErpConnection.id != connection.id))
    if name_taken is not None:
        errors.append({"pointer": "/name", "detail": "another ERP connection has this name"})
    if errors:
        raise Problem(422, "; ".join(f"{e['pointer']}: {e['detail']}" for e in errors[:3]),
                      errors=errors)


def _apply(connection: ErpConnection, body: dict[str, Any]) -> None:
    for member in ("name", "kind", "base_url", "database", "login", "order_types",
                   "send_at", "mappings", "erp_warehouse", "warehouse",
                   "pull_every_minutes", "active"):
        if member in body:
            setattr(connection, member, body[member])
    secret = sealing.unseal_json(instance_key(), connection.credentials) \
        if connection.credentials else {}
    for member in ("api_key", "api_secret"):
        if member in body:
            secret[member] = body[member]
    connection.credentials = sealing.seal_json(instance_key(), secret)


@api.get("/erp/connections")
@requires(PERMISSION)
@documented("Every ERP connection (credentials only as ••••)", tags=("erp",))
def list_erp_connections():
    found = db_session().scalars(select(ErpConnection).order_by(ErpConnection.id))
    return [connection_json(c) for c in found]


@api.post("/erp/connections")
@requires(PERMISSION)
@documented("Connect an Odoo or an ERPNext; the mappings default to ones that fit the "
            "retail template", request=NEW_CONNECTION, tags=("erp",))
def create_erp_connection():
    body = json_body(NEW_CONNECTION)
    check_address(body["base_url"])
    session = db_session()
    now = utcnow()
    connection = ErpConnection(order_types=[], send_at="open", pull_every_minutes=15,
                               active=True, created_at=now, updated_at=now, credentials="",
                               mappings=documents.default_mappings(body["kind"]))
    _apply(connection, body)
    _check(session, connection)
    session.add(connection)
    session.flush()
    audit.record(session, current_actor(), "erp.connected", "erp_connection", connection.id,
                 kind=connection.kind, base_url=connection.base_url)
    answer = connection_json(connection)
    session.commit()
    return answer, 201, {"Location": url_for("api.get_erp_connection",
                                             connection_id=connection.id)}


@api.get("/erp/connections/<int:connection_id>")
@requires(PERMISSION)
@documented("One connection with its attempt log and latest reconciliations", tags=("erp",))
def get_erp_connection(connection_id: int):
    connection = _connection(connection_id)
    session = db_session()
    return {**connection_json(connection),
            "attempts": [attempt_json(s, a) for s, a in
                         sending.attempts_of(session, connection_id=connection.id)],
            "reconciliations": [reconciliation_json(r) for r in
                                reconciliation.latest(session, connection.id)]}


@api.patch("/erp/connections/<int:connection_id>")
@requires(PERMISSION)
@documented("Change a connection; a key or secret left out stays as it is",
            request=CHANGE_CONNECTION, tags=("erp",))
def change_erp_connection(connection_id: int):
    connection = _connection(connection_id)
    body = json_body(CHANGE_CONNECTION)
    if "kind" in body and body["kind"] != connection.kind:
        raise invalid("/kind", "a connection's kind cannot change; make a new connection")
    if "base_url" in body:
        check_address(body["base_url"])
    session = db_session()
    _apply(connection, body)
    _check(session, connection)
    connection.updated_at = utcnow()
    audit.record(session, current_actor(), "erp.changed", "erp_connection", connection.id,
                 members=sorted(k for k in body if k not in ("api_key", "api_secret")))
    answer = connection_json(connection)
    session.commit()
    return answer


@api.post("/erp/connections/<int:connection_id>/test")
@requires(PERMISSION)
@documented("Log in to the ERP with the connection's settings: ok, or what is wrong",
            tags=("erp",))
def test_erp_connection(connection_id: int):
    connection = _connection(connection_id)
    try:
        said = client_for(connection, instance_key()).check()
    except (ErpError, sealing.SealError) as error:
        return {"ok": False, "detail": getattr(error, "message", str(error))}
    return {"ok": True, "detail": said}


@api.post("/erp/connections/<int:connection_id>/send-stock")
@requires(PERMISSION)
@documented("Send the on-hand figure of every SKU in the connection's warehouse",
            tags=("erp",))
def send_erp_stock(connection_id: int):
    connection = _connection(connection_id)
    session = db_session()
    queued = sending.send_all_stock(session, connection)
    audit.record(session, current_actor(), "erp.stock_sent", "erp_connection",
                 connection.id, skus=queued)
    session.commit()
    return {"skus": queued}, 202


@api.post("/erp/connections/<int:connection_id>/pull")
@requires(PERMISSION)
@documented("Read the ERP's items and stock changed since the last pull, now", tags=("erp",))
def pull_erp_connection(connection_id: int):
    connection = _connection(connection_id)
    session = db_session()
    taken = pulling.pull(session, connection, instance_key())
    session.commit()
    return taken


@api.post("/erp/connections/<int:connection_id>/reconcile")
@requires(PERMISSION)
@documented("Compare orders and stock of a period in both systems and keep what differs",
            request=RECONCILE, tags=("erp",))
def reconcile_erp_connection(connection_id: int):
    connection = _connection(connection_id)
    body = json_body(RECONCILE)
    try:
        until = moment(body, "to", end_of_day=True) or utcnow()
        since = moment(body, "from") or until - timedelta(days=30)
    except ParameterError as error:
        raise invalid(f"/{error.name}", error.detail) from None
    if since >= until:
        raise invalid("/from", "the period must start before it ends")
    session = db_session()
    record = reconciliation.reconcile(session, connection, instance_key(), since, until)
    session.commit()
    return reconciliation_json(record), 201


@api.post("/erp/syncs/<int:sync_id>/send")
@requires(PERMISSION)
@documented("Send a refused or failed order, payment or stock figure again", tags=("erp",))
def resend_erp_sync(sync_id: int):
    sync = get_or_404(ErpSync, sync_id, "ERP sync")
    if sync.status == SENT and sync.subject != "stock":
        raise Problem(409, f"{sync.subject} {sync.reference} is in the ERP already")
    session = db_session()
    sending.send(session, sync)
    audit.record(session, current_actor(), "erp.resent", "erp_sync", sync.id)
    session.commit()
    return {"sync": sync.id, "status": sync.status}, 202


@api.get("/orders/<number>/erp")
@requires("orders.view")
@documented("What was sent of the order to each ERP, with every attempt", tags=("erp",))
def order_erp_attempts(number: str):
    order = order_or_404(number)
    return {"attempts": [attempt_json(s, a) for s, a in
                         sending.attempts_of(db_session(), order_id=order.id)]}

"""Reading back what the ERP owns: its item master (names, prices) into Orderloom's
catalogue, and stock counted or adjusted in the ERP into the connection's warehouse.

A pull reads only what changed since the last one: each ERP stamps every record with
its modification time (Odoo's ``write_date``, Frappe's ``modified``) and the
connection keeps the newest stamp read (``items_cursor``, ``stock_cursor``). Stock is
read as the ERP's quantity and the difference to Orderloom's on-hand is booked as an
adjustment, so a record read twice changes nothing the second time, and Orderloom's
own push (which set that very quantity) comes back as no change at all.

The sweeper starts a pull of each active connection every ``pull_every_minutes``.
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from orderloom.db import utcnow
from orderloom.runtime.erp import stock_figures
from orderloom.runtime.erp.client import ErpError
from orderloom.runtime.erp.connections import client_for
from orderloom.runtime.erp.models import ErpConnection
from orderloom.runtime.jobs.models import Job, register_handler
from orderloom.runtime.jobs.outbox import enqueue
from orderloom.runtime.stock import keeping
from orderloom.runtime.stock.catalog import Product

log = logging.getLogger(__name__)

JOB_KIND = "erp_pull"
ACTOR = "erp"


def pull(session: Session, connection: ErpConnection, instance_key: str) -> dict[str, Any]:
    """Read items and stock changed since the cursors; answers what was taken. An ERP
    that fails leaves the cursors where they were (the next pull reads it again) and
    its reason on the connection."""
    client = client_for(connection, instance_key)
    taken: dict[str, Any] = {"items": 0, "stock": 0, "skipped": []}
    try:
        items = client.items_since(connection.items_cursor)
        counted = client.stock_since(connection.erp_warehouse, connection.stock_cursor)
    except ErpError as error:
        connection.pull_error = error.message
        connection.pulled_at = utcnow()
        return {**taken, "error": error.message}
    for item in items:
        product = session.scalar(select(Product).where(Product.sku == item["sku"]))
        if product is None:
            product = Product(sku=str(item["sku"])[:64], attributes={}, created_at=utcnow())
            session.add(product)
        product.name = str(item["name"] or item["sku"])[:200]
        product.attributes = {**(product.attributes or {}), "price": str(item["price"])}
        connection.items_cursor = max(connection.items_cursor or "", str(item["stamp"]))
        taken["items"] += 1
    session.flush()
    ours = stock_figures.on_hand(session, connection.warehouse,
                                 [str(c["sku"]) for c in counted])
    for count in counted:
        sku = str(count["sku"])
        change = int(count["quantity"]) - ours.get(sku, 0)
        if change:
            try:
                with session.begin_nested():
                    keeping.adjust(session, ACTOR, sku, connection.warehouse, change,
                                   f"counted in {connection.kind} {connection.name}")
            except keeping.StockError as refusal:
                taken["skipped"].append(f"{sku}: {refusal}")
                continue
            taken["stock"] += 1
        connection.stock_cursor = max(connection.stock_cursor or "", str(count["stamp"]))
    connection.pull_error = "; ".join(taken["skipped"])[:500] or None
    connection.pulled_at = utcnow()
    return taken


def run_erp_pull(session: Session, job: Job, runner: Any) -> str | None:
    connection = session.get(ErpConnection, job.payload["connection"])
    if connection is None or not connection.active:
        return None
    taken = pull(session, connection, runner.secret_key or "")
    return taken.get("error")


register_handler(JOB_KIND, run_erp_pull)


def pull_due(sessions: sessionmaker[Session], now: datetime | None = None) -> list[int]:
    """Queue a pull of every active connection whose interval has passed; the stamp is
    moved by a conditional UPDATE, so two sweepers never start the same pull twice."""
    now = now or utcnow()
    started = []
    with sessions() as session:
        for connection in session.scalars(select(ErpConnection)
                                          .where(ErpConnection.active.is_(True))):
            every = timedelta(minutes=max(connection.pull_every_minutes, 1))
            won = session.execute(
                update(ErpConnection)
                .where(ErpConnection.id == connection.id,
                       or_(ErpConnection.pulled_at.is_(None),
                           ErpConnection.pulled_at <= now - every))
                .values(pulled_at=now)
                .execution_options(synchronize_session=False)).rowcount
            if won:
                enqueue(session, JOB_KIND, {"connection": connection.id}, max_attempts=1)
                started.append(connection.id)
        session.commit()
    return started

"""Comparing Orderloom and the ERP over a period: the orders sent (number, total, lines)
and the on-hand stock of every SKU, with each difference listed and kept.

Orders compared are those of the period that the connection carries and that reached
its ``send_at`` category (they have a sync), and every sale order the ERP holds for
the period; an order on one side only is a difference too. Totals are compared to the
cent; lines as quantity per SKU.
"""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from orderloom.db import utcnow
from orderloom.runtime.channels.mapping import MappingError
from orderloom.runtime.erp import documents, stock_figures
from orderloom.runtime.erp.client import ErpError
from orderloom.runtime.erp.connections import client_for
from orderloom.runtime.erp.models import ORDER, ErpConnection, ErpReconciliation, ErpSync
from orderloom.runtime.orders.models import Order

CENT = Decimal("0.01")


def _difference(subject: str, reference: str, what: str, ours: Any, theirs: Any
                ) -> dict[str, Any]:
    return {"subject": subject, "reference": reference, "what": what,
            "orderloom": None if ours is None else str(ours),
            "erp": None if theirs is None else str(theirs)}


def reconcile(session: Session, connection: ErpConnection, instance_key: str,
              period_from: datetime, period_to: datetime) -> ErpReconciliation:
    """Compare and keep the result (added to ``session``; the caller commits)."""
    record = ErpReconciliation(connection_id=connection.id, period_from=period_from,
                               period_to=period_to, made_at=utcnow(), differences=[])
    session.add(record)
    client = client_for(connection, instance_key)
    try:
        theirs = {o.reference: o for o in client.sale_orders(
            period_from.strftime("%Y-%m-%d %H:%M:%S"),
            period_to.strftime("%Y-%m-%d %H:%M:%S"))}
        ours = stock_figures.on_hand(session, connection.warehouse)
        stock = client.stock(connection.erp_warehouse)
    except ErpError as error:
        record.error = error.message
        return record
    differences: list[dict[str, Any]] = []
    orders = session.scalars(
        select(Order).join(ErpSync, ErpSync.order_id == Order.id)
        .where(ErpSync.connection_id == connection.id, ErpSync.subject == ORDER,
               Order.created_at >= period_from, Order.created_at < period_to)
        .order_by(Order.id)).all()
    key, sku_member, quantity_member = documents.LINES[connection.kind]
    for order in orders:
        erp = theirs.pop(order.number, None)
        if erp is None:
            differences.append(_difference(ORDER, order.number, "missing in the ERP",
                                           order.total, None))
            continue
        if order.total is not None and order.total.quantize(CENT) != erp.total.quantize(CENT):
            differences.append(_difference(ORDER, order.number, "total", order.total,
                                           erp.total))
        try:
            document = documents.sale_order(connection.kind, connection.mappings, order)
        except MappingError as error:  # a mapping that no longer applies differs too
            differences.append(_difference(ORDER, order.number, "lines", str(error), None))
            continue
        sent: dict[str, Decimal] = {}
        for line in document.get(key, []):
            sku = str(line.get(sku_member))
            sent[sku] = sent.get(sku, Decimal(0)) + Decimal(str(line.get(quantity_member, 0)))
        for sku in sorted(set(sent) | set(erp.lines)):
            if sent.get(sku, Decimal(0)) != erp.lines.get(sku, Decimal(0)):
                differences.append(_difference(ORDER, order.number, f"quantity of {sku}",
                                               sent.get(sku), erp.lines.get(sku)))
    for reference in sorted(theirs):
        differences.append(_difference(ORDER, reference, "only in the ERP", None,
                                       theirs[reference].total))
    for sku in sorted(set(ours) | set(stock)):
        mine, erp_quantity = ours.get(sku), stock.get(sku)
        if Decimal(mine or 0) != (erp_quantity or Decimal(0)):
            differences.append(_difference("stock", sku, "on hand", mine, erp_quantity))
    record.orders_compared = len(orders)
    record.skus_compared = len(set(ours) | set(stock))
    record.differences = differences
    return record


def latest(session: Session, connection_id: int, limit: int = 10) -> list[ErpReconciliation]:
    return list(session.scalars(select(ErpReconciliation)
                                .where(ErpReconciliation.connection_id == connection_id)
                                .order_by(ErpReconciliation.id.desc()).limit(limit)))

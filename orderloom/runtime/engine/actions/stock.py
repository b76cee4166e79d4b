"""Stock actions of rules and transitions, carried out on the stored order:
choose a warehouse, route, reserve, release, deduct on shipment."""
from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from orderloom.designer.blueprint import Blueprint
from orderloom.runtime.documents import fulfilment as documents
from orderloom.runtime.engine.actions import integration as integration_actions
from orderloom.runtime.orders.models import Order
from orderloom.runtime.shipping import models as shipments
from orderloom.runtime.stock import keeping as stock_keeping
from orderloom.runtime.stock.routing import allocate, reservation_lines


def carry_out(session: Session, actor_name: str, order: Order, blueprint: Blueprint,
              actions: list[dict[str, Any]]) -> dict[str, Any]:
    """Run ``actions`` in order; answers what they did, for the timeline. Raises
    OutOfStock (the caller's transaction is then rolled back, nothing is held)."""
    done: dict[str, Any] = {}
    for action in actions:
        kind = action["type"]
        if kind == "choose_warehouse":
            order.warehouse = action["warehouse"]
            done["warehouse"] = order.warehouse
        elif kind in ("route", "reserve_stock"):
            allocation = allocate(session, blueprint, order.data, preferred=order.warehouse)
            if allocation.lines:
                order.warehouse = allocation.lines[0][1]
            done["allocation"] = allocation.as_json()
            if kind == "reserve_stock":
                stock_keeping.reserve(session, actor_name, order.id,
                                      reservation_lines(session, allocation))
        elif kind == "release_stock":
            done["released"] = stock_keeping.release(session, actor_name, order.id)
        elif kind == "deduct_stock":
            done["shipped"] = stock_keeping.ship(session, actor_name, order.id)
        elif kind == "create_document":
            done.setdefault("documents", []).append(
                documents.record_ready(session, actor_name, order, action["document"]))
        elif kind == "webhook":
            done.setdefault("events", []).append(
                integration_actions.announce(session, order, action))
        elif kind == "sync_channel_stock":
            done["channel_stock_pushed"] = integration_actions.sync_channel_stock(
                session, blueprint, order)
        elif kind == "create_shipment":
            # After a route in the same list, so the booking knows the warehouse.
            done.setdefault("shipments", []).append(
                shipments.request_booking(session, order, action))
        elif kind == "refund":
            from orderloom.runtime.payments.refunds import refund_action

            done.setdefault("refunds", []).append(
                refund_action(session, actor_name, order, blueprint, action))
    return done

"""Stock actions, carried out on the stored order: choose a warehouse, route, reserve,
release, deduct on shipment."""
from __future__ import annotations

from typing import Any

from orderloom.designer.actions import stock as spec
from orderloom.runtime import hooks, metrics
from orderloom.runtime.engine.actions import Behaviour, Stored
from orderloom.runtime.stock import keeping as stock_keeping
from orderloom.runtime.stock.routing import Allocation, allocate, reservation_lines


class ChooseWarehouse(spec.ChooseWarehouse, Behaviour):
    def once_stored(self, action: dict[str, Any], stored: Stored) -> None:
        stored.order.warehouse = action["warehouse"]
        stored.done["warehouse"] = stored.order.warehouse


def _allocate(stored: Stored) -> Allocation:
    kept: dict[str, int] = {}
    hooks.STOCK_KEPT_BACK(stored.session, stored.order, kept)
    allocation = allocate(stored.session, stored.blueprint, stored.order.data,
                          preferred=stored.order.warehouse, kept_back=kept)
    if allocation.lines:
        stored.order.warehouse = allocation.lines[0][1]
    stored.done["allocation"] = allocation.as_json()
    return allocation


class Route(spec.Route, Behaviour):
    def once_stored(self, action: dict[str, Any], stored: Stored) -> None:
        _allocate(stored)


class ReserveStock(spec.ReserveStock, Behaviour):
    # Stock is held by a transition; a reservation on an edit would hold it twice.
    on_edit = False

    def once_stored(self, action: dict[str, Any], stored: Stored) -> None:
        hooks.STOCK_ABOUT_TO_BE_RESERVED(stored.session, stored.order,
                                         actor_name=stored.actor_name)
        try:
            allocation = _allocate(stored)
            stock_keeping.reserve(stored.session, stored.actor_name, stored.order.id,
                                  reservation_lines(stored.session, allocation))
        except stock_keeping.OutOfStock as refusal:
            # Refused by routing (no warehouse has enough) or by the conditional update
            # (another order took the stock first): either way the order holds nothing.
            metrics.reservation_refused(refusal.warehouse)
            raise
        hooks.ORDER_STOCK_RESERVED(stored.session, stored.order)


class ReleaseStock(spec.ReleaseStock, Behaviour):
    def once_stored(self, action: dict[str, Any], stored: Stored) -> None:
        stored.done["released"] = stock_keeping.release(stored.session, stored.actor_name,
                                                        stored.order.id)
        hooks.ORDER_STOCK_RELEASED(stored.session, stored.order,
                                   actor_name=stored.actor_name)


class DeductStock(spec.DeductStock, Behaviour):
    # Goods leave by the shipping transition, not because a value was edited.
    on_edit = False

    def once_stored(self, action: dict[str, Any], stored: Stored) -> None:
        held_at_start(stored)
        stored.done["shipped"] = stock_keeping.ship(stored.session, stored.actor_name,
                                                    stored.order.id)


def held_at_start(stored: Stored) -> list[Any]:
    """What the order held when its move began: a booking after the deduction in the
    same move still knows what leaves now."""
    if "held" not in stored.moving:
        stored.moving["held"] = stock_keeping.held_by(
            stored.session, [stored.order.id]).get(stored.order.id, [])
    return stored.moving["held"]

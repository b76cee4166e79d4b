"""Moving an order's held stock to its edited lines by the difference only.

A raised quantity reserves the extra units, a lowered one gives back the units no
longer wanted, a removed SKU gives back all it held; an unchanged SKU is not touched,
so an edit never releases and re-reserves what it keeps. Each SKU's change is one
conditional UPDATE of its stock level (stock/keeping.py), taken in a fixed order of
(product, warehouse) as every reservation does, so an edit racing another order for
the last units never oversells and never deadlocks: the one that comes second is
refused with what is missing.
"""
from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from orderloom.runtime.errors import EditRefused
from orderloom.runtime.orders.models import Order
from orderloom.runtime.stock import keeping
from orderloom.runtime.stock.catalog import Product, Warehouse
from orderloom.runtime.stock.models import Reservation


def follow(session: Session, actor_name: str, order: Order, held: list[Reservation],
           change: dict[str, int], pointers: dict[str, str], data_pointer: str
           ) -> list[dict[str, Any]]:
    """Move what ``order`` holds (``held``, its locked held reservations) by ``change``,
    the units of each SKU the edit added (positive) or took away (negative); answers
    each SKU's move as {sku, warehouse, change}. Only the difference moves: a SKU the
    order holds in part (back-ordered, or split short) keeps what it holds, and what
    it still misses is not asked for again by an edit of another line. A lowered SKU
    gives back at most what it holds. Raises EditRefused, pointing at the line, when
    the stock for a raised quantity is not there."""
    holding: dict[tuple[int, int], int] = defaultdict(int)
    for reservation in held:
        holding[(reservation.product_id, reservation.warehouse_id)] += reservation.quantity
    products = {p.sku: p for p in session.scalars(select(Product).where(
        Product.sku.in_([sku for sku, units in change.items() if units])))}
    home = _home_warehouse(session, order, held)
    moving: dict[tuple[int, int], int] = defaultdict(int)
    for sku, units in change.items():
        product = products.get(sku)
        if product is None or units == 0:
            continue  # the edit's own checks refused unknown SKUs already
        places = [k for k in holding if k[0] == product.id]
        if units > 0:
            # More of a SKU goes to the warehouse that holds it already: one parcel.
            if places:
                moving[places[0]] += units
            elif home is not None:
                moving[(product.id, home.id)] += units
            continue
        fewer = -units
        for place in reversed(places):
            give = min(holding[place], fewer)
            moving[place] -= give
            fewer -= give
    moves: list[dict[str, Any]] = []
    for place in sorted(moving):
        units = moving[place]
        if units == 0:
            continue
        product = session.get(Product, place[0])
        warehouse = session.get(Warehouse, place[1])
        if units > 0:
            try:
                keeping.reserve(session, actor_name, order.id,
                                [keeping.Line(place[0], place[1], units)])
            except keeping.OutOfStock as short:
                raise _short(order, short, units, pointers.get(product.sku, ""),
                             data_pointer) from None
        else:
            keeping.release_part(session, actor_name, order.id, place[0], place[1], -units,
                                 reference=f"edit of {order.number}")
        moves.append({"sku": product.sku, "warehouse": warehouse.code, "change": units})
    return moves


def _home_warehouse(session: Session, order: Order, held: list[Reservation]) -> Warehouse | None:
    """Where a SKU the order did not hold yet is reserved: the warehouse chosen for the
    order, else the one its stock is held in."""
    if order.warehouse:
        found = session.scalar(select(Warehouse).where(Warehouse.code == order.warehouse))
        if found is not None:
            return found
    return session.get(Warehouse, held[0].warehouse_id) if held else None


def _short(order: Order, short: keeping.OutOfStock, more: int, line_pointer: str,
           data_pointer: str) -> EditRefused:
    missing = more - short.available
    refused = EditRefused(
        f"{short.sku}: {more} more wanted but only {short.available} available in "
        f"{short.warehouse}; {missing} short",
        code="order_edit.short", sku=short.sku, warehouse=short.warehouse, more=more,
        available=short.available, short=missing)
    refused.pointer = data_pointer + line_pointer
    refused.faults = [(refused.pointer, refused.message)]
    return refused

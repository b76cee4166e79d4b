"""Merging orders of one buyer to one address into one parcel (合单), and undoing it.

Each order stays itself: its number, its channel and what is written back to it, its
payments. The merge says they leave together from one warehouse: the stock an order
holds elsewhere moves there, in one savepoint, so a merge that cannot get a unit
(another order took it meanwhile) changes nothing and says which SKU is short. The
orders are locked in id order first, so two merges of one order cannot both stand;
the unique order in ``merged_orders`` stands behind it.
"""
from __future__ import annotations

import logging
from collections import Counter
from datetime import timedelta

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from orderloom.db import utcnow
from orderloom.runtime import hooks
from orderloom.runtime.audit import Actor
from orderloom.runtime.consolidation.candidates import (
    address_of,
    buyer_of,
    gave_stock_back,
    is_open,
    merged_already,
    shipped_already,
    split_already,
)
from orderloom.runtime.consolidation.models import MERGED, UNDONE, Merge, MergedOrder
from orderloom.runtime.errors import OrderError
from orderloom.runtime.orders import timeline
from orderloom.runtime.orders.models import Order
from orderloom.runtime.shipping import tracking
from orderloom.runtime.shipping.models import CODE_PATTERN, Shipment
from orderloom.runtime.stock import keeping
from orderloom.runtime.stock.catalog import Product, Warehouse
from orderloom.runtime.stock.keeping import Line, OutOfStock

log = logging.getLogger(__name__)
MOST_ORDERS = 50


class MergeRefused(OrderError):
    status = 409

    def __init__(self, message: str, code: str, pointer: str = "/orders", **values: object
                 ) -> None:
        super().__init__(message, code=code, **values)
        self.pointer = pointer


def _locked(session: Session, order_ids: list[int]) -> list[Order]:
    return list(session.scalars(select(Order).where(Order.id.in_(order_ids))
                                .order_by(Order.id).with_for_update(of=Order)
                                .execution_options(populate_existing=True)))


def check(session: Session, orders: list[Order], window_hours: int) -> None:
    """Refuse, naming the first order at fault, what may not be merged."""
    if len(orders) < 2:
        raise MergeRefused("a merge needs at least two orders", "merge.too_few")
    if len(orders) > MOST_ORDERS:
        raise MergeRefused(f"at most {MOST_ORDERS} orders merge into one parcel",
                           "merge.too_many", most=MOST_ORDERS)
    ids = [o.id for o in orders]
    for order in orders:
        if not is_open(order):
            raise MergeRefused(f"order {order.number} is in {order.state}, not open: only "
                               "open orders merge", "merge.not_open", order=order.number,
                               state=order.state)
        if gave_stock_back(order):
            raise MergeRefused(f"order {order.number} gave its stock back in {order.state}: "
                               "it is being cancelled and ships nothing",
                               "merge.stock_given_back", order=order.number,
                               state=order.state)
    for taken, code, words in ((merged_already(session, ids), "merge.merged_already",
                                "is in another merge already"),
                               (shipped_already(session, ids), "merge.shipped_already",
                                "has a shipment already"),
                               (split_already(session, ids), "merge.split_already",
                                "is split into parts; it ships in those")):
        for order in orders:
            if order.id in taken:
                raise MergeRefused(f"order {order.number} {words}", code, order=order.number)
    first = orders[0]
    buyer, address = buyer_of(first), address_of(first)
    for order in orders:
        if buyer_of(order) is None:
            raise MergeRefused(f"order {order.number} has no customer to merge by",
                               "merge.no_buyer", order=order.number)
        if address_of(order) is None:
            raise MergeRefused(f"order {order.number} has no address to merge by",
                               "merge.no_address", order=order.number)
        if buyer_of(order) != buyer:
            raise MergeRefused(f"order {order.number} is of another buyer than "
                               f"{first.number}", "merge.other_buyer", order=order.number,
                               first=first.number)
        if address_of(order) != address:
            raise MergeRefused(f"order {order.number} goes to another address than "
                               f"{first.number}", "merge.other_address", order=order.number,
                               first=first.number)
    placed = sorted(o.created_at for o in orders)
    if placed[-1] - placed[0] > timedelta(hours=window_hours):
        raise MergeRefused(f"the orders were placed more than {window_hours} h apart, the "
                           "merge window", "merge.outside_window", hours=window_hours)


def _target(session: Session, orders: list[Order],
            held: dict[int, list]) -> str | None:
    """The warehouse the parcel leaves from: the one that holds most of the units, the
    first order's on a tie, so the fewest units move."""
    units: Counter[int] = Counter()
    for reservations in held.values():
        for reservation in reservations:
            units[reservation.warehouse_id] += reservation.quantity
    if not units:
        return orders[0].warehouse
    codes = dict(session.execute(select(Warehouse.id, Warehouse.code)
                                 .where(Warehouse.id.in_(list(units)))).all())
    lead = orders[0].warehouse
    best = max(units.values())
    tied = sorted(codes[w] for w, n in units.items() if n == best)
    return lead if lead in tied else tied[0]


def _move_stock(session: Session, actor: Actor, order: Order, held: list,
                warehouse_id: int, skus: dict[int, str], codes: dict[int, str]
                ) -> list[dict[str, object]]:
    """Hold all of ``order``'s stock in ``warehouse_id``; what moved, for the timeline.
    OutOfStock when the warehouse lacks a unit (the caller's savepoint undoes it)."""
    away = [r for r in held if r.warehouse_id != warehouse_id]
    if not away:
        return []
    moved = [{"sku": skus[r.product_id], "from": codes[r.warehouse_id],
              "quantity": r.quantity} for r in away]
    keeping.release(session, actor.name, order.id)
    keeping.reserve(session, actor.name, order.id,
                    [Line(r.product_id, warehouse_id, r.quantity) for r in held])
    return moved


def merge(session: Session, actor: Actor, order_ids: list[int], window_hours: int, *,
          by: str = "staff") -> Merge:
    """Merge the orders into one parcel, whole or not at all. Raises MergeRefused, or
    OutOfStock (with the SKU, the warehouse and what is there) when stock cannot move."""
    orders = _locked(session, sorted(set(order_ids)))
    orders.sort(key=lambda o: (o.created_at, o.id))
    check(session, orders, window_hours)
    hooks.ORDERS_MERGING(session, orders)
    held = keeping.held_by(session, [o.id for o in orders], lock=True)
    target = _target(session, orders, held)
    warehouse = session.scalar(select(Warehouse).where(Warehouse.code == target)) \
        if target else None
    products = {r.product_id for rs in held.values() for r in rs}
    skus = dict(session.execute(select(Product.id, Product.sku)
                                .where(Product.id.in_(products))).all()) if products else {}
    codes = dict(session.execute(select(Warehouse.id, Warehouse.code)).all())
    numbers = [o.number for o in orders]
    found = Merge(status=MERGED, lead_order_id=orders[0].id, warehouse=target,
                  numbers=numbers, by=by, created_by=actor.name, created_at=utcnow())
    moves: dict[int, list[dict[str, object]]] = {}
    try:
        with session.begin_nested():
            # In the savepoint, so a refused merge leaves no row behind either.
            session.add(found)
            session.flush()
            for order in orders:
                before = held.get(order.id, [])
                session.add(MergedOrder(merge_id=found.id, order_id=order.id, held_before=[
                    {"sku": skus[r.product_id], "warehouse": codes[r.warehouse_id],
                     "quantity": r.quantity} for r in before]))
                moves[order.id] = _move_stock(session, actor, order, before, warehouse.id,
                                              skus, codes) if warehouse else []
                if target and order.warehouse != target:
                    order.warehouse = target
            session.flush()
    except OutOfStock as short:
        raise MergeRefused(f"the merge cannot hold every unit in {target}: {short}",
                           "merge.out_of_stock", warehouse=target or "", sku=short.sku,
                           wanted=short.wanted, available=short.available) from None
    for order in orders:
        timeline.merged_event(session, order, actor.name, merge=found.id, orders=numbers,
                              warehouse=target, by=by, moved=moves[order.id])
    log.info("orders %s merged into one parcel from %s by %s", ", ".join(numbers), target,
             actor.name)
    return found


def merge_of(session: Session, order_id: int) -> Merge | None:
    """The standing merge the order is in, if any."""
    return session.scalar(select(Merge).join(MergedOrder, MergedOrder.merge_id == Merge.id)
                          .where(MergedOrder.order_id == order_id))


def merge_of_parcel(session: Session, shipment_id: int) -> Merge | None:
    """The merge whose one parcel is ``shipment_id``, if any. A booked merge cannot be
    undone, so its orders stay in it."""
    return session.scalar(select(Merge).where(Merge.shipment_id == shipment_id,
                                              Merge.status == MERGED))


def riders() -> Select[tuple[int, int]]:
    """(order, parcel) of every order of a standing merge whose parcel is booked, but
    the first order's: the parcel is booked under it, so it is found by its order."""
    return (select(MergedOrder.order_id.label("order_id"),
                   Merge.shipment_id.label("shipment_id"))
            .join(Merge, Merge.id == MergedOrder.merge_id)
            .where(Merge.shipment_id.is_not(None),
                   MergedOrder.order_id != Merge.lead_order_id))


def orders_of(session: Session, merge_id: int) -> list[Order]:
    return list(session.scalars(select(Order).join(MergedOrder,
                                                   MergedOrder.order_id == Order.id)
                                .where(MergedOrder.merge_id == merge_id)
                                .order_by(Order.created_at, Order.id)))


def undo(session: Session, actor: Actor, merge_id: int) -> Merge:
    """Let the orders ship apart again, while nothing of them is picked and the parcel
    is not booked. Their stock stays where the merge moved it: each order still ships
    from there, on its own."""
    found = session.scalar(select(Merge).where(Merge.id == merge_id).with_for_update()
                           .execution_options(populate_existing=True))
    if found is None:
        raise MergeRefused(f"there is no merge {merge_id}", "merge.unknown", pointer="",
                           merge=merge_id)
    if found.status == UNDONE:
        raise MergeRefused(f"merge {merge_id} was undone already by {found.undone_by}",
                           "merge.undone_already", pointer="", merge=merge_id,
                           by=found.undone_by or "")
    if found.shipment_id is not None:
        raise MergeRefused(f"merge {merge_id}'s parcel is booked: it ships as one",
                           "merge.parcel_booked", pointer="", merge=merge_id)
    orders = _locked(session, [o.id for o in orders_of(session, merge_id)])
    hooks.MERGE_UNDOING(session, orders)
    for member in session.scalars(select(MergedOrder).where(MergedOrder.merge_id == merge_id)):
        session.delete(member)
    found.status, found.undone_by, found.undone_at = UNDONE, actor.name, utcnow()
    for order in orders:
        timeline.merge_undone_event(session, order, actor.name, merge=found.id,
                                    orders=list(found.numbers))
    session.flush()
    return found


def ship(session: Session, actor: Actor, merge_id: int, carrier: str,
         tracking_number: str, instance_key: str = "") -> Shipment:
    """Book the merge's one parcel under the first order and take every order's units
    off the shelf; every order of the merge gets it on its timeline and written back to
    its own channel (reactions.py). ``instance_key`` opens the carrier's sealed
    credentials; raises CarrierError when they cannot be opened."""
    found = session.scalar(select(Merge).where(Merge.id == merge_id).with_for_update()
                           .execution_options(populate_existing=True))
    if found is None or found.status != MERGED:
        raise MergeRefused(f"there is no standing merge {merge_id}", "merge.unknown",
                           pointer="", merge=merge_id)
    if found.shipment_id is not None:
        raise MergeRefused(f"merge {merge_id}'s parcel is booked already",
                           "merge.parcel_booked", pointer="", merge=merge_id)
    if not CODE_PATTERN.match(carrier or ""):
        raise MergeRefused(f"{carrier!r} is not a carrier code", "merge.bad_carrier",
                           pointer="/carrier", carrier=str(carrier))
    number = (tracking_number or "").strip()
    if not number or len(number) > 100:
        raise MergeRefused("a tracking number of 1 to 100 characters", "merge.bad_tracking",
                           pointer="/tracking_number")
    lead = session.get(Order, found.lead_order_id)
    shipment = tracking.book(session, actor, lead, carrier, tracking_number=number,
                             warehouse=found.warehouse, reference=f"{lead.number}-M{found.id}",
                             instance_key=instance_key)
    found.shipment_id = shipment.id
    for order in orders_of(session, found.id):
        # The parcel carries every order's units: they leave the shelf now, so the
        # workflow's own Ship step finds nothing left to deduct.
        keeping.ship(session, actor.name, order.id)
    session.flush()
    return shipment

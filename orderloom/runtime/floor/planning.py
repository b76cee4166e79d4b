"""Planning waves: by hand from chosen orders, or by rules from every order waiting
to be picked in a warehouse.

An order can be picked when it holds stock (held reservations) in the warehouse,
is in no unfinished wave of that warehouse and is not on hold (a store's
cancellation, a short pick: staff decide what becomes of it). A wave's lines are
those reservations, so what is picked is what the order holds there: an order
reserved in two warehouses is picked by a wave of each, each for its own lines, and
ships in one parcel from each (scanning.py). Helpers take a session and never commit.
"""
from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from orderloom.runtime.audit import Actor
from orderloom.runtime.documents.fulfilment import bin_of
from orderloom.runtime.engine import holds
from orderloom.runtime.errors import OrderError
from orderloom.runtime.floor.models import UNFINISHED, Wave, WaveLine, WaveOrder
from orderloom.runtime.floor.pick_path import LONGEST, zone_of, zone_place
from orderloom.runtime.floor.shipping_out import carrier_of
from orderloom.runtime.orders.models import Order
from orderloom.runtime.stock import keeping
from orderloom.runtime.stock.catalog import Product, Warehouse
from orderloom.runtime.stock.models import Reservation

MAX_ORDERS = 500


# Why a wave cannot be planned, in the API's English; the pages say the same in the
# reader's language (platform/pages/floor_words.py).
REFUSALS = {
    "no_warehouse": "there is no warehouse '{code}'",
    "no_orders": "name at least one order",
    "too_many_orders": "at most {most} orders make one wave",
    "named_twice": "order {number} is named twice",
    "no_order": "there is no order {number}",
    "in_wave": "order {number} is in an unfinished wave already",
    "nothing_held": "order {number} holds no stock in {warehouse}: there is nothing to pick",
    "on_hold": "order {number} cannot be picked now. {why}",
    "nothing_waits": "no order waits to be picked in {warehouse}",
    "whole_number": "a whole number from {low} to {high}",
}


class PlanningProblem(OrderError):
    """A wave that cannot be planned; ``pointer`` is the member of the request at fault,
    ``key`` a key of REFUSALS and ``values`` its values."""

    def __init__(self, pointer: str, key: str, values: dict[str, Any] | None = None,
                 status: int = 422) -> None:
        self.key = key
        self.values = values or {}
        super().__init__(REFUSALS[key].format(**self.values))
        self.pointer = pointer
        self.status = status


@dataclass(frozen=True)
class Rules:
    """How orders are grouped into waves: single-item orders apart from the others,
    one carrier per wave, at most so many orders and lines (SKUs of orders) each."""

    single_item: bool = False
    same_carrier: bool = False
    max_orders: int = 50
    max_lines: int | None = None

    def as_json(self) -> dict[str, Any]:
        return {"by": "rules", "single_item": self.single_item,
                "same_carrier": self.same_carrier, "max_orders": self.max_orders,
                "max_lines": self.max_lines}


def warehouse_named(session: Session, code: str, pointer: str = "/warehouse") -> Warehouse:
    found = session.scalar(select(Warehouse).where(Warehouse.code == code))
    if found is None:
        raise PlanningProblem(pointer, "no_warehouse", {"code": code})
    return found


def in_unfinished_wave(warehouse: Warehouse) -> Any:
    """The ids of orders some wave of ``warehouse`` has not finished with yet. A wave
    of another warehouse picks other lines of the order: it does not keep it out."""
    return select(WaveOrder.order_id).join(Wave, Wave.id == WaveOrder.wave_id).where(
        WaveOrder.status.in_(UNFINISHED), Wave.warehouse == warehouse.code)


def _held(session: Session, warehouse: Warehouse, order_ids: Iterable[int]
          ) -> dict[int, list[tuple[Reservation, Product]]]:
    """What each order holds in ``warehouse``, with its products."""
    held: dict[int, list[tuple[Reservation, Product]]] = defaultdict(list)
    found = keeping.held_by(session, list(order_ids))
    products = {p.id: p for p in session.scalars(select(Product).where(Product.id.in_(
        {r.product_id for rs in found.values() for r in rs})))}
    for order_id, reservations in found.items():
        held[order_id] = [(r, products[r.product_id]) for r in reservations
                          if r.warehouse_id == warehouse.id]
    return held


def waiting_orders(session: Session, warehouse: Warehouse, visible: ColumnElement[bool],
                   limit: int = MAX_ORDERS, arrived_by: datetime | None = None
                   ) -> list[Order]:
    """Orders holding stock in ``warehouse`` that no unfinished wave of it has and that
    are not on hold, oldest first; with ``arrived_by``, those that arrived by then."""
    holding = select(Reservation.order_id).where(
        Reservation.warehouse_id == warehouse.id, Reservation.status == "held")
    query = (select(Order).where(Order.id.in_(holding),
                                 Order.id.not_in(in_unfinished_wave(warehouse)), visible)
             .order_by(Order.created_at, Order.id))
    if arrived_by is not None:
        query = query.where(Order.created_at <= arrived_by)
    found: list[Order] = []
    # A hold is read from each order's timeline, not in SQL: read page by page until
    # enough orders that are not held are found.
    offset = 0
    while len(found) < limit:
        page = list(session.scalars(query.offset(offset).limit(limit)))
        held = holds.on_hold(session, page)
        found += [order for order in page if order.id not in held]
        if len(page) < limit:
            break
        offset += limit
    return found[:limit]


def _claim(session: Session, warehouse: Warehouse, orders: list[Order]) -> set[int]:
    """Lock ``orders`` (by id, so two planners cannot deadlock) and answer the ids of
    those some unfinished wave of ``warehouse`` has: checked after the lock, a planner
    that waited for another sees that one's wave, and no order joins two waves of one
    warehouse."""
    ids = sorted(o.id for o in orders)
    if not ids:
        return set()
    session.execute(select(Order.id).where(Order.id.in_(ids)).order_by(Order.id)
                    .with_for_update())
    return set(session.scalars(in_unfinished_wave(warehouse).where(
        WaveOrder.order_id.in_(ids))))


def _make(session: Session, actor: Actor, warehouse: Warehouse, orders: list[Order],
          held: dict[int, list[tuple[Reservation, Product]]],
          planned_by: dict[str, Any]) -> Wave:
    # The number is the wave's id, which the database hands out once to each insert:
    # two planners at the same moment get two numbers. Until the id is known the row
    # carries a number of its own that no wave number looks like.
    wave = Wave(number=f"new-{uuid.uuid4().hex}", warehouse=warehouse.code,
                status="open", planned_by=planned_by, created_by=actor.name)
    session.add(wave)
    session.flush()
    wave.number = f"W-{wave.id:06d}"
    for position, order in enumerate(orders):
        session.add(WaveOrder(wave_id=wave.id, order_id=order.id, position=position,
                              status="to_pick"))
        per_product: dict[int, tuple[Product, int]] = {}
        for reservation, product in held[order.id]:
            _p, quantity = per_product.get(product.id, (product, 0))
            per_product[product.id] = (product, quantity + reservation.quantity)
        for product, quantity in per_product.values():
            session.add(WaveLine(wave_id=wave.id, order_id=order.id, product_id=product.id,
                                 sku=product.sku, bin=bin_of(product)[:LONGEST],
                                 zone=zone_of(product),
                                 zone_place=zone_place(warehouse, zone_of(product)),
                                 quantity=quantity, picked=0, packed=0))
    session.flush()
    return wave


def plan_by_hand(session: Session, actor: Actor, warehouse_code: str, numbers: list[str],
                 visible: ColumnElement[bool]) -> Wave:
    """One wave of the orders ``numbers`` picked from ``warehouse_code``."""
    warehouse = warehouse_named(session, warehouse_code)
    if not numbers:
        raise PlanningProblem("/orders", "no_orders")
    if len(numbers) > MAX_ORDERS:
        raise PlanningProblem("/orders", "too_many_orders", {"most": MAX_ORDERS})
    found = {o.number: o for o in session.scalars(
        select(Order).where(Order.number.in_(numbers), visible))}
    busy_ids = _claim(session, warehouse, list(found.values()))
    busy = {o.number for o in found.values() if o.id in busy_ids}
    held = _held(session, warehouse, [o.id for o in found.values()])
    on_hold = holds.on_hold(session, list(found.values()))
    seen: set[str] = set()
    for index, number in enumerate(numbers):
        pointer = f"/orders/{index}"
        if number in seen:
            raise PlanningProblem(pointer, "named_twice", {"number": number})
        seen.add(number)
        if number not in found:
            raise PlanningProblem(pointer, "no_order", {"number": number})
        if number in busy:
            raise PlanningProblem(pointer, "in_wave", {"number": number}, 409)
        if not held.get(found[number].id):
            raise PlanningProblem(pointer, "nothing_held",
                                  {"number": number, "warehouse": warehouse.code})
        if found[number].id in on_hold:
            reason = on_hold[found[number].id]
            raise PlanningProblem(pointer, "on_hold", {"number": number,
                                                       "why": reason.get("en", ""),
                                                       "reason": reason})
    return _make(session, actor, warehouse, [found[n] for n in numbers], held, {"by": "hand"})


def _group_key(order: Order, lines: list[tuple[Reservation, Product]], rules: Rules,
               roles: set[str]) -> tuple[Any, ...]:
    key: list[Any] = []
    if rules.single_item:
        key.append(sum(r.quantity for r, _p in lines) == 1)
    if rules.same_carrier:
        key.append(carrier_of(order, roles) or "")
    return tuple(key)


def plan_by_rules(session: Session, actor: Actor, warehouse_code: str, rules: Rules,
                  visible: ColumnElement[bool], roles: set[str], *,
                  arrived_by: datetime | None = None,
                  planned_by: dict[str, Any] | None = None) -> list[Wave]:
    """Waves of every order waiting in ``warehouse_code`` (that arrived by ``arrived_by``),
    grouped and cut by ``rules``; oldest orders first. No waiting order: no wave, and a
    refusal saying so. An order's carrier is the one of the shipping move the planner's
    ``roles`` would take. ``planned_by``: how the waves say they were planned."""
    warehouse = warehouse_named(session, warehouse_code)
    orders = waiting_orders(session, warehouse, visible, arrived_by=arrived_by)
    busy = _claim(session, warehouse, orders)  # planned meanwhile by someone else: not again
    orders = [o for o in orders if o.id not in busy]
    if not orders:
        raise PlanningProblem("/warehouse", "nothing_waits", {"warehouse": warehouse.code})
    held = _held(session, warehouse, [o.id for o in orders])
    groups: dict[tuple[Any, ...], list[Order]] = defaultdict(list)
    for order in orders:
        groups[_group_key(order, held[order.id], rules, roles)].append(order)
    waves = []
    for _key, members in sorted(groups.items(), key=lambda item: repr(item[0])):
        batch: list[Order] = []
        lines = 0
        for order in members:
            count = len({p.id for _r, p in held[order.id]})
            over_lines = rules.max_lines is not None and batch and \
                lines + count > rules.max_lines
            if len(batch) >= rules.max_orders or over_lines:
                waves.append(_make(session, actor, warehouse, batch, held,
                                   planned_by or rules.as_json()))
                batch, lines = [], 0
            batch.append(order)
            lines += count
        if batch:
            waves.append(_make(session, actor, warehouse, batch, held,
                               planned_by or rules.as_json()))
    return waves

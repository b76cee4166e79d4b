"""Receiving, adjusting, reserving, releasing and shipping stock.

Functions take a session and never commit. Each change of a stock level is
one conditional UPDATE plus its ledger line; a reservation that would make
availability negative matches no row and raises OutOfStock, and the CHECK
constraint stands behind it. Lines of one order are reserved in a fixed
(product, warehouse) order, so two orders locking the same SKUs cannot
deadlock.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from orderloom.db import utcnow
from orderloom.runtime import hooks
from orderloom.runtime.errors import OrderError
from orderloom.runtime.stock import low_stock
from orderloom.runtime.stock.catalog import Product, Warehouse
from orderloom.runtime.stock.models import (
    ADJUSTMENT,
    RECEIPT,
    RELEASE,
    RESERVATION,
    RETURN,
    SHIPMENT,
    Reservation,
    StockLevel,
    StockMovement,
)

LEVELS = StockLevel.__table__


class StockError(OrderError):
    """A stock request that names something unknown or asks for the impossible;
    ``argument`` is the name of the argument at fault (``sku``, ``quantity``), which the
    API's requests name alike."""

    def __init__(self, message: str, argument: str = "", *, code: str | None = None,
                 **values: object) -> None:
        super().__init__(message, code=code, **values)
        self.argument = argument


# Where routing looked when no single warehouse had enough (routing.py).
ANY_WAREHOUSE = "any warehouse"


class OutOfStock(StockError):
    status = 409

    def __init__(self, sku: str, warehouse: str, wanted: int, available: int) -> None:
        super().__init__(f"only {available} of {sku} available in {warehouse}, {wanted} wanted",
                         code="stock.short", sku=sku, warehouse=warehouse, wanted=wanted,
                         available=available)
        self.sku = sku
        self.warehouse = warehouse
        self.wanted = wanted
        self.available = available


@dataclass(frozen=True)
class Line:
    """A quantity of one product in one warehouse."""

    product_id: int
    warehouse_id: int
    quantity: int


def product(session: Session, sku: str) -> Product:
    found = session.scalar(select(Product).where(Product.sku == sku))
    if found is None:
        raise StockError(f"there is no product with SKU {sku!r}", "sku",
                         code="stock.no_product", sku=sku)
    return found


def warehouse(session: Session, code: str) -> Warehouse:
    found = session.scalar(select(Warehouse).where(Warehouse.code == code))
    if found is None:
        raise StockError(f"there is no warehouse {code!r}", "warehouse",
                         code="stock.no_warehouse", warehouse=code)
    return found


def _ensure_level(session: Session, product_id: int, warehouse_id: int) -> None:
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    session.execute(insert(LEVELS).values(product_id=product_id, warehouse_id=warehouse_id,
                                          on_hand=0, reserved=0, updated_at=utcnow())
                    .on_conflict_do_nothing())


def _move(session: Session, actor_name: str, kind: str, line: Line, on_hand: int,
          reserved: int, order_id: int | None = None, reference: str = "") -> None:
    session.add(StockMovement(product_id=line.product_id, warehouse_id=line.warehouse_id,
                              kind=kind, on_hand_change=on_hand, reserved_change=reserved,
                              order_id=order_id, reference=reference[:200],
                              actor_name=actor_name, at=utcnow()))


def _change(session: Session, line: Line, on_hand: int, reserved: int,
            need_available: int = 0) -> bool:
    """Apply a change to one level in one statement; False when it would leave
    less available than allowed (nothing is changed then)."""
    statement = (update(LEVELS)
                 .where(LEVELS.c.product_id == line.product_id,
                        LEVELS.c.warehouse_id == line.warehouse_id)
                 .values(on_hand=LEVELS.c.on_hand + on_hand,
                         reserved=LEVELS.c.reserved + reserved, updated_at=utcnow()))
    if need_available:
        statement = statement.where(LEVELS.c.on_hand - LEVELS.c.reserved >= need_available)
    if on_hand - reserved < 0:
        # What is left comes back with the change, for the low-stock alert.
        left = session.execute(
            statement.returning(LEVELS.c.on_hand - LEVELS.c.reserved)).scalar_one_or_none()
        changed = left is not None
        if changed:
            low_stock.after_decrease(session, line.product_id, line.warehouse_id,
                                     on_hand - reserved, left)
    else:
        changed = session.execute(statement).rowcount == 1
    if changed and on_hand != reserved:
        hooks.STOCK_CHANGED(session, line.product_id, line.warehouse_id, on_hand - reserved)
    return changed


def receive(session: Session, actor_name: str, sku: str, warehouse_code: str, quantity: int,
            reference: str = "") -> None:
    _add_on_hand(session, actor_name, RECEIPT, sku, warehouse_code, quantity, reference)


def take_back(session: Session, actor_name: str, sku: str, warehouse_code: str,
              quantity: int, reference: str = "", order_id: int | None = None) -> None:
    """A customer's return put back on the shelf: on hand goes up, as a return."""
    _add_on_hand(session, actor_name, RETURN, sku, warehouse_code, quantity, reference,
                 order_id)


def _add_on_hand(session: Session, actor_name: str, kind: str, sku: str, warehouse_code: str,
                 quantity: int, reference: str, order_id: int | None = None) -> None:
    if quantity <= 0:
        raise StockError(f"a {kind} needs a positive quantity", "quantity",
                         code="stock.quantity_not_positive")
    line = Line(product(session, sku).id, warehouse(session, warehouse_code).id, quantity)
    _ensure_level(session, line.product_id, line.warehouse_id)
    _change(session, line, quantity, 0)
    _move(session, actor_name, kind, line, quantity, 0, order_id=order_id, reference=reference)


def adjust(session: Session, actor_name: str, sku: str, warehouse_code: str, change: int,
           reference: str) -> None:
    """Correct on-hand stock after a count; may not take away reserved stock."""
    if change == 0:
        raise StockError("an adjustment needs a change other than 0", "change",
                         code="stock.change_zero")
    if not reference.strip():
        raise StockError("say why: an adjustment needs a reference", "reference",
                         code="stock.reference_missing")
    line = Line(product(session, sku).id, warehouse(session, warehouse_code).id, abs(change))
    _ensure_level(session, line.product_id, line.warehouse_id)
    if not _change(session, line, change, 0, need_available=max(0, -change)):
        level = _level(session, line)
        raise OutOfStock(sku, warehouse_code, -change, level.available if level else 0)
    _move(session, actor_name, ADJUSTMENT, line, change, 0, reference=reference)


def _level(session: Session, line: Line) -> StockLevel | None:
    return session.scalar(select(StockLevel).where(
        StockLevel.product_id == line.product_id, StockLevel.warehouse_id == line.warehouse_id
    ).execution_options(populate_existing=True))


def reserve(session: Session, actor_name: str, order_id: int, lines: list[Line], *,
            gift: bool = False) -> None:
    """Hold stock for an order: all lines or none (the caller rolls back on OutOfStock).
    ``gift``: the units are a promotion's gift, not lines of the order."""
    merged: dict[tuple[int, int], int] = defaultdict(int)
    for line in lines:
        merged[(line.product_id, line.warehouse_id)] += line.quantity
    for (product_id, warehouse_id), quantity in sorted(merged.items()):
        line = Line(product_id, warehouse_id, quantity)
        if quantity <= 0:
            continue
        if not _change(session, line, 0, quantity, need_available=quantity):
            level = _level(session, line)
            raise OutOfStock(session.get(Product, product_id).sku,
                             session.get(Warehouse, warehouse_id).code, quantity,
                             level.available if level else 0)
        _move(session, actor_name, RESERVATION, line, 0, quantity, order_id=order_id)
        session.add(Reservation(order_id=order_id, product_id=product_id,
                                warehouse_id=warehouse_id, quantity=quantity,
                                status="held", created_at=utcnow(), gift=gift))


def held_by(session: Session, order_ids: list[int], *, lock: bool = False
            ) -> dict[int, list[Reservation]]:
    """What each of ``order_ids`` holds (its held reservations), by order id. With
    ``lock`` the rows are locked, in one order every taker uses, for changing them."""
    query = (select(Reservation).where(Reservation.order_id.in_(order_ids),
                                       Reservation.status == "held")
             .order_by(Reservation.order_id, Reservation.product_id,
                       Reservation.warehouse_id, Reservation.id))
    held: dict[int, list[Reservation]] = {}
    for reservation in session.scalars(query.with_for_update() if lock else query):
        held.setdefault(reservation.order_id, []).append(reservation)
    return held


def release(session: Session, actor_name: str, order_id: int) -> int:
    """Give back what an order holds (on cancel or reject); doing it twice releases
    nothing the second time. Returns the units released."""
    released = 0
    for held in held_by(session, [order_id], lock=True).get(order_id, []):
        line = Line(held.product_id, held.warehouse_id, held.quantity)
        _change(session, line, 0, -held.quantity)
        _move(session, actor_name, RELEASE, line, 0, -held.quantity, order_id=order_id)
        held.status = "released"
        released += held.quantity
    return released


def release_part(session: Session, actor_name: str, order_id: int, product_id: int,
                 warehouse_id: int, quantity: int, reference: str = "") -> int:
    """Give back ``quantity`` of what an order holds of one product in one warehouse (an
    edit lowered a line), newest reservation first; a reservation given back in part
    keeps the rest held. Returns the units released (never more than are held)."""
    released = 0
    held = [r for r in held_by(session, [order_id], lock=True).get(order_id, [])
            if r.product_id == product_id and r.warehouse_id == warehouse_id]
    for reservation in reversed(held):
        if released >= quantity:
            break
        part = min(reservation.quantity, quantity - released)
        line = Line(product_id, warehouse_id, part)
        _change(session, line, 0, -part)
        _move(session, actor_name, RELEASE, line, 0, -part, order_id=order_id,
              reference=reference)
        if part == reservation.quantity:
            reservation.status = "released"
        else:
            reservation.quantity -= part
        released += part
    return released


def release_held(session: Session, actor_name: str, held: Reservation) -> None:
    """Give back one held reservation of an order (a gift moving to the warehouse its
    order's lines are reserved in)."""
    if held.status != "held":
        return
    line = Line(held.product_id, held.warehouse_id, held.quantity)
    _change(session, line, 0, -held.quantity)
    _move(session, actor_name, RELEASE, line, 0, -held.quantity, order_id=held.order_id)
    held.status = "released"


def ship(session: Session, actor_name: str, order_id: int,
         warehouse_id: int | None = None) -> int:
    """Deduct what an order holds from on-hand stock, as it leaves the warehouse; with
    ``warehouse_id``, only what it holds there (one part of an order reserved in
    several warehouses leaves)."""
    shipped = 0
    for held in held_by(session, [order_id], lock=True).get(order_id, []):
        if warehouse_id is not None and held.warehouse_id != warehouse_id:
            continue
        line = Line(held.product_id, held.warehouse_id, held.quantity)
        _change(session, line, -held.quantity, -held.quantity)
        _move(session, actor_name, SHIPMENT, line, -held.quantity, -held.quantity,
              order_id=order_id)
        held.status = "shipped"
        shipped += held.quantity
    return shipped


def ship_part(session: Session, actor_name: str, order_id: int, warehouse_id: int,
              quantities: dict[int, int], reference: str = "") -> int:
    """Deduct one parcel of an order split into several (product id -> quantity) from
    what the order holds in ``warehouse_id``; the rest stays held for the other parcels.
    A held row is cut in two when the parcel takes part of it, so releasing the rest
    later gives back only what did not ship. StockError (the caller rolls back) when
    the order holds less than the parcel carries there."""
    shipped = 0
    held = [r for r in held_by(session, [order_id], lock=True).get(order_id, [])
            if r.warehouse_id == warehouse_id]
    for product_id, wanted in sorted(quantities.items()):
        need = wanted
        for reservation in (r for r in held if r.product_id == product_id):
            take = min(need, reservation.quantity)
            if take <= 0:
                continue
            line = Line(product_id, warehouse_id, take)
            _change(session, line, -take, -take)
            _move(session, actor_name, SHIPMENT, line, -take, -take, order_id=order_id,
                  reference=reference)
            if take == reservation.quantity:
                reservation.status = "shipped"
            else:
                reservation.quantity -= take
                session.add(Reservation(order_id=order_id, product_id=product_id,
                                        warehouse_id=warehouse_id, quantity=take,
                                        status="shipped", created_at=utcnow()))
            need -= take
            shipped += take
        if need:
            sku = session.get(Product, product_id).sku
            raise StockError(f"the order holds {wanted - need} of {sku} in this warehouse, "
                             f"the parcel carries {wanted}", "lines", code="stock.parcel_more",
                             held=wanted - need, sku=sku, wanted=wanted)
    return shipped


def parts_left(session: Session, order_id: int, held: list[Reservation]
               ) -> list[tuple[str, list[dict[str, Any]]]] | None:
    """When parts of the order left before (reservations shipped that are not among
    ``held``, what it held when its shipping move began): what ``held`` is, as one
    parcel per warehouse, (warehouse code, [{sku, qty}]). None when nothing of the
    order left before: the order leaves whole."""
    earlier = select(Reservation.id).where(Reservation.order_id == order_id,
                                           Reservation.status == "shipped")
    if held:
        earlier = earlier.where(Reservation.id.not_in([r.id for r in held]))
    if not held or session.scalar(earlier.limit(1)) is None:
        return None
    skus = {i: sku for i, sku in session.execute(select(Product.id, Product.sku).where(
        Product.id.in_({r.product_id for r in held})))}
    codes = {i: code for i, code in session.execute(select(Warehouse.id, Warehouse.code)
                                                    .where(Warehouse.id.in_(
                                                        {r.warehouse_id for r in held})))}
    parcels: dict[str, dict[str, int]] = {}
    for reservation in held:
        units = parcels.setdefault(codes[reservation.warehouse_id], {})
        sku = skus[reservation.product_id]
        units[sku] = units.get(sku, 0) + reservation.quantity
    return [(code, [{"sku": sku, "qty": qty} for sku, qty in units.items()])
            for code, units in parcels.items()]


@dataclass(frozen=True)
class Mismatch:
    sku: str
    warehouse: str
    on_hand: int
    ledger_on_hand: int
    reserved: int
    ledger_reserved: int

    def __str__(self) -> str:
        return (f"{self.sku} in {self.warehouse}: on hand {self.on_hand} but the ledger says "
                f"{self.ledger_on_hand}; reserved {self.reserved} but the ledger says "
                f"{self.ledger_reserved}")


def verify(session: Session) -> list[Mismatch]:
    """Every stock level that differs from the sum of its ledger lines."""
    sums = (select(StockMovement.product_id, StockMovement.warehouse_id,
                   func.sum(StockMovement.on_hand_change).label("on_hand"),
                   func.sum(StockMovement.reserved_change).label("reserved"))
            .group_by(StockMovement.product_id, StockMovement.warehouse_id).subquery())
    rows = session.execute(
        select(Product.sku, Warehouse.code, StockLevel.on_hand, StockLevel.reserved,
               func.coalesce(sums.c.on_hand, 0), func.coalesce(sums.c.reserved, 0))
        .join(Product, Product.id == StockLevel.product_id)
        .join(Warehouse, Warehouse.id == StockLevel.warehouse_id)
        .outerjoin(sums, (sums.c.product_id == StockLevel.product_id)
                   & (sums.c.warehouse_id == StockLevel.warehouse_id))
        .order_by(Product.sku, Warehouse.code))
    return [Mismatch(sku, code, on_hand, int(l_on), reserved, int(l_res))
            for sku, code, on_hand, reserved, l_on, l_res in rows
            if on_hand != int(l_on) or reserved != int(l_res)]

"""Splitting an order into parts that ship apart (拆单): by warehouse, by stock (ship
what is there, back-order the rest), by parcel limits (weight, units), or by hand
with line quantities. Each part books its own parcel with its own tracking number,
carrying its SKUs, so a store hears which lines left (channels write each parcel
back with its lines).

``hold_lines`` is the seam for lines kept back (a pre-sale line waits for its release
date), public to other domains as ``held_lines``: they become a held part that
``release_held`` lets ship.
"""
from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from orderloom.db import utcnow
from orderloom.designer.published import blueprint_for
from orderloom.designer.state_categories import Category
from orderloom.runtime import hooks
from orderloom.runtime.audit import Actor
from orderloom.runtime.consolidation.candidates import is_open
from orderloom.runtime.consolidation.merging import merge_of
from orderloom.runtime.consolidation.models import (
    BACKORDERED,
    HELD,
    SHIPPED,
    TO_SHIP,
    OrderPart,
)
from orderloom.runtime.consolidation.settings import DeskSettings
from orderloom.runtime.errors import OrderError
from orderloom.runtime.orders import categories, timeline
from orderloom.runtime.orders.models import Order
from orderloom.runtime.shipping import tracking
from orderloom.runtime.shipping.models import CODE_PATTERN, Shipment
from orderloom.runtime.stock import keeping, routing
from orderloom.runtime.stock.catalog import Product, Warehouse

log = logging.getLogger(__name__)
WAREHOUSE, STOCK, PARCEL, HAND = "warehouse", "stock", "parcel", "hand"
BASES = (WAREHOUSE, STOCK, PARCEL, HAND)
MOST_PARTS = 50
# Categories a part may still ship in: the order is being worked on or partly gone.
SHIPPING = (Category.OPEN, Category.SHIPPED)

Lines = dict[str, int]  # SKU -> units


class SplitRefused(OrderError):
    def __init__(self, message: str, code: str, pointer: str = "", status: int = 422,
                 **values: object) -> None:
        super().__init__(message, code=code, **values)
        self.pointer = pointer
        self.status = status


def ordered(order: Order) -> Lines:
    """What the order's lines ask for, SKU -> units; nothing for an order whose stored
    quantities are not whole numbers (written around every check): the order page reads
    this, and a read never fails on one odd row."""
    try:
        return routing.wanted(blueprint_for(order.version), order.data or {})
    except (TypeError, ValueError, AttributeError):
        return {}


def held(session: Session, order: Order) -> dict[str, Lines]:
    """What the order holds, warehouse -> SKU -> units."""
    found: dict[str, Lines] = defaultdict(lambda: defaultdict(int))
    rows = keeping.held_by(session, [order.id]).get(order.id, [])
    if not rows:
        return {}
    skus = dict(session.execute(select(Product.id, Product.sku).where(
        Product.id.in_({r.product_id for r in rows}))).all())
    codes = dict(session.execute(select(Warehouse.id, Warehouse.code)).all())
    for r in rows:
        found[codes[r.warehouse_id]][skus[r.product_id]] += r.quantity
    return {w: dict(lines) for w, lines in sorted(found.items())}


def _missing(order: Order, holding: dict[str, Lines], shipped: Lines | None = None
             ) -> Lines:
    have: Lines = defaultdict(int)
    for lines in holding.values():
        for sku, qty in lines.items():
            have[sku] += qty
    wanted = _outstanding(order, shipped or {})
    return {sku: qty - have[sku] for sku, qty in sorted(wanted.items())
            if qty > have[sku]}


def _outstanding(order: Order, shipped: Lines) -> Lines:
    """What the order's lines ask for beyond the units its shipped parts carried."""
    left = {sku: qty - shipped.get(sku, 0) for sku, qty in ordered(order).items()}
    return {sku: qty for sku, qty in left.items() if qty > 0}


def _shipped_lines(parts: list[OrderPart]) -> Lines:
    gone: Lines = defaultdict(int)
    for part in parts:
        if part.status == SHIPPED:
            for line in part.lines:
                gone[line["sku"]] += line["qty"]
    return dict(gone)


Plan = list[tuple[str, str | None, Lines]]  # status, warehouse, lines


def by_warehouse(order: Order, holding: dict[str, Lines], shipped: Lines) -> Plan:
    if len(holding) < 2:
        raise SplitRefused(f"order {order.number} holds its stock in one warehouse at most; "
                           "there is nothing to split by warehouse", "split.one_warehouse",
                           "/basis", order=order.number)
    plan: Plan = [(TO_SHIP, w, lines) for w, lines in holding.items()]
    missing = _missing(order, holding, shipped)
    return plan + ([(BACKORDERED, None, missing)] if missing else [])


def by_stock(order: Order, holding: dict[str, Lines], shipped: Lines) -> Plan:
    missing = _missing(order, holding, shipped)
    if not missing:
        raise SplitRefused(f"every unit of order {order.number} is in stock; there is "
                           "nothing to back-order", "split.all_in_stock", "/basis",
                           order=order.number)
    if not holding:
        raise SplitRefused(f"order {order.number} holds no stock yet; there is nothing to "
                           "ship now", "split.nothing_held", "/basis", order=order.number)
    return [(TO_SHIP, w, lines) for w, lines in holding.items()] + \
        [(BACKORDERED, None, missing)]


def by_parcel(session: Session, order: Order, holding: dict[str, Lines],
              limits: DeskSettings, shipped: Lines) -> Plan:
    """Units into parcels in SKU order, a new parcel when the next unit would pass the
    weight or unit limit; a unit heavier than the limit goes alone."""
    if limits.parcel_weight_grams is None and limits.parcel_units is None:
        raise SplitRefused("no parcel limit is set: set the heaviest parcel or the most "
                           "units in one on the merge and split settings",
                           "split.no_parcel_limits", "/basis")
    skus = {sku for lines in holding.values() for sku in lines}
    weights = dict(session.execute(select(Product.sku, Product.weight_grams)
                                   .where(Product.sku.in_(skus))).all())
    heaviest = limits.parcel_weight_grams
    most = limits.parcel_units
    plan: Plan = []
    for warehouse, lines in holding.items():
        current: Lines = {}
        grams = units = 0
        for sku, qty in lines.items():
            weight = weights.get(sku) or 0
            for _unit in range(qty):
                over = (heaviest is not None and grams + weight > heaviest) or \
                       (most is not None and units + 1 > most)
                if current and over:
                    plan.append((TO_SHIP, warehouse, current))
                    current, grams, units = {}, 0, 0
                current[sku] = current.get(sku, 0) + 1
                grams += weight
                units += 1
        if current:
            plan.append((TO_SHIP, warehouse, current))
    missing = _missing(order, holding, shipped)
    if missing:
        plan.append((BACKORDERED, None, missing))
    if len(plan) < 2:
        raise SplitRefused(f"order {order.number} fits in one parcel", "split.fits_one",
                           "/basis", order=order.number)
    return plan


def by_hand(order: Order, holding: dict[str, Lines], asked: list[list[dict[str, Any]]],
            shipped: Lines) -> Plan:
    """The parts staff typed, in order, of what has not shipped; what they left out is
    one more part. Each part ships from the one warehouse that holds it, or waits
    back-ordered when nothing of it is held."""
    wanted = _outstanding(order, shipped)
    left = dict(wanted)
    parts: list[Lines] = []
    for index, part in enumerate(asked):
        lines: Lines = {}
        for at, line in enumerate(part):
            where = f"/parts/{index}/{at}"
            sku, qty = line.get("sku"), line.get("qty")
            if sku not in wanted:
                raise SplitRefused(f"order {order.number} has no line of {sku!r}",
                                   "split.no_such_line", f"{where}/sku", order=order.number,
                                   sku=str(sku))
            if isinstance(qty, bool) or not isinstance(qty, int) or qty < 1:
                raise SplitRefused("a quantity is a whole number of units, at least 1",
                                   "split.bad_quantity", f"{where}/qty")
            if qty > left[sku]:
                raise SplitRefused(f"the parts take {wanted[sku] - left[sku] + qty} of "
                                   f"{sku}; the order has {wanted[sku]}", "split.too_many",
                                   f"{where}/qty", sku=sku,
                                   taken=wanted[sku] - left[sku] + qty, ordered=wanted[sku])
            left[sku] -= qty
            lines[sku] = lines.get(sku, 0) + qty
        if not lines:
            raise SplitRefused("a part needs at least one line", "split.empty_part",
                               f"/parts/{index}")
        parts.append(lines)
    rest = {sku: qty for sku, qty in left.items() if qty > 0}
    if rest:
        parts.append(rest)
    if len(parts) < 2:
        raise SplitRefused("a split needs at least two parts", "split.one_part", "/parts")
    free = {w: dict(lines) for w, lines in holding.items()}
    plan: Plan = []
    for index, lines in enumerate(parts):
        places = set()
        for sku, qty in lines.items():
            for warehouse, have in free.items():
                if have.get(sku, 0) >= qty:
                    places.add(warehouse)
                    break
            else:
                places.add(None)
        if places == {None}:
            plan.append((BACKORDERED, None, lines))
            continue
        if len(places) > 1:
            raise SplitRefused(f"part {index + 1} is not held whole in one warehouse; split "
                               "by warehouse or by stock first, or change its lines",
                               "split.part_not_in_one_warehouse", f"/parts/{index}",
                               part=index + 1)
        warehouse = places.pop()
        for sku, qty in lines.items():
            free[warehouse][sku] -= qty
        plan.append((TO_SHIP, warehouse, lines))
    return plan


def not_shipped(session: Session, order: Order) -> Lines:
    """What of the order's lines no shipped part has carried: what a split works on."""
    return _outstanding(order, _shipped_lines(parts_of(session, order.id)))


def parts_of(session: Session, order_id: int) -> list[OrderPart]:
    return list(session.scalars(select(OrderPart).where(OrderPart.order_id == order_id)
                                .order_by(OrderPart.position)))


def _lock(session: Session, order: Order) -> None:
    """Lock the order's row before its parts are read and replaced, so two splits (a
    double click) or a split and a part's shipping take turns on PostgreSQL."""
    session.scalar(select(Order).where(Order.id == order.id).with_for_update(of=Order)
                   .execution_options(populate_existing=True))


def _ready(session: Session, order: Order) -> list[OrderPart]:
    _lock(session, order)
    if not is_open(order):
        raise SplitRefused(f"order {order.number} is in {order.state}, not open: only open "
                           "orders are split", "split.not_open", status=409,
                           order=order.number, state=order.state)
    if merge_of(session, order.id) is not None:
        raise SplitRefused(f"order {order.number} is merged with other orders; undo the "
                           "merge first", "split.merged", status=409, order=order.number)
    return parts_of(session, order.id)


def _store(session: Session, actor: Actor, order: Order, basis: str, plan: Plan,
           notes: list[str] | None = None) -> list[OrderPart]:
    """Replace the parts that have not shipped with ``plan``; shipped parts stay as they
    are, first, and the new parts are numbered after them."""
    gone = [p for p in parts_of(session, order.id) if p.status == SHIPPED]
    if len(gone) + len(plan) > MOST_PARTS:
        raise SplitRefused(f"at most {MOST_PARTS} parts", "split.too_many_parts",
                           most=MOST_PARTS)
    session.execute(delete(OrderPart).where(OrderPart.order_id == order.id,
                                            OrderPart.status != SHIPPED))
    now = utcnow()
    after = max((p.position for p in gone), default=0)
    notes = notes or [""] * len(plan)
    parts = gone + [OrderPart(order_id=order.id, position=i, basis=basis, status=status,
                       warehouse=warehouse, note=note,
                       lines=[{"sku": s, "qty": q} for s, q in sorted(lines.items())],
                       created_by=actor.name, created_at=now)
             for i, ((status, warehouse, lines), note)
             in enumerate(zip(plan, notes, strict=True), start=after + 1)]
    session.add_all(parts[len(gone):])
    # The order's revision moves with its parts, so a person acting on the order as it
    # was before the split is told it changed.
    order.updated_at = now
    session.flush()
    timeline.split_event(session, order, actor.name, basis=basis, parts=[described(p)
                                                                        for p in parts])
    log.info("order %s split by %s into %d parts by %s", order.number, basis, len(parts),
             actor.name)
    return parts


def split(session: Session, actor: Actor, order: Order, basis: str, limits: DeskSettings,
          hand: list[list[dict[str, Any]]] | None = None) -> list[OrderPart]:
    """Cut the order into parts, or what has not shipped of it again (shipped parts
    stay), by one of BASES or by a basis another domain adds (hooks.SPLIT_BASES).
    Raises SplitRefused, or the refusal of the domain whose basis it is."""
    others: dict[str, Callable[[Actor], object]] = {}
    hooks.SPLIT_BASES(session, order, others)
    if basis in others:
        others[basis](actor)
        return parts_of(session, order.id)
    if basis not in BASES:
        raise SplitRefused(f"there is no basis {basis!r}; split by "
                           f"{', '.join((*BASES, *others))}",
                           "split.no_such_basis", "/basis", basis=basis)
    shipped = _shipped_lines(_ready(session, order))
    if shipped and not _outstanding(order, shipped):
        raise SplitRefused(f"every part of order {order.number} has shipped",
                           "split.all_shipped", status=409, order=order.number)
    holding = held(session, order)
    if basis == WAREHOUSE:
        plan = by_warehouse(order, holding, shipped)
    elif basis == STOCK:
        plan = by_stock(order, holding, shipped)
    elif basis == PARCEL:
        plan = by_parcel(session, order, holding, limits, shipped)
    else:
        plan = by_hand(order, holding, hand or [], shipped)
    return _store(session, actor, order, basis, plan)


Held = list[tuple[Lines, str]]  # lines kept back together, and why (until when)


def hold_lines(session: Session, actor: Actor, order: Order, groups: Held
               ) -> list[OrderPart]:
    """Keep each group of lines of the order back in a held part of its own (pre-sale
    lines until their release date), with its note for staff; the rest ships as usual:
    the parts already made stay and give up the units held (parts held before stay
    held), else what the order holds ships from where it is held and what it does not
    hold is back-ordered. The new held parts, in the order of ``groups``."""
    parts = _ready(session, order)
    shipped = _shipped_lines(parts)
    parts = [p for p in parts if p.status != SHIPPED]
    free = dict(_outstanding(order, shipped))
    for part in parts:
        if part.status == HELD:
            for ln in part.lines:
                free[ln["sku"]] = free.get(ln["sku"], 0) - ln["qty"]
    for index, (lines, _note) in enumerate(groups):
        for sku, qty in sorted(lines.items()):
            if qty < 1 or qty > free.get(sku, 0):
                raise SplitRefused(f"order {order.number} has {max(free.get(sku, 0), 0)} of "
                                   f"{sku} to hold back", "split.too_many",
                                   f"/lines/{index}", sku=sku, taken=qty,
                                   ordered=max(free.get(sku, 0), 0))
            free[sku] -= qty
    if parts:
        kept = [(p.status, p.warehouse, {ln["sku"]: ln["qty"] for ln in p.lines}, p.note)
                for p in parts]
    else:
        holding = held(session, order)
        kept = [(TO_SHIP, w, dict(ls), "") for w, ls in holding.items()]
        missing = _missing(order, holding, shipped)
        if missing:
            kept.append((BACKORDERED, None, missing, ""))
    for lines, _note in groups:
        for sku, qty in lines.items():
            # Back-ordered parts give up their units first, so what is held ships.
            for status, _w, part, _n in reversed(kept):
                if status == HELD:
                    continue
                take = min(qty, part.get(sku, 0))
                part[sku] = part.get(sku, 0) - take
                qty -= take
    plan = [(s, w, {k: v for k, v in ls.items() if v}, n) for s, w, ls, n in kept]
    plan = [step for step in plan if step[2]] + \
        [(HELD, None, dict(lines), note[:300]) for lines, note in groups]
    stored = _store(session, actor, order, "held", [(s, w, ls) for s, w, ls, _n in plan],
                    notes=[n for _s, _w, _ls, n in plan])
    return stored[len(stored) - len(groups):]


def release_held(session: Session, actor: Actor, order: Order, position: int) -> OrderPart:
    part = _part(session, order, position)
    if part.status != HELD:
        raise SplitRefused(f"part {position} of order {order.number} is not held",
                           "split.not_held", status=409, order=order.number, part=position)
    part.status = BACKORDERED
    session.flush()
    return part


def kept_back(session: Session, order: Order) -> Lines:
    """Units the workflow's own reservation leaves alone for a split order: those its
    held parts keep back (reserved elsewhere, against expected receipts) and those it
    holds already for its parts, so no unit is reserved twice."""
    parts = parts_of(session, order.id)
    if not parts:
        return {}
    kept: Lines = defaultdict(int)
    for part in parts:
        if part.status == HELD:
            for ln in part.lines:
                kept[ln["sku"]] += ln["qty"]
    for lines in held(session, order).values():
        for sku, qty in lines.items():
            kept[sku] += qty
    return dict(kept)


def _spare(session: Session, order: Order) -> dict[str, Lines]:
    """What the order holds per warehouse beyond what its parts to ship carry."""
    spare = held(session, order)
    for other in parts_of(session, order.id):
        if other.status == TO_SHIP and other.warehouse in spare:
            for ln in other.lines:
                spare[other.warehouse][ln["sku"]] = \
                    spare[other.warehouse].get(ln["sku"], 0) - ln["qty"]
    return spare


def _spare_place(session: Session, order: Order, lines: Lines) -> str | None:
    spare = _spare(session, order)
    places = sorted(spare, key=lambda code: (code != order.warehouse, code))
    return next((code for code in places if all(
        spare[code].get(sku, 0) >= qty for sku, qty in lines.items())), None)


def settle_backordered(session: Session, order: Order) -> list[OrderPart]:
    """Back-ordered parts whose units the order now holds in one warehouse (its
    workflow reserved them) are to ship from there; the parts that became so."""
    settled = []
    for part in parts_of(session, order.id):
        if part.status != BACKORDERED:
            continue
        place = _spare_place(session, order, {ln["sku"]: ln["qty"] for ln in part.lines})
        if place is not None:
            part.status, part.warehouse = TO_SHIP, place
            session.flush()
            settled.append(part)
    return settled


def ready_part(session: Session, actor: Actor, order: Order, position: int) -> OrderPart:
    """Let a back-ordered part (or a released held one) ship: its units come from what
    the order holds in one warehouse beyond its other parts, else are reserved in the
    first warehouse that has them all (the order's own first); then it is to ship."""
    _lock(session, order)
    if categories.category_in(order.version.definition, order.state) not in SHIPPING:
        raise SplitRefused(f"order {order.number} is in {order.state}; its parts no longer "
                           "ship", "split.not_shipping", status=409, order=order.number,
                           state=order.state)
    part = _part(session, order, position)
    if part.status != BACKORDERED:
        raise SplitRefused(f"part {position} of order {order.number} is {part.status}, not "
                           "back-ordered", "split.not_backordered", status=409,
                           order=order.number, part=position, status_now=part.status)
    lines = {ln["sku"]: ln["qty"] for ln in part.lines}
    chosen = _spare_place(session, order, lines)
    places = list(session.execute(select(Warehouse.id, Warehouse.code)
                                  .order_by(Warehouse.code)))
    places.sort(key=lambda p: p.code != order.warehouse)
    if chosen is None:
        products = dict(session.execute(select(Product.sku, Product.id)
                                        .where(Product.sku.in_(list(lines)))).all())
        for place in places:
            try:
                with session.begin_nested():
                    keeping.reserve(session, actor.name, order.id,
                                    [keeping.Line(products[sku], place.id, qty)
                                     for sku, qty in sorted(lines.items())])
            except keeping.OutOfStock:
                continue
            chosen = place.code
            break
    if chosen is None:
        raise SplitRefused(f"no warehouse has every unit of part {position} of order "
                           f"{order.number} in stock yet", "split.part_out_of_stock",
                           status=409, order=order.number, part=position)
    part.status, part.warehouse = TO_SHIP, chosen
    order.updated_at = utcnow()
    session.flush()
    log.info("part %d of order %s ready to ship from %s by %s", position, order.number,
             chosen, actor.name)
    return part


def _part(session: Session, order: Order, position: int) -> OrderPart:
    part = session.scalar(select(OrderPart).where(OrderPart.order_id == order.id,
                                                  OrderPart.position == position)
                          .with_for_update().execution_options(populate_existing=True))
    if part is None:
        raise SplitRefused(f"order {order.number} has no part {position}", "split.no_part",
                           status=404, order=order.number, part=position)
    return part


def ship_part(session: Session, actor: Actor, order: Order, position: int, carrier: str,
              tracking_number: str, instance_key: str = "") -> Shipment:
    """Book one part's parcel under its own tracking number, taking its units off the
    shelf; the other parts keep their stock held. ``instance_key`` opens the carrier's
    sealed credentials; raises CarrierError when they cannot be opened."""
    _lock(session, order)
    if categories.category_in(order.version.definition, order.state) not in SHIPPING:
        raise SplitRefused(f"order {order.number} is in {order.state}; its parts no longer "
                           "ship", "split.not_shipping", status=409, order=order.number,
                           state=order.state)
    if not CODE_PATTERN.match(carrier or ""):
        raise SplitRefused(f"{carrier!r} is not a carrier code", "split.bad_carrier",
                           "/carrier", carrier=str(carrier))
    number = (tracking_number or "").strip()
    if not number or len(number) > 100:
        raise SplitRefused("a tracking number of 1 to 100 characters", "split.bad_tracking",
                           "/tracking_number")
    if merge_of(session, order.id) is not None:
        raise SplitRefused(f"order {order.number} is merged with other orders; it ships in "
                           "the merge's parcel", "split.ships_merged", status=409,
                           order=order.number)
    part = _part(session, order, position)
    if part.status != TO_SHIP:
        raise SplitRefused(f"part {position} of order {order.number} is {part.status}, not "
                           "ready to ship", "split.part_not_ready", status=409,
                           order=order.number, part=position, status_now=part.status)
    if keeping.held_by(session, [order.id]).get(order.id) and part.warehouse:
        products = dict(session.execute(select(Product.sku, Product.id).where(
            Product.sku.in_([ln["sku"] for ln in part.lines]))).all())
        warehouse = session.scalar(select(Warehouse.id).where(Warehouse.code == part.warehouse))
        keeping.ship_part(session, actor.name, order.id, warehouse,
                          {products[ln["sku"]]: ln["qty"] for ln in part.lines},
                          reference=f"{order.number} part {position}")
    shipment = tracking.book(session, actor, order, carrier, tracking_number=number,
                             warehouse=part.warehouse,
                             reference=f"{order.number}-P{position}",
                             lines=[{"sku": ln["sku"], "qty": ln["qty"]} for ln in part.lines],
                             instance_key=instance_key)
    part.status, part.shipment_id = SHIPPED, shipment.id
    session.flush()
    return shipment


def described(part: OrderPart) -> dict[str, Any]:
    return {"position": part.position, "status": part.status, "warehouse": part.warehouse,
            "lines": list(part.lines)}

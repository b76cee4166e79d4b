"""Pre-sale (预售): a product, or a single line, sold before it can ship. An order with
a line of a pre-sale product, placed before its release date, is held where it arrived
(engine/holds.py: the order page and list show why, and automatic moves wait), its
units reserved against the expected receipts of the product (earliest first; one
conditional update each, so two orders never reserve past what is expected). On the
release date, in the instance's time zone, a job (the outbox, run_after the day's
start) lifts the hold and the order flows on as it would have
(engine.lifecycle.resume), its own workflow then reserving and routing real stock.

A line can carry its own release date (a line column meaning release_on, filled by
staff or a channel's mapping, or set by staff on the order desk): that line alone
waits. Waiting lines can be split off (拆单) into held parts, one per release date,
through consolidation's held_lines seam, so the rest of the order ships now; the
workflow's reservation then leaves the held lines alone (they stay reserved against
the receipts), and on its day a held part is released: its expected units given back,
its real stock reserved in one warehouse, ready to ship with its own tracking.

An order that ends (cancelled, rejected) before its release gives its expected units
back. Nothing here commits, except the job, which owns its transaction as every job.
"""
from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from orderloom.db import utcnow
from orderloom.designer.form import line_column, with_meaning
from orderloom.designer.published import blueprint_for
from orderloom.designer.state_categories import NOT_SOLD, category_in
from orderloom.runtime import business_calendar, hooks, remembered
from orderloom.runtime.audit import SYSTEM, Actor
from orderloom.runtime.consolidation import held_lines
from orderloom.runtime.engine import holds, lifecycle
from orderloom.runtime.errors import OrderError
from orderloom.runtime.jobs.models import Job, register_handler
from orderloom.runtime.jobs.outbox import enqueue
from orderloom.runtime.orders import timeline
from orderloom.runtime.orders.models import Order
from orderloom.runtime.promotions.models import (
    RELEASED,
    WAITING,
    ExpectedReceipt,
    PreSale,
    PreSaleHold,
)
from orderloom.runtime.stock import keeping
from orderloom.runtime.stock.catalog import Product, Warehouse

log = logging.getLogger(__name__)
JOB_KIND = "pre_sale_release"
SPLIT_BASIS = "pre_sale"  # the split that holds pre-sale lines apart
RECEIPTS = ExpectedReceipt.__table__


class PreSaleError(OrderError):
    def __init__(self, pointer: str, message: str, code: str, **values: object) -> None:
        super().__init__(message, code=f"pre_sale.{code}", **values)
        self.pointer = pointer


def reason(release_on: dt.date) -> dict[str, str]:
    day = release_on.isoformat()
    return {"en": f"pre-sale: waits for the release on {day}",
            "zh": f"预售：等待 {day} 发售"}


# --- what staff set ---------------------------------------------------------------------------

def set_release(session: Session, sku: str, release_on: dt.date) -> PreSale:
    """Sell ``sku`` before it can ship, until ``release_on``. Orders already waiting
    keep the date they were given."""
    if session.scalar(select(Product.id).where(Product.sku == sku)) is None:
        raise PreSaleError("/sku", f"there is no product {sku!r}", "no_product", sku=sku)
    row = session.scalar(select(PreSale).where(PreSale.sku == sku))
    if row is None:
        row = PreSale(sku=sku, release_on=release_on, created_at=utcnow())
        session.add(row)
    row.release_on = release_on
    return row


def end_pre_sale(session: Session, sku: str) -> bool:
    row = session.scalar(select(PreSale).where(PreSale.sku == sku))
    if row is not None:
        session.delete(row)
    return row is not None


def pre_sales(session: Session) -> list[PreSale]:
    return list(session.scalars(select(PreSale).order_by(PreSale.release_on, PreSale.sku)))


def set_expected(session: Session, sku: str, warehouse_code: str, expected_on: dt.date,
                 quantity: int) -> ExpectedReceipt:
    """Expect ``quantity`` of ``sku`` into a warehouse on ``expected_on`` (replacing
    what was expected that day); never fewer than pre-sale orders reserved of it."""
    product = session.scalar(select(Product).where(Product.sku == sku))
    if product is None:
        raise PreSaleError("/sku", f"there is no product {sku!r}", "no_product", sku=sku)
    warehouse = session.scalar(select(Warehouse).where(Warehouse.code == warehouse_code))
    if warehouse is None:
        raise PreSaleError("/warehouse", f"there is no warehouse {warehouse_code!r}",
                           "no_warehouse", warehouse=warehouse_code)
    if quantity < 0:
        raise PreSaleError("/quantity", "must not be negative", "negative")
    row = session.scalar(select(ExpectedReceipt).where(
        ExpectedReceipt.product_id == product.id, ExpectedReceipt.warehouse_id == warehouse.id,
        ExpectedReceipt.expected_on == expected_on).with_for_update())
    if row is None:
        row = ExpectedReceipt(product_id=product.id, warehouse_id=warehouse.id,
                              expected_on=expected_on, quantity=quantity, reserved=0,
                              created_at=utcnow())
        session.add(row)
    elif quantity < row.reserved:
        raise PreSaleError("/quantity", f"pre-sale orders reserved {row.reserved} of it "
                           "already", "below_reserved", reserved=row.reserved)
    row.quantity = quantity
    return row


def expected_receipts(session: Session) -> list[dict[str, Any]]:
    rows = session.execute(
        select(ExpectedReceipt, Product.sku, Warehouse.code)
        .join(Product, Product.id == ExpectedReceipt.product_id)
        .join(Warehouse, Warehouse.id == ExpectedReceipt.warehouse_id)
        .order_by(ExpectedReceipt.expected_on, Product.sku, Warehouse.code))
    return [{"sku": sku, "warehouse": code, "expected_on": row.expected_on.isoformat(),
             "quantity": row.quantity, "reserved": row.reserved}
            for row, sku, code in rows]


# --- orders ------------------------------------------------------------------------------------

def _reserve_expected(session: Session, sku: str, quantity: int
                      ) -> tuple[int, str, dt.date] | None:
    """Reserve ``quantity`` of ``sku`` on the earliest expected receipt with room:
    (receipt id, warehouse, day), or None when none has."""
    candidates = session.execute(
        select(ExpectedReceipt.id, Warehouse.code, ExpectedReceipt.expected_on)
        .join(Product, Product.id == ExpectedReceipt.product_id)
        .join(Warehouse, Warehouse.id == ExpectedReceipt.warehouse_id)
        .where(Product.sku == sku,
               ExpectedReceipt.quantity - ExpectedReceipt.reserved >= quantity)
        .order_by(ExpectedReceipt.expected_on, Warehouse.priority, Warehouse.code)).all()
    for receipt_id, code, day in candidates:
        taken = session.execute(
            update(RECEIPTS).where(RECEIPTS.c.id == receipt_id,
                                   RECEIPTS.c.quantity - RECEIPTS.c.reserved >= quantity)
            .values(reserved=RECEIPTS.c.reserved + quantity)).rowcount
        if taken == 1:
            return receipt_id, code, day
    return None


def _give_back(session: Session, held: PreSaleHold) -> None:
    if held.receipt_id is not None:
        session.execute(update(RECEIPTS).where(RECEIPTS.c.id == held.receipt_id)
                        .values(reserved=RECEIPTS.c.reserved - held.quantity))
        held.receipt_id = None


def _line_dates(definition: dict[str, Any], data: dict[str, Any]
                ) -> list[tuple[str, int, dt.date | None]]:
    """Each product line of the order: SKU, units and the release date the line itself
    carries (in the column declaring the meaning release_on), or None."""
    found = []
    for field in definition.get("form", {}).get("fields", []):
        if field.get("type") != "line_items":
            continue
        columns = field.get("fields", [])
        product = next((c["key"] for c in columns if c["type"] == "product"), None)
        quantity = line_column(columns, "quantity")
        own = with_meaning(columns, "release_on")
        lines = data.get(field["key"])
        if product is None:
            continue
        for line in lines if isinstance(lines, list) else ():
            if not isinstance(line, dict) or not isinstance(line.get(product), str) or \
                    not line[product].strip():
                continue
            units = line.get(quantity["key"], 1) if quantity else 1
            if isinstance(units, bool) or not isinstance(units, int | float) or \
                    units < 1 or units != int(units):
                continue
            day = None
            if own is not None and isinstance(line.get(own["key"]), str):
                try:
                    day = dt.date.fromisoformat(line[own["key"]][:10])
                except ValueError:
                    day = None
            found.append((line[product].strip(), int(units), day))
    return found


def _wait(session: Session, order: Order, sku: str, quantity: int, release_on: dt.date,
          by_line: bool) -> tuple[PreSaleHold, dict[str, Any]]:
    """Reserve the units against the expected receipts and record the waiting line."""
    found = _reserve_expected(session, sku, quantity)
    row = PreSaleHold(order_id=order.id, sku=sku, quantity=quantity,
                      receipt_id=found[0] if found else None, release_on=release_on,
                      status=WAITING, by_line=by_line)
    session.add(row)
    said = {"sku": sku, "quantity": quantity, "release_on": release_on.isoformat(),
            "receipt": {"warehouse": found[1], "expected_on": found[2].isoformat()}
            if found else None}
    return row, said


def _note(release_on: dt.date) -> str:
    return f"pre-sale until {release_on.isoformat()}"


def _hold_apart(session: Session, actor: Actor, order: Order, rows: list[PreSaleHold],
                said: list[dict[str, Any]]) -> None:
    """Keep the waiting ``rows`` back in held parts, one per release date; the rest of
    the order ships as usual. A job releases each part on its day."""
    days = sorted({row.release_on for row in rows})
    groups: list[tuple[dict[str, int], str]] = []
    for day in days:
        lines: dict[str, int] = defaultdict(int)
        for row in rows:
            if row.release_on == day:
                lines[row.sku] += row.quantity
        groups.append((dict(lines), _note(day)))
    parts = held_lines.hold(session, actor, order, groups)
    for day, part in zip(days, parts, strict=True):
        for row in rows:
            if row.release_on == day:
                row.part_position = part.position
        timeline.pre_sale_held_event(
            session, order, lines=[s for s in said if s["release_on"] == day.isoformat()],
            release_on=day.isoformat(), part=part.position, actor_name=actor.name)
        enqueue(session, JOB_KIND, {"order_id": order.id}, order_id=order.id,
                run_after=business_calendar.day_start(day))
    session.flush()


def _said(session: Session, rows: list[PreSaleHold]) -> list[dict[str, Any]]:
    """What the timeline says of waiting rows: their receipts, as when they were held."""
    found = dict(session.execute(
        select(ExpectedReceipt.id, Warehouse.code)
        .join(Warehouse, Warehouse.id == ExpectedReceipt.warehouse_id)
        .where(ExpectedReceipt.id.in_({r.receipt_id for r in rows if r.receipt_id}))).all())
    days = dict(session.execute(select(ExpectedReceipt.id, ExpectedReceipt.expected_on).where(
        ExpectedReceipt.id.in_(list(found)))).all())
    return [{"sku": r.sku, "quantity": r.quantity, "release_on": r.release_on.isoformat(),
             "receipt": {"warehouse": found[r.receipt_id],
                         "expected_on": days[r.receipt_id].isoformat()}
             if r.receipt_id in found else None} for r in rows]


# Asked on every order that arrives: most products are never sold before release.
ANY_PRE_SALE = remembered.Read("a product on pre-sale", (PreSale,))


@hooks.ORDER_ARRIVED.subscribe
def order_arrived(session: Session, order: Order) -> None:
    definition = blueprint_for(order.version).definition
    lines = _line_dates(definition, order.data or {})
    if not lines:
        return
    # A line may carry its own release date; else only a product's pre-sale
    # holds it, and most instances sell nothing before its release.
    if all(own is None for _s, _q, own in lines) and not remembered.anything(
            session, ANY_PRE_SALE, select(PreSale.id)):
        return
    releases = {row.sku: row.release_on for row in session.scalars(
        select(PreSale).where(PreSale.sku.in_({sku for sku, _q, _d in lines})))}
    day = business_calendar.instance_date(order.created_at)
    # A line's own date counts for that line; else its product's pre-sale.
    wanted: dict[tuple[str, dt.date, bool], int] = defaultdict(int)
    for sku, quantity, own in lines:
        release_on = own or releases.get(sku)
        if release_on is not None and release_on > day:
            wanted[(sku, release_on, own is not None)] += quantity
    if not wanted:
        return
    rows, said = [], []
    for (sku, release_on, by_line), quantity in sorted(wanted.items()):
        row, entry = _wait(session, order, sku, quantity, release_on, by_line)
        rows.append(row)
        said.append(entry)
    session.flush()
    waiting_units = sum(wanted.values())
    every_unit = sum(quantity for _s, quantity, _d in lines)
    # Lines that carry their own date wait apart; a product's pre-sale holds the whole
    # order unless staff chose to split pre-sale lines off on arrival. An order of
    # nothing but pre-sale lines has nothing to ship now: it waits whole.
    apart = (held_lines.split_on_arrival(session)
             or all(row.by_line for row in rows)) and waiting_units < every_unit
    if apart:
        try:
            with session.begin_nested():
                _hold_apart(session, SYSTEM, order, rows, said)
            return
        except held_lines.SplitRefused as refused:
            log.info("order %s waits whole: its pre-sale lines cannot be split off: %s",
                     order.number, refused)
    _hold_whole(session, order, rows, said)


def _hold_whole(session: Session, order: Order, rows: list[PreSaleHold],
                said: list[dict[str, Any]]) -> None:
    # The order ships whole: it waits for the latest of its lines' releases.
    release_on = max(row.release_on for row in rows)
    timeline.pre_sale_held_event(session, order, lines=said, release_on=release_on.isoformat())
    holds.hold(session, SYSTEM, order, reason(release_on),
               details={"pre_sale": release_on.isoformat()})
    enqueue(session, JOB_KIND, {"order_id": order.id}, order_id=order.id,
            run_after=business_calendar.day_start(release_on))


def waiting(session: Session, order_id: int) -> list[PreSaleHold]:
    return list(session.scalars(select(PreSaleHold).where(
        PreSaleHold.order_id == order_id, PreSaleHold.status == WAITING)
        .order_by(PreSaleHold.sku)))


# --- what staff do on the order desk ------------------------------------------------------------

def split_off(session: Session, actor: Actor, order: Order) -> list[int]:
    """Split the order's waiting pre-sale lines off into held parts (one per release
    date) so the rest ships now, and let the order, which waited whole for them, flow
    on. The positions of the held parts. Raises PreSaleError or SplitRefused."""
    rows = [row for row in waiting(session, order.id) if row.part_position is None]
    if not rows:
        raise PreSaleError("/basis", f"order {order.number} has no pre-sale line waiting to "
                           "be split off", "nothing_waiting", order=order.number)
    _hold_apart(session, actor, order, rows, _said(session, rows))
    positions = sorted({row.part_position for row in rows if row.part_position})
    release_on = max(row.release_on for row in rows)
    if holds.lift(session, actor, order, reason(release_on), placed=reason(release_on)):
        lifecycle.resume(session, order, utcnow())
    return positions


@hooks.SPLIT_BASES.subscribe
def split_bases(session: Session, order: Order, bases: dict[str, Any]) -> None:
    bases[SPLIT_BASIS] = lambda actor: split_off(session, actor, order)


def hold_line(session: Session, actor: Actor, order: Order, sku: str,
              release_on: dt.date) -> int:
    """Hold the order's line of ``sku`` (its units not shipped) until ``release_on``:
    its units are reserved against the expected receipts, any stock the order held for
    them is given back, and the line waits in a held part of its own while the rest of
    the order ships. The held part's position. Raises PreSaleError or SplitRefused."""
    today = business_calendar.instance_date(utcnow())
    if release_on <= today:
        raise PreSaleError("/release_on", f"the release date must be after today "
                           f"({today.isoformat()})", "release_not_ahead",
                           today=today.isoformat())
    if any(row.sku == sku for row in waiting(session, order.id)):
        raise PreSaleError("/sku", f"{sku} of order {order.number} waits for a pre-sale "
                           "release already", "line_waiting", sku=sku, order=order.number)
    units = held_lines.not_shipped(session, order).get(sku, 0)
    if units < 1:
        raise PreSaleError("/sku", f"order {order.number} has no line of {sku!r} left to "
                           "ship", "no_line", sku=sku, order=order.number)
    product = session.scalar(select(Product).where(Product.sku == sku))
    if product is not None:
        left = units
        for warehouse_id in sorted({r.warehouse_id for r in keeping.held_by(
                session, [order.id]).get(order.id, []) if r.product_id == product.id}):
            left -= keeping.release_part(session, actor.name, order.id, product.id,
                                         warehouse_id, left,
                                         reference=f"{order.number} pre-sale")
            if left <= 0:
                break
    row, said = _wait(session, order, sku, units, release_on, by_line=True)
    session.flush()
    _hold_apart(session, actor, order, [row], [said])
    return row.part_position or 0


# --- the release ----------------------------------------------------------------------------------

def _release_part(session: Session, order: Order, position: int, rows: list[PreSaleHold],
                  now: dt.datetime) -> None:
    """Release the held part that carries ``rows``: their expected units are given
    back and the part is routed, its units reserved in the first warehouse that has
    them all; when none has them yet it waits back-ordered."""
    for row in rows:
        _give_back(session, row)
        row.status, row.released_at = RELEASED, now
    release_on = max(row.release_on for row in rows)
    warehouse = None
    try:
        with session.begin_nested():
            held_lines.release(session, SYSTEM, order, position)
        with session.begin_nested():
            warehouse = held_lines.ship_when_held(session, SYSTEM, order, position).warehouse
    except held_lines.SplitRefused as refused:
        # Re-split by staff since, or no stock in yet: the part waits back-ordered.
        log.info("part %d of order %s released, not routed: %s", position, order.number,
                 refused)
    timeline.pre_sale_released_event(session, order, release_on=release_on.isoformat(),
                                     at=now, part=position, warehouse=warehouse)


def release(session: Session, order: Order, now: dt.datetime) -> bool:
    """Release the order's pre-sale lines whose day has come (in the instance's time
    zone): a held part of them is released and routed; an order waiting whole is let
    flow on once none of its lines waits. Whether anything was released; releasing
    twice does nothing the second time."""
    today = business_calendar.instance_date(now)
    rows = waiting(session, order.id)
    done = False
    by_part: dict[int, list[PreSaleHold]] = defaultdict(list)
    for row in rows:
        if row.part_position is not None:
            by_part[row.part_position].append(row)
    for position, part_rows in sorted(by_part.items()):
        if all(row.release_on <= today for row in part_rows):
            _release_part(session, order, position, part_rows, now)
            done = True
    whole = [row for row in rows if row.part_position is None]
    if not whole or any(row.release_on > today for row in whole):
        return done
    release_on = max(row.release_on for row in whole)
    for row in whole:
        _give_back(session, row)
        row.status, row.released_at = RELEASED, now
    timeline.pre_sale_released_event(session, order, release_on=release_on.isoformat(),
                                     at=now)
    if holds.lift(session, SYSTEM, order, reason(release_on), placed=reason(release_on)):
        lifecycle.resume(session, order, now)
    return True


def _locked(session: Session, order_id: int) -> Order | None:
    # Locked, so a person's change and the release do not interleave (as timers do).
    session.execute(select(Order.id).where(Order.id == order_id).with_for_update())
    return session.get(Order, order_id, populate_existing=True)


def release_due(session: Session, now: dt.datetime | None = None) -> list[str]:
    """Release every order whose pre-sale day has come; their numbers. For the
    command line and as a catch-up beside the jobs."""
    now = now or utcnow()
    today = business_calendar.instance_date(now)
    order_ids = sorted(set(session.scalars(select(PreSaleHold.order_id).where(
        PreSaleHold.status == WAITING, PreSaleHold.release_on <= today))))
    released = []
    for order_id in order_ids:
        order = _locked(session, order_id)
        if order is not None and release(session, order, now):
            released.append(order.number)
    return released


def run_release(session: Session, job: Job, runner: Any) -> str | None:
    order = _locked(session, job.payload["order_id"])
    if order is None:
        return "the order is gone"
    # A job is handed over only once its run_after (the release day's start) has come.
    now = max(utcnow(), job.run_after)
    rows = waiting(session, order.id)
    if rows and release(session, order, now) is False:
        # A waiting line's date never moves, but the instance's time zone may have
        # (westward) since the job was written: its day has not begun there yet.
        enqueue(session, JOB_KIND, {"order_id": order.id}, order_id=order.id,
                run_after=business_calendar.day_start(_next_release(rows)))
        return "the release day has not begun in the instance's time zone; waiting for it"
    return None


def _next_release(rows: list[PreSaleHold]) -> dt.date:
    """The next day something of ``rows`` is released: a held part's day, or the
    latest day of the lines the whole order waits for."""
    whole = [row.release_on for row in rows if row.part_position is None]
    return min([row.release_on for row in rows if row.part_position is not None]
               + ([max(whole)] if whole else []))


@hooks.ORDER_STATE_CHANGED.subscribe
def order_state_changed(session: Session, order: Order, from_state: str, *, transition: str,
                  actor_name: str) -> None:
    """An order that ends before its release, or is cancelled or returned on its way
    to an end (retail's refund pending), gives its expected units back: the state's
    meaning is read, as the exception queue reads it, never its name."""
    definition = blueprint_for(order.version).definition
    states = {s["key"]: s for s in definition["workflow"]["states"]}
    if states.get(order.state, {}).get("kind") != "terminal" and \
            category_in(definition, order.state) not in NOT_SOLD:
        return
    for row in waiting(session, order.id):
        _give_back(session, row)
        row.status, row.released_at = RELEASED, utcnow()


register_handler(JOB_KIND, run_release)

"""Scan to pick and scan to pack: each scan is checked at once against the wave and
accepted or refused with a reason, and logged on the wave and on the order's
timeline.

Picking walks the stops (pick_path.py): scan the bin, then one scan per unit. A
unit goes to the first order of the wave still lacking that SKU (sorting to
orders). Leaving a stop before its total is picked is refused (too few); so is one
unit more than the total (too many). A stop whose units are not on the shelf is
declared short: the orders lacking them are held (short_picks.py) and leave the
wave. Packing: scan the order's number or its waybill, then each unit; when every
unit is verified the order ships (shipping_out.py). Nothing here commits.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from orderloom.db import utcnow
from orderloom.runtime.audit import Actor
from orderloom.runtime.engine import holds
from orderloom.runtime.errors import OrderError
from orderloom.runtime.floor import shipping_out, short_picks
from orderloom.runtime.floor.models import (
    DONE,
    GONE,
    LEFT_WALK,
    PACKED,
    PICKED,
    SHORT,
    TO_PICK,
    UNFINISHED,
    Wave,
    WaveLine,
    WaveOrder,
    WaveScan,
)
from orderloom.runtime.floor.pick_path import Stop, walking_key
from orderloom.runtime.orders import timeline
from orderloom.runtime.orders.models import Order
from orderloom.runtime.shipping.models import Shipment
from orderloom.runtime.stock import keeping
from orderloom.runtime.stock.catalog import Product, Warehouse

PICK, PACK = "pick", "pack"
MAX_CODE = 100

# Why a scan is refused, with the words the API answers; the pages say the same in the
# reader's language (platform/pages/floor.py).
REFUSALS = {
    "wrong_bin": "wrong bin: go to {bin}",
    "scan_bin_first": "scan bin {bin} first",
    "wrong_item": "wrong item: {code} is not {sku}",
    "too_many": "too many: {sku} needs only {quantity}",
    "too_few": "too few: {picked} of {quantity} × {sku} so far; pick the rest or report it short",
    "unknown_code": "{code} is neither a bin, an item nor an order of this wave",
    "scan_order_first": "scan the order's or the waybill's barcode first",
    "not_in_order": "wrong item: order {order} has no {code}",
    "order_not_picked": "order {order} is not picked in full yet",
    "order_short": "order {order} was short picked and is held",
    "order_packed": "order {order} is packed already",
    "order_held": "order {order} does not ship. {why}",
    "order_gone": "order {order} has left the wave: it moved on meanwhile",
    "stock_changed": "order {order} does not ship: what it holds is no longer what "
                     "wave {wave} picked for it; staff check the order",
    "parcel_open": "too few: order {order} still lacks {missing} units; finish it first",
    "wave_done": "wave {wave} is finished",
    "nothing_to_pick": "everything of wave {wave} is picked",
}

# Every unit verified, but the order's shipping move could not be taken by the packer.
NOT_SHIPPED = "every item verified; it did not ship: {why}"


class WaveNotFound(OrderError):
    status = 404


class ScanProblem(OrderError):
    """A request to scan that is not a scan (empty, too long): a 422 at ``pointer``."""

    def __init__(self, pointer: str, message: str) -> None:
        super().__init__(message)
        self.pointer = pointer


@dataclass
class Answer:
    """What a scan did: accepted, or refused with a key of REFUSALS and its values."""

    accepted: bool
    refusal: str | None = None
    values: dict[str, Any] = field(default_factory=dict)
    done: str = ""  # what an accepted scan did: at_bin, picked, stop_done, order_on_bench,
    # packed, shipped, short
    order: str | None = None  # the order the scan was for
    shipped_by: str | None = None  # the transition that shipped a packed order

    @property
    def message(self) -> str:
        if self.refusal is None:
            return NOT_SHIPPED.format(**self.values) if self.done == "packed_in_full" \
                else self.done
        return REFUSALS[self.refusal].format(**self.values)

    def log_values(self) -> dict[str, Any]:
        """The values a log or a timeline needs to word this answer again later."""
        return {**self.values, **({"order": self.order} if self.order else {})}

    def as_json(self) -> dict[str, Any]:
        return {"accepted": self.accepted, "refusal": self.refusal, "message": self.message,
                "done": self.done or None, "values": self.values, "order": self.order,
                "shipped_by": self.shipped_by}


def find_wave(session: Session, number: str, *, lock: bool = False) -> Wave:
    query = select(Wave).where(Wave.number == number)
    if lock:
        # Two scanners on one wave take turns: each scan reads what the last one left.
        query = query.with_for_update()
    wave = session.scalar(query)
    if wave is None:
        raise WaveNotFound(f"there is no wave {number}")
    return wave


def wave_orders(session: Session, wave: Wave) -> list[tuple[WaveOrder, Order]]:
    return list(session.execute(
        select(WaveOrder, Order).join(Order, Order.id == WaveOrder.order_id)
        .where(WaveOrder.wave_id == wave.id).order_by(WaveOrder.position)).tuples())


def _lines(session: Session, wave: Wave) -> list[tuple[WaveLine, WaveOrder]]:
    return list(session.execute(
        select(WaveLine, WaveOrder)
        .join(WaveOrder, (WaveOrder.wave_id == WaveLine.wave_id)
              & (WaveOrder.order_id == WaveLine.order_id))
        .where(WaveLine.wave_id == wave.id)
        .order_by(WaveOrder.position, WaveLine.id)).tuples())


def stops(session: Session, wave: Wave) -> list[Stop]:
    """The wave's walk: one stop per bin and SKU, totalled over the orders still in
    the wave (a short order has left it)."""
    numbers = {o.id: o.number for _w, o in wave_orders(session, wave)}
    products = {p.id: p for p in session.scalars(select(Product).where(
        Product.id.in_(select(WaveLine.product_id).where(WaveLine.wave_id == wave.id))))}
    found: dict[tuple[str, str], Stop] = {}
    for line, member in _lines(session, wave):
        if member.status in LEFT_WALK:
            continue
        product = products[line.product_id]
        stop = found.setdefault((line.bin, line.sku), Stop(
            bin=line.bin, zone=line.zone, sku=line.sku, place=line.zone_place,
            name=product.name,
            barcode=product.barcode))
        stop.quantity += line.quantity
        stop.picked += line.picked
        stop.orders.append(numbers[line.order_id])
    return sorted(found.values(), key=lambda s: walking_key(s.place, s.zone, s.bin, s.sku))


def _log(session: Session, actor: Actor, wave: Wave, step: str, code: str, answer: Answer,
         order: Order | None = None) -> Answer:
    """The scan on the wave's log, and ``order`` the one it was for. Single scans stay on
    the wave's log: an order's timeline gets one entry when it is picked in full, short
    or packed (_on_timeline), not one per unit or per refusal."""
    session.add(WaveScan(wave_id=wave.id, order_id=order.id if order else None, step=step,
                         code=code[:MAX_CODE], accepted=answer.accepted,
                         outcome=answer.message[:300], refusal=answer.refusal,
                         done=answer.done or None, values=answer.log_values(),
                         actor_name=actor.name, at=utcnow()))
    return answer


def _on_timeline(session: Session, actor: Actor, wave: Wave, order: Order, step: str,
                 outcome: str, values: dict[str, Any]) -> None:
    timeline.scan_event(session, order, actor.name, wave=wave.number, step=step,
                        outcome=outcome, values=values)


def _clean(code: str) -> str:
    code = (code or "").strip()
    if not code:
        raise ScanProblem("/code", "the scan is empty: scan a barcode")
    if len(code) > MAX_CODE:
        raise ScanProblem("/code", f"a barcode has at most {MAX_CODE} characters")
    return code


def _product_scanned(session: Session, code: str) -> Product | None:
    """The product whose barcode, else whose SKU, is ``code``."""
    return session.scalar(select(Product).where(Product.barcode == code)) or \
        session.scalar(select(Product).where(Product.sku == code))


def finish_if_done(session: Session, wave: Wave) -> None:
    if all(member.status not in UNFINISHED for member, _o in wave_orders(session, wave)):
        wave.status = DONE
        wave.done_at = utcnow()
        wave.at_bin = None


# --- picking ----------------------------------------------------------------------------------

def pick_scan(session: Session, actor: Actor, number: str, code: str) -> Answer:
    code = _clean(code)
    wave = find_wave(session, number, lock=True)
    if wave.status == DONE:
        return _log(session, actor, wave, PICK, code,
                    Answer(False, "wave_done", {"wave": wave.number}))
    walk = stops(session, wave)
    current = next((s for s in walk if not s.done), None)
    if current is None:
        product = _product_scanned(session, code)
        done = next((s for s in walk if product is not None and s.sku == product.sku), None)
        # One unit more of a SKU the wave has picked in full is too many, as anywhere.
        answer = Answer(False, "too_many", _values(done, code)) if done else \
            Answer(False, "nothing_to_pick", {"wave": wave.number})
        return _log(session, actor, wave, PICK, code, answer)
    lacking = _lacking(session, wave, current)
    at_stop = current.bin == "" or wave.at_bin == current.bin
    product = _product_scanned(session, code)
    bins = {s.bin for s in walk if s.bin}
    if code == current.bin:
        wave.at_bin = current.bin
        answer = Answer(True, done="at_bin", values=current.as_json())
        return _log(session, actor, wave, PICK, code, answer)
    if not at_stop:
        # A bin is expected here: whatever else was scanned is taken for the wrong bin.
        if product is not None and product.sku == current.sku:
            refusal = "scan_bin_first"
        elif product is not None:
            refusal = "too_many" if _done_sku(walk, product.sku) else "wrong_item"
        else:
            refusal = "wrong_bin"
        return _log(session, actor, wave, PICK, code,
                    Answer(False, refusal, _values(current, code)))
    if product is not None and product.sku == current.sku:
        line, order = lacking[0]
        line.picked += 1
        current.picked += 1
        answer = Answer(True, done="picked", values=current.as_json(), order=order.number)
        if current.done:
            wave.at_bin = None
            answer.done = "stop_done"
        _mark_picked(session, actor, wave, order)
        return _log(session, actor, wave, PICK, code, answer, order)
    if code in bins:
        refusal = "too_few"
    elif product is not None:
        refusal = "too_many" if _done_sku(walk, product.sku) else "wrong_item"
    else:
        refusal = "unknown_code"
    return _log(session, actor, wave, PICK, code, Answer(False, refusal,
                                                         _values(current, code)))


def _values(stop: Stop, code: str) -> dict[str, Any]:
    return {**stop.as_json(), "code": code}


def _done_sku(walk: list[Stop], sku: str) -> bool:
    return any(s.sku == sku for s in walk) and all(s.done for s in walk if s.sku == sku)


def _lacking(session: Session, wave: Wave, stop: Stop) -> list[tuple[WaveLine, Order]]:
    """The lines at ``stop`` still lacking units, in the wave's order of orders."""
    found = []
    for line, member in _lines(session, wave):
        if member.status not in LEFT_WALK and line.bin == stop.bin and line.sku == stop.sku \
                and line.picked < line.quantity:
            found.append((line, session.get(Order, line.order_id)))
    return found


def _mark_picked(session: Session, actor: Actor, wave: Wave, order: Order) -> None:
    lines = session.scalars(select(WaveLine).where(WaveLine.wave_id == wave.id,
                                                   WaveLine.order_id == order.id))
    if all(line.picked >= line.quantity for line in lines):
        member = session.scalar(select(WaveOrder).where(WaveOrder.wave_id == wave.id,
                                                        WaveOrder.order_id == order.id))
        if member.status == TO_PICK:
            member.status = PICKED
            _on_timeline(session, actor, wave, order, PICK, "picked", {})


def report_short(session: Session, actor: Actor, number: str) -> Answer:
    """The units of the current stop are not on the shelf: every order still lacking
    them is held and leaves the wave; the walk goes on."""
    wave = find_wave(session, number, lock=True)
    walk = stops(session, wave)
    current = next((s for s in walk if not s.done), None)
    if wave.status == DONE or current is None:
        return Answer(False, "wave_done" if wave.status == DONE else "nothing_to_pick",
                      {"wave": wave.number})
    lacking = _lacking(session, wave, current)
    members = {m.order_id: m for m, _o in wave_orders(session, wave)}
    short_orders = []
    for line, order in lacking:
        members[order.id].status = SHORT
        short_orders.append(order)
        missing = line.quantity - line.picked
        short_picks.raise_short_pick(session, actor, order, wave.number, {line.sku: missing})
        _on_timeline(session, actor, wave, order, PICK, "short",
                     {"sku": line.sku, "missing": missing})
    wave.at_bin = None
    answer = Answer(True, done="short", values=current.as_json(),
                    order=", ".join(o.number for o in short_orders))
    _log(session, actor, wave, PICK, current.bin or current.sku, answer,
         short_orders[0] if short_orders else None)
    finish_if_done(session, wave)
    return answer


# --- packing ----------------------------------------------------------------------------------

def _order_scanned(session: Session, wave: Wave, code: str) -> tuple[WaveOrder, Order] | None:
    """The order of the wave whose number, or one of whose waybills, is ``code``."""
    waybill = select(Shipment.order_id).where(Shipment.tracking_number == code)
    return session.execute(
        select(WaveOrder, Order).join(Order, Order.id == WaveOrder.order_id)
        .where(WaveOrder.wave_id == wave.id,
               or_(Order.number == code, Order.id.in_(waybill)))).tuples().first()


def _order_lines(session: Session, wave: Wave, order: Order) -> list[WaveLine]:
    return list(session.scalars(select(WaveLine).where(
        WaveLine.wave_id == wave.id, WaveLine.order_id == order.id).order_by(WaveLine.id)))


def _held_note(session: Session, order: Order) -> Answer | None:
    """A refusal when ``order`` is on hold now: a held order never ships by packing."""
    note = holds.on_hold(session, [order]).get(order.id)
    if note is None:
        return None
    # ``reason`` in both languages, for the pages; ``why`` in the API's English.
    return Answer(False, "order_held", {"order": order.number, "why": note.get("en", ""),
                                        "reason": note}, order=order.number)


def _holds_as_planned(session: Session, wave: Wave, order: Order,
                      lines: list[WaveLine]) -> bool:
    """Whether the order holds exactly what the wave's lines are, in the wave's
    warehouse: shipping deducts all it holds, and only the lines were verified."""
    warehouse = session.scalar(select(Warehouse.id).where(Warehouse.code == wave.warehouse))
    holding: dict[tuple[int, int], int] = {}
    for reservation in keeping.held_by(session, [order.id]).get(order.id, []):
        key = (reservation.product_id, reservation.warehouse_id)
        holding[key] = holding.get(key, 0) + reservation.quantity
    planned: dict[tuple[int, int], int] = {}
    for line in lines:
        key = (line.product_id, warehouse)
        planned[key] = planned.get(key, 0) + line.quantity
    return holding == planned


def pack_scan(session: Session, actor: Actor, number: str, code: str,
              on_bench: str | None, roles: set[str], *, may_act: bool,
              language: str = "en") -> Answer:
    """A scan at the packing bench; ``on_bench`` is the order being packed (its number),
    None before the first order is scanned. ``roles`` and ``may_act`` (the packer may
    move orders on) decide whether the last unit ships the order."""
    code = _clean(code)
    wave = find_wave(session, number, lock=True)
    bench = _order_scanned(session, wave, on_bench) if on_bench else None
    if bench is not None and bench[0].status != PICKED:
        bench = None  # packed or held since: the bench is free
    scanned = _order_scanned(session, wave, code)
    if scanned is not None:
        member, order = scanned
        if bench is not None and bench[1].id != order.id:
            missing = sum(li.quantity - li.packed for li in _order_lines(session, wave,
                                                                          bench[1]))
            return _log(session, actor, wave, PACK, code, Answer(
                False, "parcel_open", {"order": bench[1].number, "missing": missing},
                order=bench[1].number), bench[1])
        refusal = {TO_PICK: "order_not_picked", SHORT: "order_short",
                   PACKED: "order_packed", GONE: "order_gone"}.get(member.status)
        if refusal is None and (held := _held_note(session, order)):
            return _log(session, actor, wave, PACK, code, held, order)
        answer = Answer(refusal is None, refusal, {"order": order.number}, order=order.number,
                        done="order_on_bench" if refusal is None else "")
        return _log(session, actor, wave, PACK, code, answer, order)
    if bench is None:
        return _log(session, actor, wave, PACK, code, Answer(False, "scan_order_first",
                                                             {"code": code}))
    member, order = bench
    product = _product_scanned(session, code)
    lines = _order_lines(session, wave, order)
    line = next((li for li in lines if product is not None and li.product_id == product.id),
                None)
    if line is None:
        return _log(session, actor, wave, PACK, code, Answer(
            False, "not_in_order", {"order": order.number, "code": code},
            order=order.number), order)
    if line.packed >= line.quantity:
        return _log(session, actor, wave, PACK, code, Answer(
            False, "too_many", {"sku": line.sku, "quantity": line.quantity},
            order=order.number), order)
    if all(li.packed >= li.quantity for li in lines if li is not line) and \
            line.packed + 1 >= line.quantity and (held := _held_note(session, order)):
        # Held since it came to the bench (a store cancelled it): the last unit would
        # ship it, so the parcel stays open for staff.
        return _log(session, actor, wave, PACK, code, held, order)
    if all(li.packed >= li.quantity for li in lines if li is not line) and \
            line.packed + 1 >= line.quantity and not _holds_as_planned(session, wave, order,
                                                                       lines):
        return _log(session, actor, wave, PACK, code, Answer(
            False, "stock_changed", {"order": order.number, "wave": wave.number},
            order=order.number), order)
    line.packed += 1
    answer = Answer(True, done="packed", order=order.number,
                    values={"sku": line.sku, "packed": line.packed,
                            "quantity": line.quantity})
    if all(li.packed >= li.quantity for li in lines):
        member.status = PACKED
        shipped = shipping_out.ship(session, actor, order, roles, may_act=may_act,
                                    language=language)
        answer.shipped_by = shipped.transition
        answer.done = "shipped" if shipped.transition else "packed_in_full"
        if shipped.refused:
            answer.values["why"] = shipped.refused
        _on_timeline(session, actor, wave, order, PACK, "packed",
                     {"shipped_by": shipped.transition, "why": shipped.refused})
        finish_if_done(session, wave)
    return _log(session, actor, wave, PACK, code, answer, order)


# --- what a wave looks like -------------------------------------------------------------------

def log_of(session: Session, wave: Wave, limit: int = 200) -> list[WaveScan]:
    return list(session.scalars(select(WaveScan).where(WaveScan.wave_id == wave.id)
                                .order_by(WaveScan.id.desc()).limit(limit)))


def summary(session: Session, wave: Wave) -> dict[str, Any]:
    """The wave with its orders, its pick list (the walk, SKU totals per stop) and the
    stop the picker is at."""
    walk = stops(session, wave)
    current = next((s for s in walk if not s.done), None)
    lines: dict[int, list[WaveLine]] = {}
    for line, member in _lines(session, wave):
        lines.setdefault(member.id, []).append(line)
    orders = []
    for member, order in wave_orders(session, wave):
        mine = lines.get(member.id, [])
        orders.append({"number": order.number, "status": member.status,
                       "state": order.state,
                       "lines": [{"sku": li.sku, "bin": li.bin, "quantity": li.quantity,
                                  "picked": li.picked, "packed": li.packed} for li in mine]})
    return {"number": wave.number, "warehouse": wave.warehouse, "status": wave.status,
            "planned_by": wave.planned_by, "created_by": wave.created_by,
            "created_at": wave.created_at.isoformat(), "at_bin": wave.at_bin,
            "orders": orders, "pick_list": [s.as_json() for s in walk],
            "next_stop": current.as_json() if current else None,
            "total_units": sum(s.quantity for s in walk)}

"""Scan to pick and scan to pack: each scan is checked at once against the wave and
accepted or refused with a reason, and logged on the wave and on the order's
timeline.

Picking walks the stops (pick_path.py): scan the bin, then one scan per unit. A
unit goes to the first order of the wave still lacking that SKU (sorting to
orders). Leaving a stop before its total is picked is refused (too few); so is one
unit more than the total (too many). A stop whose units are not on the shelf is
declared short: the orders lacking them are held (short_picks.py) and leave the
wave. Packing: scan the order's number or its waybill, then each unit; when every
unit is verified the order ships (shipping_out.py); an order reserved in several
warehouses ships one parcel from each, and moves on with its last. Nothing here
commits.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import case, or_, select
from sqlalchemy.orm import Session

from orderloom.db import utcnow
from orderloom.runtime.audit import Actor
from orderloom.runtime.engine import holds
from orderloom.runtime.errors import OrderError
from orderloom.runtime.floor import setup as floor_setup
from orderloom.runtime.floor import shipping_out, short_picks, weighing
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
from orderloom.runtime.shipping.models import Shipment, parcel_riders
from orderloom.runtime.stock import keeping
from orderloom.runtime.stock.catalog import Product, Warehouse

PICK, PACK, WEIGH, LABEL = "pick", "pack", "weigh", "label"
PRINT = "print"  # the wave's slips and labels as one PDF (printing.py)
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
    "weigh_first": "order {order} is verified; weigh its parcel before the next order",
    "no_weighing": "parcels are not weighed in warehouse {warehouse}",
    "weight_unknown": "order {order}'s weight cannot be checked: the catalogue has no "
                      "weight of {skus}",
    "weight_off": "order {order}'s parcel weighs {grams} g, expected {expected} g ± "
                  "{tolerance} g; check the parcel and weigh it again",
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
    # packed, shipped, shipped_part (one warehouse's part of the order), short
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
                 outcome: str, values: dict[str, Any], *, scanned: str | None = None) -> None:
    """One entry for what the order's scans came to. Picked in full, short or packed,
    it lists the order's scans of that step on the wave's log so far (``scanned``: the
    one being made, not logged yet; at most MOST_SCANS_ON_TIMELINE). Scans of a step
    that has not ended (or never does: an order held at the bench) are on the wave's
    log only."""
    if outcome in ("picked", "short", "packed"):
        values = {**values, "scans": _scans_of(session, wave, order, step, actor, scanned)}
    timeline.scan_event(session, order, actor.name, wave=wave.number, step=step,
                        outcome=outcome, values=values)


# The scans an entry of the order's timeline lists; a longer run stays on the wave's log.
MOST_SCANS_ON_TIMELINE = 200


def _scans_of(session: Session, wave: Wave, order: Order, step: str, actor: Actor,
              scanned: str | None) -> list[dict[str, Any]]:
    logged = list(session.scalars(select(WaveScan).where(
        WaveScan.wave_id == wave.id, WaveScan.order_id == order.id, WaveScan.step == step)
        .order_by(WaveScan.id).limit(MOST_SCANS_ON_TIMELINE)))
    found = [{"code": s.code, "accepted": s.accepted, "by": s.actor_name,
              "at": s.at.isoformat()} for s in logged]
    if scanned is not None and len(found) < MOST_SCANS_ON_TIMELINE:
        found.append({"code": scanned[:MAX_CODE], "accepted": True, "by": actor.name,
                      "at": utcnow().isoformat()})
    return found


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
        _mark_picked(session, actor, wave, order, code)
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


def _mark_picked(session: Session, actor: Actor, wave: Wave, order: Order, code: str) -> None:
    lines = session.scalars(select(WaveLine).where(WaveLine.wave_id == wave.id,
                                                   WaveLine.order_id == order.id))
    if all(line.picked >= line.quantity for line in lines):
        member = session.scalar(select(WaveOrder).where(WaveOrder.wave_id == wave.id,
                                                        WaveOrder.order_id == order.id))
        if member.status == TO_PICK:
            member.status = PICKED
            _on_timeline(session, actor, wave, order, PICK, "picked", {}, scanned=code)


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
    """The order of the wave whose number, or the waybill of a parcel carrying it, is
    ``code``. A merge's one parcel carries several orders of the wave: its waybill
    brings the first of them still waiting to be packed to the bench, so scanning it
    again after each order packs them all."""
    riders = parcel_riders(session)
    waybill = (select(riders.c.order_id)
               .join(Shipment, Shipment.id == riders.c.shipment_id)
               .where(Shipment.tracking_number == code))
    return session.execute(
        select(WaveOrder, Order).join(Order, Order.id == WaveOrder.order_id)
        .where(WaveOrder.wave_id == wave.id,
               or_(Order.number == code, Order.id.in_(waybill)))
        .order_by(case((WaveOrder.status == PICKED, 0), else_=1), Order.created_at,
                  Order.id)).tuples().first()


def _parcel_orders(session: Session, code: str) -> list[str]:
    """The numbers of the orders the parcel with waybill ``code`` carries, when it
    carries more than one (a merge's parcel); else none."""
    riders = parcel_riders(session)
    numbers = list(session.scalars(
        select(Order.number).join(riders, riders.c.order_id == Order.id)
        .join(Shipment, Shipment.id == riders.c.shipment_id)
        .where(Shipment.tracking_number == code).order_by(Order.created_at, Order.id)))
    return numbers if len(numbers) > 1 else []


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
    warehouse: shipping deducts all it holds there, and only the lines were verified.
    What it holds in other warehouses is their waves' to pick."""
    warehouse = session.scalar(select(Warehouse.id).where(Warehouse.code == wave.warehouse))
    holding: dict[tuple[int, int], int] = {}
    for reservation in keeping.held_by(session, [order.id]).get(order.id, []):
        if reservation.warehouse_id != warehouse:
            continue
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
            # Every unit verified, the parcel waits for its weight.
            refusal = "parcel_open" if missing else "weigh_first"
            return _log(session, actor, wave, PACK, code, Answer(
                False, refusal, {"order": bench[1].number, "missing": missing},
                order=bench[1].number), bench[1])
        refusal = {TO_PICK: "order_not_picked", SHORT: "order_short",
                   PACKED: "order_packed", GONE: "order_gone"}.get(member.status)
        if refusal is None and (held := _held_note(session, order)):
            return _log(session, actor, wave, PACK, code, held, order)
        answer = Answer(refusal is None, refusal, {"order": order.number}, order=order.number,
                        done="order_on_bench" if refusal is None else "")
        if code != order.number and (carried := _parcel_orders(session, code)):
            # The packer scanned a shared parcel's waybill: say which orders go in it.
            answer.values["parcel_orders"] = carried
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
    # A weighing is of the parcel as it was: one more unit makes it another parcel.
    member.weighed_grams, member.weight_ok = None, None
    answer = Answer(True, done="packed", order=order.number,
                    values={"sku": line.sku, "packed": line.packed,
                            "quantity": line.quantity})
    if all(li.packed >= li.quantity for li in lines):
        setup = floor_setup.setup_of(session, wave.warehouse)
        # A parcel whose weight cannot be checked (an item has no catalogue weight) is
        # not kept on the bench for a weighing that could never pass.
        if weighing.may_close(setup, member.weight_ok) or \
                weighing.expected(session, lines, setup).grams is None:
            _close_parcel(session, actor, wave, member, order, answer, roles,
                          may_act=may_act, language=language, scanned=code)
        else:
            # Weighed out of tolerance, or not weighed where every parcel is: it
            # closes when a weighing within tolerance comes (weigh_scan).
            answer.done = "weigh_parcel"
    return _log(session, actor, wave, PACK, code, answer, order)


def _close_parcel(session: Session, actor: Actor, wave: Wave, member: WaveOrder,
                  order: Order, answer: Answer, roles: set[str], *, may_act: bool,
                  language: str, scanned: str | None = None) -> None:
    """Every unit verified (and weighed, where weighing says so): the parcel is closed
    and the order ships."""
    member.status = PACKED
    warehouse = session.scalar(select(Warehouse).where(Warehouse.code == wave.warehouse))
    parcel = [{"sku": li.sku, "qty": li.quantity}
              for li in _order_lines(session, wave, order)]
    if shipping_out.held_elsewhere(session, order, warehouse):
        # Reserved in several warehouses: this one's part leaves on its own.
        shipped = shipping_out.ship_part(session, actor, order, roles, warehouse,
                                         parcel, may_act=may_act)
        answer.values["warehouse"] = warehouse.code
    else:
        shipped = shipping_out.ship(session, actor, order, roles, may_act=may_act,
                                    language=language)
    answer.shipped_by = shipped.transition
    answer.done = "shipped_part" if shipped.part else \
        "shipped" if shipped.transition else "packed_in_full"
    if shipped.refused:
        answer.values["why"] = shipped.refused
    _on_timeline(session, actor, wave, order, PACK, "packed",
                 {"shipped_by": shipped.transition, "why": shipped.refused,
                  **({"part": warehouse.code} if shipped.part else {}),
                  **({"shipments": list(shipped.shipments)} if shipped.shipments else {})},
                 scanned=scanned)
    finish_if_done(session, wave)


MOST_GRAMS = floor_setup.MOST_GRAMS


def _grams(text: str) -> int:
    grams = floor_setup.whole_number(text, 1, MOST_GRAMS)
    if grams is None:
        raise ScanProblem("/grams", f"the parcel's weight in whole grams, from 1 to "
                                    f"{MOST_GRAMS}")
    return grams


def weigh_scan(session: Session, actor: Actor, number: str, on_bench: str | None,
               grams_text: str, roles: set[str], *, may_act: bool,
               language: str = "en") -> Answer:
    """The parcel of the order on the bench weighed ``grams_text`` grams, once its
    every unit is verified (before, it is refused: the whole order's weight is
    expected). Out of the warehouse's tolerance it is refused (and on the order's
    timeline); within it, the parcel closes and the order ships, unless the order was
    held or its stock changed meanwhile. It may be weighed again as often as needed."""
    grams = _grams(grams_text)
    wave = find_wave(session, number, lock=True)
    code = f"{grams} g"
    bench = _order_scanned(session, wave, on_bench) if on_bench else None
    if bench is None or bench[0].status != PICKED:
        return _log(session, actor, wave, WEIGH, code,
                    Answer(False, "scan_order_first", {"code": code}))
    member, order = bench
    setup = floor_setup.setup_of(session, wave.warehouse)
    if setup is None or setup.tolerance_grams is None:
        return _log(session, actor, wave, WEIGH, code, Answer(
            False, "no_weighing", {"warehouse": wave.warehouse}, order=order.number), order)
    lines = _order_lines(session, wave, order)
    expected = weighing.expected(session, lines, setup)
    if expected.grams is None:
        return _log(session, actor, wave, WEIGH, code, Answer(
            False, "weight_unknown", {"order": order.number,
                                      "skus": ", ".join(expected.unweighed)},
            order=order.number), order)
    missing = sum(li.quantity - li.packed for li in lines)
    if missing:
        # What it should weigh is the whole order's: an unfinished parcel never passes.
        return _log(session, actor, wave, WEIGH, code, Answer(
            False, "parcel_open", {"order": order.number, "missing": missing},
            order=order.number), order)
    values = {"order": order.number, "grams": grams, "expected": expected.grams,
              "tolerance": setup.tolerance_grams}
    member.weighed_grams = grams
    member.weight_ok = weighing.within(setup, grams, expected.grams)
    _on_timeline(session, actor, wave, order, WEIGH,
                 "weight_ok" if member.weight_ok else "weight_off", dict(values))
    if not member.weight_ok:
        return _log(session, actor, wave, WEIGH, code,
                    Answer(False, "weight_off", values, order=order.number), order)
    # Held, or its stock changed, while it waited for its weight: it does not ship, as
    # at its last unit (pack_scan); the parcel stays open for staff.
    if held := _held_note(session, order):
        return _log(session, actor, wave, WEIGH, code, held, order)
    if not _holds_as_planned(session, wave, order, lines):
        return _log(session, actor, wave, WEIGH, code, Answer(
            False, "stock_changed", {"order": order.number, "wave": wave.number},
            order=order.number), order)
    answer = Answer(True, done="weighed", values=values, order=order.number)
    _close_parcel(session, actor, wave, member, order, answer, roles, may_act=may_act,
                  language=language)
    return _log(session, actor, wave, WEIGH, code, answer, order)


def label_printed(session: Session, actor: Actor, wave: Wave, order: Order) -> int:
    """Log a print of ``order``'s shipping label from the packing bench, on the wave's
    log and the order's timeline; answers which print of it this is (2 and on are
    reprints). The wave's prints with its labels count: a packed order never left the
    wave, so each of them printed its label too. The caller holds the wave's lock."""
    before = len(list(session.scalars(select(WaveScan.id).where(
        WaveScan.wave_id == wave.id, WaveScan.order_id == order.id,
        WaveScan.step == LABEL)))) + len(list(session.scalars(select(WaveScan.id).where(
            WaveScan.wave_id == wave.id, WaveScan.step == PRINT,
            WaveScan.code.contains("shipping_label")))))
    answer = Answer(True, done="label_reprinted" if before else "label_printed",
                    values={"order": order.number, "print": before + 1},
                    order=order.number)
    _log(session, actor, wave, LABEL, order.number, answer, order)
    _on_timeline(session, actor, wave, order, LABEL, answer.done, dict(answer.values))
    return before + 1


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

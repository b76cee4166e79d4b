"""A wave's packing slips and shipping labels as one PDF, in the order the orders were
sorted to (the wave's order), so the printed stack matches the totes. Orders held
after a short pick are left out. An order reserved in several warehouses gets the
slip and label of its part from the wave's warehouse. Every print is on the wave's
log, a reprint as one.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from orderloom.db import utcnow
from orderloom.runtime.audit import Actor
from orderloom.runtime.documents import binding, fulfilment
from orderloom.runtime.errors import OrderError
from orderloom.runtime.floor.models import LEFT_WALK, Wave, WaveLine, WaveScan
from orderloom.runtime.floor.scanning import PRINT, find_wave, wave_orders
from orderloom.runtime.stock.catalog import Warehouse
from orderloom.runtime.stock.models import Reservation

PRINTABLE = ("packing_slip", "shipping_label")


class NothingToPrint(OrderError):
    """A wave whose every order left it short."""


def wave_pdf(session: Session, actor: Actor, number: str, kinds: list[str], *,
             data_of: fulfilment.DataOf | None = None) -> tuple[bytes, str]:
    """(the PDF, its file name): for each order of the wave, each document of ``kinds``.
    A print template that cannot be rendered is refused as the order's document is."""
    wave = find_wave(session, number)
    documents = []
    members = wave_orders(session, wave)
    parts = _parts(session, wave, [order.id for _m, order in members])
    views = fulfilment.order_views(
        session, [order for member, order in members if member.status not in LEFT_WALK],
        data_of)
    for member, order in members:
        if member.status in LEFT_WALK:
            continue
        view = views[order.id]
        if order.id in parts:
            view = _part_of(view, wave, parts[order.id])
        for kind in kinds:
            document = fulfilment.order_document(session, order, kind, for_pdf=True,
                                                 data_of=data_of, drawing=True, view=view)
            documents.append(document)
            view = document.view
    printed = len(documents)
    if not printed:
        raise NothingToPrint(f"nothing to print: every order of wave {wave.number} has "
                             f"left it (short picked, or moved on)")
    before = session.scalar(select(func.count()).select_from(WaveScan).where(
        WaveScan.wave_id == wave.id, WaveScan.step == PRINT)) or 0
    outcome = (f"reprinted (print {before + 1} of this wave)" if before else "printed") + \
        f": {printed} documents ({', '.join(kinds)})"
    session.add(WaveScan(wave_id=wave.id, order_id=None, step=PRINT, code=",".join(kinds),
                         accepted=True, outcome=outcome[:300],
                         done="reprinted" if before else "printed",
                         values={"print": before + 1, "count": printed,
                                 "kinds": ", ".join(kinds)},
                         actor_name=actor.name, at=utcnow()))
    content = binding.one_pdf(f"Wave {wave.number}", documents)
    return content, f"wave-{wave.number}-{'-'.join(kinds)}.pdf"


def _parts(session: Session, wave: Wave, order_ids: list[int]) -> dict[int, dict[str, int]]:
    """The units of each SKU the wave has of each of its orders that also hold (or
    held) stock in another warehouse: such an order's slip and label are for its part
    from here."""
    warehouse = session.scalar(select(Warehouse.id).where(Warehouse.code == wave.warehouse))
    split = set(session.scalars(select(Reservation.order_id).where(
        Reservation.order_id.in_(order_ids), Reservation.warehouse_id != warehouse,
        Reservation.status.in_(("held", "shipped")))))
    found: dict[int, dict[str, int]] = {order_id: {} for order_id in split}
    for line in session.scalars(select(WaveLine).where(WaveLine.wave_id == wave.id,
                                                       WaveLine.order_id.in_(split))):
        found[line.order_id][line.sku] = found[line.order_id].get(line.sku, 0) + line.quantity
    return found


def _part_of(view: dict[str, Any], wave: Wave, units: dict[str, int]) -> dict[str, Any]:
    """The order as its part from the wave's warehouse: its lines with only the
    ``units`` of each SKU the wave has (one SKU split between warehouses shows here
    what leaves from here), sent from the wave's warehouse."""
    left = dict(units)
    lines = []
    for line in view["lines"]:
        sku = line.get("sku")
        if not left.get(sku):
            continue
        quantity = line.get("quantity")
        here = min(quantity, left[sku]) if isinstance(quantity, int) else left[sku]
        left[sku] -= here
        lines.append({**line, "quantity": here})
    return {**view, "warehouse": wave.warehouse, "lines": lines}

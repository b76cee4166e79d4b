"""A wave's packing slips and shipping labels as one PDF, in the order the orders were
sorted to (the wave's order), so the printed stack matches the totes. Orders held
after a short pick are left out. Every print is on the wave's log, a reprint as one.
"""
from __future__ import annotations

import io

from pypdf import PdfReader, PdfWriter
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from orderloom.db import utcnow
from orderloom.runtime.audit import Actor
from orderloom.runtime.documents import fulfilment
from orderloom.runtime.errors import OrderError
from orderloom.runtime.floor.models import LEFT_WALK, WaveScan
from orderloom.runtime.floor.scanning import find_wave, wave_orders

PRINTABLE = ("packing_slip", "shipping_label")
PRINT = "print"


class NothingToPrint(OrderError):
    """A wave whose every order left it short."""


def wave_pdf(session: Session, actor: Actor, number: str, kinds: list[str], *,
             data_of: fulfilment.DataOf | None = None) -> tuple[bytes, str]:
    """(the PDF, its file name): for each order of the wave, each document of ``kinds``.
    A print template that cannot be rendered is refused as the order's document is."""
    wave = find_wave(session, number)
    writer = PdfWriter()
    printed = 0
    for member, order in wave_orders(session, wave):
        if member.status in LEFT_WALK:
            continue
        for kind in kinds:
            document = fulfilment.order_document(session, order, kind, for_pdf=True,
                                                 data_of=data_of)
            writer.append(PdfReader(io.BytesIO(document.pdf())))
            printed += 1
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
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue(), f"wave-{wave.number}-{'-'.join(kinds)}.pdf"

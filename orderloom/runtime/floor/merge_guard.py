"""The floor's say on merging: orders merge only before picking, and a merge is
undone only while nothing of its orders is picked (the merge's hooks,
runtime/consolidation/merging.py)."""
from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from orderloom.runtime import hooks
from orderloom.runtime.errors import OrderError
from orderloom.runtime.floor.models import GONE, OPEN, Wave, WaveLine, WaveOrder


class PickingBegun(OrderError):
    status = 409
    pointer = "/orders"


@hooks.ORDERS_MERGING.subscribe
def orders_merging(session: Session, orders: list[Any]) -> None:
    by_id = {o.id: o for o in orders}
    row = session.execute(select(WaveOrder.order_id, Wave.number)
                          .join(Wave, Wave.id == WaveOrder.wave_id)
                          .where(WaveOrder.order_id.in_(list(by_id)), Wave.status == OPEN,
                                 WaveOrder.status != GONE)
                          .order_by(WaveOrder.order_id).limit(1)).first()
    if row is not None:
        number = by_id[row[0]].number
        raise PickingBegun(f"order {number} is on wave {row[1]} already: orders merge "
                           "before picking", code="merge.on_wave", order=number, wave=row[1])


@hooks.MERGE_UNDOING.subscribe
def merge_undoing(session: Session, orders: list[Any]) -> None:
    by_id = {o.id: o for o in orders}
    row = session.execute(select(WaveLine.order_id, func.sum(WaveLine.picked))
                          .where(WaveLine.order_id.in_(list(by_id)))
                          .group_by(WaveLine.order_id)
                          .having(func.sum(WaveLine.picked) > 0)
                          .order_by(WaveLine.order_id).limit(1)).first()
    if row is not None:
        number = by_id[row[0]].number
        raise PickingBegun(f"{row[1]} units of order {number} are picked: the merge can no "
                           "longer be undone", code="merge.picked", order=number,
                           units=int(row[1]))

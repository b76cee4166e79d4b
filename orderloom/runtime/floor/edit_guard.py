"""An order whose picking has started is not edited: the picker has units of its old
lines in the tote, so an edit would leave the floor with goods nobody ordered. Before
any item is picked the edit goes ahead, and the packing bench compares the wave's lines
with the order's reservations before the order ships (models.WaveLine)."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from orderloom.runtime import hooks
from orderloom.runtime.errors import EditRefused
from orderloom.runtime.floor.models import GONE, Wave, WaveLine, WaveOrder


@hooks.ORDER_EDIT_STARTING.subscribe
def order_edit_starting(session: Session, order: Any, fields: Sequence[str]) -> None:
    picked = session.execute(
        select(Wave.number, func.sum(WaveLine.picked))
        .join(WaveOrder, (WaveOrder.wave_id == WaveLine.wave_id)
              & (WaveOrder.order_id == WaveLine.order_id))
        .join(Wave, Wave.id == WaveLine.wave_id)
        .where(WaveLine.order_id == order.id, WaveOrder.status != GONE)
        .group_by(Wave.number).having(func.sum(WaveLine.picked) > 0)).first()
    if picked is not None:
        raise EditRefused(f"picking of order {order.number} has started in wave "
                          f"{picked[0]}; it can no longer be changed",
                          code="order_edit.picking_started", number=order.number,
                          wave=picked[0])

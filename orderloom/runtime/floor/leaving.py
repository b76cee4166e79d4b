"""An order that leaves the open category (cancelled, returned, shipped or completed by
hand) while a wave still has it leaves the wave: the walk no longer picks its units and
the bench refuses it, so nothing is picked for, or shipped of, an order that moved on.
The category is read from the order's definition, never a state's name.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from orderloom.designer.published import blueprint_for
from orderloom.designer.state_categories import Category, category_in
from orderloom.runtime import hooks
from orderloom.runtime.floor.models import GONE, UNFINISHED, Wave, WaveOrder
from orderloom.runtime.floor.scanning import finish_if_done


@hooks.ORDER_STATE_CHANGED.subscribe
def order_state_changed(session: Session, order: Any, from_state: str | None, *,
                        transition: str | None, actor_name: str) -> None:
    if category_in(blueprint_for(order.version).definition, order.state) == Category.OPEN:
        return
    members = list(session.scalars(select(WaveOrder).where(
        WaveOrder.order_id == order.id, WaveOrder.status.in_(UNFINISHED))))
    for member in members:
        member.status = GONE
        session.flush()
        finish_if_done(session, session.get(Wave, member.wave_id))

"""How far an order split into parts has shipped: a status derived from its parts,
which the order page and the API show beside the state (the workflow's states stay the
designer's; this reads no state name)."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from orderloom.runtime.consolidation.models import SHIPPED, OrderPart

PARTLY_SHIPPED, ALL_SHIPPED, NONE_SHIPPED = "partly_shipped", "shipped", "not_shipped"


def shipping_progress(session: Session, order_id: int) -> str | None:
    """None when the order is not split; else whether none, some or all parts left."""
    statuses = list(session.scalars(select(OrderPart.status)
                                    .where(OrderPart.order_id == order_id)))
    if not statuses:
        return None
    shipped = sum(1 for s in statuses if s == SHIPPED)
    if shipped == 0:
        return NONE_SHIPPED
    return ALL_SHIPPED if shipped == len(statuses) else PARTLY_SHIPPED

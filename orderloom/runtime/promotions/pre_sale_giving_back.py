"""A pre-sale order whose workflow gives its stock back (a ``release_stock`` action)
gives back the units it reserved against expected receipts at the same moment, so
they are on sale again for the next buyer. The order may not end there: the retail
template cancels into a state still open until the money is refunded, and nothing of
that state's meaning says the order is over; the workflow's release of the order's
stock is what says the units are no longer wanted.
"""
from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.orm import Session

from orderloom.db import utcnow
from orderloom.runtime import hooks
from orderloom.runtime.audit import SYSTEM
from orderloom.runtime.engine import holds
from orderloom.runtime.orders.models import Order
from orderloom.runtime.promotions.models import RELEASED, ExpectedReceipt
from orderloom.runtime.promotions.pre_sale import reason, waiting

RECEIPTS = ExpectedReceipt.__table__


@hooks.ORDER_STOCK_RELEASED.subscribe
def order_stock_released(session: Session, order: Order, *, actor_name: str) -> None:
    rows = waiting(session, order.id)
    if not rows:
        return
    now = utcnow()
    for held in rows:
        if held.receipt_id is not None:
            session.execute(update(RECEIPTS).where(RECEIPTS.c.id == held.receipt_id)
                            .values(reserved=RECEIPTS.c.reserved - held.quantity))
            held.receipt_id = None
        held.status, held.released_at = RELEASED, now
    # Nothing is waited for any more: the order no longer waits for the release day
    # where it stands (a hold a person chose since stays).
    placed = reason(max(row.release_on for row in rows))
    holds.lift(session, SYSTEM, order, placed, placed=placed)

"""The stock an exchange or re-shipment order holds from the moment it is made, until
its own workflow reserves: then the exchange's hold is given back in the same
transaction, just before the workflow's reservation takes the units again, so the
order never holds its lines twice and never ships them twice. The units stay locked
by this transaction in between, so nobody else can take them."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from orderloom.runtime import hooks
from orderloom.runtime.after_sales import log
from orderloom.runtime.after_sales.models import ReturnLogEntry, ReturnRequest
from orderloom.runtime.orders.models import Order
from orderloom.runtime.stock import keeping


@hooks.STOCK_ABOUT_TO_BE_RESERVED.subscribe
def stock_about_to_be_reserved(session: Session, order: Order, *, actor_name: str) -> None:
    found = session.scalar(select(ReturnRequest)
                           .where(ReturnRequest.replacement_order_id == order.id))
    if found is None or session.scalar(select(ReturnLogEntry.id).where(
            ReturnLogEntry.return_id == found.id, ReturnLogEntry.step == log.HANDED_OVER)):
        return
    units = keeping.release(session, actor_name, order.id)
    log.handed_over(session, found, order, actor_name, units)

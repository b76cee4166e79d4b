"""What merging and splitting do when other things happen: an arriving order is merged
by rule with the open orders of its buyer and address (when staff switched merging by
rule on); a merge's parcel, booked under its first order, is told to every order in
it: its timeline, its channel's write-back, webhooks, and then the carrier's news of
it, each order moving through its own workflow, and each order lists it among its
parcels (its page, the API, its customer's tracking link); and the workflow's reservation of a
split order leaves its held parts alone and makes its back-ordered parts ready to ship
once it holds their units."""
from __future__ import annotations

import logging
from typing import Any

from sqlalchemy.orm import Session

from orderloom.runtime import hooks
from orderloom.runtime.audit import SYSTEM
from orderloom.runtime.consolidation import merging, settings, splitting
from orderloom.runtime.consolidation.candidates import suggest
from orderloom.runtime.errors import OrderError
from orderloom.runtime.orders import timeline
from orderloom.runtime.orders.models import Order

log = logging.getLogger(__name__)


@hooks.ORDER_CREATED.subscribe
def order_created(session: Session, order: Order) -> None:
    chosen = settings.current(session)
    if not chosen.merge_by_rule:
        return
    others = suggest(session, order, chosen.merge_window_hours)
    if not others:
        return
    try:
        # A merge the rule cannot make (stock, the floor) leaves the order as it came.
        with session.begin_nested():
            merging.merge(session, SYSTEM, [order.id, *(o.id for o in others)],
                          chosen.merge_window_hours, by="rule")
    except OrderError as refused:
        log.info("order %s not merged by rule: %s", order.number, refused)


@hooks.SHIPMENT_UPDATED.subscribe
def shipment_updated(session: Session, shipment: Any, order: Any,
                     previous_status: str | None) -> None:
    """The merge's parcel was booked under its first order: every other order of the
    merge hears of it. Later news of the parcel reaches each order by itself
    (``parcel_carries``, which tracking.record asks)."""
    if previous_status is not None or order.id != shipment.order_id:
        return  # news, or told by the lines below for another order of a merge
    found = merging.merge_of(session, order.id)
    if found is None or found.lead_order_id != order.id:
        return
    if found.shipment_id is None:
        found.shipment_id = shipment.id  # booked by the workflow's own action
    for other in merging.orders_of(session, found.id):
        if other.id == order.id:
            continue
        timeline.shipment_event(session, other, SYSTEM.name, shipment=shipment.id,
                                carrier=shipment.carrier,
                                tracking_number=shipment.tracking_number)
        hooks.SHIPMENT_UPDATED(session, shipment, other, previous_status)


@hooks.PARCEL_CARRIES.subscribe
def parcel_carries(session: Session, shipment: Any, orders: list[Order]) -> None:
    found = merging.merge_of_parcel(session, shipment.id)
    if found is not None:
        orders.extend(merging.orders_of(session, found.id))


@hooks.PARCELS_CARRYING.subscribe
def parcels_carrying(session: Session, order_id: int, shipment_ids: list[int]) -> None:
    """An order of a merge rides in the merge's parcel, booked under its first order."""
    found = merging.merge_of(session, order_id)
    if found is not None and found.shipment_id is not None:
        shipment_ids.append(found.shipment_id)


@hooks.PARCEL_RIDERS.subscribe
def parcel_riders(session: Session, pairs: list[Any]) -> None:
    """Every order of a standing merge rides in the merge's parcel once it is booked."""
    pairs.append(merging.riders())


@hooks.PARCEL_WANTED.subscribe
def parcel_wanted(session: Session, order: Order, elsewhere: list[str]) -> None:
    found = merging.merge_of(session, order.id)
    if found is not None and (found.lead_order_id != order.id or found.shipment_id):
        elsewhere.append(f"order {order.number} travels in the parcel of merge {found.id}")
    elif splitting.parts_of(session, order.id):
        elsewhere.append(f"order {order.number} ships in parts, each with its own parcel")


@hooks.PARCEL_BOOKING.subscribe
def parcel_booking(session: Session, order: Order) -> None:
    found = merging.merge_of(session, order.id)
    if found is not None and found.lead_order_id != order.id:
        lead = found.numbers[0] if found.numbers else ""
        raise merging.MergeRefused(
            f"order {order.number} is merged: it ships in the parcel of {lead}; undo the "
            "merge to ship it on its own", "merge.not_lead", pointer="", order=order.number,
            lead=lead)


@hooks.STOCK_KEPT_BACK.subscribe
def stock_kept_back(session: Session, order: Order, kept: dict[str, int]) -> None:
    for sku, qty in splitting.kept_back(session, order).items():
        kept[sku] = kept.get(sku, 0) + qty


@hooks.ORDER_STOCK_RESERVED.subscribe
def order_stock_reserved(session: Session, order: Order) -> None:
    for part in splitting.settle_backordered(session, order):
        log.info("part %d of order %s ready to ship from %s: its stock is held",
                 part.position, order.number, part.warehouse)

"""Which orders may travel together: one buyer, one address, open and not on the way
to being cancelled, nothing picked or shipped, placed within the merge window. Staff
see these as suggestions on the order page; merging by rule merges them as they
arrive."""
from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from orderloom.designer.form import with_meaning
from orderloom.designer.published import blueprint_for
from orderloom.designer.state_categories import Category
from orderloom.designer.workflow import stock_given_back
from orderloom.runtime.consolidation.models import MergedOrder, OrderPart
from orderloom.runtime.orders import categories
from orderloom.runtime.orders.models import Order
from orderloom.runtime.shipping.models import Shipment

MOST_SUGGESTED = 20


def address_of(order: Order) -> dict[str, str] | None:
    """Where the parcel goes, as a comparable value: the field meaning ``ship_to``, else
    the form's one address field; None when the order has no address to go by."""
    fields = blueprint_for(order.version).definition["form"]["fields"]
    field = with_meaning(fields, "ship_to")
    if field is None:
        addresses = [f for f in fields if f["type"] == "address"]
        field = addresses[0] if len(addresses) == 1 else None
    value = (order.data or {}).get(field["key"]) if field is not None else None
    if not isinstance(value, dict):
        return None
    # Spaces and letter case a person or a store typed differently are the same place.
    found = {k: " ".join(str(v).split()).casefold() for k, v in value.items()
             if v not in (None, "") and not isinstance(v, dict | list)}
    return found or None


def buyer_of(order: Order) -> tuple[Any, ...] | None:
    """Who bought it: the customer it was matched to, with the recipient's name and
    phone where the form declares them; None when there is no customer to go by."""
    if order.customer_id is None:
        return None
    fields = blueprint_for(order.version).definition["form"]["fields"]
    parts: list[Any] = [order.customer_id]
    for meaning in ("recipient_name", "recipient_phone"):
        field = with_meaning(fields, meaning)
        parts.append((order.data or {}).get(field["key"]) if field else None)
    return tuple(parts)


def is_open(order: Order) -> bool:
    definition = order.version.definition
    return categories.category_in(definition, order.state) == Category.OPEN


def gave_stock_back(order: Order) -> bool:
    """Whether the order's workflow gave its stock back for good in the state it is in
    (cancelled, a refund pending): such an order ships nothing, though its state may
    still count as open."""
    return order.state in stock_given_back(order.version.definition["workflow"])


def merged_already(session: Session, order_ids: list[int]) -> set[int]:
    return set(session.scalars(select(MergedOrder.order_id)
                               .where(MergedOrder.order_id.in_(order_ids))))


def split_already(session: Session, order_ids: list[int]) -> set[int]:
    return set(session.scalars(select(OrderPart.order_id)
                               .where(OrderPart.order_id.in_(order_ids))))


def shipped_already(session: Session, order_ids: list[int]) -> set[int]:
    return set(session.scalars(select(Shipment.order_id)
                               .where(Shipment.order_id.in_(order_ids))))


def suggest(session: Session, order: Order, window_hours: int,
            visible: Any = None) -> list[Order]:
    """The orders ``order`` could be merged with, oldest first. ``visible``: a condition
    on ``Order`` for the reader's row rules."""
    buyer, address = buyer_of(order), address_of(order)
    if split_already(session, [order.id]):
        return []
    if buyer is None or address is None or not is_open(order) or gave_stock_back(order):
        return []
    window = timedelta(hours=window_hours)
    query = (select(Order).where(Order.customer_id == order.customer_id, Order.id != order.id,
                                 Order.created_at >= order.created_at - window,
                                 Order.created_at <= order.created_at + window,
                                 categories.in_categories(session, [Category.OPEN]))
             .order_by(Order.created_at, Order.id).limit(MOST_SUGGESTED * 5))
    if visible is not None:
        query = query.where(visible)
    found = [other for other in session.scalars(query)
             if buyer_of(other) == buyer and address_of(other) == address
             and not gave_stock_back(other)]
    ids = [o.id for o in found]
    taken = merged_already(session, ids) | shipped_already(session, ids) | \
        split_already(session, ids)
    return fitting(order, [o for o in found if o.id not in taken], window)[:MOST_SUGGESTED]


def fitting(order: Order, others: list[Order], window: timedelta) -> list[Order]:
    """Of ``others`` (each within the window of ``order``), the most that fit one window
    together with ``order``, the earliest such window on a tie: a merge refuses orders
    placed further apart than the window, so suggesting any more would be refused."""
    best: list[Order] = []
    for start in sorted({o.created_at for o in others} | {order.created_at}):
        if start > order.created_at:
            break
        inside = [o for o in others if start <= o.created_at <= start + window]
        if order.created_at <= start + window and len(inside) > len(best):
            best = inside
    return best

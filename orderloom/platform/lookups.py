"""What a request's address names, found in the database or answered with 404."""
from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from orderloom.platform.auth import current_actor, current_user
from orderloom.platform.database import db_session
from orderloom.platform.problems import Problem
from orderloom.platform.row_access import visible_orders
from orderloom.runtime.engine import type_rules
from orderloom.runtime.errors import OrderNotFound
from orderloom.runtime.orders.models import Order
from orderloom.runtime.shipping import tracking
from orderloom.runtime.shipping.models import Shipment

Model = TypeVar("Model")


def order_or_404(number: str, session: Session | None = None) -> Order:
    """The order numbered ``number``, if the logged-in user may see it. When there is
    none, or it is hidden from them by a row rule, the runtime's OrderNotFound passes on
    to the registered handler, which answers 404 (a problem, or the error page): the
    same answer either way, so a hidden order's existence does not leak."""
    order = (session or db_session()).scalar(
        select(Order).where(Order.number == number, visible_orders(current_user())))
    if order is None:
        raise OrderNotFound(f"there is no order {number}")
    return order


def may_act_on(order: Order) -> Order:
    """``order``, once its type's ``access.act`` lets the logged-in person act on it
    (shipping it, entering its parcel's news): TypeAccessRefused (403) otherwise. Work
    a person starts is theirs, even where the carrier's own events move the order."""
    user = current_user()
    type_rules.check_order(order, "act", current_actor(), user.role_names if user else None)
    return order


def seen_numbers(numbers: list[str]) -> list[str]:
    """Of ``numbers``, those of orders the logged-in user may see, in the same order."""
    seen = set(db_session().scalars(select(Order.number).where(
        Order.number.in_(numbers), visible_orders(current_user())))) if numbers else set()
    return [n for n in numbers if n in seen]


def shared_with(shipment: Shipment, order: Order) -> list[str]:
    """The numbers of the other orders the parcel carries beside ``order`` (the orders of
    a merge), of those the logged-in user may see."""
    return seen_numbers([o.number for o in tracking.orders_carried(db_session(), shipment)
                         if o.id != order.id])


def may_act_on_all(orders: list[Order], missing: str) -> list[Order]:
    """``orders`` (the orders of one merge), once the logged-in user may see every one
    (OrderNotFound, a 404 saying ``missing``, otherwise: a hidden order's existence does
    not leak) and act on every one (TypeAccessRefused, 403)."""
    ids = [o.id for o in orders]
    seen = set(db_session().scalars(select(Order.id).where(
        Order.id.in_(ids), visible_orders(current_user())))) if ids else set()
    if len(seen) < len(set(ids)):
        raise OrderNotFound(missing)
    for order in orders:
        may_act_on(order)
    return orders


def shipment_or_404(shipment_id: int, session: Session | None = None) -> Shipment:
    """The shipment ``shipment_id``, if the logged-in user may see its order; 404 "there
    is no shipment <id>" otherwise, the same whether it is missing or hidden."""
    shipment = (session or db_session()).scalar(
        select(Shipment).join(Order, Order.id == Shipment.order_id)
        .where(Shipment.id == shipment_id, visible_orders(current_user())))
    if shipment is None:
        raise Problem(404, f"there is no shipment {shipment_id}")
    return shipment


def get_or_404(model: type[Model], key: Any, what: str) -> Model:
    """The ``model`` row with primary key ``key``; 404 "there is no <what> <key>"
    when there is none."""
    found = db_session().get(model, key)
    if found is None:
        raise Problem(404, f"there is no {what} {key}")
    return found

"""Opening a return: which lines of an order may come back, and how many.

A line may come back up to what left the warehouse for it (the order's shipped
stock; an order shipped without stock keeping counts its lines once its state's
category says the goods left), less what other returns not refused already ask for.
The order's row is locked while this is weighed, so two requests at once cannot
both take the last returnable unit. Nothing here commits.
"""
from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from orderloom.db import utcnow
from orderloom.designer.numbers import MONEY, OutOfBounds, read_number
from orderloom.designer.published import blueprint_for
from orderloom.designer.state_categories import GOODS_LEFT, category_in
from orderloom.runtime import audit
from orderloom.runtime.after_sales import log, settings
from orderloom.runtime.after_sales.errors import AfterSalesRefused
from orderloom.runtime.after_sales.models import ReturnLine, ReturnRequest
from orderloom.runtime.after_sales.reasons import REASON_LABELS, ReturnReason, ReturnState
from orderloom.runtime.audit import Actor
from orderloom.runtime.orders.models import Order
from orderloom.runtime.prices import order_lines
from orderloom.runtime.stock.catalog import Product
from orderloom.runtime.stock.models import Reservation

NOTE_LENGTH = 500
MOST_LINES = 200


@dataclass(frozen=True)
class Asked:
    sku: str
    quantity: int


def lock(session: Session, order: Order) -> Order:
    return session.scalars(select(Order).where(Order.id == order.id).with_for_update(of=Order)
                           .execution_options(populate_existing=True)).one()


def price_of(value: Any) -> Decimal | None:
    """A stored money value as a Decimal within a money amount's bounds; None when it
    is none (an odd stored line is no price, never a failure)."""
    try:
        number = read_number(value)
    except OutOfBounds:
        return None
    return number if abs(number) <= MONEY.largest else None


def ordered(order: Order) -> dict[str, tuple[int, Decimal | None]]:
    """SKU -> the quantity the order's lines hold and the unit price of its first line,
    read from the columns the form declares (prices/order_lines.py)."""
    found: dict[str, tuple[int, Decimal | None]] = {}
    for columns in order_lines.priced_columns(blueprint_for(order.version).definition):
        for line in order.data.get(columns.lines) or []:
            if not isinstance(line, dict) or not line.get(columns.product):
                continue
            sku = str(line[columns.product])
            try:
                quantity = int(line.get(columns.quantity, 1)) if columns.quantity else 1
            except (TypeError, ValueError):
                continue
            before, price = found.get(sku, (0, None))
            found[sku] = (before + quantity,
                          price if price is not None else price_of(line.get(columns.price)))
    return found


def shipped(session: Session, order: Order) -> dict[str, int]:
    """SKU -> the units that left the warehouse for the order."""
    rows = session.execute(select(Product.sku, func.sum(Reservation.quantity))
                           .join(Product, Product.id == Reservation.product_id)
                           .where(Reservation.order_id == order.id,
                                  Reservation.status == "shipped")
                           .group_by(Product.sku)).all()
    if rows:
        return {sku: int(quantity) for sku, quantity in rows}
    category = category_in(blueprint_for(order.version).definition, order.state)
    if category in GOODS_LEFT:
        return {sku: quantity for sku, (quantity, _p) in ordered(order).items()}
    return {}


def returned(session: Session, order: Order) -> dict[str, int]:
    """SKU -> the units other returns of the order ask for, but those refused."""
    rows = session.execute(select(ReturnLine.sku, func.sum(ReturnLine.quantity))
                           .join(ReturnRequest, ReturnRequest.id == ReturnLine.return_id)
                           .where(ReturnRequest.order_id == order.id,
                                  ReturnRequest.state != ReturnState.REFUSED)
                           .group_by(ReturnLine.sku)).all()
    return {sku: int(quantity) for sku, quantity in rows}


def returnable(session: Session, order: Order) -> dict[str, int]:
    """SKU -> the units that may still be asked for."""
    out = shipped(session, order)
    back = returned(session, order)
    return {sku: quantity - back.get(sku, 0) for sku, quantity in out.items()
            if quantity - back.get(sku, 0) > 0}


def read_lines(raw: Any, pointer: str = "/lines") -> list[Asked]:
    """Lines as a request gives them: [{"sku", "quantity"}], each SKU once."""
    if not isinstance(raw, list) or not raw:
        raise AfterSalesRefused("name at least one line: its SKU and quantity",
                                pointer=pointer, code="after_sales.no_lines")
    if len(raw) > MOST_LINES:
        raise AfterSalesRefused(f"at most {MOST_LINES} lines", pointer=pointer,
                                code="after_sales.too_many_lines", most=MOST_LINES)
    asked: dict[str, int] = defaultdict(int)
    for index, line in enumerate(raw):
        at = f"{pointer}/{index}"
        sku = line.get("sku") if isinstance(line, dict) else None
        quantity = line.get("quantity") if isinstance(line, dict) else None
        if not isinstance(sku, str) or not sku.strip():
            raise AfterSalesRefused("name the line's SKU", pointer=f"{at}/sku",
                                    code="after_sales.no_sku")
        if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 1:
            raise AfterSalesRefused("the quantity must be a whole number of 1 or more",
                                    pointer=f"{at}/quantity",
                                    code="after_sales.bad_quantity")
        asked[sku.strip()] += quantity
    return [Asked(sku, quantity) for sku, quantity in asked.items()]


def request_return(session: Session, actor: Actor, order: Order, reason: str,
                   lines: list[Asked], *, note: str = "",
                   now: datetime | None = None) -> ReturnRequest:
    """Open a return of ``lines`` of ``order`` for ``reason``; the caller commits."""
    if reason not in ReturnReason.__members__.values():
        raise AfterSalesRefused(f"there is no return reason {reason!r}; the reasons are "
                                f"{', '.join(ReturnReason)}", pointer="/reason",
                                code="after_sales.no_reason", reason=reason)
    if len(note) > NOTE_LENGTH:
        raise AfterSalesRefused(f"the note may be {NOTE_LENGTH} characters at most",
                                pointer="/note", code="after_sales.note_too_long",
                                most=NOTE_LENGTH)
    now = now or utcnow()
    order = lock(session, order)
    left = returnable(session, order)
    for index, line in enumerate(lines):
        if line.quantity > left.get(line.sku, 0):
            raise AfterSalesRefused(
                f"order {order.number} can return {left.get(line.sku, 0)} of {line.sku} "
                f"(shipped, less what other returns ask for), not {line.quantity}",
                pointer=f"/lines/{index}/quantity", code="after_sales.more_than_shipped",
                order=order.number, sku=line.sku, left=left.get(line.sku, 0),
                asked=line.quantity)
    prices = ordered(order)
    found = ReturnRequest(number=f"new-{uuid.uuid4().hex[:16]}", order_id=order.id,
                          reason=reason, note=note.strip(), state=ReturnState.REQUESTED,
                          requested_at=now, requested_by=actor.name, updated_at=now,
                          due_at=now + timedelta(hours=settings.sla_hours(session)),
                          lines=[ReturnLine(sku=line.sku, quantity=line.quantity,
                                            unit_price=prices.get(line.sku, (0, None))[1])
                                 for line in lines])
    session.add(found)
    session.flush()
    found.number = f"AS-{found.id:06d}"
    log.step(session, found, order, actor.name, "requested", {
        "reason": reason, "reason_label": REASON_LABELS[reason],
        "lines": [{"sku": line.sku, "quantity": line.quantity} for line in lines],
        **({"note": found.note} if found.note else {})}, at=now)
    audit.record(session, actor, "return.requested", "order", order.number,
                 return_number=found.number, reason=reason)
    return found

"""Closing a return: a refund, an exchange, a re-shipment (补发), or nothing more.

An exchange or a re-shipment is a new order of the same type for the same buyer and
address, holding the replacement lines (a re-shipment's at no charge), created
through the engine like any order and linked both ways: the return names it, and its
timeline names the return and the order it replaces for. Its stock is reserved in the
chosen warehouse in the same transaction, by the one conditional update stock keeping
uses; when the last unit went to someone else first, nothing of the close is stored
and the refusal says what was short. Nothing here commits.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_DOWN, Decimal
from typing import Any

from sqlalchemy.orm import Session

from orderloom.db import utcnow
from orderloom.designer.blueprint import money_unit
from orderloom.designer.form import with_meaning
from orderloom.designer.published import blueprint_for
from orderloom.runtime.after_sales import handling, log
from orderloom.runtime.after_sales.errors import AfterSalesRefused
from orderloom.runtime.after_sales.models import ReturnRequest
from orderloom.runtime.after_sales.reasons import Outcome, ReturnState
from orderloom.runtime.after_sales.requesting import Asked, ordered, price_of
from orderloom.runtime.audit import Actor
from orderloom.runtime.engine import lifecycle
from orderloom.runtime.orders.models import Order
from orderloom.runtime.payments import refunds
from orderloom.runtime.prices import order_lines
from orderloom.runtime.stock import keeping


@dataclass(frozen=True)
class Closing:
    outcome: str
    amount: Any = None  # a refund's amount; None: what the returned lines cost
    lines: list[Asked] | None = None  # replacement lines; None: the returned ones
    warehouse: str | None = None  # where a new order's stock is reserved
    note: str = ""


def close(session: Session, actor: Actor, found: ReturnRequest, closing: Closing,
          now: datetime | None = None) -> ReturnRequest:
    if closing.outcome not in Outcome.__members__.values():
        raise AfterSalesRefused(f"there is no outcome {closing.outcome!r}; the outcomes are "
                                f"{', '.join(Outcome)}", pointer="/outcome",
                                code="after_sales.no_outcome", outcome=closing.outcome)
    now = now or utcnow()
    found = handling.claim(session, found, "close")
    order = session.get_one(Order, found.order_id)
    details: dict[str, Any] = {"outcome": closing.outcome}
    if closing.note:
        details["note"] = closing.note
    if closing.outcome == Outcome.REFUND:
        refund = refunds.issue_refund(session, actor, order, _refund_amount(found, order,
                                                                           closing),
                                      reason=f"return {found.number}",
                                      reference=found.number, source="after_sales", now=now)
        found.refunded = refund.amount
        details.update(amount=str(refund.amount), currency=refund.currency)
    elif closing.outcome in (Outcome.EXCHANGE, Outcome.RESHIP):
        new = _replacement(session, actor, found, order, closing, now)
        found.replacement_order_id = new.id
        details["replacement"] = new.number
    found.outcome = closing.outcome
    return handling.moved(session, actor, found, "closed", ReturnState.CLOSED, details, now)


def _refund_amount(found: ReturnRequest, order: Order, closing: Closing) -> Any:
    if closing.amount is not None:
        return closing.amount
    unit = money_unit(order.currency)
    worth = sum(((line.unit_price or Decimal(0)) * _counted(found, line)
                 for line in found.lines), Decimal(0)) * _paid_share(order)
    worth = worth.quantize(unit, rounding=ROUND_DOWN)
    left = refunds.refundable(order).quantize(unit)
    if worth <= 0:
        # Lines without a price say nothing of what to give back: a person says it.
        raise AfterSalesRefused(f"the returned lines of {found.number} have no price; type "
                                "the amount to refund", pointer="/amount",
                                code="after_sales.no_amount", number=found.number)
    # What the lines cost, but never more than is left to give back (a discount or an
    # earlier refund may have taken some).
    return min(worth, left)


def _paid_share(order: Order) -> Decimal:
    """The share of the lines' prices the buyer paid: less the order's discount (the
    field meaning ``discount``), spread over all its lines by their worth."""
    field = with_meaning(blueprint_for(order.version).definition.get("form", {})
                         .get("fields", []), "discount")
    discount = price_of(order.data.get(field["key"])) if field else None
    if not discount or discount <= 0:
        return Decimal(1)
    lines = sum((price * quantity for quantity, price in ordered(order).values()
                 if price is not None), Decimal(0))
    if lines <= 0:
        return Decimal(1)
    return max(lines - discount, Decimal(0)) / lines


def _counted(found: ReturnRequest, line: Any) -> int:
    return line.received if line.received is not None else line.quantity


def _replacement(session: Session, actor: Actor, found: ReturnRequest, order: Order,
                 closing: Closing, now: datetime) -> Order:
    blueprint = blueprint_for(order.version)
    columns = order_lines.priced_columns(blueprint.definition)
    if not columns:
        raise AfterSalesRefused(f"order {order.number}'s form has no product lines to send",
                                pointer="/outcome", code="after_sales.no_line_items",
                                order=order.number)
    lines = closing.lines if closing.lines is not None else [
        Asked(line.sku, _counted(found, line)) for line in found.lines
        if _counted(found, line) > 0]
    if not lines:
        raise AfterSalesRefused(f"nothing of {found.number} came back to send again; name "
                                "the lines of the new order", pointer="/lines",
                                code="after_sales.nothing_to_send", number=found.number)
    if closing.outcome == Outcome.RESHIP and closing.lines is not None:
        _only_what_is_missing(found, lines)
    warehouse = closing.warehouse or order.warehouse
    if not warehouse:
        raise AfterSalesRefused("name the warehouse the new order ships from",
                                pointer="/warehouse", code="after_sales.no_warehouse_out")
    prices = ordered(order)
    free = closing.outcome == Outcome.RESHIP
    data = _without_money(blueprint.definition, order.data)
    for index, where in enumerate(columns):
        data[where.lines] = [] if index else [
            {where.product: line.sku,
             **({where.quantity: line.quantity} if where.quantity else {}),
             **({where.price: "0" if free else str(prices[line.sku][1])}
                if free or prices.get(line.sku, (0, None))[1] is not None else {})}
            for line in lines]
    # Entered by a person on the manual channel, not the original's: it is no order the
    # store sent (nothing to write back there), and a store order's checks would take a
    # like-for-like exchange for a duplicate of the order it replaces.
    new = lifecycle.create_order(session, actor, order.order_type.key, data, now=now,
                                 data_pointer="/lines")
    if not keeping.held_by(session, [new.id]).get(new.id):
        # The workflow's own start did not hold stock for it: the exchange holds it
        # here, so it cannot be sold to anyone else before it ships. Where the start
        # did, its routing chose the warehouse, and the order keeps that one.
        new.warehouse = warehouse
        try:
            keeping.reserve(session, actor.name, new.id, [
                keeping.Line(keeping.product(session, line.sku).id,
                             keeping.warehouse(session, warehouse).id, line.quantity)
                for line in lines])
        except keeping.OutOfStock as short:
            raise AfterSalesRefused(
                f"the {closing.outcome} is not made: only {short.available} of {short.sku} "
                f"available in {short.warehouse}, {short.wanted} wanted", status=409,
                pointer=f"/lines/{_index(lines, short.sku)}/quantity"
                if closing.lines is not None else "/warehouse",
                code="after_sales.out_of_stock", sku=short.sku, warehouse=short.warehouse,
                available=short.available, wanted=short.wanted) from None
        except keeping.StockError as unknown:
            raise AfterSalesRefused(unknown.message, pointer="/warehouse"
                                    if unknown.argument == "warehouse" else "/lines") from None
    log.replacement_created(session, found, order, new, actor.name, closing.outcome, at=now)
    return new


def _only_what_is_missing(found: ReturnRequest, lines: list[Asked]) -> None:
    """A re-shipment is free, so it sends only the return's own SKUs, each up to the
    return line's quantity: it is no way to send anything else at no charge."""
    returned = {line.sku: line.quantity for line in found.lines}
    for index, line in enumerate(lines):
        if line.sku not in returned:
            raise AfterSalesRefused(f"a re-shipment sends only what return {found.number} "
                                    f"is for; {line.sku} is not on it",
                                    pointer=f"/lines/{index}/sku",
                                    code="after_sales.reship_not_returned",
                                    number=found.number, sku=line.sku)
        if line.quantity > returned[line.sku]:
            raise AfterSalesRefused(f"a re-shipment sends at most the {returned[line.sku]} "
                                    f"of {line.sku} return {found.number} is for, not "
                                    f"{line.quantity}", pointer=f"/lines/{index}/quantity",
                                    code="after_sales.reship_too_many", number=found.number,
                                    sku=line.sku, most=returned[line.sku],
                                    asked=line.quantity)


def _without_money(definition: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
    """The original's entered values less its order-level money (a shipping fee, tax,
    discount or refund typed on it): the new order charges its own lines and nothing
    else, so a re-shipment costs nothing and an exchange does not take the original's
    discount. The fields are found by their type, never by their keys."""
    kept = copy.deepcopy(data)
    for field in definition.get("form", {}).get("fields", []):
        if field.get("type") == "money":
            kept.pop(field["key"], None)
    return kept


def _index(lines: list[Asked], sku: str) -> int:
    return next((i for i, line in enumerate(lines) if line.sku == sku), 0)

"""The steps between a request and its outcome: approve or refuse, receive the goods,
inspect them (each line restocked into a chosen warehouse or written off).

Each step locks the return's row and reads its state afresh before it checks
anything, so of two people taking a step at once the second is refused with the
state the first left. Nothing here commits.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from orderloom.db import utcnow
from orderloom.designer.problems import pointer
from orderloom.runtime import audit
from orderloom.runtime.after_sales import log
from orderloom.runtime.after_sales.errors import AfterSalesRefused
from orderloom.runtime.after_sales.models import ReturnRequest
from orderloom.runtime.after_sales.reasons import (
    NOTHING_COMES_BACK,
    STEP_FROM,
    Disposition,
    ReturnState,
)
from orderloom.runtime.audit import Actor
from orderloom.runtime.orders.models import Order
from orderloom.runtime.stock import keeping


def claim(session: Session, found: ReturnRequest, step: str) -> ReturnRequest:
    """The return's row, locked and read afresh, when ``step`` may start from its
    state."""
    found = session.scalars(select(ReturnRequest).where(ReturnRequest.id == found.id)
                            .with_for_update(of=ReturnRequest)
                            .execution_options(populate_existing=True)).one()
    starts = STEP_FROM[step]
    if step == "close" and found.reason in NOTHING_COMES_BACK:
        starts = starts | {ReturnState.APPROVED}
    if found.state not in starts:
        raise AfterSalesRefused(f"return {found.number} is {found.state}; it cannot be "
                                f"{_DONE[step]} now", status=409,
                                code=f"after_sales.cannot_{step}",
                                number=found.number, state=found.state)
    return found


_DONE = {"approve": "approved", "refuse": "refused", "receive": "received",
         "inspect": "inspected", "close": "closed"}


def _order(session: Session, found: ReturnRequest) -> Order:
    return session.get_one(Order, found.order_id)


def moved(session: Session, actor: Actor, found: ReturnRequest, step: str,
           state: ReturnState, details: dict[str, Any], now: datetime) -> ReturnRequest:
    found.state, found.updated_at = state, now
    if state in (ReturnState.REFUSED, ReturnState.CLOSED):
        found.closed_at = now
    order = _order(session, found)
    log.step(session, found, order, actor.name, step, details, at=now)
    audit.record(session, actor, f"return.{step}", "order", order.number,
                 return_number=found.number, **details)
    return found


def approve(session: Session, actor: Actor, found: ReturnRequest, note: str = "",
            now: datetime | None = None) -> ReturnRequest:
    found = claim(session, found, "approve")
    return moved(session, actor, found, "approved", ReturnState.APPROVED,
                  {"note": note} if note else {}, now or utcnow())


def refuse(session: Session, actor: Actor, found: ReturnRequest, note: str,
           now: datetime | None = None) -> ReturnRequest:
    if not note.strip():
        raise AfterSalesRefused("say why the return is refused", pointer="/note",
                                code="after_sales.refusal_needs_note")
    found = claim(session, found, "refuse")
    return moved(session, actor, found, "refused", ReturnState.REFUSED,
                  {"note": note.strip()}, now or utcnow())


def receive(session: Session, actor: Actor, found: ReturnRequest,
            received: dict[str, int] | None = None, now: datetime | None = None
            ) -> ReturnRequest:
    """The parcel arrived: ``received`` SKU -> units that came (none given: all)."""
    found = claim(session, found, "receive")
    received = received or {}
    skus = {line.sku for line in found.lines}
    for sku in received:
        if sku not in skus:
            raise AfterSalesRefused(f"return {found.number} has no line {sku}",
                                    pointer=pointer("received", sku), code="after_sales.no_line",
                                    number=found.number, sku=sku)
    for line in found.lines:
        came = received.get(line.sku, line.quantity)
        if isinstance(came, bool) or not isinstance(came, int) \
                or not 0 <= came <= line.quantity:
            raise AfterSalesRefused(f"{line.sku}: between 0 and {line.quantity} can arrive",
                                    pointer=pointer("received", line.sku),
                                    code="after_sales.received_beyond", sku=line.sku,
                                    most=line.quantity)
        line.received = came
    return moved(session, actor, found, "received", ReturnState.RECEIVED,
                  {"lines": [{"sku": line.sku, "received": line.received}
                             for line in found.lines]}, now or utcnow())


def inspect(session: Session, actor: Actor, found: ReturnRequest,
            verdicts: dict[str, dict[str, Any]], now: datetime | None = None
            ) -> ReturnRequest:
    """Each received line restocked (into ``warehouse``) or written off: ``verdicts``
    SKU -> {"disposition", "warehouse"}. Restocked units are on hand again at once."""
    found = claim(session, found, "inspect")
    order = _order(session, found)
    for sku in verdicts:
        if sku not in {line.sku for line in found.lines}:
            raise AfterSalesRefused(f"return {found.number} has no line {sku}",
                                    pointer=pointer("lines", sku), code="after_sales.no_line",
                                    number=found.number, sku=sku)
    done = []
    for line in found.lines:
        if not line.received:
            line.disposition = None
            continue
        verdict = verdicts.get(line.sku)
        at = pointer("lines", line.sku)
        if not isinstance(verdict, dict) or verdict.get("disposition") not in \
                Disposition.__members__.values():
            raise AfterSalesRefused(f"{line.sku}: say whether it is restocked or written off",
                                    pointer=f"{at}/disposition",
                                    code="after_sales.no_disposition", sku=line.sku)
        line.disposition = verdict["disposition"]
        if line.disposition == Disposition.RESTOCK:
            warehouse = verdict.get("warehouse") or order.warehouse
            if not isinstance(warehouse, str) or not warehouse:
                raise AfterSalesRefused(f"{line.sku}: name the warehouse it goes back to",
                                        pointer=f"{at}/warehouse",
                                        code="after_sales.no_warehouse", sku=line.sku)
            try:
                keeping.take_back(session, actor.name, line.sku, warehouse, line.received,
                                  reference=f"return {found.number}", order_id=order.id)
            except keeping.StockError as refused:
                raise AfterSalesRefused(refused.message, pointer=f"{at}/{refused.argument}"
                                        if refused.argument in ("warehouse", "sku")
                                        else at) from None
            line.warehouse = warehouse
        done.append({"sku": line.sku, "quantity": line.received,
                     "disposition": line.disposition,
                     **({"warehouse": line.warehouse} if line.warehouse else {})})
    return moved(session, actor, found, "inspected", ReturnState.INSPECTED,
                  {"lines": done}, now or utcnow())

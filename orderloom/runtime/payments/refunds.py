"""Money given back for an order: never more than what was paid and not yet refunded.

The check and the change happen under the order's row lock (payments.lock), so
two refunds issued at the same moment for the last paid amount cannot both
pass: the second one reads the sums the first one wrote and is refused. There
is no payment provider to call here: the refund is recorded and announced as
``refund.issued`` for the ERP or whatever pays it out.
"""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from orderloom import dsl
from orderloom.db import utcnow
from orderloom.designer.blueprint import Blueprint, money_places, money_unit
from orderloom.runtime import audit, business_calendar, hooks
from orderloom.runtime.audit import Actor
from orderloom.runtime.orders import timeline
from orderloom.runtime.orders.models import Order, formula_values, money_text
from orderloom.runtime.payments.received import (
    PaymentError,
    Refund,
    amount_of,
    lock,
    order_currency,
    settle,
)


class RefundRefused(PaymentError):
    """More than can be refunded was asked for, or nothing is left to refund."""

    def __init__(self, message: str, *, status: int = 422, pointer: str = "/amount",
                 refundable: Decimal = Decimal(0)) -> None:
        super().__init__(message, pointer=pointer, status=status)
        self.refundable = refundable


def refundable(order: Order) -> Decimal:
    return (order.amount_paid or Decimal(0)) - (order.amount_refunded or Decimal(0))


def issue_refund(session: Session, actor: Actor, order: Order, amount: Any = None, *,
                 reason: str = "", reference: str = "", source: str = "api",
                 now: datetime | None = None, pointer: str = "/amount",
                 move: bool = True) -> Refund:
    """Refund ``amount`` (or, when None, the rest of what was paid); the caller commits.
    ``move``: tell the payment-status hook, so automatic moves react to the new status
    (not when a transition's own action issued it: that transition is still under way
    and its target's automatic moves are weighed when it arrives)."""
    now = now or utcnow()
    order = lock(session, order)
    currency = order_currency(order)
    q = money_unit(currency)
    left = refundable(order).quantize(q)
    if amount is None:
        if left <= 0:
            raise RefundRefused(f"order {order.number} has nothing left to refund: paid "
                                f"{_money(order.amount_paid, currency)} {currency}, refunded "
                                f"{_money(order.amount_refunded, currency)} {currency}",
                                status=409,
                                pointer=pointer)
        value = left
    else:
        value = amount_of(amount, currency, pointer)
        if value > left:
            raise RefundRefused(
                f"a refund of {value} {currency} is more than the {left} {currency} that can "
                f"still be refunded for order {order.number} (paid "
                f"{_money(order.amount_paid, currency)}, refunded already "
                f"{_money(order.amount_refunded, currency)})", pointer=pointer,
                refundable=left)
    refund = Refund(order_id=order.id, amount=value, currency=currency,
                    reason=(reason or "").strip()[:500], reference=(reference or "")[:200],
                    source=source, issued_at=now, issued_by=actor.name)
    session.add(refund)
    before = settle(session, order, Decimal(0), value)
    timeline.refund_event(session, order, actor.name, amount=str(value), currency=currency,
                          reason=refund.reason, source=source,
                          payment_status=[before, order.payment_status], at=now)
    audit.record(session, actor, "refund.issued", "order", order.number, amount=str(value),
                 currency=currency, reason=refund.reason, source=source)
    hooks.REFUND_ISSUED(session, order, refund)
    if move and before != order.payment_status:
        hooks.PAYMENT_STATUS_CHANGED(session, order, before, now)
    return refund


def _money(value: Decimal | None, currency: str) -> str | None:
    return money_text(value or Decimal(0), currency)


def refund_action(session: Session, actor_name: str, order: Order, blueprint: Blueprint,
                  action: dict[str, Any]) -> dict[str, Any]:
    """A definition's ``refund`` action (on cancel, on return): its ``amount`` formula, or
    the rest of what was paid. An order with nothing paid is refunded nothing; a formula
    asking for more than was paid refuses the whole change."""
    actor = Actor(user_id=None, name=actor_name, via="action")
    reason = action.get("reason", "")
    if "amount" not in action:
        if refundable(order) <= 0:
            return {"amount": "0", "note": "nothing was paid, so nothing was refunded"}
        refund = issue_refund(session, actor, order, None, reason=reason, source="action",
                              move=False)
        return {"amount": str(refund.amount), "currency": refund.currency}
    formula = dsl.compile(action["amount"], blueprint.fields, "money",
                          money_places=money_places(blueprint.currency))
    value = formula(formula_values(order), None, business_calendar.formula_calendar(session))
    if isinstance(value, dsl.FormulaFault):
        raise PaymentError(f"the formula of the refund's amount failed: {value.message}")
    if value is None or Decimal(str(value)) == 0:
        return {"amount": "0", "note": f"{action['amount']!r} gave nothing to refund"}
    try:
        refund = issue_refund(session, actor, order, Decimal(str(value)), reason=reason,
                              source="action", move=False)
    except RefundRefused as refused:
        raise RefundRefused(f"the refund action asks for {value}: {refused.message}",
                            status=422, pointer="", refundable=refused.refundable) from None
    return {"amount": str(refund.amount), "currency": refund.currency}

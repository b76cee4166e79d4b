"""Money received for orders, and the payment status it gives them.

A payment comes from a channel's payload (through the channel mapping), from a
person, or from an integration. Recording one locks the order's row, adds the
amount to the order's running sums and derives ``payment_status`` from them in
the same transaction, so the status never disagrees with the payments behind
it. A changed status is told through the payment-status hook (runtime/hooks.py),
on which the engine gives automatic transitions whose condition reads
``payment_status`` their chance (a paid order may move on by itself).
"""
from __future__ import annotations

import logging
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from orderloom.db import Base, Money, UTCDateTime, utcnow
from orderloom.designer import numbers
from orderloom.runtime import audit, hooks
from orderloom.runtime.audit import Actor
from orderloom.runtime.errors import OrderError
from orderloom.runtime.orders import timeline
from orderloom.runtime.orders.models import Order, money_text
from orderloom.runtime.payments.status import status_for

log = logging.getLogger(__name__)


SOURCES = ("channel", "staff", "api", "statement")


class Payment(Base):
    __tablename__ = "payments"
    __table_args__ = (Index("ix_payments_reference", "reference"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"),
                                          index=True)
    amount: Mapped[Decimal] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(String(3))
    method: Mapped[str] = mapped_column(String(40))
    # The provider's reference (transaction id); what statements are matched by first.
    reference: Mapped[str] = mapped_column(String(200), default="")
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    source: Mapped[str] = mapped_column(String(20))
    recorded_by: Mapped[str] = mapped_column(String(150))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Refund(Base):
    __tablename__ = "refunds"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"),
                                          index=True)
    amount: Mapped[Decimal] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(String(3))
    reason: Mapped[str] = mapped_column(String(500), default="")
    reference: Mapped[str] = mapped_column(String(200), default="")
    # staff, api, or action (a refund action of a transition, e.g. on cancel or return)
    source: Mapped[str] = mapped_column(String(20))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    issued_by: Mapped[str] = mapped_column(String(150))


class PaymentError(OrderError):
    """A payment or refund that cannot be: ``pointer`` names the member at fault."""

    def __init__(self, message: str, *, pointer: str = "", status: int = 422,
                 code: str | None = None, **values: object) -> None:
        super().__init__(message, code=code, **values)
        self.pointer = pointer
        self.status = status


def order_total(order: Order) -> Decimal | None:
    """What the order costs: the total column, or (orders stored before it) the
    ``total`` value of its data."""
    total = getattr(order, "total", None)
    if total is None:
        # A faulty stored value ("NaN", text) is no total rather than a failure.
        total = numbers.stored((order.data or {}).get("total"))
    return total


def owed(order: Order) -> Decimal | None:
    """What the customer still owes: the total less what was paid and not refunded
    (negative: more was paid than the order now comes to, as after an edit lowered
    it); None for an order without a total."""
    total = order_total(order)
    if total is None:
        return None
    kept = (order.amount_paid or Decimal(0)) - (order.amount_refunded or Decimal(0))
    return total - kept


def order_currency(order: Order) -> str:
    return (getattr(order, "currency", None)
            or order.version.definition.get("currency") or "CNY")


def lock(session: Session, order: Order) -> Order:
    """The order's row, locked until the transaction ends and read afresh: two payments
    or refunds of one order run one after the other (SQLite serialises writers anyway)."""
    return session.scalars(select(Order).where(Order.id == order.id).with_for_update(of=Order)
                           .execution_options(populate_existing=True)).one()


def amount_of(value: Any, currency: str, pointer: str) -> Decimal:
    """An amount from JSON or a file: a positive money amount within the bounds of
    designer/numbers.py, with no more places than the currency has."""
    if isinstance(value, bool) or value is None or isinstance(value, (list, dict)):
        raise PaymentError("must be an amount such as \"120.50\"", pointer=pointer,
                           code="payment.not_an_amount")
    try:
        amount = numbers.checked("money", value, currency)
    except numbers.OutOfBounds as refused:
        reason = str(refused)
        if reason == "must be a number":
            raise PaymentError(f"{value!r} is not an amount; write it like \"120.50\"",
                               pointer=pointer, code="payment.not_a_number",
                               value=repr(value)) from None
        raise PaymentError(reason, pointer=pointer) from None
    if amount <= 0:
        raise PaymentError("must be more than 0", pointer=pointer, code="payment.not_positive")
    # One payment at most a tenth of the largest amount: the order's sums of payments
    # and refunds stay inside their money columns.
    if amount >= numbers.MONEY.largest / 10:
        raise PaymentError("is larger than Orderloom stores", pointer=pointer,
                           code="payment.too_large")
    return amount


def settle(session: Session, order: Order, paid_change: Decimal, refunded_change: Decimal
           ) -> str:
    """Apply changes to the (locked) order's sums and derive its status; answers the
    status before. The order's revision goes up with the flush."""
    before = order.payment_status
    order.amount_paid = (order.amount_paid or Decimal(0)) + paid_change
    order.amount_refunded = (order.amount_refunded or Decimal(0)) + refunded_change
    order.payment_status = status_for(order.amount_paid, order.amount_refunded,
                                      order_total(order))
    order.updated_at = utcnow()
    session.flush()
    return before


def record_payment(session: Session, actor: Actor, order: Order, amount: Any, *,
                   method: str, reference: str = "", currency: str | None = None,
                   received_at: datetime | None = None, source: str = "api",
                   now: datetime | None = None) -> Payment:
    """Record money received for ``order``; the caller commits."""
    now = now or utcnow()
    order = lock(session, order)
    expected = order_currency(order)
    if currency is not None and currency != expected:
        raise PaymentError(f"order {order.number} is in {expected}; a payment in {currency} "
                           "cannot be added to it", pointer="/currency",
                           code="payment.other_currency", order=order.number,
                           expected=expected, currency=currency)
    value = amount_of(amount, expected, "/amount")
    method = (method or "").strip()
    if not method:
        raise PaymentError("say how it was paid, e.g. \"alipay\" or \"bank_transfer\"",
                           pointer="/method", code="payment.method_missing")
    reference = (reference or "").strip()
    if reference and session.scalar(select(Payment.id).where(
            Payment.order_id == order.id, Payment.reference == reference)) is not None:
        raise PaymentError(f"order {order.number} already has a payment with reference "
                           f"{reference!r}", pointer="/reference", status=409,
                           code="payment.reference_taken", order=order.number,
                           reference=reference)
    if received_at is not None and received_at.tzinfo is None:
        raise PaymentError("give the time with its zone, e.g. 2026-11-25T10:00:00Z",
                           pointer="/received_at")
    payment = Payment(order_id=order.id, amount=value, currency=expected, method=method[:40],
                      reference=reference[:200], received_at=received_at or now,
                      source=source, recorded_by=actor.name, created_at=now)
    session.add(payment)
    before = settle(session, order, value, Decimal(0))
    timeline.payment_event(session, order, actor.name, amount=str(value), currency=expected,
                           method=payment.method, reference=payment.reference,
                           payment_status=[before, order.payment_status], at=now)
    audit.record(session, actor, "payment.recorded", "order", order.number,
                 amount=str(value), currency=expected, method=payment.method,
                 reference=payment.reference, source=source)
    hooks.PAYMENT_RECEIVED(session, order, payment)
    if before != order.payment_status:
        hooks.PAYMENT_STATUS_CHANGED(session, order, before, now)
    return payment


def record_reported(session: Session, actor: Actor, order: Order, payment: dict[str, Any],
                    channel: str) -> Payment | None:
    """The payment a channel's payload or an order file reports (``payment.*`` mapping
    targets), recorded on the new order; nothing when it says nothing was paid (no
    amount, or 0). The method defaults to the channel's name."""
    amount = payment.get("amount")
    try:
        nothing = amount in (None, "") or Decimal(str(amount).strip()) == 0
    except InvalidOperation:
        nothing = False  # record_payment says what is wrong with it
    if nothing:
        return None
    received = payment.get("received_at")
    if isinstance(received, str):
        try:
            received = datetime.fromisoformat(received)
        except ValueError:
            raise PaymentError(f"payment.received_at {received!r} is not a date and "
                               "time", pointer="/payment/received_at") from None
    if isinstance(received, datetime) and received.tzinfo is None:
        raise PaymentError(f"payment.received_at {received.isoformat()!r} has no time "
                           "zone", pointer="/payment/received_at")
    return record_payment(session, actor, order, amount,
                          method=str(payment.get("method") or channel),
                          reference=str(payment.get("reference") or ""),
                          currency=payment.get("currency") or None,
                          received_at=received, source="channel")


def summary(session: Session, order: Order) -> dict[str, Any]:
    """The order's money as the API and the order page show it."""
    total = order_total(order)
    currency = order_currency(order)
    paid = order.amount_paid or Decimal(0)
    refunded = order.amount_refunded or Decimal(0)
    payments = session.scalars(select(Payment).where(Payment.order_id == order.id)
                               .order_by(Payment.received_at, Payment.id)).all()
    refunds = session.scalars(select(Refund).where(Refund.order_id == order.id)
                              .order_by(Refund.issued_at, Refund.id)).all()
    return {
        "order": order.number,
        "payment_status": order.payment_status,
        "currency": currency,
        "total": money_text(total, currency),
        "paid": money_text(paid, currency),
        "refunded": money_text(refunded, currency),
        "refundable": money_text(paid - refunded, currency),
        "outstanding": money_text(max(owed(order), Decimal(0)), currency)
        if total is not None else None,
        "payments": [{"id": p.id, "amount": money_text(p.amount, p.currency),
                      "currency": p.currency,
                      "method": p.method, "reference": p.reference,
                      "received_at": p.received_at.isoformat(), "source": p.source,
                      "recorded_by": p.recorded_by} for p in payments],
        "refunds": [{"id": r.id, "amount": money_text(r.amount, r.currency),
                     "currency": r.currency,
                     "reason": r.reason, "reference": r.reference, "source": r.source,
                     "issued_at": r.issued_at.isoformat(), "issued_by": r.issued_by}
                    for r in refunds],
    }

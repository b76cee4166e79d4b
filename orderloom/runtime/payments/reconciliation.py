"""Reconciliation: where the money and the orders disagree.

A statement's lines are matched to recorded payments, first by the provider's
reference (or an order number in the line), then by amount and date within a
window. A reference never matches a payment that carries a different one, and
a date-and-amount match with two equally close candidates is left unmatched
rather than guessed: no match is better than a false one.

What does not agree becomes a mismatch, one per thing at fault, each of a kind:

- ``amount_difference``: a line matched, but its amount differs from what was recorded
- ``unmatched_line``: a statement line that belongs to no payment and no order
- ``duplicate``: a line for a payment (or order) another line already accounts for
- ``paid_not_shipped``: paid at least N days ago and not shipped
- ``shipped_unpaid``: shipped, yet unpaid or only partly paid

A mismatch is resolved by a person with a note; that is in the audit trail.
Everything is read in a few set queries and written in bulk, so ten thousand
lines take seconds, not minutes.
"""
from __future__ import annotations

import bisect
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, func, insert, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, Session, mapped_column

from orderloom.db import Base, JSONDocument, UTCDateTime, utcnow
from orderloom.designer.blueprint import money_unit
from orderloom.designer.state_categories import GOODS_LEFT
from orderloom.runtime import audit, business_calendar
from orderloom.runtime.audit import Actor
from orderloom.runtime.orders.categories import pairs_in
from orderloom.runtime.orders.models import Order
from orderloom.runtime.payments.received import Payment, PaymentError
from orderloom.runtime.payments.statements import ParsedLine, StatementImport, StatementLine
from orderloom.runtime.payments.status import OVERPAID, OWING, PAID
from orderloom.runtime.shipping.models import Shipment, parcel_riders
from orderloom.runtime.stock.models import SHIPMENT, StockMovement

AMOUNT_DIFFERENCE = "amount_difference"
UNMATCHED_LINE = "unmatched_line"
DUPLICATE = "duplicate"
PAID_NOT_SHIPPED = "paid_not_shipped"
SHIPPED_UNPAID = "shipped_unpaid"
KINDS = (AMOUNT_DIFFERENCE, UNMATCHED_LINE, DUPLICATE, PAID_NOT_SHIPPED, SHIPPED_UNPAID)

DEFAULT_WINDOW_DAYS = 3
DEFAULT_SHIP_WITHIN_DAYS = 3


class Mismatch(Base):
    __tablename__ = "mismatches"
    __table_args__ = (Index("ix_mismatches_kind_resolved", "kind", "resolved_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(30))
    # One mismatch per thing at fault: found again on the next run, it is not repeated.
    key: Mapped[str] = mapped_column(String(100), unique=True)
    order_id: Mapped[int | None] = mapped_column(
        ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    line_id: Mapped[int | None] = mapped_column(
        ForeignKey("statement_lines.id", ondelete="CASCADE"), index=True)
    import_id: Mapped[int | None] = mapped_column(
        ForeignKey("statement_imports.id", ondelete="CASCADE"), index=True)
    details: Mapped[dict[str, Any]] = mapped_column(JSONDocument, default=dict)
    found_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolved_by: Mapped[str | None] = mapped_column(String(150))
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    note: Mapped[str | None] = mapped_column(String(1000))


@dataclass
class _Payment:
    id: int
    order_id: int
    reference: str
    amount: Decimal
    currency: str
    day: date


@dataclass
class _Run:
    """What one reconciliation learns as it goes."""

    matched_payments: dict[int, int] = field(default_factory=dict)  # payment -> line row
    matched_orders: dict[int, int] = field(default_factory=dict)    # order -> line row
    found: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Outcome:
    statement: StatementImport
    counts: dict[str, int]

    def as_json(self) -> dict[str, Any]:
        return {"id": self.statement.id, "provider": self.statement.provider,
                "lines": self.statement.line_count, "matched": self.statement.matched_count,
                "mismatches": self.counts}


def import_statement(session: Session, actor: Actor, provider: str, filename: str,
                     lines: list[ParsedLine], *, now: datetime | None = None,
                     window_days: int = DEFAULT_WINDOW_DAYS,
                     ship_within_days: int = DEFAULT_SHIP_WITHIN_DAYS) -> Outcome:
    """Store a read statement, match its lines and record what does not agree; then
    check the orders themselves. The caller commits."""
    now = now or utcnow()
    statement = StatementImport(provider=provider, filename=filename[:255], imported_at=now,
                                imported_by=actor.name, line_count=len(lines))
    session.add(statement)
    session.flush()
    run = _Run()
    payments = _payments(session)
    by_reference: dict[str, list[_Payment]] = defaultdict(list)
    by_amount: dict[tuple[str, Decimal], list[_Payment]] = defaultdict(list)
    for payment in payments.values():
        if payment.reference:
            by_reference[payment.reference].append(payment)
        by_amount[(payment.currency, payment.amount)].append(payment)
    for group in by_amount.values():
        group.sort(key=lambda p: (p.day, p.id))
    run.matched_payments.update(_matched_before(session, StatementLine.payment_id))
    run.matched_orders.update(_matched_before(session, StatementLine.order_id))
    orders = _orders_named(session, {n for line in lines
                                     for n in (line.order_number, line.reference) if n})
    order_payments: dict[int, list[_Payment]] = defaultdict(list)
    for payment in payments.values():
        order_payments[payment.order_id].append(payment)

    rows: list[dict[str, Any]] = []
    by_amount_and_date: list[tuple[ParsedLine, dict[str, Any]]] = []
    # First everything a reference or an order number settles, so that a line matched
    # only by amount and date cannot take a payment another line names.
    for line in sorted(lines, key=lambda x: x.row_number):
        row = {"import_id": statement.id, "row_number": line.row_number,
               "reference": line.reference, "order_number": line.order_number,
               "amount": line.amount, "currency": line.currency, "booked_on": line.booked_on,
               "description": line.description, "payment_id": None, "order_id": None,
               "matched_by": None}
        if not _match_named(line, row, run, by_reference, orders, order_payments):
            by_amount_and_date.append((line, row))
        rows.append(row)
    for line, row in by_amount_and_date:
        _match_amount_date(line, row, run, by_amount, window_days)
    # A plain executemany, then the ids in one SELECT: on PostgreSQL that is several
    # times faster than INSERT ... RETURNING of ten thousand rows.
    if rows:
        session.execute(insert(StatementLine.__table__), rows)
    row_ids = dict(session.execute(select(StatementLine.row_number, StatementLine.id)
                                   .where(StatementLine.import_id == statement.id)).all())
    statement.matched_count = sum(1 for row in rows if row["matched_by"])
    for found in run.found:
        row_number = found.pop("row")
        found["line_id"] = row_ids[row_number]
        found["key"] = f"{found['kind']}:line:{found['line_id']}"
        found["details"]["row"] = row_number
    run.found.extend(_order_checks(session, now, ship_within_days))
    counts = _store(session, statement, run.found, now)
    statement.mismatch_count = sum(counts.values())
    audit.record(session, actor, "statement.imported", "statement", statement.id,
                 provider=provider, filename=filename, lines=len(lines),
                 matched=statement.matched_count, mismatches=counts)
    return Outcome(statement, counts)


def _payments(session: Session) -> dict[int, _Payment]:
    return {pid: _Payment(pid, order_id, reference or "",
                          Decimal(amount).quantize(money_unit(currency)),
                          currency, business_calendar.instance_date(received))
            for pid, order_id, reference, amount, currency, received in session.execute(
                select(Payment.id, Payment.order_id, Payment.reference, Payment.amount,
                       Payment.currency, Payment.received_at))}


def _matched_before(session: Session, column: Any) -> dict[int, int]:
    """Payments (or orders) an earlier statement's line accounts for, each with that
    line's row as a negative number."""
    return {key: -row for key, row in session.execute(
        select(column, StatementLine.row_number).where(column.is_not(None)))}


def _orders_named(session: Session, numbers: set[str]) -> dict[str, tuple[int, Decimal | None]]:
    found: dict[str, tuple[int, Decimal | None]] = {}
    names = sorted(numbers)
    for start in range(0, len(names), 500):
        for oid, number, total in session.execute(
                select(Order.id, Order.number, Order.total)
                .where(Order.number.in_(names[start:start + 500]))):
            found[number] = (oid, total)
    return found


def _match_named(line: ParsedLine, row: dict[str, Any], run: _Run,
                 by_reference: dict[str, list[_Payment]],
                 orders: dict[str, tuple[int, Decimal | None]],
                 order_payments: dict[int, list[_Payment]]) -> bool:
    """Match by the payment's reference or the order's number; False when the line
    names neither."""
    if line.reference and line.reference in by_reference:
        candidates = by_reference[line.reference]
        free = [p for p in candidates if p.id not in run.matched_payments]
        if not free:
            _duplicate(line, run, candidates[0].order_id,
                       run.matched_payments[candidates[0].id], candidates[0].id)
            return True
        _take(line, row, run, free[0], "reference")
        return True
    number = line.order_number or (line.reference if line.reference in orders else "")
    if number and number in orders:
        _match_order(line, row, run, orders[number], order_payments)
        return True
    return False


def _take(line: ParsedLine, row: dict[str, Any], run: _Run, payment: _Payment,
          how: str) -> None:
    row.update(payment_id=payment.id, order_id=payment.order_id, matched_by=how)
    run.matched_payments[payment.id] = line.row_number
    run.matched_orders.setdefault(payment.order_id, line.row_number)
    if line.amount != payment.amount or line.currency != payment.currency:
        run.found.append({"kind": AMOUNT_DIFFERENCE, "row": line.row_number,
                          "order_id": payment.order_id, "details": {
                              "statement": str(line.amount), "recorded": str(payment.amount),
                              "difference": str(line.amount - payment.amount),
                              "currency": line.currency, "payment_id": payment.id,
                              "reference": line.reference, "matched_by": how}})


def _duplicate(line: ParsedLine, run: _Run, order_id: int | None, first_row: int,
               payment_id: int | None) -> None:
    run.found.append({"kind": DUPLICATE, "row": line.row_number, "order_id": order_id,
                      "details": {"amount": str(line.amount), "currency": line.currency,
                                  "reference": line.reference, "payment_id": payment_id,
                                  # a negative row: the line of an earlier statement
                                  "first_row": first_row if first_row > 0 else None,
                                  "earlier_statement": first_row < 0}})


def _match_order(line: ParsedLine, row: dict[str, Any], run: _Run,
                 order: tuple[int, Decimal | None],
                 order_payments: dict[int, list[_Payment]]) -> None:
    order_id, total = order
    payments = order_payments.get(order_id, [])
    free = [p for p in payments if p.id not in run.matched_payments]
    if free:
        same = [p for p in free if p.amount == line.amount]
        _take(line, row, run, (same or free)[0], "order_number")
        return
    if payments or order_id in run.matched_orders:
        first = run.matched_payments.get(payments[0].id) if payments else None
        _duplicate(line, run, order_id, first or run.matched_orders.get(order_id, 0),
                   payments[0].id if payments else None)
        return
    # Money arrived for an order that has no payment recorded.
    row.update(order_id=order_id, matched_by="order_number")
    run.matched_orders[order_id] = line.row_number
    run.found.append({"kind": AMOUNT_DIFFERENCE, "row": line.row_number, "order_id": order_id,
                      "details": {"statement": str(line.amount), "recorded": "0",
                                  "difference": str(line.amount), "currency": line.currency,
                                  "total": str(total) if total is not None else None,
                                  "reference": line.reference, "matched_by": "order_number",
                                  "why": "no payment is recorded for the order",
                                  "why_code": "no_payment_recorded"}})


def _match_amount_date(line: ParsedLine, row: dict[str, Any], run: _Run,
                       by_amount: dict[tuple[str, Decimal], list[_Payment]],
                       window_days: int) -> None:
    group = by_amount.get((line.currency, line.amount), [])
    low = bisect.bisect_left(group, line.booked_on - timedelta(days=window_days),
                             key=lambda p: p.day)
    high = bisect.bisect_right(group, line.booked_on + timedelta(days=window_days),
                               key=lambda p: p.day)
    # A reference that differs from the payment's own is another transaction.
    near = [p for p in group[low:high]
            if not (line.reference and p.reference and p.reference != line.reference)]
    free = [p for p in near if p.id not in run.matched_payments]
    if free:
        distance = min(abs((p.day - line.booked_on).days) for p in free)
        closest = [p for p in free if abs((p.day - line.booked_on).days) == distance]
        if len(closest) == 1:
            _take(line, row, run, closest[0], "amount_date")
            return
        run.found.append({"kind": UNMATCHED_LINE, "row": line.row_number, "order_id": None,
                          "details": {"amount": str(line.amount), "currency": line.currency,
                                      "date": line.booked_on.isoformat(),
                                      "reference": line.reference,
                                      "why": f"{len(closest)} payments fit equally well",
                                      "why_code": "several_fit", "fitting": len(closest),
                                      "candidates": [p.id for p in closest[:10]]}})
        return
    if near:
        # Every payment this line could be is accounted for by another line already.
        first = near[0]
        _duplicate(line, run, first.order_id, run.matched_payments[first.id], first.id)
        return
    run.found.append({"kind": UNMATCHED_LINE, "row": line.row_number, "order_id": None,
                      "details": {"amount": str(line.amount), "currency": line.currency,
                                  "date": line.booked_on.isoformat(),
                                  "reference": line.reference,
                                  "why": "no payment or order matches it",
                                  "why_code": "nothing_matches"}})


def _order_checks(session: Session, now: datetime, ship_within_days: int
                  ) -> list[dict[str, Any]]:
    """Orders paid long enough ago but not shipped, and shipped orders not paid. An
    order has shipped when its state says the goods left (shipped or fulfilled), when
    its stock was deducted as shipped, or when a parcel carrying it (its own, or its
    merge's) was handed over."""
    shipped_ids = _shipped_orders(session)
    gone = pairs_in(session, GOODS_LEFT)
    found: list[dict[str, Any]] = []
    last_paid = (select(Payment.order_id, func.max(Payment.received_at).label("at"))
                 .group_by(Payment.order_id).subquery())
    due = now - timedelta(days=ship_within_days)
    for oid, number, version, state, paid, at in session.execute(
            select(Order.id, Order.number, Order.version_id, Order.state, Order.amount_paid,
                   last_paid.c.at)
            .join(last_paid, last_paid.c.order_id == Order.id)
            .where(Order.payment_status.in_((PAID, OVERPAID)))):
        if (version, state) in gone or oid in shipped_ids:
            continue
        if at is not None and _aware(at) <= due:
            found.append({"kind": PAID_NOT_SHIPPED, "order_id": oid,
                          "key": f"{PAID_NOT_SHIPPED}:order:{oid}", "details": {
                              "order": number, "state": state, "paid": str(paid),
                              "paid_at": _aware(at).isoformat(),
                              "days": (now - _aware(at)).days}})
    for oid, number, version, state, status, paid, total in session.execute(
            select(Order.id, Order.number, Order.version_id, Order.state, Order.payment_status,
                   Order.amount_paid, Order.total)
            .where(Order.payment_status.in_(tuple(OWING)))):
        if (version, state) in gone or oid in shipped_ids:
            found.append({"kind": SHIPPED_UNPAID, "order_id": oid,
                          "key": f"{SHIPPED_UNPAID}:order:{oid}", "details": {
                              "order": number, "state": state, "payment_status": status,
                              "paid": str(paid),
                              "total": str(total) if total is not None else None}})
    return found


def _shipped_orders(session: Session) -> set[int]:
    """Orders whose goods left: stock deducted as shipped, or a shipment handed over."""
    deducted = select(StockMovement.order_id).where(StockMovement.kind == SHIPMENT,
                                                    StockMovement.order_id.is_not(None))
    shipped = set(session.scalars(deducted.distinct()))
    # Every order a handed-over parcel carries, the orders of a merge's parcel too.
    riders = parcel_riders(session)
    shipped.update(session.scalars(select(riders.c.order_id)
                                   .join(Shipment, Shipment.id == riders.c.shipment_id)
                                   .where(Shipment.shipped_at.is_not(None)).distinct()))
    return shipped


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _store(session: Session, statement: StatementImport, found: list[dict[str, Any]],
           now: datetime) -> dict[str, int]:
    # Line mismatches are new by construction; an order's may have been found before.
    order_keys = [f["key"] for f in found if ":order:" in f["key"]]
    known: set[str] = set()
    for start in range(0, len(order_keys), 500):
        known.update(session.scalars(select(Mismatch.key).where(
            Mismatch.key.in_(order_keys[start:start + 500]))))
    rows = []
    for item in found:
        if item["key"] in known:
            continue
        known.add(item["key"])
        rows.append({"kind": item["kind"], "key": item["key"], "order_id": item["order_id"],
                     "line_id": item.get("line_id"), "import_id": statement.id,
                     "details": item["details"], "found_at": now})
    if rows:
        # A statement imported at the same moment may find the same order first.
        dialect = session.get_bind().dialect.name
        upsert = pg_insert if dialect == "postgresql" else sqlite_insert
        session.execute(upsert(Mismatch.__table__).on_conflict_do_nothing(
            index_elements=["key"]), rows)
    counts = dict.fromkeys(KINDS, 0)
    for row in rows:
        counts[row["kind"]] += 1
    return counts


def resolve(session: Session, actor: Actor, mismatch_id: int, note: str) -> Mismatch:
    mismatch = session.get(Mismatch, mismatch_id)
    if mismatch is None:
        raise PaymentError(f"there is no mismatch {mismatch_id}", status=404,
                           code="reconciliation.no_mismatch", mismatch=mismatch_id)
    note = (note or "").strip()
    if not note:
        raise PaymentError("say how it was resolved", pointer="/note",
                           code="reconciliation.note_missing")
    if len(note) > 1000:
        raise PaymentError("must be at most 1000 characters", pointer="/note",
                           code="reconciliation.note_too_long")
    if mismatch.resolved_at is not None:
        raise PaymentError(f"mismatch {mismatch_id} was resolved by {mismatch.resolved_by} "
                           f"at {mismatch.resolved_at.isoformat()}", status=409,
                           code="reconciliation.resolved_already", mismatch=mismatch_id,
                           by=mismatch.resolved_by)
    mismatch.resolved_by = actor.name
    mismatch.resolved_at = utcnow()
    mismatch.note = note
    audit.record(session, actor, "mismatch.resolved", "mismatch", mismatch.id,
                 kind=mismatch.kind, note=note, details=mismatch.details)
    session.flush()
    return mismatch


def mismatch_json(mismatch: Mismatch, order_number: str | None = None) -> dict[str, Any]:
    return {"id": mismatch.id, "kind": mismatch.kind, "order": order_number,
            "statement": mismatch.import_id, "line": mismatch.line_id,
            "details": mismatch.details, "found_at": mismatch.found_at.isoformat(),
            "resolved_by": mismatch.resolved_by,
            "resolved_at": mismatch.resolved_at.isoformat() if mismatch.resolved_at else None,
            "note": mismatch.note}


def mismatches(session: Session, *, kind: str | None = None, open_only: bool = True,
               limit: int = 200, before_id: int | None = None
               ) -> list[tuple[Mismatch, str | None]]:
    query = (select(Mismatch, Order.number).outerjoin(Order, Order.id == Mismatch.order_id)
             .order_by(Mismatch.id.desc()).limit(limit))
    if kind:
        query = query.where(Mismatch.kind == kind)
    if open_only:
        query = query.where(Mismatch.resolved_at.is_(None))
    if before_id:
        query = query.where(Mismatch.id < before_id)
    return [(m, n) for m, n in session.execute(query)]

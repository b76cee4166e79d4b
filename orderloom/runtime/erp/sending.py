"""Sending orders, payments, refunds and stock to the ERP: one ``erp_sync`` job per
thing kept there, retried with the job runner's backoff, with every attempt logged.

An order is sent when it reaches the connection's state category (``send_at``: its
state's declared meaning, never its name), or, with ``send_at`` ``paid``, when a
payment makes its payment status paid; each payment and refund once the order is
there; a SKU's on-hand quantity whenever stock changes. Sending is idempotent: the ERP
document carries the order number (or payment or refund reference) and every attempt
searches for it before creating, so a retry after a lost answer finds what the first
attempt made. Stock is sent as the quantity on hand, not as the change, so sending it
twice sets the same figure.

An ERP that refuses (a SKU it lacks, a validation error, a wrong key) is recorded as
``refused`` with its reason, and not retried: fixing it is a person's work.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from orderloom.db import utcnow
from orderloom.designer.state_categories import category_in
from orderloom.runtime import hooks
from orderloom.runtime.channels.mapping import MappingError
from orderloom.runtime.erp import documents, stock_figures
from orderloom.runtime.erp.client import ErpError, Refused, Unavailable
from orderloom.runtime.erp.connections import Client, active, carries, client_for
from orderloom.runtime.erp.models import (
    FAILED,
    ORDER,
    PAYMENT,
    PENDING,
    REFUND,
    REFUSED,
    SENT,
    STOCK,
    WHEN_PAID,
    ErpAttempt,
    ErpConnection,
    ErpSync,
)
from orderloom.runtime.jobs.models import Job, register_handler
from orderloom.runtime.jobs.outbox import enqueue
from orderloom.runtime.orders.models import Order
from orderloom.runtime.payments.received import Payment, Refund
from orderloom.runtime.payments.status import OVERPAID, PAID
from orderloom.runtime.stock.catalog import Product, Warehouse

log = logging.getLogger(__name__)

PAID_IN_FULL = frozenset({PAID, OVERPAID})

JOB_KIND = "erp_sync"
MAX_ATTEMPTS = 8


def _sync(session: Session, connection: ErpConnection, subject: str, reference: str,
          order_id: int | None = None) -> tuple[ErpSync, bool]:
    """The sync of ``reference``, and whether it was made now."""
    kept = select(ErpSync).where(ErpSync.connection_id == connection.id,
                                 ErpSync.subject == subject, ErpSync.reference == reference)
    found = session.scalar(kept)
    if found is not None:
        return found, False
    made = ErpSync(connection_id=connection.id, subject=subject, reference=reference,
                   order_id=order_id, status=PENDING, attempts=0)
    try:
        # A savepoint: two stock changes of a new SKU at once both try to make its
        # sync, and the one that loses must not undo the stock change it rides on.
        with session.begin_nested():
            session.add(made)
    except IntegrityError:
        return session.scalars(kept).one(), False
    return made, True


def send(session: Session, sync: ErpSync) -> Job:
    """Queue (again) the sending of ``sync``; the caller commits."""
    sync.status, sync.updated_at = PENDING, utcnow()
    return enqueue(session, JOB_KIND, {"sync": sync.id}, order_id=sync.order_id,
                   max_attempts=MAX_ATTEMPTS)


def _order_due(session: Session, order: Order) -> None:
    connections = [c for c in active(session) if carries(c, order)]
    if not connections:
        return  # most instances have no ERP: the definition is not even read
    category = category_in(order.version.definition, order.state)
    for connection in connections:
        if category == connection.send_at:
            # Once per order: reaching the category again (or moving within it) sends
            # nothing more; a refused order is sent again by a person.
            sync, made = _sync(session, connection, ORDER, order.number, order.id)
            if made:
                send(session, sync)


def _order_paid(session: Session, order: Any, connections: list[ErpConnection]) -> None:
    """Orders of connections that send when paid. The payment status, not a state:
    paid in full, or more (an overpaid order was paid too)."""
    if order.payment_status not in PAID_IN_FULL:
        return
    for connection in connections:
        if connection.send_at == WHEN_PAID:
            sync, made = _sync(session, connection, ORDER, order.number, order.id)
            if made:
                send(session, sync)


def _queued(session: Session, sync: ErpSync) -> bool:
    # A sync queued in this transaction has its job among the session's new objects.
    return any(isinstance(o, Job) and o.kind == JOB_KIND and o.payload.get("sync") == sync.id
               for o in session.new)


@hooks.ORDER_CREATED.subscribe
def order_created(session: Session, order: Any) -> None:
    _order_due(session, order)


@hooks.ORDER_STATE_CHANGED.subscribe
def order_state_changed(session: Session, order: Any, from_state: str | None, *,
                        transition: str | None, actor_name: str) -> None:
    _order_due(session, order)


@hooks.PAYMENT_RECEIVED.subscribe
def payment_received(session: Session, order: Any, payment: Any) -> None:
    connections = [c for c in active(session) if carries(c, order)]
    if connections:
        session.flush()  # the payment's id names it in the ERP
    # The payment's status is settled before this hook: an order sent when paid is
    # queued ahead of its payment, which then finds the sale order at its first try.
    _order_paid(session, order, connections)
    _send_money(session, connections, order, PAYMENT, payment_reference(order, payment))


@hooks.REFUND_ISSUED.subscribe
def refund_issued(session: Session, order: Any, refund: Any) -> None:
    connections = [c for c in active(session) if carries(c, order)]
    if connections:
        session.flush()  # the refund's id names it in the ERP
    _send_money(session, connections, order, REFUND, refund_reference(order, refund))


def _send_money(session: Session, connections: list, order: Any, kind: str,
                   reference: str) -> None:
    """Send a payment or refund to each ERP its order is in or on its way to."""
    for connection in connections:
        if _order_on_its_way(session, connection, order):
            sync, made = _sync(session, connection, kind, reference, order.id)
            if made:
                send(session, sync)


def payment_reference(order: Any, payment: Any) -> str:
    return f"{order.number}/{payment.id}"


def refund_reference(order: Any, refund: Any) -> str:
    return f"{order.number}/refund/{refund.id}"


def _order_on_its_way(session: Session, connection: ErpConnection, order: Any) -> bool:
    """Whether the order is in the ERP or being sent there. A payment or refund of an
    order that is not (it has not reached ``send_at`` yet, or the ERP refused it) is
    sent once the order gets there (:func:`_money_follows`)."""
    status = session.scalar(select(ErpSync.status).where(
        ErpSync.connection_id == connection.id, ErpSync.subject == ORDER,
        ErpSync.reference == order.number))
    return status is not None and status != REFUSED


def _money_follows(session: Session, connection: ErpConnection, order: Order) -> None:
    """The order has just reached the ERP: its payments and refunds follow, those made
    before it and those an earlier attempt could not record for want of it."""
    money = [(PAYMENT, payment_reference(order, p)) for p in session.scalars(
        select(Payment).where(Payment.order_id == order.id).order_by(Payment.id))]
    money += [(REFUND, refund_reference(order, r)) for r in session.scalars(
        select(Refund).where(Refund.order_id == order.id).order_by(Refund.id))]
    for subject, reference in money:
        sync, made = _sync(session, connection, subject, reference, order.id)
        if made or sync.status in (REFUSED, FAILED):
            send(session, sync)


@hooks.STOCK_CHANGED.subscribe
def stock_changed(session: Session, product_id: int, warehouse_id: int,
                  available_change: int) -> None:
    connections = active(session)
    if not connections:
        return
    code = session.scalar(select(Warehouse.code).where(Warehouse.id == warehouse_id))
    sku = session.scalar(select(Product.sku).where(Product.id == product_id))
    for connection in connections:
        if connection.warehouse == code and sku:
            sync, _made = _sync(session, connection, STOCK, sku)
            if not _queued(session, sync):
                send(session, sync)


def send_all_stock(session: Session, connection: ErpConnection) -> int:
    """Queue the on-hand figure of every SKU in the connection's warehouse: the first
    sync of a new connection, or after the ERP's stock was reset. Answers how many."""
    skus = sorted(stock_figures.on_hand(session, connection.warehouse))
    for sku in skus:
        sync, _made = _sync(session, connection, STOCK, sku)
        if not _queued(session, sync):
            send(session, sync)
    return len(skus)


# --- the job ---------------------------------------------------------------------------------

def run_erp_sync(session: Session, job: Job, runner: Any) -> str | None:
    sync = session.get(ErpSync, job.payload["sync"])
    if sync is None or (sync.status == SENT and sync.subject != STOCK):
        return None
    connection = session.get(ErpConnection, sync.connection_id)
    if connection is None or not connection.active:
        return None
    try:
        call = _prepare(session, connection, sync)
        client = client_for(connection, runner.secret_key or "")
        session.commit()  # ends the read; the objects are read again after the call
        erp_id = call(client)
    except Refused as refusal:
        _record(session, sync, REFUSED, refusal.message)
        return f"{_name(connection)} refused {sync.reference}: {refusal.message}"
    except MappingError as error:
        # The mapping is the user's to mend, like an ERP's refusal.
        _record(session, sync, REFUSED, f"the mapping cannot be applied: {error}")
        return f"{_name(connection)}: the mapping cannot be applied: {error}"
    except ErpError as error:
        final = job.attempts >= job.max_attempts
        # The runner rolls this session back to retry: the attempt is logged apart.
        session.rollback()
        with runner.sessions() as apart:
            kept = apart.get(ErpSync, sync.id)
            _record(apart, kept, FAILED if final else PENDING, error.message)
            apart.commit()
        raise
    _record(session, sync, SENT, None, erp_id)
    if sync.subject == ORDER and sync.order_id is not None:
        order = session.get(Order, sync.order_id)
        if order is not None:
            _money_follows(session, connection, order)
    return f"sent to {_name(connection)}: {sync.subject} {erp_id}"


def _name(connection: ErpConnection) -> str:
    return f"{connection.kind} {connection.name!r}"


def _record(session: Session, sync: ErpSync, status: str, detail: str | None,
            erp_id: str | None = None) -> None:
    sync.attempts += 1
    sync.status, sync.last_error, sync.updated_at = status, detail, utcnow()
    if erp_id:
        sync.erp_id = erp_id
    outcome = status if status != PENDING else FAILED
    session.add(ErpAttempt(sync_id=sync.id, number=sync.attempts, at=utcnow(),
                           outcome=outcome, detail=detail or (erp_id and f"ERP id {erp_id}")))


def _prepare(session: Session, connection: ErpConnection, sync: ErpSync
             ) -> Callable[[Client], str]:
    """Everything the call needs, read now; the call itself is made after the read
    transaction ends (on SQLite a transaction held open blocks every writer while a
    slow ERP answers)."""
    if sync.subject == ORDER:
        order = session.get(Order, sync.order_id) if sync.order_id else None
        if order is None:
            raise Refused("the order was deleted")
        number = order.number
        document = documents.sale_order(connection.kind, connection.mappings, order)
        return lambda client: (client.find_sale_order(number)
                               or client.create_sale_order(number, document))
    if sync.subject in (PAYMENT, REFUND):
        return _money(session, connection, sync)
    quantity = stock_figures.on_hand(session, connection.warehouse, [sync.reference])
    sku, where = sync.reference, connection.erp_warehouse
    return lambda client: client.set_stock(where, sku, quantity.get(sku, 0))


def _money(session: Session, connection: ErpConnection, sync: ErpSync
           ) -> Callable[[Client], str]:
    """A payment or a refund: both go against the order's sale order, so both wait
    for it."""
    reference = sync.reference
    if sync.subject == REFUND:
        number, _, refund_id = reference.rsplit("/", 2)
        refund = session.get(Refund, int(refund_id))
        if refund is None:
            raise Refused("the refund was deleted")
        amount, day, reason = refund.amount, refund.issued_at.date().isoformat(), \
            refund.reason

        def find(client: Client) -> str | None:
            return client.find_refund(reference)

        def create(client: Client, sale_order: str) -> str:
            return client.create_refund(reference, sale_order, amount, day, reason)
        what = "refund"
    else:
        number, _, payment_id = reference.rpartition("/")
        payment = session.get(Payment, int(payment_id))
        if payment is None:
            raise Refused("the payment was deleted")
        amount, day = payment.amount, payment.received_at.date().isoformat()

        def find(client: Client) -> str | None:
            return client.find_payment(reference)

        def create(client: Client, sale_order: str) -> str:
            return client.create_payment(reference, sale_order, amount, day)
        what = "payment"
    order_sync = session.scalar(select(ErpSync.status).where(
        ErpSync.connection_id == connection.id, ErpSync.subject == ORDER,
        ErpSync.reference == number))

    def call(client: Client) -> str:
        found = find(client)
        if found:
            return found
        sale_order = client.find_sale_order(number)
        if sale_order is None:
            if order_sync is None or order_sync == REFUSED:
                raise Refused(f"the sale order {number} is not in the ERP, so its {what} "
                              "cannot be recorded")
            # The order is on its way: the payment or refund follows it.
            raise Unavailable(f"the sale order {number} is not in the ERP yet")
        return create(client, sale_order)
    return call


register_handler(JOB_KIND, run_erp_sync)


def attempts_of(session: Session, *, order_id: int | None = None,
                connection_id: int | None = None, limit: int = 50
                ) -> list[tuple[ErpSync, ErpAttempt]]:
    """The attempt log, newest first, of one order or one connection."""
    query = select(ErpSync, ErpAttempt).join(ErpAttempt, ErpAttempt.sync_id == ErpSync.id)
    if order_id is not None:
        query = query.where(ErpSync.order_id == order_id)
    if connection_id is not None:
        query = query.where(ErpSync.connection_id == connection_id)
    return list(session.execute(query.order_by(ErpAttempt.id.desc()).limit(limit)).tuples())

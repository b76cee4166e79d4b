"""An ERP connection, what was sent through it with every attempt, and the
reconciliations made of it."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from orderloom.db import Base, JSONDocument, UTCDateTime, utcnow

ODOO = "odoo"
ERPNEXT = "erpnext"
KINDS = (ODOO, ERPNEXT)

# What a sync carries to the ERP.
ORDER = "order"      # a sale order with its lines
PAYMENT = "payment"  # a payment against that sale order
REFUND = "refund"    # money given back: a credit note (Odoo), a Payment Entry "Pay"
STOCK = "stock"      # one SKU's on-hand quantity
SUBJECTS = (ORDER, PAYMENT, REFUND, STOCK)

# ``send_at`` besides a state category: the order is sent once its payment status
# says it was paid in full (payments/status.py), whatever state it is in.
WHEN_PAID = "paid"

PENDING = "pending"
SENT = "sent"
# The ERP refused it for a reason a retry cannot mend (a SKU it does not know, a
# validation error): kept with the reason until someone fixes the data and sends again.
REFUSED = "refused"
FAILED = "failed"    # every attempt found the ERP unreachable or failing
STATUSES = (PENDING, SENT, REFUSED, FAILED)


class ErpConnection(Base):
    __tablename__ = "erp_connections"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    base_url: Mapped[str] = mapped_column(String(500))
    database: Mapped[str | None] = mapped_column(String(200))  # Odoo's database name
    login: Mapped[str | None] = mapped_column(String(200))     # Odoo's user login
    # Sealed (runtime/sealing.py): {"api_key"} for Odoo, {"api_key",
    # "api_secret"} for ERPNext. Never shown back.
    credentials: Mapped[str] = mapped_column(Text)
    # Order type keys whose orders are sent; empty: every order type.
    order_types: Mapped[list[str]] = mapped_column(JSONDocument, default=list)
    # The state category at which an order becomes a sale order in the ERP, or
    # WHEN_PAID.
    send_at: Mapped[str] = mapped_column(String(20), default="open")
    # {"sale_order": <mapping from the order's JSON to the ERP's document>}
    mappings: Mapped[dict[str, Any]] = mapped_column(JSONDocument, default=dict)
    # Where stock lives in the ERP (an Odoo location's full name, an ERPNext warehouse)
    # and the Orderloom warehouse it is kept equal to.
    erp_warehouse: Mapped[str] = mapped_column(String(200))
    warehouse: Mapped[str] = mapped_column(String(50))
    pull_every_minutes: Mapped[int] = mapped_column(Integer, default=15)
    # How far the pulls have read: the ERP's own modification stamps.
    items_cursor: Mapped[str | None] = mapped_column(String(40))
    stock_cursor: Mapped[str | None] = mapped_column(String(40))
    pulled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    pull_error: Mapped[str | None] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ErpSync(Base):
    """One thing Orderloom keeps in the ERP: an order, a payment, a SKU's stock."""

    __tablename__ = "erp_syncs"
    __table_args__ = (UniqueConstraint("connection_id", "subject", "reference",
                                       name="uq_erp_syncs_connection_subject_reference"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    connection_id: Mapped[int] = mapped_column(
        ForeignKey("erp_connections.id", ondelete="CASCADE"), index=True)
    subject: Mapped[str] = mapped_column(String(20))
    # The order number, "<order number>/<payment id>", "<order number>/refund/<refund
    # id>", or the SKU.
    reference: Mapped[str] = mapped_column(String(120))
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id", ondelete="SET NULL"),
                                                 index=True)
    status: Mapped[str] = mapped_column(String(12), default=PENDING)
    erp_id: Mapped[str | None] = mapped_column(String(120))  # the ERP document's name/id
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ErpAttempt(Base):
    """One call to the ERP for a sync: the log an operator reads."""

    __tablename__ = "erp_attempts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sync_id: Mapped[int] = mapped_column(ForeignKey("erp_syncs.id", ondelete="CASCADE"),
                                         index=True)
    number: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    outcome: Mapped[str] = mapped_column(String(12))  # SENT, REFUSED or FAILED
    detail: Mapped[str | None] = mapped_column(Text)


class ErpReconciliation(Base):
    """Both systems compared over a period, and what differed."""

    __tablename__ = "erp_reconciliations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    connection_id: Mapped[int] = mapped_column(
        ForeignKey("erp_connections.id", ondelete="CASCADE"), index=True)
    period_from: Mapped[datetime] = mapped_column(UTCDateTime)
    period_to: Mapped[datetime] = mapped_column(UTCDateTime)
    made_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    orders_compared: Mapped[int] = mapped_column(Integer, default=0)
    skus_compared: Mapped[int] = mapped_column(Integer, default=0)
    # [{"subject": "order"|"stock", "reference", "what", "orderloom", "erp"}]
    differences: Mapped[list[dict[str, Any]]] = mapped_column(JSONDocument, default=list)
    error: Mapped[str | None] = mapped_column(Text)

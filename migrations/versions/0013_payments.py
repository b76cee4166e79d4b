"""Payments, refunds and statement reconciliation.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-25
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
MONEY = sa.Numeric(18, 4)


def upgrade() -> None:
    # Orders stored before payments existed are unpaid, with nothing received.
    with op.batch_alter_table("orders") as batch:
        batch.add_column(sa.Column("payment_status", sa.String(length=20), nullable=False,
                                   server_default="unpaid"))
        batch.add_column(sa.Column("amount_paid", MONEY, nullable=False, server_default="0"))
        batch.add_column(sa.Column("amount_refunded", MONEY, nullable=False,
                                   server_default="0"))
        batch.create_index("ix_orders_payment_status", ["payment_status"])

    op.create_table(
        "payments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("amount", MONEY, nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("method", sa.String(length=40), nullable=False),
        sa.Column("reference", sa.String(length=200), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("recorded_by", sa.String(length=150), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"],
                                name=op.f("fk_payments_order_id_orders"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payments")),
    )
    op.create_index("ix_payments_order_id", "payments", ["order_id"])
    op.create_index("ix_payments_reference", "payments", ["reference"])
    op.create_index("ix_payments_received_at", "payments", ["received_at"])

    op.create_table(
        "refunds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("amount", MONEY, nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("reference", sa.String(length=200), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("issued_by", sa.String(length=150), nullable=False),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"],
                                name=op.f("fk_refunds_order_id_orders"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_refunds")),
    )
    op.create_index("ix_refunds_order_id", "refunds", ["order_id"])
    op.create_index("ix_refunds_issued_at", "refunds", ["issued_at"])

    op.create_table(
        "statement_mappings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("provider", sa.String(length=63), nullable=False),
        sa.Column("columns", JSON, nullable=False),
        sa.Column("date_format", sa.String(length=40), nullable=False),
        sa.Column("decimal_comma", sa.Boolean(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=150), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_statement_mappings")),
        sa.UniqueConstraint("provider", name=op.f("uq_statement_mappings_provider")),
    )

    op.create_table(
        "statement_imports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("provider", sa.String(length=63), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("imported_by", sa.String(length=150), nullable=False),
        sa.Column("line_count", sa.Integer(), nullable=False),
        sa.Column("matched_count", sa.Integer(), nullable=False),
        sa.Column("mismatch_count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_statement_imports")),
    )
    op.create_index("ix_statement_imports_provider", "statement_imports", ["provider"])

    op.create_table(
        "statement_lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("import_id", sa.Integer(), nullable=False),
        sa.Column("row_number", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=200), nullable=False),
        sa.Column("order_number", sa.String(length=40), nullable=False),
        sa.Column("amount", MONEY, nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("booked_on", sa.Date(), nullable=False),
        sa.Column("description", sa.String(length=500), nullable=False),
        sa.Column("payment_id", sa.Integer(), nullable=True),
        sa.Column("order_id", sa.Integer(), nullable=True),
        sa.Column("matched_by", sa.String(length=20), nullable=True),
        sa.ForeignKeyConstraint(["import_id"], ["statement_imports.id"],
                                name=op.f("fk_statement_lines_import_id_statement_imports"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["payment_id"], ["payments.id"],
                                name=op.f("fk_statement_lines_payment_id_payments"),
                                ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"],
                                name=op.f("fk_statement_lines_order_id_orders"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_statement_lines")),
    )
    op.create_index("ix_statement_lines_import_id", "statement_lines", ["import_id"])
    op.create_index("ix_statement_lines_reference", "statement_lines", ["reference"])
    op.create_index("ix_statement_lines_payment_id", "statement_lines", ["payment_id"])
    op.create_index("ix_statement_lines_order_id", "statement_lines", ["order_id"])

    op.create_table(
        "mismatches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=True),
        sa.Column("line_id", sa.Integer(), nullable=True),
        sa.Column("import_id", sa.Integer(), nullable=True),
        sa.Column("details", JSON, nullable=False),
        sa.Column("found_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolved_by", sa.String(length=150), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("note", sa.String(length=1000), nullable=True),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"],
                                name=op.f("fk_mismatches_order_id_orders"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["line_id"], ["statement_lines.id"],
                                name=op.f("fk_mismatches_line_id_statement_lines"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["import_id"], ["statement_imports.id"],
                                name=op.f("fk_mismatches_import_id_statement_imports"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mismatches")),
        sa.UniqueConstraint("key", name=op.f("uq_mismatches_key")),
    )
    op.create_index("ix_mismatches_kind_resolved", "mismatches", ["kind", "resolved_at"])
    op.create_index("ix_mismatches_order_id", "mismatches", ["order_id"])
    op.create_index("ix_mismatches_line_id", "mismatches", ["line_id"])
    op.create_index("ix_mismatches_import_id", "mismatches", ["import_id"])


def downgrade() -> None:
    op.drop_table("mismatches")
    op.drop_table("statement_lines")
    op.drop_table("statement_imports")
    op.drop_table("statement_mappings")
    op.drop_table("refunds")
    op.drop_table("payments")
    with op.batch_alter_table("orders") as batch:
        batch.drop_index("ix_orders_payment_status")
        batch.drop_column("amount_refunded")
        batch.drop_column("amount_paid")
        batch.drop_column("payment_status")

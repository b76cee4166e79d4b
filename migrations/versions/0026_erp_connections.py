"""ERP connections (orderloom/runtime/erp): each connection to an Odoo or ERPNext,
what Orderloom keeps in it (orders, payments, stock per SKU) with every attempt, and
the reconciliations made of it.

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-06
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def _when(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "erp_connections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("base_url", sa.String(500), nullable=False),
        sa.Column("database", sa.String(200), nullable=True),
        sa.Column("login", sa.String(200), nullable=True),
        sa.Column("credentials", sa.Text(), nullable=False),
        sa.Column("order_types", JSON, nullable=False),
        sa.Column("send_at", sa.String(20), nullable=False),
        sa.Column("mappings", JSON, nullable=False),
        sa.Column("erp_warehouse", sa.String(200), nullable=False),
        sa.Column("warehouse", sa.String(50), nullable=False),
        sa.Column("pull_every_minutes", sa.Integer(), nullable=False),
        sa.Column("items_cursor", sa.String(40), nullable=True),
        sa.Column("stock_cursor", sa.String(40), nullable=True),
        _when("pulled_at", True),
        sa.Column("pull_error", sa.Text(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        _when("created_at"),
        _when("updated_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_erp_connections")),
        sa.UniqueConstraint("name", name=op.f("uq_erp_connections_name")),
    )
    op.create_table(
        "erp_syncs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("connection_id", sa.Integer(), nullable=False),
        sa.Column("subject", sa.String(20), nullable=False),
        sa.Column("reference", sa.String(120), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("erp_id", sa.String(120), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        _when("created_at"),
        _when("updated_at"),
        sa.ForeignKeyConstraint(["connection_id"], ["erp_connections.id"],
                                name=op.f("fk_erp_syncs_connection_id_erp_connections"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"],
                                name=op.f("fk_erp_syncs_order_id_orders"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_erp_syncs")),
        sa.UniqueConstraint("connection_id", "subject", "reference",
                            name="uq_erp_syncs_connection_subject_reference"),
    )
    op.create_index(op.f("ix_erp_syncs_connection_id"), "erp_syncs", ["connection_id"])
    op.create_index(op.f("ix_erp_syncs_order_id"), "erp_syncs", ["order_id"])
    op.create_table(
        "erp_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sync_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        _when("at"),
        sa.Column("outcome", sa.String(12), nullable=False),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["sync_id"], ["erp_syncs.id"],
                                name=op.f("fk_erp_attempts_sync_id_erp_syncs"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_erp_attempts")),
    )
    op.create_index(op.f("ix_erp_attempts_sync_id"), "erp_attempts", ["sync_id"])
    op.create_table(
        "erp_reconciliations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("connection_id", sa.Integer(), nullable=False),
        _when("period_from"),
        _when("period_to"),
        _when("made_at"),
        sa.Column("orders_compared", sa.Integer(), nullable=False),
        sa.Column("skus_compared", sa.Integer(), nullable=False),
        sa.Column("differences", JSON, nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["connection_id"], ["erp_connections.id"],
                                name=op.f("fk_erp_reconciliations_connection_id_erp_connections"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_erp_reconciliations")),
    )
    op.create_index(op.f("ix_erp_reconciliations_connection_id"), "erp_reconciliations",
                    ["connection_id"])


def downgrade() -> None:
    op.drop_table("erp_reconciliations")
    op.drop_table("erp_attempts")
    op.drop_table("erp_syncs")
    op.drop_table("erp_connections")

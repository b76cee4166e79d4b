"""The exception queue: exceptions raised on orders, and the queue's settings
(orderloom/runtime/exception_queue/models.py).

Revision ID: 0033
Revises: 0032
Create Date: 2026-12-07
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0033"
down_revision = "0032"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
MONEY = sa.Numeric(18, 4)


def upgrade() -> None:
    op.create_table(
        "order_exceptions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=30), nullable=False),
        sa.Column("message", JSON, nullable=False),
        sa.Column("details", JSON, nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("raised_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("raised_by", sa.String(length=150), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("assignee", sa.String(length=150), nullable=True),
        sa.Column("resolution", sa.String(length=20), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_by", sa.String(length=150), nullable=True),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"],
                                name=op.f("fk_order_exceptions_order_id_orders"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_order_exceptions")),
    )
    op.create_index(op.f("ix_order_exceptions_order_id"), "order_exceptions", ["order_id"])
    op.create_index("ix_order_exceptions_status_reason", "order_exceptions",
                    ["status", "reason"])
    # One reason is open at most once per order (a partial index: SQLite and PostgreSQL).
    op.create_index("uq_order_exceptions_open_reason", "order_exceptions",
                    ["order_id", "reason"], unique=True,
                    sqlite_where=sa.text("status = 'open'"),
                    postgresql_where=sa.text("status = 'open'"))
    op.create_table(
        "exception_settings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sla_hours", JSON, nullable=False),
        sa.Column("discount_limit", MONEY, nullable=True),
        sa.Column("floors", JSON, nullable=False),
        sa.Column("duplicate_window_hours", sa.Integer(), nullable=False),
        sa.Column("checks", JSON, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exception_settings")),
    )


def downgrade() -> None:
    op.drop_table("exception_settings")
    op.drop_index("uq_order_exceptions_open_reason", table_name="order_exceptions")
    op.drop_index("ix_order_exceptions_status_reason", table_name="order_exceptions")
    op.drop_index(op.f("ix_order_exceptions_order_id"), table_name="order_exceptions")
    op.drop_table("order_exceptions")

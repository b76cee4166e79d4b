"""Returns and exchanges: return requests, their lines and log, and the returns'
settings (orderloom/runtime/after_sales/models.py).

Revision ID: 0040
Revises: 0039
Create Date: 2026-12-07
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0040"
down_revision = "0039"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
MONEY = sa.Numeric(18, 4)
WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "return_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=20), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=30), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("requested_at", WHEN, nullable=False),
        sa.Column("requested_by", sa.String(length=150), nullable=False),
        sa.Column("due_at", WHEN, nullable=False),
        sa.Column("updated_at", WHEN, nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=True),
        sa.Column("refunded", MONEY, nullable=True),
        sa.Column("replacement_order_id", sa.Integer(), nullable=True),
        sa.Column("closed_at", WHEN, nullable=True),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"],
                                name=op.f("fk_return_requests_order_id_orders"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["replacement_order_id"], ["orders.id"],
                                name=op.f("fk_return_requests_replacement_order_id_orders"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_return_requests")),
        sa.UniqueConstraint("number", name=op.f("uq_return_requests_number")),
    )
    op.create_index(op.f("ix_return_requests_order_id"), "return_requests", ["order_id"])
    op.create_index(op.f("ix_return_requests_replacement_order_id"), "return_requests",
                    ["replacement_order_id"])
    op.create_index("ix_return_requests_state_reason", "return_requests",
                    ["state", "reason"])
    op.create_table(
        "return_lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("return_id", sa.Integer(), nullable=False),
        sa.Column("sku", sa.String(length=64), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("unit_price", MONEY, nullable=True),
        sa.Column("received", sa.Integer(), nullable=True),
        sa.Column("disposition", sa.String(length=20), nullable=True),
        sa.Column("warehouse", sa.String(length=50), nullable=True),
        sa.ForeignKeyConstraint(["return_id"], ["return_requests.id"],
                                name=op.f("fk_return_lines_return_id_return_requests"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_return_lines")),
    )
    op.create_index(op.f("ix_return_lines_return_id"), "return_lines", ["return_id"])
    op.create_table(
        "return_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("return_id", sa.Integer(), nullable=False),
        sa.Column("at", WHEN, nullable=False),
        sa.Column("actor_name", sa.String(length=150), nullable=False),
        sa.Column("step", sa.String(length=20), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("details", JSON, nullable=False),
        sa.ForeignKeyConstraint(["return_id"], ["return_requests.id"],
                                name=op.f("fk_return_log_return_id_return_requests"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_return_log")),
    )
    op.create_index(op.f("ix_return_log_return_id"), "return_log", ["return_id"])
    op.create_table(
        "after_sales_settings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sla_hours", sa.Integer(), nullable=False),
        sa.Column("updated_at", WHEN, nullable=False),
        sa.Column("updated_by", sa.String(length=150), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_after_sales_settings")),
    )


def downgrade() -> None:
    op.drop_table("after_sales_settings")
    op.drop_index(op.f("ix_return_log_return_id"), table_name="return_log")
    op.drop_table("return_log")
    op.drop_index(op.f("ix_return_lines_return_id"), table_name="return_lines")
    op.drop_table("return_lines")
    op.drop_index("ix_return_requests_state_reason", table_name="return_requests")
    op.drop_index(op.f("ix_return_requests_replacement_order_id"),
                  table_name="return_requests")
    op.drop_index(op.f("ix_return_requests_order_id"), table_name="return_requests")
    op.drop_table("return_requests")

"""Merging and splitting orders: merges and their orders, the parts of split orders,
and the settings (merge window, merging by rule, parcel limits).

Revision ID: 0042
Revises: 0041
Create Date: 2026-12-07
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0042"
down_revision = "0041"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "order_merges",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("lead_order_id", sa.Integer,
                  sa.ForeignKey("orders.id", ondelete="CASCADE"), nullable=False),
        sa.Column("warehouse", sa.String(50), nullable=True),
        sa.Column("numbers", JSON, nullable=False),
        sa.Column("by", sa.String(12), nullable=False),
        sa.Column("shipment_id", sa.Integer,
                  sa.ForeignKey("shipments.id", ondelete="SET NULL"), nullable=True),
        sa.Column("created_by", sa.String(150), nullable=False),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("undone_by", sa.String(150), nullable=True),
        sa.Column("undone_at", TIME, nullable=True),
    )
    op.create_index("ix_order_merges_lead_order_id", "order_merges", ["lead_order_id"])
    op.create_table(
        "merged_orders",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("merge_id", sa.Integer,
                  sa.ForeignKey("order_merges.id", ondelete="CASCADE"), nullable=False),
        sa.Column("order_id", sa.Integer,
                  sa.ForeignKey("orders.id", ondelete="CASCADE"), nullable=False),
        sa.Column("held_before", JSON, nullable=False),
        sa.UniqueConstraint("order_id", name="uq_merged_orders_order"),
    )
    op.create_index("ix_merged_orders_merge_id", "merged_orders", ["merge_id"])
    op.create_table(
        "order_parts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("order_id", sa.Integer,
                  sa.ForeignKey("orders.id", ondelete="CASCADE"), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("basis", sa.String(12), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("warehouse", sa.String(50), nullable=True),
        sa.Column("lines", JSON, nullable=False),
        sa.Column("note", sa.String(300), nullable=False),
        sa.Column("shipment_id", sa.Integer,
                  sa.ForeignKey("shipments.id", ondelete="SET NULL"), nullable=True),
        sa.Column("created_by", sa.String(150), nullable=False),
        sa.Column("created_at", TIME, nullable=False),
        sa.UniqueConstraint("order_id", "position", name="uq_order_parts_position"),
    )
    op.create_index("ix_order_parts_order_id", "order_parts", ["order_id"])
    op.create_table(
        "consolidation_settings",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("merge_window_hours", sa.Integer, nullable=False),
        sa.Column("merge_by_rule", sa.Boolean, nullable=False),
        sa.Column("parcel_weight_grams", sa.Integer, nullable=True),
        sa.Column("parcel_units", sa.Integer, nullable=True),
        sa.Column("updated_by", sa.String(150), nullable=True),
        sa.Column("updated_at", TIME, nullable=True),
    )


def downgrade() -> None:
    op.drop_table("consolidation_settings")
    op.drop_index("ix_order_parts_order_id", table_name="order_parts")
    op.drop_table("order_parts")
    op.drop_index("ix_merged_orders_merge_id", table_name="merged_orders")
    op.drop_table("merged_orders")
    op.drop_index("ix_order_merges_lead_order_id", table_name="order_merges")
    op.drop_table("order_merges")

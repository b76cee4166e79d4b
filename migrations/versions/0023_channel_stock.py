"""Stock per channel (orderloom/runtime/channels/channel_stock.py, store_stock.py):
the warehouses feeding each channel and its share of their stock, and, per store
channel and SKU, the store's id of the SKU's stock and the last push's result.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-06
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "channel_stock_settings",
        sa.Column("channel", sa.String(40), nullable=False),
        sa.Column("warehouse_ids", JSON, nullable=False),
        sa.Column("share_kind", sa.String(10), nullable=False),
        sa.Column("share", sa.Integer(), nullable=False),
        sa.Column("store_push", sa.Boolean(), nullable=False),
        sa.Column("location_id", sa.String(40), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("channel", name=op.f("pk_channel_stock_settings")),
    )
    op.create_table(
        "channel_sku_stock",
        sa.Column("channel", sa.String(40), nullable=False),
        sa.Column("sku", sa.String(64), nullable=False),
        sa.Column("store_item", sa.String(200), nullable=True),
        sa.Column("looked_up_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("outcome", sa.String(20), nullable=True),
        sa.Column("figure", sa.Integer(), nullable=True),
        sa.Column("location", sa.String(40), nullable=True),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("pushed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("channel", "sku", name=op.f("pk_channel_sku_stock")),
    )


def downgrade() -> None:
    op.drop_table("channel_sku_stock")
    op.drop_table("channel_stock_settings")

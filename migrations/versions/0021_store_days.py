"""Each store channel's reconciliation per calendar day
(orderloom/runtime/channels/store_sync.py, ``StoreDay``): the store's orders of the
day a reconciliation saw, and whether each is here, was fetched, or is missing and why.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-06
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "store_days",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(40), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("orders", JSON, nullable=False),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_store_days")),
        sa.UniqueConstraint("channel", "day", name="uq_store_days_channel_day"),
    )
    op.create_index("ix_store_days_channel", "store_days", ["channel"])


def downgrade() -> None:
    op.drop_index("ix_store_days_channel", table_name="store_days")
    op.drop_table("store_days")

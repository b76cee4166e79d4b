"""What each channel is told about stock: where to push it, how much to hold back,
which SKUs it sells and how often it hears.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-27
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    # Server defaults fill the channels that exist already: none is pushed to until
    # someone gives it a URL.
    with op.batch_alter_table("channels") as batch:
        batch.add_column(sa.Column("stock_push_url", sa.String(length=500), nullable=True))
        batch.add_column(sa.Column("safety_stock", sa.Integer(), nullable=False,
                                   server_default="0"))
        batch.add_column(sa.Column("skus", JSON, nullable=False, server_default="[]"))
        batch.add_column(sa.Column("push_interval_seconds", sa.Integer(), nullable=False,
                                   server_default="5"))


def downgrade() -> None:
    with op.batch_alter_table("channels") as batch:
        batch.drop_column("push_interval_seconds")
        batch.drop_column("skus")
        batch.drop_column("safety_stock")
        batch.drop_column("stock_push_url")

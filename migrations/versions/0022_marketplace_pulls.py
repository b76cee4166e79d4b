"""Marketplace channels that pull orders from an open-platform API
(orderloom/runtime/channels/marketplace_pull.py): each channel's pull setting, and
the record of each poll. The cursor is the channel's row in store_cursors.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-06
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "marketplace_connections",
        sa.Column("channel", sa.String(40), nullable=False),
        sa.Column("preset", sa.String(20), nullable=False),
        sa.Column("settings", JSON, nullable=False),
        sa.ForeignKeyConstraint(["channel"], ["channels.key"],
                                name=op.f("fk_marketplace_connections_channel_channels"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("channel", name=op.f("pk_marketplace_connections")),
    )
    op.create_table(
        "marketplace_polls",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(40), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("since", sa.DateTime(timezone=True), nullable=False),
        sa.Column("cursor", sa.DateTime(timezone=True), nullable=True),
        sa.Column("windows", sa.Integer(), nullable=False),
        sa.Column("orders_read", sa.Integer(), nullable=False),
        sa.Column("created", JSON, nullable=False),
        sa.Column("updated", JSON, nullable=False),
        sa.Column("problems", JSON, nullable=False),
        sa.Column("waited_seconds", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("fix", sa.String(100), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_marketplace_polls")),
    )
    op.create_index("ix_marketplace_polls_channel", "marketplace_polls", ["channel"])


def downgrade() -> None:
    op.drop_index("ix_marketplace_polls_channel", table_name="marketplace_polls")
    op.drop_table("marketplace_polls")
    op.drop_table("marketplace_connections")

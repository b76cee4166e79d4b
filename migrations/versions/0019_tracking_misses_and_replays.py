"""Misses on the public tracking page, counted per client address to throttle
guessing (orderloom/platform/tracking_throttle.py); and the digest of each channel
delivery's body, so a replayed dead letter is found instead of stored again
(orderloom/runtime/channels/ingestion.py).

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-06
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "tracking_misses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("address", sa.String(64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_tracking_misses"),
    )
    op.create_index("ix_tracking_misses_address_at", "tracking_misses", ["address", "at"])
    # Deliveries kept before this revision have no digest: a replay of one of them is
    # stored once more, and from then on found.
    with op.batch_alter_table("inbound_orders") as batch:
        batch.add_column(sa.Column("body_digest", sa.String(64), nullable=True))
    op.create_index("ix_inbound_orders_source_body_digest", "inbound_orders",
                    ["source", "body_digest"])


def downgrade() -> None:
    op.drop_index("ix_inbound_orders_source_body_digest", table_name="inbound_orders")
    with op.batch_alter_table("inbound_orders") as batch:
        batch.drop_column("body_digest")
    op.drop_index("ix_tracking_misses_address_at", table_name="tracking_misses")
    op.drop_table("tracking_misses")

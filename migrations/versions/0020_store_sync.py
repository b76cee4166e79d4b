"""Store channels' traffic the other way (orderloom/runtime/channels/store_sync.py):
each attempt to write a shipment back to the store, where each channel's pull of
changed orders stopped, and the result of each reconciliation with the store.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-06
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "store_writebacks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("shipment_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(40), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(20), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("remote_id", sa.String(100), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"],
                                name=op.f("fk_store_writebacks_order_id_orders"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_store_writebacks")),
    )
    op.create_index("ix_store_writebacks_order_id", "store_writebacks", ["order_id"])
    op.create_index("ix_store_writebacks_shipment_id", "store_writebacks", ["shipment_id"])
    op.create_table(
        "store_cursors",
        sa.Column("channel", sa.String(40), nullable=False),
        sa.Column("changed_since", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reconciled_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("channel", name=op.f("pk_store_cursors")),
    )
    op.create_table(
        "store_reconciliations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(40), nullable=False),
        sa.Column("since", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("store_orders", sa.Integer(), nullable=False),
        sa.Column("already_here", sa.Integer(), nullable=False),
        sa.Column("fetched", JSON, nullable=False),
        sa.Column("errors", JSON, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_store_reconciliations")),
    )
    op.create_index("ix_store_reconciliations_channel", "store_reconciliations", ["channel"])


def downgrade() -> None:
    op.drop_index("ix_store_reconciliations_channel", table_name="store_reconciliations")
    op.drop_table("store_reconciliations")
    op.drop_table("store_cursors")
    op.drop_index("ix_store_writebacks_shipment_id", table_name="store_writebacks")
    op.drop_index("ix_store_writebacks_order_id", table_name="store_writebacks")
    op.drop_table("store_writebacks")

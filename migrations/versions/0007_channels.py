"""Sales channels and every payload they deliver (accepted, duplicate, dead letter).

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-26
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
UTC_TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "channels",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("order_type_key", sa.String(length=63), nullable=False),
        sa.Column("mapping", JSON, nullable=False),
        sa.Column("secret", sa.String(length=100), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTC_TIMESTAMP, nullable=False),
        sa.Column("updated_at", UTC_TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_channels"),
        sa.UniqueConstraint("key", name="uq_channels_key"),
    )
    op.create_table(
        "inbound_orders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel_id", sa.Integer(), nullable=True),
        sa.Column("source", sa.String(length=120), nullable=False),
        sa.Column("external_id", sa.String(length=200), nullable=True),
        sa.Column("accepted_external_id", sa.String(length=200), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("error", JSON, nullable=True),
        sa.Column("order_id", sa.Integer(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("received_at", UTC_TIMESTAMP, nullable=False),
        sa.Column("processed_at", UTC_TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(
            ["channel_id"], ["channels.id"], name="fk_inbound_orders_channel_id_channels",
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name="fk_inbound_orders_order_id_orders",
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_inbound_orders"),
        sa.UniqueConstraint(
            "source", "accepted_external_id", name="uq_inbound_orders_source_accepted"
        ),
    )
    op.create_index("ix_inbound_orders_order_id", "inbound_orders", ["order_id"])
    op.create_index(
        "ix_inbound_orders_source_status", "inbound_orders", ["source", "status"]
    )


def downgrade() -> None:
    op.drop_index("ix_inbound_orders_source_status", table_name="inbound_orders")
    op.drop_index("ix_inbound_orders_order_id", table_name="inbound_orders")
    op.drop_table("inbound_orders")
    op.drop_table("channels")

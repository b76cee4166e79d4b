"""Orders pinned to their definition version, their timeline, and order numbers.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
UTC_TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "order_sequences",
        sa.Column("order_type_id", sa.Integer(), nullable=False),
        sa.Column("last_value", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["order_type_id"], ["order_types.id"], ondelete="CASCADE",
                                name="fk_order_sequences_order_type_id_order_types"),
        sa.PrimaryKeyConstraint("order_type_id", name="pk_order_sequences"),
    )
    op.create_table(
        "orders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(40), nullable=False),
        sa.Column("order_type_id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(63), nullable=False),
        sa.Column("data", JSON, nullable=False),
        sa.Column("tags", JSON, nullable=False),
        sa.Column("channel", sa.String(40), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("created_at", UTC_TIMESTAMP, nullable=False),
        sa.Column("updated_at", UTC_TIMESTAMP, nullable=False),
        sa.Column("created_by", sa.String(150), nullable=False),
        sa.ForeignKeyConstraint(["order_type_id"], ["order_types.id"],
                                name="fk_orders_order_type_id_order_types"),
        sa.ForeignKeyConstraint(["version_id"], ["definition_versions.id"],
                                name="fk_orders_version_id_definition_versions"),
        sa.PrimaryKeyConstraint("id", name="pk_orders"),
        sa.UniqueConstraint("number", name="uq_orders_number"),
    )
    op.create_index("ix_orders_created_at", "orders", ["created_at"])
    op.create_index("ix_orders_type_state", "orders", ["order_type_id", "state"])
    op.create_index("ix_orders_version_id", "orders", ["version_id"])
    op.create_table(
        "order_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("at", UTC_TIMESTAMP, nullable=False),
        sa.Column("actor_name", sa.String(150), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("transition", sa.String(63), nullable=True),
        sa.Column("from_state", sa.String(63), nullable=True),
        sa.Column("to_state", sa.String(63), nullable=True),
        sa.Column("details", JSON, nullable=False),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"], ondelete="CASCADE",
                                name="fk_order_events_order_id_orders"),
        sa.PrimaryKeyConstraint("id", name="pk_order_events"),
    )
    op.create_index("ix_order_events_order_id", "order_events", ["order_id"])


def downgrade() -> None:
    op.drop_index("ix_order_events_order_id", table_name="order_events")
    op.drop_table("order_events")
    op.drop_index("ix_orders_version_id", table_name="orders")
    op.drop_index("ix_orders_type_state", table_name="orders")
    op.drop_index("ix_orders_created_at", table_name="orders")
    op.drop_table("orders")
    op.drop_table("order_sequences")

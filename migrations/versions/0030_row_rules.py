"""Data permissions: a row rule per role, and the channels, warehouses and team of each
user that the rules measure orders against; indexes that keep a restricted order list's
first page as quick as the unrestricted one (docs/benchmarks.md).

Every existing role gets ``all``, so everyone keeps seeing what they saw.

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-07
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0030"
down_revision = "0029"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")

ORDER_INDEXES = {
    "ix_orders_channel_created_at": ["channel", "created_at"],
    "ix_orders_warehouse_created_at": ["warehouse", "created_at"],
    "ix_orders_created_by_created_at": ["created_by", "created_at"],
}


def upgrade() -> None:
    with op.batch_alter_table("roles") as batch:
        batch.add_column(sa.Column("row_rule", sa.String(length=20), nullable=False,
                                   server_default="all"))
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("channels", JSON, nullable=False, server_default="[]"))
        batch.add_column(sa.Column("warehouses", JSON, nullable=False, server_default="[]"))
        batch.add_column(sa.Column("team", sa.String(length=63), nullable=True))
        batch.create_index("ix_users_team", ["team"])
    for name, columns in ORDER_INDEXES.items():
        op.create_index(name, "orders", columns)


def downgrade() -> None:
    for name in ORDER_INDEXES:
        op.drop_index(name, table_name="orders")
    with op.batch_alter_table("users") as batch:
        batch.drop_index("ix_users_team")
        batch.drop_column("team")
        batch.drop_column("warehouses")
        batch.drop_column("channels")
    with op.batch_alter_table("roles") as batch:
        batch.drop_column("row_rule")

"""Saved order-list views with their chosen columns.

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-25
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "saved_views",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("order_type_id", sa.Integer(), nullable=True),
        sa.Column("filters", JSON, nullable=False),
        sa.Column("columns", JSON, nullable=False),
        sa.Column("created_by", sa.String(length=150), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["owner_id"], ["users.id"],
                                name=op.f("fk_saved_views_owner_id_users"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["order_type_id"], ["order_types.id"],
                                name=op.f("fk_saved_views_order_type_id_order_types"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_saved_views")),
    )
    op.create_index("ix_saved_views_owner_id", "saved_views", ["owner_id"])


def downgrade() -> None:
    op.drop_index("ix_saved_views_owner_id", table_name="saved_views")
    op.drop_table("saved_views")

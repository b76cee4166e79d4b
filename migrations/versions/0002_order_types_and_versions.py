"""Order types (drafts) and their published, immutable versions.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
UTC_TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "order_types",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(63), nullable=False),
        sa.Column("draft", JSON, nullable=False),
        sa.Column("draft_saved_at", UTC_TIMESTAMP, nullable=False),
        sa.Column("draft_saved_by", sa.String(150), nullable=False),
        sa.Column("created_at", UTC_TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_order_types"),
        sa.UniqueConstraint("key", name="uq_order_types_key"),
    )
    op.create_table(
        "definition_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_type_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("definition", JSON, nullable=False),
        sa.Column("published_at", UTC_TIMESTAMP, nullable=False),
        sa.Column("published_by", sa.String(150), nullable=False),
        sa.Column("note", sa.String(500), nullable=False),
        sa.ForeignKeyConstraint(["order_type_id"], ["order_types.id"], ondelete="CASCADE",
                                name="fk_definition_versions_order_type_id_order_types"),
        sa.PrimaryKeyConstraint("id", name="pk_definition_versions"),
        sa.UniqueConstraint("order_type_id", "number",
                            name="uq_definition_versions_order_type_number"),
    )
    op.create_index("ix_definition_versions_order_type_id", "definition_versions",
                    ["order_type_id"])


def downgrade() -> None:
    op.drop_index("ix_definition_versions_order_type_id", table_name="definition_versions")
    op.drop_table("definition_versions")
    op.drop_table("order_types")

"""Price lists and their quantity breaks (orderloom/runtime/prices/models.py).

Revision ID: 0035
Revises: 0034
Create Date: 2026-12-07
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0035"
down_revision = "0034"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "price_lists",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(40), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("channel", sa.String(40), nullable=True),
        sa.Column("customer_tier", sa.String(40), nullable=True),
        sa.Column("customer_code", sa.String(64), nullable=True),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_price_lists")),
        sa.UniqueConstraint("code", name=op.f("uq_price_lists_code")),
    )
    op.create_table(
        "price_breaks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("price_list_id", sa.Integer(), nullable=False),
        sa.Column("sku", sa.String(64), nullable=False),
        sa.Column("min_quantity", sa.Integer(), nullable=False),
        sa.Column("unit_price", sa.Numeric(18, 4), nullable=True),
        sa.ForeignKeyConstraint(["price_list_id"], ["price_lists.id"],
                                name=op.f("fk_price_breaks_price_list_id_price_lists"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_price_breaks")),
        sa.UniqueConstraint("price_list_id", "sku", "min_quantity",
                            name="uq_price_breaks_list_sku_min_quantity"),
    )
    op.create_index(op.f("ix_price_breaks_price_list_id"), "price_breaks", ["price_list_id"])
    op.create_index(op.f("ix_price_breaks_sku"), "price_breaks", ["sku"])


def downgrade() -> None:
    op.drop_table("price_breaks")
    op.drop_table("price_lists")

"""The warehouse floor: waves of orders, their lines and the wave's log of scans,
and each warehouse's zone walking order (orderloom/runtime/floor/).

Revision ID: 0036
Revises: 0035
Create Date: 2026-12-07
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0036"
down_revision = "0035"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    # Warehouses that exist already walk their zones in natural order until told.
    with op.batch_alter_table("warehouses") as batch:
        batch.add_column(sa.Column("zone_order", JSON, nullable=False, server_default="[]"))
    op.create_table(
        "waves",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=40), nullable=False),
        sa.Column("warehouse", sa.String(length=50), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("planned_by", JSON, nullable=False),
        sa.Column("at_bin", sa.String(length=64), nullable=True),
        sa.Column("created_by", sa.String(length=150), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("done_at", WHEN, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_waves")),
        sa.UniqueConstraint("number", name=op.f("uq_waves_number")),
    )
    op.create_index(op.f("ix_waves_warehouse"), "waves", ["warehouse"])
    op.create_table(
        "wave_orders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("wave_id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.ForeignKeyConstraint(["wave_id"], ["waves.id"], ondelete="CASCADE",
                                name=op.f("fk_wave_orders_wave_id_waves")),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"], ondelete="CASCADE",
                                name=op.f("fk_wave_orders_order_id_orders")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_wave_orders")),
        sa.UniqueConstraint("wave_id", "order_id", name="uq_wave_orders_wave_order"),
    )
    op.create_index(op.f("ix_wave_orders_wave_id"), "wave_orders", ["wave_id"])
    op.create_index(op.f("ix_wave_orders_order_id"), "wave_orders", ["order_id"])
    op.create_table(
        "wave_lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("wave_id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("sku", sa.String(length=64), nullable=False),
        sa.Column("bin", sa.String(length=64), nullable=False),
        sa.Column("zone", sa.String(length=64), nullable=False),
        sa.Column("zone_place", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("picked", sa.Integer(), nullable=False),
        sa.Column("packed", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["wave_id"], ["waves.id"], ondelete="CASCADE",
                                name=op.f("fk_wave_lines_wave_id_waves")),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"], ondelete="CASCADE",
                                name=op.f("fk_wave_lines_order_id_orders")),
        sa.ForeignKeyConstraint(["product_id"], ["products.id"],
                                name=op.f("fk_wave_lines_product_id_products")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_wave_lines")),
    )
    op.create_index("ix_wave_lines_wave_sku", "wave_lines", ["wave_id", "sku"])
    op.create_table(
        "wave_scans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("wave_id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=True),
        sa.Column("step", sa.String(length=8), nullable=False),
        sa.Column("code", sa.String(length=100), nullable=False),
        sa.Column("accepted", sa.Boolean(), nullable=False),
        sa.Column("outcome", sa.String(length=300), nullable=False),
        sa.Column("refusal", sa.String(length=30), nullable=True),
        sa.Column("done", sa.String(length=30), nullable=True),
        sa.Column("values", JSON, nullable=False),
        sa.Column("actor_name", sa.String(length=150), nullable=False),
        sa.Column("at", WHEN, nullable=False),
        sa.ForeignKeyConstraint(["wave_id"], ["waves.id"], ondelete="CASCADE",
                                name=op.f("fk_wave_scans_wave_id_waves")),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"], ondelete="SET NULL",
                                name=op.f("fk_wave_scans_order_id_orders")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_wave_scans")),
    )
    op.create_index(op.f("ix_wave_scans_wave_id"), "wave_scans", ["wave_id"])


def downgrade() -> None:
    op.drop_table("wave_scans")
    op.drop_table("wave_lines")
    op.drop_table("wave_orders")
    op.drop_table("waves")
    with op.batch_alter_table("warehouses") as batch:
        batch.drop_column("zone_order")

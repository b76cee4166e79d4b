"""The warehouse floor's setup per warehouse (weighing at the packing bench, waves on a
schedule with a cut-off) and each parcel's last weighing.

Revision ID: 0039
Revises: 0038
Create Date: 2026-12-07
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0039"
down_revision = "0038"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("wave_orders") as batch:
        batch.add_column(sa.Column("weighed_grams", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("weight_ok", sa.Boolean(), nullable=True))
    op.create_table(
        "floor_setups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("warehouse", sa.String(length=50), nullable=False),
        sa.Column("tolerance_grams", sa.Integer(), nullable=True),
        sa.Column("packaging_grams", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("weigh_every_parcel", sa.Boolean(), nullable=False,
                  server_default=sa.false()),
        sa.Column("wave_times", JSON, nullable=False),
        sa.Column("cut_off", sa.String(length=5), nullable=True),
        sa.Column("wave_rules", JSON, nullable=False),
        sa.Column("planned_until", WHEN, nullable=True),
        sa.Column("updated_by", sa.String(length=150), nullable=False),
        sa.Column("updated_at", WHEN, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_floor_setups")),
        sa.UniqueConstraint("warehouse", name=op.f("uq_floor_setups_warehouse")),
    )


def downgrade() -> None:
    op.drop_table("floor_setups")
    with op.batch_alter_table("wave_orders") as batch:
        batch.drop_column("weight_ok")
        batch.drop_column("weighed_grams")

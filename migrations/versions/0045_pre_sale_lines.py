"""Pre-sale by line and split off: a waiting pre-sale line says whether a line's own
release date (not its product's) holds it and which held part of its order carries it
once split off; the merge and split settings say whether arriving orders split their
pre-sale lines off by themselves.

Revision ID: 0045
Revises: 0044
Create Date: 2026-12-07
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0045"
down_revision = "0044"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("pre_sale_holds") as batch:
        batch.add_column(sa.Column("by_line", sa.Boolean(), nullable=False,
                                   server_default=sa.false()))
        batch.add_column(sa.Column("part_position", sa.Integer(), nullable=True))
    with op.batch_alter_table("consolidation_settings") as batch:
        batch.add_column(sa.Column("split_pre_sale", sa.Boolean(), nullable=False,
                                   server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("consolidation_settings") as batch:
        batch.drop_column("split_pre_sale")
    with op.batch_alter_table("pre_sale_holds") as batch:
        batch.drop_column("part_position")
        batch.drop_column("by_line")

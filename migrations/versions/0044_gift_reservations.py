"""A reservation says whether it holds a promotion's gift rather than a line of the
order (orderloom/runtime/stock/models.py Reservation.gift).

Revision ID: 0044
Revises: 0043
Create Date: 2026-12-07
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0044"
down_revision = "0043"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("reservations") as batch:
        batch.add_column(sa.Column("gift", sa.Boolean(), nullable=False,
                                   server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("reservations") as batch:
        batch.drop_column("gift")

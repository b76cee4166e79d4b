"""Notifications a timer makes keep what happened and its numbers (``what``,
``details``) so that they are worded in the reader's language when shown; the stored
English ``title`` stays for notifications made before and for other kinds.

Revision ID: 0038
Revises: 0037
Create Date: 2026-12-07
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0038"
down_revision = "0037"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("notifications") as batch:
        batch.add_column(sa.Column("what", sa.String(50), nullable=True))
        batch.add_column(sa.Column("details", JSON, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("notifications") as batch:
        batch.drop_column("details")
        batch.drop_column("what")

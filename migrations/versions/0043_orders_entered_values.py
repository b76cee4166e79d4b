"""Orders keep the values entered at creation (``entered``), apart from ``data``,
which edits and actions change, so a replay against a draft recomputes from what was
entered. Orders created before stay without them (NULL) and replay from ``data``.

Revision ID: 0043
Revises: 0042
Create Date: 2026-12-07
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0043"
down_revision = "0042"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("orders") as batch:
        batch.add_column(sa.Column("entered", JSON, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("orders") as batch:
        batch.drop_column("entered")

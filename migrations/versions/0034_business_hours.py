"""The business calendar's working hours per weekday, which SLAs and timers that count
business hours count with (orderloom/runtime/business_calendar.py). A calendar stored
before has none: every weekday works the usual 09:00 to 18:00.

Revision ID: 0034
Revises: 0033
Create Date: 2026-12-07
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0034"
down_revision = "0033"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("business_calendar") as batch:
        batch.add_column(sa.Column("hours", JSON, nullable=False, server_default="{}"))


def downgrade() -> None:
    with op.batch_alter_table("business_calendar") as batch:
        batch.drop_column("hours")

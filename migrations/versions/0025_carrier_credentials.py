"""Carriers' secrets sealed: ``carriers.credentials`` holds the secret members of a
carrier's config (an HTTP carrier's auth value, a tracking service's key) sealed
with the instance key. Values already in ``config`` stay there and keep working
until the carrier is next changed (a migration has no instance key to seal with).

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-06
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("carriers") as batch:
        batch.add_column(sa.Column("credentials", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("carriers") as batch:
        batch.drop_column("credentials")

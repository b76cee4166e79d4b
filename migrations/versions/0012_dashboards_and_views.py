"""The index for the order list's state and date filter.

Measured on a million orders (benchmarks/dashboard_bench.py, docs/benchmarks.md):
with it, a first page of a rare state in a 30-day window reads one page of index
entries instead of every order of those days.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-25
"""
from __future__ import annotations

from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_orders_state_created_at", "orders", ["state", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_orders_state_created_at", table_name="orders")

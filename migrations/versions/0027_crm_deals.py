"""CRM deals as orders (orderloom/runtime/channels/crm_deals.py, crm_updates.py,
runtime/customers/crm_links.py): a CRM channel's API address and won stages, the CRM
records each customer is, and every attempt to tell the CRM of an order's events.

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-06
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "crm_connections",
        sa.Column("channel", sa.String(40), nullable=False),
        sa.Column("api_url", sa.String(500), nullable=False),
        sa.Column("won_stages", JSON, nullable=False),
        sa.ForeignKeyConstraint(["channel"], ["channels.key"],
                                name=op.f("fk_crm_connections_channel_channels"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("channel", name=op.f("pk_crm_connections")),
    )
    op.create_table(
        "customer_crm_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("system", sa.String(40), nullable=False),
        sa.Column("record_kind", sa.String(20), nullable=False),
        sa.Column("record_id", sa.String(100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"],
                                name=op.f("fk_customer_crm_links_customer_id_customers"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customer_crm_links")),
        sa.UniqueConstraint("system", "record_kind", "record_id",
                            name="uq_customer_crm_links_record"),
    )
    op.create_index("ix_customer_crm_links_customer_id", "customer_crm_links",
                    ["customer_id"])
    op.create_table(
        "crm_updates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(40), nullable=False),
        sa.Column("event_key", sa.String(40), nullable=False),
        sa.Column("event", sa.String(200), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(20), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("remote_id", sa.String(100), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"],
                                name=op.f("fk_crm_updates_order_id_orders"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_crm_updates")),
    )
    op.create_index("ix_crm_updates_order_id", "crm_updates", ["order_id"])
    op.create_index("ix_crm_updates_channel", "crm_updates", ["channel"])
    op.create_index("ix_crm_updates_event_key", "crm_updates", ["event_key"])


def downgrade() -> None:
    op.drop_table("crm_updates")
    op.drop_table("customer_crm_links")
    op.drop_table("crm_connections")

"""Channels that speak a store platform's own protocol (Shopify, WooCommerce).

A store's own webhook secret is kept sealed with the instance key, which is longer
than a generated secret, so the column widens; the store's address, its sealed API
credentials and what the store's later changes do are new columns. Deliveries keep
the platform's delivery id (unique per channel, so a retry is recognised) and topic.
Existing channels keep their secrets and behave as before.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("channels") as batch:
        batch.alter_column("secret", existing_type=sa.String(100), type_=sa.String(1000),
                           existing_nullable=False)
        batch.add_column(sa.Column("store_url", sa.String(500), nullable=True))
        batch.add_column(sa.Column("credentials", sa.Text(), nullable=True))
        batch.add_column(sa.Column("store_update_policy", sa.String(20), nullable=False,
                                   server_default="apply_until_picked"))
    with op.batch_alter_table("inbound_orders") as batch:
        batch.add_column(sa.Column("delivery_id", sa.String(200), nullable=True))
        batch.add_column(sa.Column("topic", sa.String(40), nullable=True))
        batch.create_unique_constraint("uq_inbound_orders_source_delivery",
                                       ["source", "delivery_id"])


def downgrade() -> None:
    with op.batch_alter_table("inbound_orders") as batch:
        batch.drop_constraint("uq_inbound_orders_source_delivery", type_="unique")
        batch.drop_column("topic")
        batch.drop_column("delivery_id")
    with op.batch_alter_table("channels") as batch:
        batch.drop_column("store_update_policy")
        batch.drop_column("credentials")
        batch.drop_column("store_url")
        batch.alter_column("secret", existing_type=sa.String(1000), type_=sa.String(100),
                           existing_nullable=False)

"""Webhook subscriptions can be paused with a reason: one seen only as roles whose
row rules are narrower than ``all`` (set up before only people who see every order
could subscribe) is switched off rather than told of orders hidden from them.

Revision ID: 0037
Revises: 0036
Create Date: 2026-12-07
"""
from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

revision = "0037"
down_revision = "0036"
branch_labels = None
depends_on = None

# The same words as orderloom/platform/order_scope.py's NARROW_SUBSCRIPTION; copied,
# so that this file reads nothing of the code as it will be later.
REASON = ("paused: it is seen as roles whose row rules do not show every order, so its "
          "events could tell of orders hidden from them; someone who sees every order may "
          "switch it on again, as their own roles")


def upgrade() -> None:
    with op.batch_alter_table("webhook_subscriptions") as batch:
        batch.add_column(sa.Column("paused_reason", sa.String(300), nullable=True))
    bind = op.get_bind()
    every = {name for name, rule in bind.execute(sa.text("SELECT name, row_rule FROM roles"))
             if (rule or "all") == "all"}
    subscriptions = sa.table("webhook_subscriptions", sa.column("id"), sa.column("active"),
                             sa.column("paused_reason", sa.String))
    for subscription_id, seen_as in bind.execute(sa.text(
            "SELECT id, seen_as FROM webhook_subscriptions WHERE active")):
        if seen_as is None:
            continue  # made before fields had access: seen as the instance, as before
        roles = json.loads(seen_as) if isinstance(seen_as, str) else seen_as
        if not every.intersection(roles or []):
            bind.execute(subscriptions.update().where(subscriptions.c.id == subscription_id)
                         .values(active=False, paused_reason=REASON))


def downgrade() -> None:
    with op.batch_alter_table("webhook_subscriptions") as batch:
        batch.drop_column("paused_reason")

"""ERP connections get their own permission, ``erp.manage``
(orderloom/platform/permissions.py). They were guarded by ``webhooks.manage`` before;
a custom role stores its permissions, so each custom role that held
``webhooks.manage`` is given ``erp.manage`` too and keeps what it could do. Built-in
roles take theirs from the permission table and need nothing here.

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-07
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0028"
down_revision = "0027"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")

roles = sa.table("roles", sa.column("id", sa.Integer), sa.column("builtin", sa.Boolean),
                 sa.column("permissions", JSON))

BEFORE, NOW = "webhooks.manage", "erp.manage"


def _rewrite(change) -> None:
    bind = op.get_bind()
    for role_id, permissions in bind.execute(
            sa.select(roles.c.id, roles.c.permissions).where(roles.c.builtin.is_(False))).all():
        if not isinstance(permissions, list):
            continue  # an odd stored value grants nothing either way
        changed = change(permissions)
        if changed != permissions:
            bind.execute(roles.update().where(roles.c.id == role_id)
                         .values(permissions=changed))


def upgrade() -> None:
    _rewrite(lambda held: held + [NOW] if BEFORE in held and NOW not in held else held)


def downgrade() -> None:
    _rewrite(lambda held: [p for p in held if p != NOW])

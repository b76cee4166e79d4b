"""Store news taken once and in order, and notices by permission:

- ``inbound_orders.body_digest`` becomes unique per channel, so the same bytes are
  never stored twice, also when two copies arrive at the same moment. Rows kept
  before the digest was recorded get theirs now (the stored body is the delivered
  one for any UTF-8 body); of rows that already share one, the first keeps it.
- ``inbound_orders.changed_at``: when the store last changed the order, by its own
  clock, on each piece of store news acted on, so an older update arriving late is
  told apart and ignored.
- ``notifications.permission``: a notice for everyone whose roles grant a permission
  (a held order nobody's role is named for is told to those who may act on orders).

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-06
"""
from __future__ import annotations

import hashlib

import sqlalchemy as sa
from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None

BATCH = 1000

inbound = sa.table("inbound_orders", sa.column("id", sa.Integer()),
                   sa.column("source", sa.String()), sa.column("body", sa.Text()),
                   sa.column("body_digest", sa.String()))


def _digests() -> None:
    connection = op.get_bind()
    taken = {(source, digest) for source, digest in connection.execute(
        sa.select(inbound.c.source, inbound.c.body_digest)
        .where(inbound.c.body_digest.is_not(None)))}
    # Of rows that already share a digest (two copies that arrived at once) the first
    # keeps it; a row without one gets its own unless another row holds it.
    holders: set[tuple[str, str]] = set()
    last = 0
    while True:
        rows = connection.execute(
            sa.select(inbound.c.id, inbound.c.source, inbound.c.body, inbound.c.body_digest)
            .where(inbound.c.id > last).order_by(inbound.c.id).limit(BATCH)).all()
        if not rows:
            break
        for row_id, source, body, digest in rows:
            last = row_id
            if digest is not None:
                if (source, digest) in holders:
                    connection.execute(inbound.update().where(inbound.c.id == row_id)
                                       .values(body_digest=None))
                holders.add((source, digest))
                continue
            digest = hashlib.sha256((body or "").encode("utf-8")).hexdigest()
            if (source, digest) not in taken:
                taken.add((source, digest))
                holders.add((source, digest))
                connection.execute(inbound.update().where(inbound.c.id == row_id)
                                   .values(body_digest=digest))


def upgrade() -> None:
    op.drop_index("ix_inbound_orders_source_body_digest", table_name="inbound_orders")
    _digests()
    op.create_index("uq_inbound_orders_source_body_digest", "inbound_orders",
                    ["source", "body_digest"], unique=True)
    with op.batch_alter_table("inbound_orders") as batch:
        batch.add_column(sa.Column("changed_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("notifications") as batch:
        batch.add_column(sa.Column("permission", sa.String(50), nullable=True))
    op.create_index("ix_notifications_permission", "notifications", ["permission"])


def downgrade() -> None:
    op.drop_index("ix_notifications_permission", table_name="notifications")
    with op.batch_alter_table("notifications") as batch:
        batch.drop_column("permission")
    with op.batch_alter_table("inbound_orders") as batch:
        batch.drop_column("changed_at")
    op.drop_index("uq_inbound_orders_source_body_digest", table_name="inbound_orders")
    op.create_index("ix_inbound_orders_source_body_digest", "inbound_orders",
                    ["source", "body_digest"])

"""The order total and currency, kept beside the form data for lists, customers and reports.

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-25
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("orders") as batch:
        batch.add_column(sa.Column("total", sa.Numeric(18, 4), nullable=True))
        batch.add_column(sa.Column("currency", sa.String(length=3), nullable=True))
    # Orders stored before this revision: their "total" value, where it is a number.
    # A type whose total field has another key gets it filled on the order's next change.
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute("""
            UPDATE orders SET total = (data->>'total')::numeric
            WHERE data->>'total' ~ '^-?[0-9]+(\\.[0-9]+)?$'
        """)
        op.execute("""
            UPDATE orders SET currency = (SELECT v.definition->>'currency'
                                          FROM definition_versions v
                                          WHERE v.id = orders.version_id)
        """)
    else:
        op.execute("""
            UPDATE orders SET total = CAST(json_extract(data, '$.total') AS NUMERIC)
            WHERE json_type(data, '$.total') IN ('integer', 'real', 'text')
              AND CAST(json_extract(data, '$.total') AS TEXT) GLOB '*[0-9]*'
        """)
        op.execute("""
            UPDATE orders SET currency = (SELECT json_extract(v.definition, '$.currency')
                                          FROM definition_versions v
                                          WHERE v.id = orders.version_id)
        """)


def downgrade() -> None:
    with op.batch_alter_table("orders") as batch:
        batch.drop_column("currency")
        batch.drop_column("total")

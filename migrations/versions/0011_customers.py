"""Customers and the orders that belong to them.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-25
"""
from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
UTC_TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "customers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("phone", sa.String(length=40), nullable=True),
        sa.Column("tags", JSON, nullable=False),
        sa.Column("attributes", JSON, nullable=False),
        sa.Column("merged_into_id", sa.Integer(), nullable=True),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("created_at", UTC_TIMESTAMP, nullable=False),
        sa.Column("updated_at", UTC_TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(["merged_into_id"], ["customers.id"],
                                name="fk_customers_merged_into_id_customers"),
        sa.PrimaryKeyConstraint("id", name="pk_customers"),
        sa.UniqueConstraint("code", name="uq_customers_code"),
    )
    op.create_index("ix_customers_email", "customers", ["email"])
    op.create_index("ix_customers_phone", "customers", ["phone"])
    op.create_index("ix_customers_merged_into_id", "customers", ["merged_into_id"])
    with op.batch_alter_table("orders") as batch:
        batch.add_column(sa.Column("customer_id", sa.Integer(), nullable=True))
        batch.create_index("ix_orders_customer_id", ["customer_id"])
        batch.create_foreign_key("fk_orders_customer_id_customers", "customers",
                                 ["customer_id"], ["id"])
    _link_existing_orders(op.get_bind())


# --- orders stored before this revision get their customers ---------------------------------
# A frozen copy of the matching in orderloom/runtime/customers/records.py as it was at this
# revision: a migration must not change when that module does.

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE = re.compile(r"^\+?[0-9]{3,20}$")
_IDENTITY = ("code", "name", "email", "phone", "tags")


def _text(value: object, limit: int) -> str | None:
    text = str(value).strip() if value is not None else ""
    return text if text and len(text) <= limit else None


def _identity(record: dict) -> tuple[str | None, str | None, str | None]:
    code = _text(record.get("code"), 64)
    email = (_text(record.get("email"), 254) or "").lower() or None
    if email and not _EMAIL.match(email):
        email = None
    phone = re.sub(r"[\s\-().]", "", str(record.get("phone") or ""))
    return code, email, (phone if _PHONE.match(phone) else None)


def _link_existing_orders(bind) -> None:
    versions = sa.table("definition_versions", sa.column("id", sa.Integer()),
                        sa.column("definition", JSON))
    orders = sa.table("orders", sa.column("id", sa.Integer()),
                      sa.column("version_id", sa.Integer()), sa.column("data", JSON),
                      sa.column("customer_id", sa.Integer()),
                      sa.column("created_at", UTC_TIMESTAMP))
    customers = sa.table(
        "customers", sa.column("id", sa.Integer()), sa.column("code", sa.String()),
        sa.column("name", sa.String()), sa.column("email", sa.String()),
        sa.column("phone", sa.String()), sa.column("tags", JSON),
        sa.column("attributes", JSON), sa.column("merged_into_id", sa.Integer()),
        sa.column("revision", sa.Integer()), sa.column("created_at", UTC_TIMESTAMP),
        sa.column("updated_at", UTC_TIMESTAMP))
    field_of = {}
    for version_id, definition in bind.execute(sa.select(versions.c.id,
                                                         versions.c.definition)):
        fields = ((definition or {}).get("form") or {}).get("fields") or []
        key = next((f.get("key") for f in fields if f.get("type") == "customer"), None)
        if key:
            field_of[version_id] = key
    if not field_of:
        return
    known: dict[tuple[str, str], int] = {}
    links = []
    now = datetime.now(UTC)
    query = (sa.select(orders.c.id, orders.c.version_id, orders.c.data, orders.c.created_at)
             .where(orders.c.version_id.in_(list(field_of))).order_by(orders.c.id))
    for order_id, version_id, data, created_at in bind.execute(query).all():
        record = (data or {}).get(field_of[version_id])
        if not isinstance(record, dict):
            continue
        code, email, phone = _identity(record)
        keys = [(kind, value) for kind, value in
                (("code", code), ("email", email), ("phone", phone)) if value]
        if not keys:
            continue
        customer_id = next((known[k] for k in keys if k in known), None)
        if customer_id is None:
            tags = record.get("tags") if isinstance(record.get("tags"), list) else []
            customer_id = bind.execute(sa.insert(customers).values(
                code=code or "C-" + uuid.uuid4().hex[:10].upper(),
                name=_text(record.get("name"), 200) or code or email or phone,
                email=email, phone=phone, tags=[str(t) for t in tags if t],
                attributes={k: v for k, v in record.items()
                            if k not in _IDENTITY and v is not None},
                merged_into_id=None, revision=1,
                created_at=created_at or now, updated_at=now)
                .returning(customers.c.id)).scalar_one()
        for k in keys:
            known.setdefault(k, customer_id)
        links.append({"order": order_id, "customer": customer_id})
    if links:
        bind.execute(orders.update().where(orders.c.id == sa.bindparam("order"))
                     .values(customer_id=sa.bindparam("customer")), links)


def downgrade() -> None:
    with op.batch_alter_table("orders") as batch:
        batch.drop_constraint("fk_orders_customer_id_customers", type_="foreignkey")
        batch.drop_index("ix_orders_customer_id")
        batch.drop_column("customer_id")
    op.drop_index("ix_customers_merged_into_id", table_name="customers")
    op.drop_index("ix_customers_phone", table_name="customers")
    op.drop_index("ix_customers_email", table_name="customers")
    op.drop_table("customers")

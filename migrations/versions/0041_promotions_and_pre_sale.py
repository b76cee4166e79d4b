"""Promotion rules and what they gave orders, pre-sale products, expected receipts
and the pre-sale lines orders wait with (orderloom/runtime/promotions/models.py).

Revision ID: 0041
Revises: 0040
Create Date: 2026-12-07
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0041"
down_revision = "0040"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
MONEY = sa.Numeric(18, 4)


def upgrade() -> None:
    op.create_table(
        "promotion_rules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(40), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("skus", JSON, nullable=False),
        sa.Column("min_amount", MONEY, nullable=True),
        sa.Column("min_quantity", sa.Integer(), nullable=True),
        sa.Column("channels", JSON, nullable=False),
        sa.Column("customer_tiers", JSON, nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=True),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("gift_sku", sa.String(64), nullable=True),
        sa.Column("gift_quantity", sa.Integer(), nullable=True),
        sa.Column("discount_percent", MONEY, nullable=True),
        sa.Column("discount_amount", MONEY, nullable=True),
        sa.Column("discount_on", sa.String(10), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_promotion_rules")),
        sa.UniqueConstraint("code", name=op.f("uq_promotion_rules_code")),
    )
    op.create_table(
        "promotions_applied",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("rule_code", sa.String(40), nullable=False),
        sa.Column("rule_name", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("sku", sa.String(64), nullable=True),
        sa.Column("quantity", sa.Integer(), nullable=True),
        sa.Column("warehouse", sa.String(50), nullable=True),
        sa.Column("amount", MONEY, nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"],
                                name=op.f("fk_promotions_applied_order_id_orders"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_promotions_applied")),
    )
    op.create_index(op.f("ix_promotions_applied_order_id"), "promotions_applied",
                    ["order_id"])
    op.create_table(
        "pre_sales",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sku", sa.String(64), nullable=False),
        sa.Column("release_on", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pre_sales")),
        sa.UniqueConstraint("sku", name=op.f("uq_pre_sales_sku")),
    )
    op.create_table(
        "expected_receipts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("warehouse_id", sa.Integer(), nullable=False),
        sa.Column("expected_on", sa.Date(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("reserved", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("reserved >= 0 AND reserved <= quantity",
                           name=op.f("ck_expected_receipts_reserved_within_quantity")),
        sa.ForeignKeyConstraint(["product_id"], ["products.id"],
                                name=op.f("fk_expected_receipts_product_id_products")),
        sa.ForeignKeyConstraint(["warehouse_id"], ["warehouses.id"],
                                name=op.f("fk_expected_receipts_warehouse_id_warehouses")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_expected_receipts")),
        sa.UniqueConstraint("product_id", "warehouse_id", "expected_on",
                            name="uq_expected_receipts_product_warehouse_day"),
    )
    op.create_index(op.f("ix_expected_receipts_product_id"), "expected_receipts",
                    ["product_id"])
    op.create_table(
        "pre_sale_holds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("sku", sa.String(64), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("receipt_id", sa.Integer(), nullable=True),
        sa.Column("release_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("released_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"],
                                name=op.f("fk_pre_sale_holds_order_id_orders"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["receipt_id"], ["expected_receipts.id"],
                                name=op.f("fk_pre_sale_holds_receipt_id_expected_receipts")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pre_sale_holds")),
    )
    op.create_index(op.f("ix_pre_sale_holds_order_id"), "pre_sale_holds", ["order_id"])
    op.create_index("ix_pre_sale_holds_status_release_on", "pre_sale_holds",
                    ["status", "release_on"])


def downgrade() -> None:
    op.drop_table("pre_sale_holds")
    op.drop_table("expected_receipts")
    op.drop_table("pre_sales")
    op.drop_table("promotions_applied")
    op.drop_table("promotion_rules")

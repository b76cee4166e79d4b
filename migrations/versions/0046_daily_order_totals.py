"""The daily summary of orders (orderloom/runtime/reports/models.py), kept by triggers
on ``orders``, filled from the orders already stored; and the staff list's state
counts answered from an index alone.

Triggers rather than application code: create and submit are written with plain
statements as well as through the ORM, and a trigger sees every write of an order,
whichever path made it, in its transaction. An update that changes none of the
summary's columns leaves it alone. The triggers only add rows (a negative one takes an
order's old values out): a row per key updated in place was a lock every order of
that day and state waited on until commit, and it deadlocked with the stock rows that
a concurrent submit held. On SQLite, a later migration that copies
``orders`` into a new table (batch_alter_table) drops these triggers with the old
table and must create them again (tests/dashboards/test_daily_summary.py fails
otherwise).

Revision ID: 0046
Revises: 0045
Create Date: 2026-12-07
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0046"
down_revision = "0045"
branch_labels = None
depends_on = None

KEY = "day, order_type_id, version_id, channel, state, currency"
WATCHED = ("created_at", "order_type_id", "version_id", "channel", "state", "currency",
           "total")

POSTGRES_FUNCTION = f"""
CREATE FUNCTION daily_order_totals_follow() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    day_zone text;
    old_total numeric;
    new_total numeric;
BEGIN
    IF TG_OP = 'UPDATE' AND {" AND ".join(f"NEW.{c} IS NOT DISTINCT FROM OLD.{c}"
                                           for c in WATCHED)} THEN
        RETURN NULL;
    END IF;
    SELECT z.zone INTO day_zone FROM daily_order_totals_zone z LIMIT 1;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        old_total := CASE WHEN OLD.total = 'NaN' THEN 0 ELSE coalesce(OLD.total, 0) END;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        new_total := CASE WHEN NEW.total = 'NaN' THEN 0 ELSE coalesce(NEW.total, 0) END;
    END IF;
    day_zone := coalesce(day_zone, 'UTC');
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        INSERT INTO daily_order_totals ({KEY}, orders, total)
        VALUES ((OLD.created_at AT TIME ZONE day_zone)::date, OLD.order_type_id,
                OLD.version_id, OLD.channel, OLD.state, coalesce(OLD.currency, ''), -1,
                -old_total);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO daily_order_totals ({KEY}, orders, total)
        VALUES ((NEW.created_at AT TIME ZONE day_zone)::date, NEW.order_type_id,
                NEW.version_id, NEW.channel, NEW.state, coalesce(NEW.currency, ''), 1,
                new_total);
    END IF;
    RETURN NULL;
END
$$
"""
POSTGRES_TRIGGER = (
    "CREATE TRIGGER daily_order_totals_follow AFTER INSERT OR DELETE OR UPDATE OF "
    f"{', '.join(WATCHED)} ON orders FOR EACH ROW EXECUTE FUNCTION daily_order_totals_follow()")

SQLITE_SHIFT = "coalesce((SELECT shift FROM daily_order_totals_zone LIMIT 1), '+0 minutes')"


def _sqlite_amount(row: str) -> str:
    return sqlite_amount(f"{row}.total")


def sqlite_amount(total: str) -> str:
    """The row's total as the summary adds it: a faulty one (text, or an infinite
    float, which SQLite keeps in a NUMERIC column when a row is changed by hand) as 0,
    as the dashboards read it; else infinity minus infinity would be NULL."""
    return (f"CASE WHEN typeof({total}) IN ('integer', 'real') "
            f"AND abs({total}) < 1e18 THEN {total} ELSE 0 END")


def _sqlite_add(row: str) -> str:
    return f"""
    INSERT INTO daily_order_totals ({KEY}, orders, total)
    VALUES (date({row}.created_at, {SQLITE_SHIFT}), {row}.order_type_id, {row}.version_id,
            {row}.channel, {row}.state, coalesce({row}.currency, ''), 1,
            {_sqlite_amount(row)});"""


def _sqlite_take(row: str) -> str:
    return f"""
    INSERT INTO daily_order_totals ({KEY}, orders, total)
    VALUES (date({row}.created_at, {SQLITE_SHIFT}), {row}.order_type_id, {row}.version_id,
            {row}.channel, {row}.state, coalesce({row}.currency, ''), -1,
            -({_sqlite_amount(row)}));"""


SQLITE_TRIGGERS = (
    f"CREATE TRIGGER daily_order_totals_insert AFTER INSERT ON orders BEGIN"
    f"{_sqlite_add('NEW')}\nEND",
    f"CREATE TRIGGER daily_order_totals_update AFTER UPDATE OF {', '.join(WATCHED)} ON orders"
    f" WHEN {' OR '.join(f'NEW.{c} IS NOT OLD.{c}' for c in WATCHED)} BEGIN"
    f"{_sqlite_take('OLD')}{_sqlite_add('NEW')}\nEND",
    f"CREATE TRIGGER daily_order_totals_delete AFTER DELETE ON orders BEGIN"
    f"{_sqlite_take('OLD')}\nEND",
)

AMOUNT = {
    "postgresql": "CASE WHEN total = 'NaN' THEN 0 ELSE coalesce(total, 0) END",
    "sqlite": sqlite_amount("total"),
}
BACKFILL = {
    "postgresql": "(created_at AT TIME ZONE 'UTC')::date",
    "sqlite": "date(created_at)",
}


def upgrade() -> None:
    op.create_table(
        "daily_order_totals",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False,
                  autoincrement=True),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("order_type_id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(40), nullable=False),
        sa.Column("state", sa.String(63), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("orders", sa.Integer(), nullable=False),
        sa.Column("total", sa.Numeric(28, 4), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_daily_order_totals")),
    )
    op.create_index("ix_daily_order_totals_key", "daily_order_totals",
                    ["day", "order_type_id", "version_id", "channel", "state", "currency"])
    op.create_table(
        "daily_order_totals_zone",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("zone", sa.String(64), nullable=False),
        sa.Column("shift", sa.String(20), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_daily_order_totals_zone")),
    )
    dialect = op.get_bind().dialect.name
    op.execute(
        f"INSERT INTO daily_order_totals ({KEY}, orders, total) "
        f"SELECT {BACKFILL[dialect]}, order_type_id, version_id, channel, state, "
        f"coalesce(currency, ''), count(*), coalesce(sum({AMOUNT[dialect]}), 0) FROM orders "
        f"GROUP BY {BACKFILL[dialect]}, order_type_id, version_id, channel, state, "
        f"coalesce(currency, '')")
    if dialect == "postgresql":
        # The staff list counts orders per state under the list's filters (type,
        # channel, dates): with those columns in the index, PostgreSQL counts from the
        # index alone and never reads the orders themselves.
        op.drop_index("ix_orders_state_created_at", table_name="orders")
        op.create_index("ix_orders_state_created_at", "orders", ["state", "created_at"],
                        postgresql_include=["order_type_id", "channel"])
        op.execute(POSTGRES_FUNCTION)
        op.execute(POSTGRES_TRIGGER)
    else:
        for trigger in SQLITE_TRIGGERS:
            op.execute(trigger)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER daily_order_totals_follow ON orders")
        op.execute("DROP FUNCTION daily_order_totals_follow()")
        op.drop_index("ix_orders_state_created_at", table_name="orders")
        op.create_index("ix_orders_state_created_at", "orders", ["state", "created_at"])
    else:
        for name in ("insert", "update", "delete"):
            op.execute(f"DROP TRIGGER daily_order_totals_{name}")
    op.drop_table("daily_order_totals_zone")
    op.drop_table("daily_order_totals")

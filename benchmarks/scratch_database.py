"""What the PostgreSQL benchmarks share: the scratch databases they measure in, made
and dropped beside the server's admin database, the sample order type they fill them
with, and the percentile they report by.

    ORDERLOOM_BENCH_POSTGRES_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test (default)
"""
from __future__ import annotations

import os
from typing import Any

from sqlalchemy import create_engine, text

ADMIN_URL = os.environ.get("ORDERLOOM_BENCH_POSTGRES_URL",
                           "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def database_url(name: str) -> str:
    """The address of the database ``name`` on the admin database's server."""
    return ADMIN_URL.rsplit("/", 1)[0] + "/" + name


def admin_execute(sql: str) -> None:
    # CREATE and DROP DATABASE cannot run inside a transaction.
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(sql))
    admin.dispose()


def create_database(name: str, replace: bool = False) -> str:
    """Makes the database ``name`` (dropping a leftover one first when ``replace``) and
    returns its address."""
    if replace:
        drop_database(name)
    admin_execute(f'CREATE DATABASE "{name}"')
    return database_url(name)


def drop_database(name: str) -> None:
    admin_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def sample_order_type(workflow: dict[str, Any], rules: list[dict[str, Any]] | None = None
                      ) -> dict[str, Any]:
    """The benchmarks' order type ``bench_order``: a customer, an address and priced
    lines of products with their amounts and total, moving through ``workflow``."""
    return {
        "key": "bench_order", "name": {"en": "Bench order"}, "number_prefix": "BO",
        "currency": "CNY",
        "form": {"fields": [
            {"key": "customer", "type": "customer", "label": {"en": "Customer"},
             "required": True},
            {"key": "ship_to", "type": "address", "label": {"en": "Ship to"}},
            {"key": "items", "type": "line_items", "label": {"en": "Items"}, "required": True,
             "fields": [
                 {"key": "sku", "type": "product", "label": {"en": "SKU"}, "required": True},
                 {"key": "qty", "type": "integer", "label": {"en": "Qty"}, "required": True,
                  "min": 1},
                 {"key": "price", "type": "money", "label": {"en": "Price"},
                  "required": True},
                 {"key": "amount", "type": "computed", "label": {"en": "Amount"},
                  "formula": "qty * price", "result_type": "money"}]},
            {"key": "total", "type": "computed", "label": {"en": "Total"},
             "formula": "SUM(items.amount)", "result_type": "money"}]},
        "workflow": workflow,
        "rules": rules or [],
    }

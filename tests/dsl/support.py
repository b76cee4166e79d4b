"""The sample order and `run` shared by the formula tests (a module, not a
conftest, so the tests run with --noconftest)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from orderloom import dsl

FIELDS: dict[str, Any] = {
    "total": "money",
    "discount": "money",
    "qty": "integer",
    "rate": "number",
    "note": "text",
    "vip": "boolean",
    "ship_date": "date",
    "created_at": "datetime",
    "customer": {"tier": "text", "name": "text"},
    "ship_to": {"country": "text", "province": "text"},
    "items": [{"sku": "text", "qty": "integer", "amount": "money"}],
    "tags": ["text"],
}

DATA: dict[str, Any] = {
    "total": Decimal("1500.00"),
    "discount": None,
    "qty": 3,
    "rate": Decimal("0.1"),
    "note": "Rush",
    "vip": True,
    "ship_date": "2024-05-03",
    "created_at": "2024-04-28T09:15:00Z",
    "customer": {"tier": "Gold", "name": "张三"},
    "ship_to": {"country": "CN", "province": "Zhejiang"},
    "items": [
        {"sku": "A", "qty": 12, "amount": Decimal("600.00")},
        {"sku": "B", "qty": 5, "amount": Decimal("500.50")},
    ],
    "tags": ["new", "Gift"],
}

NOW = dt.datetime(2024, 5, 1, 10, 30, tzinfo=dt.UTC)


def run(source: str, data: dict | None = None, fields: dict | None = None, **kw: Any) -> Any:
    """Evaluate a formula on the sample order (or on `data` with `fields`)."""
    return dsl.evaluate(
        source,
        DATA if data is None else data,
        FIELDS if fields is None else fields,
        now=kw.pop("now", NOW),
        **kw,
    )


def problems(source: str, fields: dict | None = None, expected: str | None = None) -> list[str]:
    """The messages `check` gives, as `line:column: message`."""
    return [str(p) for p in dsl.check(source, FIELDS if fields is None else fields, expected)]

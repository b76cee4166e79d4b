"""The order list's columns: its own, and for one order type any field of its form,
each shown formatted by its type on the order's own version of the form."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext

from orderloom.designer.models import OrderType
from orderloom.designer.published import blueprint_for
from orderloom.platform.field_sight import access_to, seen_data
from orderloom.platform.pages.order_view import format_value, label
from orderloom.runtime.orders.models import Order
from orderloom.runtime.orders.saved_views import (
    BASE_COLUMNS,
    DEFAULT_COLUMNS,
    FIELD_PREFIX,
    ViewProblem,
    check_columns,
    field_columns,
)

BASE_LABELS = {"number": lazy_gettext("Number"), "order_type": lazy_gettext("Order type"),
               "state": lazy_gettext("State"), "customer": lazy_gettext("Customer"),
               "total": lazy_gettext("Total"), "channel": lazy_gettext("Channel"),
               "created": lazy_gettext("Created")}
NUMERIC = {"number", "integer", "money"}


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    numeric: bool = False

    @property
    def field(self) -> str | None:
        return self.key[len(FIELD_PREFIX):] if self.key.startswith(FIELD_PREFIX) else None


def choices(order_type: OrderType | None, lang: str) -> list[Column]:
    """Every column the list can show for this order type (None: all types)."""
    found = [Column(k, BASE_LABELS[k], k == "total") for k in BASE_COLUMNS]
    if order_type is not None:
        hidden = access_to(order_type.latest).hidden if order_type.latest else frozenset()
        for key, spec in field_columns(order_type).items():
            if spec["key"] in hidden:
                continue  # not offered, and dropped from a saved view that has it
            kind = spec.get("result_type") if spec["type"] == "computed" else spec["type"]
            found.append(Column(key, label(spec.get("label"), lang, spec["key"]),
                                kind in NUMERIC))
    return found


def chosen(wanted: list[str], order_type: OrderType | None, lang: str,
           errors: list[str]) -> list[Column]:
    """The columns asked for (the default ones when none are), in the order asked."""
    if not wanted:
        wanted = DEFAULT_COLUMNS
    try:
        check_columns(wanted, order_type)
    except ViewProblem as problem:
        errors.append(f"Columns: {problem.message}; showing the usual columns.")
        wanted = DEFAULT_COLUMNS
    by_key = {c.key: c for c in choices(order_type, lang)}
    return [by_key[k] for k in wanted if k in by_key]


def field_cells(order: Order, columns: list[Column], lang: str, currency: str,
                specs: dict[int, dict[str, dict[str, Any]]]) -> dict[str, str]:
    """The text of each form-field column for one order, by its own version's form."""
    wanted = [c for c in columns if c.field]
    if not wanted:
        return {}
    fields = specs.get(order.version_id)
    if fields is None:
        definition = blueprint_for(order.version).definition
        fields = specs[order.version_id] = {f["key"]: f for f in definition["form"]["fields"]}
    cells = {}
    data = seen_data(order)
    for column in wanted:
        spec = fields.get(column.field)
        value = data.get(column.field)
        if spec is None:
            cells[column.key] = ""
        elif spec["type"] == "line_items":
            count = len(value) if isinstance(value, list) else 0
            cells[column.key] = f"{count} line{'s' if count != 1 else ''}" if count else ""
        else:
            cells[column.key] = format_value(spec, value, lang, currency)
    return cells

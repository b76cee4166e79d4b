"""The order's lines as an edit sees them: what changed line by line, and how many
units of each SKU the lines ask for, with where a person would correct each."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from orderloom.designer.blueprint import Blueprint
from orderloom.designer.problems import pointer
from orderloom.runtime.stock import routing
from orderloom.runtime.stock.routing import QUANTITY_COLUMNS


def line_fields(blueprint: Blueprint) -> list[dict[str, Any]]:
    return [f for f in blueprint.definition["form"]["fields"] if f["type"] == "line_items"]


def entered_columns(field: dict[str, Any]) -> list[str]:
    return [c["key"] for c in field["fields"] if c["type"] != "computed"]


def changed_lines(blueprint: Blueprint, before: dict[str, Any], after: dict[str, Any]
                  ) -> list[dict[str, Any]]:
    """Each line whose entered values differ, by field and line number (from 1), with
    its values before and after (None for a line added or removed)."""
    found: list[dict[str, Any]] = []
    for field in line_fields(blueprint):
        columns = entered_columns(field)
        old = [line for line in before.get(field["key"]) or [] if isinstance(line, dict)]
        new = [line for line in after.get(field["key"]) or [] if isinstance(line, dict)]
        for index in range(max(len(old), len(new))):
            was = {k: old[index].get(k) for k in columns} if index < len(old) else None
            now = {k: new[index].get(k) for k in columns} if index < len(new) else None
            if not _same(was, now):
                found.append({"field": field["key"], "line": index + 1,
                              "before": was, "after": now})
    return found


def _same(was: dict[str, Any] | None, now: dict[str, Any] | None) -> bool:
    """Equal lines; numbers are equal by value (1250.5 as entered is 1250.50 stored)."""
    if was is None or now is None:
        return was is now
    return was.keys() == now.keys() and all(_value(was[k]) == _value(now[k]) for k in was)


def _value(value: Any) -> Any:
    if isinstance(value, (int, float, str)) and not isinstance(value, bool):
        try:
            return Decimal(str(value))
        except InvalidOperation:
            return value
    return value


@dataclass(frozen=True)
class Wanted:
    """Units of each SKU the lines ask for, and the pointer (below the order data) of
    the quantity of the first line of each SKU."""

    units: dict[str, int]
    pointers: dict[str, str]


def wanted(blueprint: Blueprint, data: dict[str, Any]) -> Wanted:
    """The units stock routing counts (routing.wanted), with the pointer of the quantity
    of the first line of each SKU."""
    pointers: dict[str, str] = {}
    for field in line_fields(blueprint):
        columns = {c["key"]: c for c in field["fields"]}
        sku_key = next((k for k, c in columns.items() if c["type"] == "product"), None)
        qty_key = next((k for k in QUANTITY_COLUMNS if k in columns), None)
        if sku_key is None or qty_key is None:
            continue
        for index, line in enumerate(data.get(field["key"]) or []):
            if isinstance(line, dict) and line.get(sku_key) and line.get(qty_key):
                pointers.setdefault(str(line[sku_key]), pointer(field["key"], index, qty_key))
    return Wanted(routing.wanted(blueprint, data), pointers)

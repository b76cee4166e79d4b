"""The columns a file mapping reads, and what to say when a file lacks them.

A marketplace export that is not the shape its preset expects (another version
of the export, or another report of the same back-office) fails on every row.
Each failure then says which column the mapping wanted and that the file does
not have it, and the import report says once, for the whole file, which
columns are missing and which columns the file has, in English and Chinese.

The same column goes by more than one name across versions of an export (full-width
or half-width brackets: 商品总价（元） and 商品总价(元); 商品单价 and 商品金额). A file
whose header has one of the known other names of a column a preset reads is read as
if it had that column too (``aliases``), so a preset fits each version it was
written against without edits.
"""
from __future__ import annotations

import functools
import unicodedata
from dataclasses import dataclass
from typing import Any

from orderloom.designer.problems import pointer
from orderloom.runtime.channels import marketplace_totals
from orderloom.runtime.channels.mapping import PathError, parse_path

# A column's other names in the exports' versions, keyed by the name the presets read,
# as public scripts that read the exports fall back on them: Douyin's price per piece
# (商品金额 in older exports), Pinduoduo's phone and SKU code.
OTHER_NAMES: dict[str, tuple[str, ...]] = {
    "商品单价": ("商品金额",),
    "手机": ("收货人手机",),
    "商家编码-SKU维度": ("规格编码",),
}
ROWS_PATH = "$.rows[*]"  # what lists an order's rows, for lines.from (order_files.py)
_SHOWN_COLUMNS = 60


@dataclass(frozen=True)
class Missing:
    column: str
    mapping_pointer: str  # where in the mapping the column is named
    place: tuple[str, ...]  # the order data it would have filled: order, items, *, sku

    def as_json(self, columns: list[str]) -> dict[str, Any]:
        return {"pointer": self.mapping_pointer, "column": self.column,
                "detail": missing_detail(self.column, self.mapping_pointer, columns)}


def _column(source: Any) -> str | None:
    """The column a source reads: a path of one member (``$.买家会员名``)."""
    path = source if isinstance(source, str) else (
        source.get("path") if isinstance(source, dict) else None)
    if path is None:
        return None
    try:
        steps = parse_path(path).steps
    except PathError:
        return None
    return steps[0] if len(steps) == 1 and isinstance(steps[0], str) else None


def aliases(columns: list[str]) -> dict[str, str]:
    """The names a file's rows can also be read by, each with the file's column it reads:
    a header's half-width form (商品总价(元) for 商品总价（元）) and the name presets read
    for one of its other names. A name the file itself has is never an alias."""
    return dict(_aliases(tuple(columns)))


@functools.lru_cache(maxsize=64)  # asked for each order of a file, of the same header
def _aliases(columns: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    have = set(columns)
    found: dict[str, str] = {}
    for column in columns:
        plain = unicodedata.normalize("NFKC", column).replace(" ", "")
        if plain != column and plain not in have:
            found.setdefault(plain, column)
    known = have | set(found)
    for name, others in OTHER_NAMES.items():
        if name in known:
            continue
        other = next((o for o in others if o in known), None)
        if other is not None:
            found[name] = found.get(other, other)
    return tuple(found.items())


def readable(columns: list[str]) -> set[str]:
    """Every name a file's rows can be read by: its columns and their aliases."""
    return set(columns) | set(aliases(columns))


def order_id_column(mapping: dict[str, Any]) -> str | None:
    return _column(mapping.get("external_id"))


def missing_columns(mapping: dict[str, Any], columns: list[str]) -> list[Missing]:
    """Each column the mapping reads that is not among ``columns``, in mapping order.
    A mapping that reads an order's money from ``orderloom`` (marketplace_totals.py) of
    a file that is no known export lacks the columns of the export the file is nearest."""
    have = readable(columns)
    totals_missing = ([] if marketplace_totals.export_of(have) is not None else
                      [c for c in marketplace_totals.nearest(have).required if c not in have])
    missing = []

    def check(source: Any, where: str, place: tuple[str, ...]) -> None:
        column = _column(source)
        if column is not None and column not in have:
            missing.append(Missing(column, where, place))
        elif _reads_totals(source):
            missing.extend(Missing(c, where, place) for c in totals_missing)

    for target, source in (mapping.get("fields") or {}).items():
        check(source, "/mapping" + pointer("fields", target), ("order", *target.split(".")))
    for key, spec in (mapping.get("lines") or {}).items():
        if not isinstance(spec, dict) or spec.get("from") != ROWS_PATH:
            continue
        for name, source in (spec.get("fields") or {}).items():
            check(source, "/mapping" + pointer("lines", key) + "/fields" + pointer(name),
                  ("order", key, "*", name))
    return missing


def _reads_totals(source: Any) -> bool:
    """The source reads the order's money the file's export states (``$.orderloom...``
    or a formula on ``orderloom.``)."""
    if isinstance(source, str):
        return source.startswith(f"$.{marketplace_totals.TOTALS}.")
    if not isinstance(source, dict):
        return False
    return (str(source.get("path", "")).startswith(f"$.{marketplace_totals.TOTALS}.")
            or f"{marketplace_totals.TOTALS}." in str(source.get("formula", "")))


def missing_order_id(column: str, columns: list[str]) -> str:
    """Why a file whose rows cannot be told apart is refused."""
    shown = _shown(columns)
    return (f"the file has no column {column!r}, where the mapping reads each row's order "
            f"id (external_id); its columns are: {shown} / 文件中没有映射读取订单编号所用的列"
            f"「{column}」；文件的列为：{shown}")


def missing_detail(column: str, where: str, columns: list[str]) -> str:
    shown = _shown(columns)
    return (f"the mapping reads the column {column!r} ({where}), which the file does not "
            f"have; its columns are: {shown} / 映射读取的列「{column}」（{where}）在文件中"
            f"不存在；文件的列为：{shown}")


def blame(errors: list[dict[str, Any]], missing: list[Missing]) -> list[dict[str, Any]]:
    """``errors`` (problems with an order pointer), each that a missing column explains
    saying so."""
    if not missing:
        return errors
    told = []
    for error in errors:
        at = error.get("pointer", "")
        causes = [m.column for m in missing if _related(at, m.place)]
        if causes:
            names = ", ".join(repr(c) for c in dict.fromkeys(causes))
            zh = "、".join(f"「{c}」" for c in dict.fromkeys(causes))
            error = {**error, "detail": f"{error.get('detail', '')} (the file has no column "
                                        f"{names} / 文件中没有列{zh})"}
        told.append(error)
    return told


def _related(at: str, place: tuple[str, ...]) -> bool:
    """The problem is at the missing column's place, inside it, or at a record or
    list that holds it (``/order/customer`` for ``customer.name``, ``/order/items``
    for a line's ``sku``)."""
    parts = tuple(at.split("/")[1:])
    if not parts or parts[0] != "order":
        return False
    return all(p == q or (q == "*" and p.isdigit()) for p, q in zip(parts, place, strict=False))


def _shown(columns: list[str]) -> str:
    if not columns:
        return "(none)"
    shown = ", ".join(columns[:_SHOWN_COLUMNS])
    return shown + (f" and {len(columns) - _SHOWN_COLUMNS} more"
                    if len(columns) > _SHOWN_COLUMNS else "")

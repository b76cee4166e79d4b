"""Stock levels out to CSV or Excel, and stock counts or receipts in from them.

An import is all or nothing: every row is checked and applied in the caller's
transaction, every bad row is reported with its row number (the header is row
1, as a spreadsheet shows it), and when any row is bad the caller rolls back
so nothing is stored.
"""
from __future__ import annotations

import csv
import io
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from orderloom.designer import numbers
from orderloom.runtime.errors import OrderError
from orderloom.runtime.spreadsheets import formulas as spreadsheet_formulas
from orderloom.runtime.spreadsheets.reading import SpreadsheetError, Table, read_table
from orderloom.runtime.stock import keeping as stock_keeping
from orderloom.runtime.stock.catalog import Product, Warehouse
from orderloom.runtime.stock.keeping import StockError
from orderloom.runtime.stock.models import StockLevel

log = logging.getLogger(__name__)

EXPORT_COLUMNS = ("sku", "warehouse", "on_hand", "reserved", "available")
IMPORT_COLUMNS = ("sku", "warehouse", "quantity", "reference")
MODES = ("receive", "set")
MAX_QUANTITY = 10_000_000


class StockFileError(OrderError):
    """A file that is not a stock file at all (``status`` 415), or one whose header is
    wrong (422)."""

    def __init__(self, message: str, status: int = 422, *, code: str | None = None,
                 **values: object) -> None:
        super().__init__(message, code=code, **values)
        self.status = status


@dataclass(frozen=True, init=False)
class RowProblem:
    """Why a row is refused: its English ``message``, with the ``code`` and ``values`` a
    page words it by (as OrderError carries them); it reads as its message wherever
    text is written."""

    message: str
    code: str | None
    values: dict[str, object] = field(hash=False)

    def __init__(self, message: str, code: str | None = None, **values: object) -> None:
        object.__setattr__(self, "message", message)
        object.__setattr__(self, "code", code)
        object.__setattr__(self, "values", values)

    def __str__(self) -> str:
        return self.message


class StockRowsRefused(OrderError):
    """Rows that cannot be stored, each with its row number; nothing was stored."""

    def __init__(self, problems: list[tuple[int, RowProblem]]) -> None:
        self.problems = problems
        shown = "; ".join(f"row {row}: {message}" for row, message in problems[:5])
        more = f"; and {len(problems) - 5} more" if len(problems) > 5 else ""
        super().__init__(f"nothing was imported: {shown}{more}")


# --- export ---------------------------------------------------------------------------------

def levels(session: Session) -> list[tuple[str, str, int, int, int]]:
    rows = session.execute(
        select(Product.sku, Warehouse.code, StockLevel.on_hand, StockLevel.reserved)
        .join(Product, Product.id == StockLevel.product_id)
        .join(Warehouse, Warehouse.id == StockLevel.warehouse_id)
        .order_by(Product.sku, Warehouse.code))
    return [(sku, code, on_hand, reserved, on_hand - reserved)
            for sku, code, on_hand, reserved in rows]


def export_csv(session: Session) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(EXPORT_COLUMNS)
    writer.writerows(_as_text(row) for row in levels(session))
    # The byte order mark makes Excel read the file as UTF-8.
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def export_xlsx(session: Session) -> bytes:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("stock")
    sheet.append(EXPORT_COLUMNS)
    for row in levels(session):
        sheet.append(_as_text(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _as_text(row: tuple[Any, ...]) -> list[Any]:
    # A SKU or warehouse code typed by anyone must not run as a formula in the export.
    return [spreadsheet_formulas.as_text(cell) for cell in row]


# --- reading a file -------------------------------------------------------------------------

def read_rows(data: bytes, filename: str = "") -> Table:
    """The rows of a CSV (UTF-8 or GB18030) or .xlsx file, the header first, as
    ``spreadsheets.reading.read_table`` reads them within its limits; a file that is no
    spreadsheet at all is 415."""
    try:
        return read_table(data, filename)
    except SpreadsheetError as error:
        if error.unreadable:
            raise StockFileError(error.message, 415, code=error.code,
                                 **error.values) from None
        raise


# --- import ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class StockRow:
    number: int
    sku: str
    warehouse: str
    quantity: int
    reference: str


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(spreadsheet_formulas.as_read(value)).strip()


def parse(rows: Sequence[Sequence[Any]], mode: str) -> tuple[list[StockRow], list[tuple[int, str]]]:
    """The rows to apply, and the problems of the others. ``on_hand`` may stand in for
    ``quantity``, so an exported file can be edited and imported with mode=set."""
    header = [_cell(h).lower() for h in rows[0]]
    columns = {name: i for i, name in reversed(list(enumerate(header))) if name}
    if "quantity" not in columns and "on_hand" in columns:
        columns["quantity"] = columns["on_hand"]
    missing = [c for c in ("sku", "warehouse", "quantity") if c not in columns]
    if missing:
        raise StockFileError(f"the first row must name the columns sku, warehouse, quantity "
                             f"(and optionally reference); missing: {', '.join(missing)}",
                             code="stock.file_columns", missing=", ".join(missing))
    body = rows[1:]
    parsed: list[StockRow] = []
    problems: list[tuple[int, RowProblem]] = []
    lowest = 0 if mode == "set" else 1
    for number, row in enumerate(body, start=2):
        values = {name: _cell(row[i]) if i < len(row) else "" for name, i in columns.items()}
        if not any(values.values()):
            continue  # blank lines at the end of a sheet
        if not values["sku"]:
            problems.append((number, RowProblem("the SKU is empty", "stock_file.no_sku")))
            continue
        if not values["warehouse"]:
            problems.append((number, RowProblem("the warehouse is empty",
                                                "stock_file.no_warehouse")))
            continue
        try:
            # The one reading of a number (digits 0-9, no exponent) and its bound.
            quantity = int(numbers.checked("integer", values["quantity"]))
        except numbers.OutOfBounds:
            problems.append((number, RowProblem(
                f"the quantity {values['quantity']!r} is not a whole number",
                "stock_file.not_whole", quantity=repr(values["quantity"]))))
            continue
        if not lowest <= quantity <= MAX_QUANTITY:
            problems.append((number, RowProblem(
                f"the quantity must be between {lowest} and {MAX_QUANTITY}, not {quantity}",
                "stock_file.out_of_range", lowest=lowest, highest=MAX_QUANTITY,
                quantity=quantity)))
            continue
        parsed.append(StockRow(number, values["sku"], values["warehouse"], quantity,
                               values.get("reference", "")[:200]))
    return parsed, problems


def _on_hand(session: Session, sku: str, code: str) -> int:
    found = session.scalar(
        select(StockLevel.on_hand)
        .join(Product, Product.id == StockLevel.product_id)
        .join(Warehouse, Warehouse.id == StockLevel.warehouse_id)
        .where(Product.sku == sku, Warehouse.code == code))
    return found or 0


def import_rows(session: Session, actor_name: str, rows: Sequence[Sequence[Any]], mode: str,
                filename: str = "") -> dict[str, int]:
    """Apply every row as a receipt (``receive``) or as the adjustment that brings on
    hand to the row's quantity (``set``). Raises StockRowsRefused listing every bad
    row; the caller then rolls back."""
    if mode not in MODES:
        raise StockFileError(f"mode must be one of {', '.join(MODES)}, not {mode!r}",
                             code="stock.file_mode", modes=", ".join(MODES), mode=mode)
    parsed, problems = parse(rows, mode)
    products = set(session.scalars(select(Product.sku)))
    warehouses = set(session.scalars(select(Warehouse.code)))
    counts = {"rows": 0, "received": 0, "adjusted": 0, "unchanged": 0}
    default_reference = f"stock file {filename}".strip()
    for row in parsed:
        if row.sku not in products:
            problems.append((row.number, RowProblem(
                f"there is no product with SKU {row.sku!r}", "stock.no_product", sku=row.sku)))
            continue
        if row.warehouse not in warehouses:
            problems.append((row.number, RowProblem(
                f"there is no warehouse {row.warehouse!r}", "stock.no_warehouse",
                warehouse=row.warehouse)))
            continue
        reference = row.reference or default_reference
        try:
            if mode == "receive":
                stock_keeping.receive(session, actor_name, row.sku, row.warehouse,
                                      row.quantity, reference)
                counts["received"] += 1
            else:
                change = row.quantity - _on_hand(session, row.sku, row.warehouse)
                if change == 0:
                    counts["unchanged"] += 1
                else:
                    stock_keeping.adjust(session, actor_name, row.sku, row.warehouse, change,
                                         reference)
                    counts["adjusted"] += 1
        except StockError as error:
            problems.append((row.number, RowProblem(error.message, error.code,
                                                    **error.values)))
            continue
        counts["rows"] += 1
    if problems:
        raise StockRowsRefused(sorted(problems, key=lambda problem: problem[0]))
    if not counts["rows"]:
        raise StockFileError("the file has no rows under its header", code="stock.file_empty")
    return counts

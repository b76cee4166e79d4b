"""A price list's prices from a CSV or xlsx file: a header row naming the SKU, price
and (optionally) from-quantity columns, in English or Chinese, then a price a row.
The rows are checked as the API checks a list, and a fault is named by its row."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from orderloom.runtime.spreadsheets.reading import BLANK, read_table

# The words a header may use for each column, compared without case or spaces.
HEADERS = {"sku": ("sku", "商品编码", "货号", "商家编码"),
           "min_quantity": ("min_quantity", "from_quantity", "quantity", "起订量", "数量"),
           "price": ("price", "unit_price", "单价", "价格")}


class PriceFileError(ValueError):
    """A file whose header lacks a column, with the column's name."""

    def __init__(self, column: str) -> None:
        super().__init__(f"the header has no {column} column "
                         f"({', '.join(HEADERS[column])})")
        self.column = column


@dataclass(frozen=True)
class PriceRows:
    """The prices of a file as the API takes them, and the file's row of each."""
    prices: list[dict[str, Any]]
    rows: list[int]


def _key(cell: Any) -> str:
    return str(cell or "").strip().lower().replace(" ", "_")


def read_prices(content: bytes, filename: str = "") -> PriceRows:
    """The prices of an uploaded file; SpreadsheetError or PriceFileError when it
    cannot be read as one."""
    table = read_table(content, filename)
    header = [_key(cell) for cell in table[0]]
    where: dict[str, int] = {}
    for column, words in HEADERS.items():
        found = next((i for i, cell in enumerate(header) if cell in words), None)
        if found is not None:
            where[column] = found
        elif column != "min_quantity":
            raise PriceFileError(column)
    prices, rows = [], []
    for number, row in enumerate(table[1:], start=2):
        if row == BLANK or not any(str(cell or "").strip() for cell in row):
            continue

        def cell(column: str, row: tuple = row) -> Any:
            index = where.get(column)
            value = row[index] if index is not None and index < len(row) else None
            return value.strip() if isinstance(value, str) else value

        entry: dict[str, Any] = {"sku": str(cell("sku") or ""), "price": cell("price")}
        quantity = cell("min_quantity")
        if quantity not in (None, ""):
            entry["min_quantity"] = _whole(quantity)
        prices.append(entry)
        rows.append(number)
    return PriceRows(prices, rows)


def _whole(value: Any) -> Any:
    """A quantity as a whole number where it is one ("10", 10.0), else as it was, for
    the list's checks to refuse."""
    try:
        number = float(str(value).strip())
    except ValueError:
        return value
    return int(number) if number.is_integer() and abs(number) < 1e12 else value

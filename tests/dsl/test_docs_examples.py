"""Every example in docs/formulas.md gives the result the page shows."""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal
from pathlib import Path

import pytest

from orderloom import dsl
from orderloom.dsl.workdays import Calendar

DOC = Path(__file__).resolve().parents[2] / "docs" / "formulas.md"
NOW = dt.datetime(2024, 5, 1, 10, 30, tzinfo=dt.UTC)


def _block(text: str, tag: str) -> dict:
    match = re.search(r"```json " + tag + r"\n(.*?)```", text, re.S)
    assert match, f"docs/formulas.md has no `json {tag}` block"
    return json.loads(match.group(1), parse_float=Decimal)


def _code(cell: str) -> str:
    cell = cell.strip()
    assert cell.startswith("`") and cell.endswith("`"), cell
    return cell[1:-1]


def _examples(text: str) -> list[tuple[int, str, str]]:
    """(line number, formula, result) of every row of a table with Example and Result."""
    rows: list[tuple[int, str, str]] = []
    columns: list[str] | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.startswith("|"):
            columns = None
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if columns is None:
            columns = cells
            continue
        if set(cells) <= {"---", ""} or "Example" not in columns or "Result" not in columns:
            continue
        example, result = cells[columns.index("Example")], cells[columns.index("Result")]
        rows.append((number, _code(example), _code(result)))
    return rows


TEXT = DOC.read_text("utf-8")
DATA = _block(TEXT, "sample-order")
# The look-up tables of the examples, as an order type keeps them, join the fields.
TABLES = _block(TEXT, "sample-lookup-tables")
FIELDS = {**_block(TEXT, "sample-fields"), **{
    table["key"]: dsl.lookup_table({c["key"]: c["type"] for c in table["columns"]},
                                   table["rows"]) for table in TABLES}}
EXAMPLES = _examples(TEXT)


class SampleCatalogue:
    """The page's `sample-catalogue`, as the runtime's catalogue answers PRODUCTINFO and
    CUSTOMERINFO: a record's attributes by SKU or code, None when there is none."""

    def __init__(self, block: dict) -> None:
        self.products = block["products"]
        self.customers = block["customers"]

    def product(self, sku: str):
        return self.products.get(sku)

    def customer(self, code: str):
        return self.customers.get(code)

    def list_price(self, sku: str, quantity):
        return None  # not bound to an order


CALENDAR = Calendar(catalogue=SampleCatalogue(_block(TEXT, "sample-catalogue")))


def test_the_page_has_many_examples():
    assert len(EXAMPLES) > 80


@pytest.mark.parametrize(("line", "formula", "result"), EXAMPLES, ids=[e[1] for e in EXAMPLES])
def test_example_gives_the_documented_result(line: int, formula: str, result: str):
    value = dsl.evaluate(formula, DATA, FIELDS, now=NOW, calendar=CALENDAR)
    assert not isinstance(value, dsl.FormulaFault), f"line {line}: {value}"
    assert dsl.display(value) == result, f"docs/formulas.md line {line}"


def test_every_function_has_an_example():
    formulas = " ".join(f for _, f, _ in EXAMPLES)
    missing = [name for name in dsl.FUNCTIONS
               if not re.search(rf"\b{re.escape(name)}\(", formulas)]
    assert missing == []


def test_every_function_is_described_in_a_function_table():
    described = set(re.findall(r"^\| `([A-Z.]+)\(", TEXT, re.M))
    assert described == set(dsl.FUNCTIONS)

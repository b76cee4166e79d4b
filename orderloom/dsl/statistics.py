"""Excel's functions that rank, pick from and multiply lists: SUMPRODUCT, PERCENTILE,
LARGE, SMALL, COUNTA, COUNTBLANK, QUOTIENT, MROUND.

A list is what a path through line items gives (`items.qty`) or a list literal;
NULL is an empty cell. static/formula.js follows this module line by line.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from . import values as V
from .errors import DIV0, DIVISION_BY_ZERO, NO_NUMBERS, NUM, Fault


def _cells(value: Any) -> list[Any]:
    """A list argument's cells in order, NULL kept; a single value is a list of one."""
    if isinstance(value, list | tuple):
        out: list[Any] = []
        for item in value:
            out.extend(_cells(item))
        return out
    return [value]


def _present(values: Any) -> list[Any]:
    return [v for v in _cells(values) if v is not None]


def sumproduct(*lists: Any) -> Any:
    """The sum of the products of the lists' cells, place by place; a blank counts 0."""
    columns = [_cells(v) for v in lists]
    size = len(columns[0])
    if any(len(c) != size for c in columns):
        raise Fault("SUMPRODUCT: the lists must have the same number of values")
    total: Any = 0
    for row in zip(*columns, strict=True):
        product: Any = 1
        for cell in row:
            product = V.mul(product, 0 if cell is None else V.as_number(cell))
        total = V.add(total, product)
    return total


def _sorted(values: Any) -> list[Any]:
    return sorted(_present(values), key=V.comparable)


def _rank(k: Any, name: str) -> int:
    return V.whole(k, f"{name}: the position")


def large(values: Any, k: Any) -> Any:
    """The k-th largest value; blanks are left out."""
    items = _sorted(values)
    n = _rank(k, "LARGE")
    if not 1 <= n <= len(items):
        raise Fault("LARGE: the position must be between 1 and the number of values", code=NUM)
    return items[-n]


def small(values: Any, k: Any) -> Any:
    items = _sorted(values)
    n = _rank(k, "SMALL")
    if not 1 <= n <= len(items):
        raise Fault("SMALL: the position must be between 1 and the number of values", code=NUM)
    return items[n - 1]


def percentile(values: Any, k: Any) -> Any:
    """PERCENTILE.INC: the value k of the way from the smallest to the largest,
    interpolated between the two values around it."""
    if k < 0 or k > 1:
        raise Fault("PERCENTILE: k must be between 0 and 1", code=NUM)
    items = sorted(V.as_number(v) for v in _present(values))
    if not items:
        raise Fault("PERCENTILE: there are no numbers", code=NUM, kind=NO_NUMBERS,
                    function="PERCENTILE")
    rank = V.mul(k, len(items) - 1)
    below = int(rank) if isinstance(rank, int) else int(rank.to_integral_value("ROUND_FLOOR"))
    fraction = V.sub(rank, below)
    if not fraction:
        return items[below]
    return V.add(items[below], V.mul(fraction, V.sub(items[below + 1], items[below])))


def counta(*values: Any) -> int:
    """Values that are not blank; an empty text counts, as Excel counts a formula's ""."""
    return len(_present(values))


def countblank(*values: Any) -> int:
    """Blanks: NULL and the empty text."""
    return sum(1 for v in _cells(values) if v is None or v == "")


def quotient(numerator: Any, denominator: Any) -> int:
    """The whole part of the division, cut toward zero."""
    if not denominator:
        raise Fault("division by zero", code=DIV0, kind=DIVISION_BY_ZERO)
    q = V.CTX.divide(Decimal(numerator), Decimal(denominator))
    return V.check_int(int(q.to_integral_value("ROUND_DOWN")))


def mround(number: Any, multiple: Any) -> Any:
    """The multiple of `multiple` nearest to the number, halves away from zero."""
    if not multiple:
        return 0 if isinstance(number, int) else Decimal(0)
    if (number > 0 and multiple < 0) or (number < 0 and multiple > 0):
        raise Fault("MROUND: the number and the multiple must have the same sign", code=NUM)
    q = V.CTX.divide(Decimal(number), Decimal(multiple)).to_integral_value(ROUND_HALF_UP)
    result = V.CTX.multiply(q, Decimal(multiple))
    if isinstance(number, int) and isinstance(multiple, int):
        return V.check_int(int(result))
    return result


def is_even(number: Any) -> bool:
    """Excel cuts the number to a whole one first: ISEVEN(2.5) is TRUE."""
    whole = number if isinstance(number, int) else int(number.to_integral_value("ROUND_DOWN"))
    return whole % 2 == 0

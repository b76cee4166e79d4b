"""Powers, roots and logarithms: POWER, SQRT, EXP, LN, LOG.

Each result is the exact value rounded half-even to the 34 digits every number
has (libmpdec's sqrt, exp, ln and log10 are correctly rounded; a whole power
of up to 1,000 digits is worked out exactly; other powers and LOG to another
base are worked out 26 digits wider first), then written as a
division's result is (`values.normal`). The browser (static/formula.js) works
them out in wide fixed point and rounds the same way, so both sides agree digit
for digit. A result beyond the numbers' bounds is the #NUM! error value; one
too small for them is 0, as in Excel.
"""

from __future__ import annotations

from decimal import Context, Decimal
from typing import Any

from . import values as V
from .errors import DIV0, NOT_DEFINED, NUM, Fault

_WIDE = Context(prec=V.CTX.prec + 26, Emax=100_000, Emin=-100_000)
# exp(2400) is beyond 10^1000 and exp(-2400) below 10^-1000: no need to work them out.
_EXP_LIMIT = 2400


def _finish(value: Decimal) -> Decimal:
    if not value or value.adjusted() < V.CTX.Emin:
        return Decimal(0)
    return V.normal(V.CTX.plus(value))


def _positive(x: Any, what: str) -> Decimal:
    if x <= 0:
        raise Fault(f"{what} must be greater than 0", code=NUM)
    return Decimal(x)


def sqrt(x: Any) -> Decimal:
    if x < 0:
        raise Fault("SQRT: the number cannot be negative", code=NUM)
    return _finish(V.CTX.sqrt(Decimal(x)))


def exp(x: Any) -> Decimal:
    if x > _EXP_LIMIT:
        raise Fault("the number is too large or not defined", code=NUM, kind=NOT_DEFINED)
    if x < -_EXP_LIMIT:
        return Decimal(0)
    return _finish(V.CTX.exp(Decimal(x)))


def ln(x: Any) -> Decimal:
    return _finish(V.CTX.ln(_positive(x, "LN: the number")))


def log(x: Any, base: Any = 10) -> Decimal:
    number = _positive(x, "LOG: the number")
    b = _positive(base, "LOG: the base")
    if b == 1:
        raise Fault("LOG: the base cannot be 1", code=DIV0)
    if b == 10:
        return _finish(V.CTX.log10(number))
    return _finish(_WIDE.divide(_WIDE.ln(number), _WIDE.ln(b)))


def power(x: Any, y: Any) -> Decimal:
    whole = y == int(y) if isinstance(y, int) else y == y.to_integral_value()
    if x == 0:
        if y == 0:
            raise Fault("POWER: 0 to the power 0 is not defined", code=NUM)
        if y < 0:
            raise Fault("division by zero", code=DIV0)
        return Decimal(0)
    if x < 0 and not whole:
        raise Fault("POWER: a negative number to a fractional power is not a real number",
                    code=NUM)
    if whole:
        exact = _exact_power(Decimal(x), int(y))
        if exact is not None:
            return exact
    else:
        # Decide overflow before libmpdec does: it works exp(y * ln(x)) out in full.
        size = _WIDE.multiply(Decimal(y), _WIDE.ln(abs(Decimal(x))))
        if size > _EXP_LIMIT:
            raise Fault("the number is too large or not defined", code=NUM, kind=NOT_DEFINED)
        if size < -_EXP_LIMIT:
            return Decimal(0)
    return _finish(_WIDE.power(Decimal(x), Decimal(y)))


# Whole powers whose exact value has at most this many digits are worked out exactly:
# such a result often ends in a 5 just past the 34th digit, where only the exact value
# rounds the right way.
_EXACT_DIGITS = 1_000


def _exact_power(x: Decimal, n: int) -> Decimal | None:
    sign, digits, exponent = x.as_tuple()
    assert isinstance(exponent, int)
    significant = "".join(map(str, digits)).rstrip("0")  # x is not 0
    exponent += len(digits) - len(significant)
    if len(significant) * abs(n) > _EXACT_DIGITS:
        return None
    coefficient = int(significant) ** abs(n)
    negative = sign == 1 and n % 2 == 1
    exact = Decimal((int(negative), tuple(map(int, str(coefficient))), exponent * abs(n)))
    if n < 0:
        return _finish(V.CTX.divide(1, exact))
    return _finish(exact)

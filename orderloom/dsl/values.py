"""Formula values at run time: reading order data, exact arithmetic, comparison.

Values are Python objects of a few kinds only: None (NULL), bool, int
(integer), Decimal (number and money), str (text), date, datetime (aware,
UTC), list, and dict (a record). Order data is converted on the way in:
floats through their shortest text (0.1 stays 0.1), ISO strings to dates when
the field is a date. Nothing else of the data is ever touched.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping
from contextvars import ContextVar
from decimal import (
    ROUND_HALF_UP,
    Clamped,
    Context,
    Decimal,
    DivisionByZero,
    Inexact,
    InvalidOperation,
    Overflow,
    Rounded,
    Subnormal,
    Underflow,
)
from typing import Any

from . import limits
from .errors import (
    DIV0,
    DIVISION_BY_ZERO,
    NOT_WHOLE,
    NUM,
    NUMBER_TOO_LARGE,
    TEXT_TOO_LONG,
    WRONG_KIND,
    Fault,
)

# Every computed number goes through this context: 34 significant digits and
# a bounded exponent, so no formula can build a number with a million digits.
CTX = Context(
    prec=limits.MAX_DIGITS,
    Emax=limits.MAX_EXPONENT * 10,
    Emin=-limits.MAX_EXPONENT * 10,
    traps=[InvalidOperation, DivisionByZero, Overflow],
)
for _flag in (Clamped, Inexact, Rounded, Subnormal, Underflow):
    CTX.traps[_flag] = False

UTC = _dt.UTC
EMPTY: dict = {}
NUMERIC_CLASSES = frozenset({int, Decimal, type(None)})
TEXT_CLASSES = frozenset({str, type(None)})
_INT_LIMIT = 10**limits.MAX_DIGITS * 10**limits.MAX_EXPONENT


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | Decimal | float):
        return "number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, _dt.datetime):
        return "datetime"
    if isinstance(value, _dt.date):
        return "date"
    if isinstance(value, Mapping):
        return "record"
    if isinstance(value, list | tuple):
        return "list"
    return type(value).__name__


# What a function wanted, as the type names the language's problems use, so that a
# caller words it as it words a type.
_WANTED = {"TRUE or FALSE": "boolean", "a date and time": "datetime", "a date": "date",
           "a list": "list", "a number": "number", "a record": "record",
           "a whole number": "integer", "text": "text"}


def _wrong(name: str, expected: str, value: Any) -> Fault:
    return Fault(f"{name} should be {expected}, got {_kind(value)}", kind=WRONG_KIND,
                 function=name, needed=_WANTED.get(expected, expected), type=_kind(value))


# -- reading data -----------------------------------------------------------


def as_record(value: Any, name: str = "the data") -> Mapping:
    if value is None:
        return EMPTY
    if isinstance(value, Mapping):
        return value
    raise _wrong(name, "a record", value)


def as_number(value: Any, name: str = "a value") -> int | Decimal | None:
    cls = value.__class__
    if cls in NUMERIC_CLASSES:
        return value
    if cls is float:
        if value != value or value in (float("inf"), float("-inf")):
            raise _wrong(name, "a number", value)
        return Decimal(repr(value))
    if isinstance(value, str) and not isinstance(value, bool):
        try:
            result = Decimal(value.strip().replace(",", ""))
        except InvalidOperation:
            raise _wrong(name, "a number", value) from None
        if not result.is_finite() or abs(result.adjusted()) > limits.MAX_EXPONENT:
            raise _wrong(name, "a number", value)
        return result
    if isinstance(value, int) and not isinstance(value, bool):
        return int(value)
    if isinstance(value, Decimal):
        return Decimal(value)
    raise _wrong(name, "a number", value)


def as_integer(value: Any, name: str = "a value") -> int | None:
    if value is None or value.__class__ is int:
        return value
    number = as_number(value, name)
    if isinstance(number, Decimal):
        if number != number.to_integral_value():
            raise _wrong(name, "a whole number", value)
        return int(number)
    return number


def as_text(value: Any, name: str = "a value") -> str | None:
    if value is None or isinstance(value, str):
        return None if value is None else str(value)
    if isinstance(value, int | Decimal) and not isinstance(value, bool):
        # Codes typed as numbers in JSON (zip codes, SKUs) are still text.
        return to_text(value)
    raise _wrong(name, "text", value)


def as_boolean(value: Any, name: str = "a value") -> bool | None:
    if value is None or value is True or value is False:
        return value
    if isinstance(value, str) and value.strip().upper() in ("TRUE", "FALSE"):
        return value.strip().upper() == "TRUE"
    raise _wrong(name, "TRUE or FALSE", value)


def as_datetime(value: Any, name: str = "a value") -> _dt.datetime | None:
    if value is None:
        return None
    if isinstance(value, _dt.datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    if isinstance(value, _dt.date):
        return _dt.datetime(value.year, value.month, value.day, tzinfo=UTC)
    if isinstance(value, str):
        try:
            parsed = _dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            raise _wrong(name, "a date and time", value) from None
        return as_datetime(parsed, name)
    raise _wrong(name, "a date and time", value)


# The instance's time zone while a formula runs, set from the calendar it is given: a
# date and time falls on the day it is there (01:00 in Shanghai is already tomorrow
# there), for DAY, WEEKDAY, EDATE, WORKDAY and comparing it with a date, as for TODAY.
ZONE: ContextVar[_dt.tzinfo] = ContextVar("formula_zone", default=_dt.UTC)


def day_of(value: _dt.datetime) -> _dt.date:
    """The day a date and time falls on in the instance's time zone."""
    return value.astimezone(ZONE.get()).date()


def as_date(value: Any, name: str = "a value") -> _dt.date | None:
    if value is None or value.__class__ is _dt.date:
        return value
    if isinstance(value, _dt.datetime):
        return day_of(as_datetime(value, name))  # type: ignore[arg-type]
    if isinstance(value, _dt.date):
        return _dt.date(value.year, value.month, value.day)
    if isinstance(value, str):
        text = value.strip()
        try:
            return _dt.date.fromisoformat(text)
        except ValueError:
            pass
        try:
            return day_of(as_datetime(text, name))  # type: ignore[arg-type]
        except Fault:
            raise _wrong(name, "a date", value) from None
    raise _wrong(name, "a date", value)


def as_list(value: Any, name: str = "a value") -> list:
    if value is None:
        return []
    if isinstance(value, list | tuple):
        if len(value) > limits.MAX_LIST_SIZE:
            raise Fault(f"{name} has more than {limits.MAX_LIST_SIZE} entries")
        return value  # type: ignore[return-value]
    raise _wrong(name, "a list", value)


# -- turning values into text -------------------------------------------------


def number_text(value: int | Decimal) -> str:
    if isinstance(value, int):
        return str(value)
    text = format(value, "f")
    return "0" if text in ("-0", "0") else text


def to_text(value: Any) -> str:
    """The text of a value as `&`, CONCAT and TEXT show it."""
    if value is None:
        return ""
    if value is True:
        return "TRUE"
    if value is False:
        return "FALSE"
    if isinstance(value, str):
        return value
    if isinstance(value, int | Decimal):
        return number_text(value)
    if isinstance(value, _dt.datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, _dt.date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return ", ".join(to_text(v) for v in value)
    raise Fault(f"a {_kind(value)} cannot be shown as text")


def check_text(text: str) -> str:
    if len(text) > limits.MAX_TEXT_LENGTH:
        raise Fault(f"the text would be longer than {limits.MAX_TEXT_LENGTH} characters",
                    kind=TEXT_TOO_LONG, most=limits.MAX_TEXT_LENGTH)
    return text


def concat(left: Any, right: Any) -> str:
    return check_text(to_text(left) + to_text(right))


# -- numbers ---------------------------------------------------------------------


def whole(value: Any, what: str) -> int:
    """A count or a position given to a function: a whole number, or a fault saying which."""
    if isinstance(value, int):
        return value
    if value != value.to_integral_value():
        raise Fault(f"{what} must be a whole number, got {number_text(value)}",
                    kind=NOT_WHOLE, number=number_text(value))
    return int(value)


def check_int(value: int) -> int:
    if -_INT_LIMIT < value < _INT_LIMIT:
        return value
    raise Fault("the number is too large", code=NUM, kind=NUMBER_TOO_LARGE)


def add(a: Any, b: Any) -> Any:
    if a is None or b is None:
        return None
    if a.__class__ is int and b.__class__ is int:
        return check_int(a + b)
    return CTX.add(a, b)


def sub(a: Any, b: Any) -> Any:
    if a is None or b is None:
        return None
    if a.__class__ is int and b.__class__ is int:
        return check_int(a - b)
    return CTX.subtract(a, b)


def mul(a: Any, b: Any) -> Any:
    if a is None or b is None:
        return None
    if a.__class__ is int and b.__class__ is int:
        return check_int(a * b)
    return CTX.multiply(a, b)


def div(a: Any, b: Any) -> Any:
    if a is None or b is None:
        return None
    if not b:
        raise Fault("division by zero", code=DIV0, kind=DIVISION_BY_ZERO)
    return normal(CTX.divide(a, b))


def mod(a: Any, b: Any) -> Any:
    """Remainder with the sign of the divisor, as Excel's MOD."""
    if a is None or b is None:
        return None
    if not b:
        raise Fault("division by zero", code=DIV0, kind=DIVISION_BY_ZERO)
    if a.__class__ is int and b.__class__ is int:
        return a % b
    r = CTX.remainder(Decimal(a), Decimal(b))
    if r and (r < 0) != (b < 0):
        r = CTX.add(r, b)
    return r


def neg(a: Any) -> Any:
    if a is None:
        return None
    return -a if a.__class__ is int else CTX.minus(a)


def normal(value: Decimal) -> Decimal:
    """Drop trailing zeros a division adds (1.50000) but keep whole numbers plain."""
    if value == value.to_integral_value():
        return value.quantize(Decimal(1), context=CTX)
    return value.normalize(CTX)


def money(value: Any, places: int = 2) -> Decimal | None:
    """A money amount rounded half-up to the currency's places."""
    if value is None:
        return None
    return Decimal(value).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP, context=CTX)


# -- comparison ------------------------------------------------------------------


def comparable(value: Any) -> Any:
    """A key under which `=` and `<` behave as in a spreadsheet."""
    if value.__class__ is str:
        return value.casefold()
    if value.__class__ is _dt.date:
        # Midnight where the instance is, so that a date and a time of that day compare
        # as the day they fall on there.
        return _dt.datetime(value.year, value.month, value.day, tzinfo=ZONE.get())
    return value


def equal(a: Any, b: Any) -> bool:
    if a is None or b is None:
        return False
    return comparable(a) == comparable(b)


def compare(op: str, a: Any, b: Any) -> bool:
    """Any comparison; NULL on either side is FALSE, also for `!=`."""
    if a is None or b is None:
        return False
    a, b = comparable(a), comparable(b)
    if op in ("=", "=="):
        return a == b
    if op in ("!=", "<>"):
        return a != b
    if op == "<":
        return a < b
    if op == "<=":
        return a <= b
    if op == ">":
        return a > b
    return a >= b


def member(value: Any, values: Any) -> bool:
    if value is None or values is None:
        return False
    key = comparable(value)
    return any(v is not None and comparable(v) == key for v in values)


def display(value: Any) -> str:
    """A result written the way formulas write values: TRUE, NULL, "text", 0.3, [1, 2]."""
    if value is None:
        return "NULL"
    if value is True or value is False:
        return "TRUE" if value else "FALSE"
    if isinstance(value, str):
        return '"' + value.replace('"', '""') + '"'
    if isinstance(value, int | Decimal | _dt.date):
        return to_text(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(display(v) for v in value) + "]"
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{k}: {display(v)}" for k, v in value.items()) + "}"
    return str(value)

"""What a money amount, a quantity and a plain number may hold: the one definition
every entry checks (the API, the order form, channels, files, formulas' results) and
every read path relies on.

The bounds keep every stored number inside the money columns (NUMERIC(18, 4): 14
digits before the point) and inside Decimal's default 28-digit context, so adding
up 10,000 lines, rounding to a currency's places or formatting never fails:

* money: at most 14 digits before the point and no more places than the currency
  has (2 for CNY, 0 for JPY); a value with more places is refused, not rounded.
* integer (quantities): a whole number between -1,000,000,000 and 1,000,000,000;
  a field's ``min`` narrows it further (0 or 1 for a quantity).
* number: at most 15 digits before the point and 9 places after it.

A value written as text must be a plain decimal in ASCII digits ("1250.50"), so
"1e400", "NaN", "Infinity" and full-width digits are refused with a reason.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Context, Decimal, InvalidOperation
from typing import Any

from babel.numbers import get_currency_precision

from orderloom.db import MONEY_PRECISION, MONEY_SCALE


def money_places(currency: str | None) -> int:
    """The decimal places of the currency's amounts (2 for CNY, 0 for JPY and CLP, 3 for
    OMR), from the Unicode CLDR through Babel; 2 for a code it does not know."""
    return get_currency_precision(currency) if currency else 2


def money_unit(currency: str | None) -> Decimal:
    """The currency's smallest amount (0.01, or 1 for the yen), to quantize with."""
    return Decimal(1).scaleb(-money_places(currency))


@dataclass(frozen=True)
class Bounds:
    """How many digits a kind of number may have before and after the point."""

    whole_digits: int
    places: int | None  # None: the currency's places

    @property
    def largest(self) -> Decimal:
        return Decimal(10) ** self.whole_digits - 1


MONEY = Bounds(whole_digits=MONEY_PRECISION - MONEY_SCALE, places=None)  # 14
NUMBER = Bounds(whole_digits=15, places=9)
LARGEST_QUANTITY = 1_000_000_000
INTEGER = Bounds(whole_digits=10, places=0)

# A plain decimal in ASCII digits: what a value written as text may look like.
_PLAIN = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)")


# Wide enough to quantize exactly any value of at most 60 characters that passed the
# size check, so checking places never fails on its own.
_EXACT = Context(prec=100)


class OutOfBounds(ValueError):
    """A value that is no number of its kind; the message says why in English, and
    ``code`` with the ``values`` of its placeholders let a page say it in the reader's
    language (``value.<code>`` among the order form's problems)."""

    def __init__(self, message: str, code: str = "not_a_number",
                 values: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.values = dict(values or {})


def read_number(value: Any) -> Decimal:
    """``value`` (a JSON number, a Decimal or a plain decimal text) as a finite Decimal,
    or OutOfBounds saying why it is none."""
    if isinstance(value, bool) or value is None:
        raise OutOfBounds("must be a number")
    if isinstance(value, int):
        if abs(value) > 10**30:
            raise OutOfBounds("is far too large", "far_too_large")
        return Decimal(value)
    if isinstance(value, float):
        value = repr(value)  # 0.1 read as a float means 0.1, not its binary neighbour
        if value in ("nan", "inf", "-inf"):
            raise OutOfBounds("must be a finite number, not NaN or Infinity", "not_finite")
        number = Decimal(value)
    elif isinstance(value, Decimal):
        number = value
    elif isinstance(value, str):
        text = value.strip()
        if not _PLAIN.fullmatch(text):
            raise _text_reason(text)
        if len(text) > 60:
            raise OutOfBounds("has too many digits", "too_many_digits")
        number = Decimal(text)
    else:
        raise OutOfBounds("must be a number")
    if not number.is_finite():
        raise OutOfBounds("must be a finite number, not NaN or Infinity", "not_finite")
    if len(number.as_tuple().digits) > 60 or number.as_tuple().exponent < -60:
        raise OutOfBounds("has too many digits", "too_many_digits")
    return number


def _text_reason(text: str) -> OutOfBounds:
    shown = repr(text[:40])
    if any(c.isdigit() and not c.isascii() for c in text):
        return OutOfBounds(f"{shown} must be written with the digits 0-9", "digits_0_9",
                           {"text": shown})
    if text.lower().lstrip("+-") in ("nan", "snan", "inf", "infinity"):
        return OutOfBounds("must be a finite number, not NaN or Infinity", "not_finite")
    if re.fullmatch(r"[+-]?[\d.]+[eE][+-]?\d+", text):
        return OutOfBounds(f"{shown} must be written out as a plain decimal, without an "
                           "exponent", "exponent", {"text": shown})
    return OutOfBounds("must be a number")


def checked(kind: str, value: Any, currency: str | None = None) -> Decimal:
    """``value`` as a Decimal of ``kind`` ("money", "integer" or "number"), or
    OutOfBounds saying which bound it breaks. Trailing zeros are no places: "12.50"
    and "12.500" are both two-place amounts, "12.505" is refused for a currency of two."""
    number = read_number(value)
    if kind == "integer":
        if abs(number) > LARGEST_QUANTITY:
            raise OutOfBounds(f"must be between -{LARGEST_QUANTITY:,} and {LARGEST_QUANTITY:,}",
                              "quantity_range", {"bound": f"{LARGEST_QUANTITY:,}"})
        if number != number.to_integral_value():
            raise OutOfBounds("must be a whole number", "whole")
        return number
    bound = MONEY if kind == "money" else NUMBER
    if abs(number) > bound.largest:
        what = "a money amount" if kind == "money" else "a number"
        raise OutOfBounds(f"is larger than {what} may be (at most {bound.whole_digits} "
                          "digits before the decimal point)",
                          "money_too_large" if kind == "money" else "number_too_large",
                          {"digits": bound.whole_digits})
    places = money_places(currency) if bound.places is None else bound.places
    if -number.as_tuple().exponent > places and number != number.quantize(
            Decimal(1).scaleb(-places), context=_EXACT):
        if kind == "money":
            raise OutOfBounds(f"{currency or 'the currency'} has {places} decimal places; "
                              f"{number} has more", "currency_places",
                              {"currency": currency or "", "places": places,
                               "number": str(number)})
        raise OutOfBounds(f"has more than {places} decimal places", "places",
                          {"places": places})
    return number


def result_problem(kind: str, value: Any) -> str | None:
    """What is wrong with a formula's computed ``value`` of result type ``kind``: only
    its size is bounded (a division's places are the formula's to round)."""
    refused = result_refusal(kind, value)
    return refused.message if refused else None


def result_refusal(kind: str, value: Any) -> OutOfBounds | None:
    """``result_problem`` with its code and values, for a page that words it."""
    if not isinstance(value, int | Decimal) or isinstance(value, bool):
        return None
    if not Decimal(value).is_finite():
        return OutOfBounds("the result is not a finite number", "result_not_finite")
    bound = MONEY if kind == "money" else NUMBER
    if abs(value) > bound.largest:
        what = "a money amount" if kind == "money" else "a number"
        return OutOfBounds(f"the result is larger than {what} may be (at most "
                           f"{bound.whole_digits} digits before the decimal point)",
                           "result_money_too_large" if kind == "money"
                           else "result_number_too_large", {"digits": bound.whole_digits})
    return None


def stored(value: Any) -> Decimal | None:
    """A value read back from storage as a Decimal inside the bounds, or None when the
    stored row is faulty (written around the checks: too large, NaN, not a number).
    Read paths show None as a faulty value and go on."""
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return None
    try:
        number = read_number(value)
    except (OutOfBounds, InvalidOperation, ValueError):
        return None
    if abs(number) > NUMBER.largest:
        return None
    return number


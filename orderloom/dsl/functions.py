"""The function library: for each function its argument rule, result type and code.

Functions that share a name with a spreadsheet function behave like Excel's.
IF, IFS, SWITCH, AND, OR, NOT and COALESCE evaluate only the arguments they
need and are built by the compiler itself (`inline`); SUMIF, COUNTIF, ANY and
ALL take a condition evaluated on each line (`per_line`). IFERROR, IFNA and
the IS functions (`catching`) take their arguments unevaluated, as functions
of no argument, so they can catch the error value (a fault) one of them gives.
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_DOWN, ROUND_FLOOR, ROUND_HALF_UP, ROUND_UP, Decimal
from typing import Any

from . import (
    catalogue,
    china_address,
    dates,
    lookups,
    powers,
    statistics,
    texts,
    workdays,
)
from . import values as V
from .errors import (
    DATE_OUT_OF_RANGE,
    DIV0,
    NA,
    NO_NUMBERS,
    NOTHING_MATCHES,
    NUM,
    Fault,
    error_code,
)
from .regex import regex_extract, regex_match, regex_replace
from .types import (
    BOOLEAN,
    DATE,
    DATETIME,
    INTEGER,
    MONEY,
    NULL,
    NUMBER,
    TEXT,
    ListType,
    RecordType,
    Type,
    family,
    fits,
    is_numeric,
    list_of,
)


class ArgProblem(Exception):
    """An argument that does not fit; `index` is 0-based, None for the whole call.
    ``code`` and ``values`` name the kind of misfit for a caller that words it in
    another language (as FormulaProblem's)."""

    def __init__(self, index: int | None, message: str, code: str | None = None,
                 **values: object) -> None:
        super().__init__(message)
        self.index = index
        self.message = message
        self.code = code
        self.values = {k: str(v) for k, v in values.items()}


@dataclass(frozen=True)
class Function:
    name: str
    min_args: int
    max_args: int | None
    rule: Callable[[str, Sequence[Type]], Type]
    impl: Callable[..., Any] | None = None
    kind: str = "plain"
    summary: str = ""

    def arity_problem(self, got: int) -> tuple[str, str, dict[str, object]] | None:
        """The English message, code and values of a call with ``got`` arguments this
        function does not take; None when it takes them."""
        message = self.arity_message(got)
        if message is None:
            return None
        if self.max_args is None:
            return message, "arity_at_least", {"function": self.name,
                                               "least": self.min_args, "got": got}
        if self.min_args == self.max_args:
            return message, "arity", {"function": self.name, "count": self.min_args,
                                      "got": got}
        return message, "arity_between", {"function": self.name, "least": self.min_args,
                                          "most": self.max_args, "got": got}

    def arity_message(self, got: int) -> str | None:
        if got >= self.min_args and (self.max_args is None or got <= self.max_args):
            return None
        if self.max_args is None:
            want = f"at least {self.min_args} argument{'s' if self.min_args != 1 else ''}"
        elif self.min_args == self.max_args:
            want = f"{self.min_args} argument{'s' if self.min_args != 1 else ''}"
        elif self.max_args == self.min_args + 1:
            want = f"{self.min_args} or {self.max_args} arguments"
        else:
            want = f"{self.min_args} to {self.max_args} arguments"
        return f"{self.name} expects {want}, got {got}"


# -- argument kinds --------------------------------------------------------------

_WORDS = {
    "number": "a number",
    "text": "text",
    "date": "a date",
    "boolean": "TRUE or FALSE",
    "scalar": "a single value",
}


def _is(kind: str, t: Type) -> bool:
    if t == NULL:
        return True
    if kind == "number":
        return is_numeric(t)
    if kind == "text":
        return t == TEXT
    if kind == "date":
        return t in (DATE, DATETIME)
    if kind == "boolean":
        return t == BOOLEAN
    if kind == "scalar":
        return not isinstance(t, ListType | RecordType)
    raise AssertionError(kind)


def expect(name: str, index: int, t: Type, kind: str) -> None:
    if not _is(kind, t):
        raise ArgProblem(index, f"{name} expects {_WORDS[kind]} as argument {index + 1}, got {t}",
                         "argument", function=name, kinds=kind, position=index + 1, type=t)


def _rule(kinds: Sequence[str], result: Type | Callable[[Sequence[Type]], Type]):
    def rule(name: str, args: Sequence[Type]) -> Type:
        for i, t in enumerate(args):
            expect(name, i, t, kinds[min(i, len(kinds) - 1)])
        return result(args) if callable(result) else result

    return rule


def _same_as_first(args: Sequence[Type]) -> Type:
    return NUMBER if args[0] == NULL else args[0]


def widest_numeric(types: Sequence[Type]) -> Type:
    known = [t for t in types if t != NULL]
    if not known:
        return INTEGER
    if MONEY in known:
        return MONEY
    if NUMBER in known:
        return NUMBER
    return INTEGER


def _flat_types(name: str, args: Sequence[Type], kinds: tuple[str, ...]) -> list[Type]:
    result = []
    for i, t in enumerate(args):
        while isinstance(t, ListType):
            t = t.element
        if not any(_is(k, t) for k in kinds):
            words = " or ".join(_WORDS[k] for k in kinds)
            raise ArgProblem(i, f"{name} expects {words} (or a list of them) as argument "
                             f"{i + 1}, got {args[i]}", "argument_or_list", function=name,
                             kinds=" ".join(kinds), position=i + 1, type=args[i])
        result.append(t)
    return result


def _flatten(args: Sequence[Any]) -> list[Any]:
    out: list[Any] = []
    for a in args:
        if isinstance(a, list | tuple):
            out.extend(_flatten(a))
        elif a is not None:
            out.append(a)
    return out


def _nulls(fn: Callable[..., Any]) -> Callable[..., Any]:
    """NULL in, NULL out: the rule of every function not said otherwise."""

    def wrapper(*args: Any) -> Any:
        if None in args:
            return None
        return fn(*args)

    wrapper.__name__ = fn.__name__
    return wrapper


_whole = V.whole


# -- logic -----------------------------------------------------------------------


def _if_rule(name: str, args: Sequence[Type]) -> Type:
    expect(name, 0, args[0], "boolean")
    return _join(name, list(args[1:]), 1)


def _join(name: str, types: list[Type], first_index: int) -> Type:
    """The common type of alternative results (IF, IFS, SWITCH, COALESCE)."""
    result = NULL
    for i, t in enumerate(types):
        if result == NULL or fits(result, t):
            result = t
        elif not fits(t, result):
            raise ArgProblem(
                first_index + i,
                f"{name} gives {result} in one case and {t} in another; "
                "all results must have the same type", "mixed_results",
                function=name, left=result, right=t,
            )
    return result


def _ifs_rule(name: str, args: Sequence[Type]) -> Type:
    if len(args) % 2:
        raise ArgProblem(None, "IFS expects pairs of condition and value", "ifs_pairs")
    for i in range(0, len(args), 2):
        expect(name, i, args[i], "boolean")
    return _join(name, list(args[1::2]), 1)


def _switch_rule(name: str, args: Sequence[Type]) -> Type:
    expect(name, 0, args[0], "scalar")
    results = []
    rest = list(args[1:])
    for i in range(0, len(rest) - 1, 2):
        expect(name, i + 1, rest[i], "scalar")
        results.append(rest[i + 1])
    if len(rest) % 2:
        results.append(rest[-1])
    return _join(name, results, 2)


def _logic_rule(name: str, args: Sequence[Type]) -> Type:
    for i, t in enumerate(args):
        expect(name, i, t, "boolean")
    return BOOLEAN


def _coalesce_rule(name: str, args: Sequence[Type]) -> Type:
    return _join(name, list(args), 0)


def _isblank(value: Any) -> bool:
    return value is None or value == "" or (isinstance(value, list) and not value)


# -- errors and types --------------------------------------------------------------
# Each takes its arguments as functions of no argument (see the module's docstring).


def _catchable(exc: Exception, codes: frozenset[str] | None = None) -> bool:
    code = error_code(exc)
    return code is not None and (codes is None or code in codes)


def _iferror(value: Callable[[], Any], fallback: Callable[[], Any]) -> Any:
    try:
        return value()
    except Exception as exc:
        if not _catchable(exc):
            raise
    return fallback()


_NA_ONLY = frozenset({NA})


def _ifna(value: Callable[[], Any], fallback: Callable[[], Any]) -> Any:
    try:
        return value()
    except Exception as exc:
        if not _catchable(exc, _NA_ONLY):
            raise
    return fallback()


def _iserror(value: Callable[[], Any]) -> bool:
    try:
        value()
    except Exception as exc:
        if not _catchable(exc):
            raise
        return True
    return False


def _is_a(test: Callable[[Any], bool]) -> Callable[[Callable[[], Any]], bool]:
    """ISNUMBER, ISTEXT, ISDATE: FALSE for an error value, as in Excel."""

    def is_a(value: Callable[[], Any]) -> bool:
        try:
            result = value()
        except Exception as exc:
            if not _catchable(exc):
                raise
            return False
        return test(result)

    return is_a


def _is_number(value: Any) -> bool:
    return isinstance(value, int | Decimal) and not isinstance(value, bool)


def _is_date(value: Any) -> bool:
    return isinstance(value, _dt.date)


def _boolean(name: str, args: Sequence[Type]) -> Type:
    return BOOLEAN


# -- aggregates ------------------------------------------------------------------


def _sum_rule(name: str, args: Sequence[Type]) -> Type:
    return widest_numeric(_flat_types(name, args, ("number",)))


def _minmax_rule(name: str, args: Sequence[Type]) -> Type:
    flat = _flat_types(name, args, ("number", "date"))
    known = [t for t in flat if t != NULL]
    if known and all(t in (DATE, DATETIME) for t in known):
        return DATETIME if DATETIME in known else DATE
    if any(t in (DATE, DATETIME) for t in known):
        raise ArgProblem(None, f"{name} cannot mix numbers and dates", "numbers_and_dates",
                         function=name)
    return widest_numeric(known)


def _average_rule(name: str, args: Sequence[Type]) -> Type:
    return MONEY if _sum_rule(name, args) == MONEY else NUMBER


def _count_rule(name: str, args: Sequence[Type]) -> Type:
    return INTEGER


def sum_values(*args: Any) -> Any:
    total: Any = 0
    for v in _flatten(args):
        total = V.add(total, V.as_number(v))
    return total


def _min(*args: Any) -> Any:
    items = _flatten(args)
    return min(items, key=V.comparable) if items else None


def _max(*args: Any) -> Any:
    items = _flatten(args)
    return max(items, key=V.comparable) if items else None


def _average(*args: Any) -> Any:
    items = _flatten(args)
    if not items:
        return None
    return V.div(sum_values(items), len(items))


def _count(*args: Any) -> int:
    return len(_flatten(args))


def _product_rule(name: str, args: Sequence[Type]) -> Type:
    known = [t for t in _flat_types(name, args, ("number",)) if t != NULL]
    return INTEGER if known and all(t == INTEGER for t in known) else NUMBER


def _product(*args: Any) -> Any:
    items = _flatten(args)
    if not items:
        return 0  # Excel: PRODUCT of no numbers is 0
    result: Any = 1
    for v in items:
        result = V.mul(result, V.as_number(v))
    return result


def _numbers(args: Sequence[Any]) -> list[Any]:
    return [V.as_number(v) for v in _flatten(args)]


def _median(*args: Any) -> Any:
    items = sorted(_numbers(args))
    if not items:
        raise Fault("MEDIAN: there are no numbers", code=NUM, kind=NO_NUMBERS,
                    function="MEDIAN")
    middle = len(items) // 2
    if len(items) % 2:
        return items[middle]
    return V.div(V.add(items[middle - 1], items[middle]), 2)


def _mode(*args: Any) -> Any:
    counts: dict[Any, int] = {}
    items = _numbers(args)
    for v in items:
        counts[v] = counts.get(v, 0) + 1
    most = max(counts.values(), default=0)
    if most < 2:
        raise Fault("MODE: no value occurs more than once", code=NA)
    # The first value, in the order given, of those that occur most often, as Excel.
    return next(v for v in items if counts[v] == most)


def _mode_rule(name: str, args: Sequence[Type]) -> Type:
    return widest_numeric(_flat_types(name, args, ("number",)))


# -- per-line --------------------------------------------------------------------


def _lines_rule(name: str, args: Sequence[Type]) -> None:
    t = args[0]
    if t != NULL and not (isinstance(t, ListType) and isinstance(t.element, RecordType | Type)):
        raise ArgProblem(0, f"{name} expects line items (a list) as argument 1, got {t}",
                         "needs_lines", function=name, type=t)
    if t != NULL and not isinstance(t.element, RecordType):  # type: ignore[union-attr]
        raise ArgProblem(0, f"{name} expects line items (a list of records) as argument 1, got {t}",
                         "needs_lines", function=name, type=t)


def condition_problem(name: str, index: int, t: Type) -> None:
    if t not in (BOOLEAN, NULL):
        raise ArgProblem(index, f"the condition must be boolean, got {t}", "not_boolean",
                         type=t)


def _countif_rule(name: str, args: Sequence[Type]) -> Type:
    _lines_rule(name, args)
    condition_problem(name, 1, args[1])
    return INTEGER


def _anyall_rule(name: str, args: Sequence[Type]) -> Type:
    _countif_rule(name, args)
    return BOOLEAN


def _sumif_rule(name: str, args: Sequence[Type]) -> Type:
    _lines_rule(name, args)
    condition_problem(name, 1, args[1])
    expect(name, 2, args[2], "number")
    return widest_numeric([args[2]])


def countif(tick: Callable[[int], None], lines: list, cond: Callable[[Any], Any]) -> int:
    tick(len(lines))
    n = 0
    for line in lines:
        if cond(V.as_record(line, "a line")) is True:
            n += 1
    return n


def sumif(
    tick: Callable[[int], None],
    lines: list,
    cond: Callable[[Any], Any],
    value: Callable[[Any], Any],
) -> Any:
    tick(len(lines))
    total: Any = 0
    for line in lines:
        record = V.as_record(line, "a line")
        if cond(record) is True:
            v = value(record)
            if v is not None:
                total = V.add(total, v)
    return total


def any_line(tick: Callable[[int], None], lines: list, cond: Callable[[Any], Any]) -> bool:
    tick(len(lines))
    return any(cond(V.as_record(line, "a line")) is True for line in lines)


def all_lines(tick: Callable[[int], None], lines: list, cond: Callable[[Any], Any]) -> bool:
    tick(len(lines))
    return all(cond(V.as_record(line, "a line")) is True for line in lines)


# The -IF and -IFS forms over lines. Excel's argument order is kept: the value
# comes after the condition in AVERAGEIF (as in SUMIF) and first in the -IFS forms.


def _conditions_rule(name: str, args: Sequence[Type], first: int) -> None:
    for i in range(first, len(args)):
        condition_problem(name, i, args[i])


def _countifs_rule(name: str, args: Sequence[Type]) -> Type:
    _lines_rule(name, args)
    _conditions_rule(name, args, 1)
    return INTEGER


def _sumifs_rule(name: str, args: Sequence[Type]) -> Type:
    _lines_rule(name, args)
    expect(name, 1, args[1], "number")
    _conditions_rule(name, args, 2)
    return widest_numeric([args[1]])


def _averageifs_rule(name: str, args: Sequence[Type]) -> Type:
    return MONEY if _sumifs_rule(name, args) == MONEY else NUMBER


def _averageif_rule(name: str, args: Sequence[Type]) -> Type:
    return MONEY if _sumif_rule(name, args) == MONEY else NUMBER


def _matching(tick: Callable[[int], None], lines: list, conds: Sequence[Callable[[Any], Any]],
              value: Callable[[Any], Any] | None = None) -> list[Any]:
    """Each line where every condition is TRUE: its value when one is given (blanks
    left out, as Excel leaves out empty cells), else the line."""
    tick(len(lines))
    out = []
    for line in lines:
        record = V.as_record(line, "a line")
        if all(cond(record) is True for cond in conds):
            if value is None:
                out.append(record)
            elif (v := value(record)) is not None:
                out.append(v)
    return out


def countifs(tick: Callable[[int], None], lines: list, *conds: Callable[[Any], Any]) -> int:
    return len(_matching(tick, lines, conds))


def sumifs(tick: Callable[[int], None], lines: list, value: Callable[[Any], Any],
           *conds: Callable[[Any], Any]) -> Any:
    total: Any = 0
    for v in _matching(tick, lines, conds, value):
        total = V.add(total, v)
    return total


def _average_of(name: str, items: list[Any]) -> Any:
    if not items:
        raise Fault(f"{name}: no line meets the conditions", code=DIV0,
                    kind=NOTHING_MATCHES, function=name)
    return V.div(sum_values(items), len(items))


def averageif(tick: Callable[[int], None], lines: list, cond: Callable[[Any], Any],
              value: Callable[[Any], Any]) -> Any:
    return _average_of("AVERAGEIF", _matching(tick, lines, (cond,), value))


def averageifs(tick: Callable[[int], None], lines: list, value: Callable[[Any], Any],
               *conds: Callable[[Any], Any]) -> Any:
    return _average_of("AVERAGEIFS", _matching(tick, lines, conds, value))


def maxifs(tick: Callable[[int], None], lines: list, value: Callable[[Any], Any],
           *conds: Callable[[Any], Any]) -> Any:
    """0 when no line meets the conditions, as in Excel."""
    items = _matching(tick, lines, conds, value)
    return _max(items) if items else 0


def minifs(tick: Callable[[int], None], lines: list, value: Callable[[Any], Any],
           *conds: Callable[[Any], Any]) -> Any:
    items = _matching(tick, lines, conds, value)
    return _min(items) if items else 0


# -- math ------------------------------------------------------------------------


def _rounder(mode: str) -> Callable[..., Any]:
    @_nulls
    def round_(x: Any, digits: Any = 0) -> Any:
        d = _whole(digits, "the number of digits")
        if not -100 <= d <= 30:
            raise Fault("the number of digits must be between -100 and 30")
        if isinstance(x, int) and d >= 0:
            return x
        exp = Decimal(1).scaleb(-d)
        result = Decimal(x).quantize(exp, rounding=mode, context=V.CTX)
        if d < 0:
            result = result.quantize(Decimal(1), context=V.CTX)
        return int(result) if isinstance(x, int) else result

    return round_


@_nulls
def _abs(x: Any) -> Any:
    # Decimal's abs() rounds to the thread's context (28 digits); ours keeps 34.
    return abs(x) if isinstance(x, int) else V.CTX.abs(x)


def _step_round(mode: str, name: str) -> Callable[..., Any]:
    @_nulls
    def step(x: Any, significance: Any = 1) -> Any:
        if not significance:
            return 0 if isinstance(x, int) else Decimal(0)
        if x > 0 and significance < 0:
            raise Fault(f"{name}: a positive number needs a positive significance")
        q = V.CTX.divide(Decimal(x), Decimal(significance)).to_integral_value(mode)
        result = V.CTX.multiply(q, significance)
        if isinstance(x, int) and isinstance(significance, int):
            return int(result)
        return result

    return step


@_nulls
def _int(x: Any) -> int:
    if isinstance(x, int):
        return x
    return V.check_int(int(x.to_integral_value(ROUND_FLOOR)))


@_nulls
def _sign(x: Any) -> int:
    return (x > 0) - (x < 0)


# -- text ------------------------------------------------------------------------


@_nulls
def _len(text: str) -> int:
    return len(text)


@_nulls
def _upper(text: str) -> str:
    return V.check_text(text.upper())


@_nulls
def _lower(text: str) -> str:
    return V.check_text(text.lower())


@_nulls
def _trim(text: str) -> str:
    return " ".join(part for part in text.strip().split(" ") if part)


def _count_arg(n: Any, name: str) -> int:
    count = _whole(n, f"{name}: the number of characters")
    if count < 0:
        raise Fault(f"{name}: the number of characters cannot be negative")
    return count


@_nulls
def _left(text: str, n: Any = 1) -> str:
    return text[: _count_arg(n, "LEFT")]


@_nulls
def _right(text: str, n: Any = 1) -> str:
    count = _count_arg(n, "RIGHT")
    return text[-count:] if count else ""


@_nulls
def _mid(text: str, start: Any, n: Any) -> str:
    first = _whole(start, "MID: the start")
    if first < 1:
        raise Fault("MID: the start must be 1 or more")
    count = _count_arg(n, "MID")
    return text[first - 1 : first - 1 + count]


def _concat(*args: Any) -> str:
    return V.check_text("".join(V.to_text(a) for a in args))


@_nulls
def _contains(text: str, part: str) -> bool:
    return part.casefold() in text.casefold()


@_nulls
def _startswith(text: str, part: str) -> bool:
    return text.casefold().startswith(part.casefold())


@_nulls
def _endswith(text: str, part: str) -> bool:
    return text.casefold().endswith(part.casefold())


@_nulls
def _regexmatch(text: str, pattern: str) -> bool:
    return regex_match(text, pattern)


_NUMBER_FORMAT = re.compile(r"^(#,##)?0(?:\.(0+))?(%)?$")
_DATE_TOKENS = re.compile(r"yyyy|yy|mm|dd|hh|ss|m|d", re.I)


def format_value(value: Any, fmt: str) -> str:
    """Excel-style TEXT formats: 0, 0.00, #,##0.00, 0%, yyyy-mm-dd, hh:mm:ss ..."""
    if isinstance(value, int | Decimal) and not isinstance(value, bool):
        match = _NUMBER_FORMAT.match(fmt.strip())
        if not match:
            raise Fault(f"TEXT: unknown number format {fmt!r}")
        grouping, decimals, percent = match.groups()
        number = V.CTX.multiply(Decimal(value), 100 if percent else 1)
        places = len(decimals or "")
        rounded = number.quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP, V.CTX)
        text = f"{rounded:,.{places}f}" if grouping else f"{rounded:.{places}f}"
        return text + ("%" if percent else "")
    if isinstance(value, _dt.date):
        return _format_date(value, fmt)
    raise Fault(f"TEXT: a format applies to numbers and dates, got {V.to_text(value)!r}")


def _format_date(value: _dt.date, fmt: str) -> str:
    if isinstance(value, _dt.datetime):
        value = value.astimezone(V.UTC)
    out = []
    pos = 0
    after_hour = False
    for match in _DATE_TOKENS.finditer(fmt):
        out.append(fmt[pos : match.start()])
        token = match.group().lower()
        # "mm" means minutes right after hours or before seconds, as in Excel.
        minutes = token in ("mm", "m") and (after_hour or fmt[match.end() :].lower().lstrip(
            ":").startswith("ss"))
        hour = getattr(value, "hour", 0)
        minute = getattr(value, "minute", 0)
        second = getattr(value, "second", 0)
        out.append(
            {
                "yyyy": f"{value.year:04d}",
                "yy": f"{value.year % 100:02d}",
                "mm": f"{minute:02d}" if minutes else f"{value.month:02d}",
                "m": f"{minute}" if minutes else f"{value.month}",
                "dd": f"{value.day:02d}",
                "d": f"{value.day}",
                "hh": f"{hour:02d}",
                "ss": f"{second:02d}",
            }[token]
        )
        after_hour = token == "hh"
        pos = match.end()
    out.append(fmt[pos:])
    return "".join(out)


def _text(value: Any, fmt: Any = None) -> str:
    if value is None:
        return ""
    if fmt is None:
        return V.check_text(V.to_text(value))
    return V.check_text(format_value(value, fmt))


def _textjoin_rule(name: str, args: Sequence[Type]) -> Type:
    expect(name, 0, args[0], "text")
    expect(name, 1, args[1], "boolean")
    for i, t in enumerate(args[2:], start=2):
        while isinstance(t, ListType):
            t = t.element
        if not _is("scalar", t):
            raise ArgProblem(i, f"{name} expects single values or lists of them as argument "
                             f"{i + 1}, got {args[i]}", "argument_values", function=name,
                             position=i + 1, type=args[i])
    return TEXT


# -- dates -----------------------------------------------------------------------


def _date(year: Any, month: Any, day: Any) -> _dt.date:
    y, m, d = (_whole(v, "DATE: each part") for v in (year, month, day))
    # Excel rolls months past 12 into years and days past the month's end
    # into the next month: DATE(2024, 1, 32) is 2024-02-01.
    y += (m - 1) // 12
    m = (m - 1) % 12 + 1
    try:
        return _dt.date(y, m, 1) + _dt.timedelta(days=d - 1)
    except (ValueError, OverflowError):
        raise Fault("DATE: the date is outside the years 1 to 9999",
                    kind=DATE_OUT_OF_RANGE, function="DATE") from None


_date_n = _nulls(_date)


@_nulls
def _datetime(year: Any, month: Any, day: Any, hour: Any = 0, minute: Any = 0,
              second: Any = 0) -> _dt.datetime:
    base = _date(year, month, day)
    h, mi, s = (_whole(v, "DATETIME: each part") for v in (hour, minute, second))
    try:
        return _dt.datetime(base.year, base.month, base.day, tzinfo=V.UTC) + _dt.timedelta(
            hours=h, minutes=mi, seconds=s
        )
    except (ValueError, OverflowError):
        raise Fault("DATETIME: the time is outside the years 1 to 9999") from None


def _date_part(value: Any) -> _dt.date:
    return V.day_of(value) if isinstance(value, _dt.datetime) else value


@_nulls
def _year(value: Any) -> int:
    return _date_part(value).year


@_nulls
def _month(value: Any) -> int:
    return _date_part(value).month


@_nulls
def _day(value: Any) -> int:
    return _date_part(value).day


@_nulls
def _weekday(value: Any, kind: Any = 1) -> int:
    iso = _date_part(value).isoweekday()  # Monday 1 .. Sunday 7
    k = _whole(kind, "WEEKDAY: the type")
    if k == 1:
        return iso % 7 + 1  # Sunday 1 .. Saturday 7
    if k == 2:
        return iso
    if k == 3:
        return iso - 1  # Monday 0 .. Sunday 6
    raise Fault("WEEKDAY: the type must be 1, 2 or 3")


@_nulls
def _days(end: Any, start: Any) -> int:
    return (_date_part(end) - _date_part(start)).days


@_nulls
def _adddays(value: Any, n: Any) -> Any:
    try:
        if isinstance(value, _dt.datetime):
            micro = int(V.CTX.multiply(Decimal(n), 86_400_000_000))
            return value + _dt.timedelta(microseconds=micro)
        return value + _dt.timedelta(days=_whole(n, "ADDDAYS: the number of days"))
    except OverflowError:
        raise Fault("ADDDAYS: the date is outside the years 1 to 9999",
                    kind=DATE_OUT_OF_RANGE, function="ADDDAYS") from None


@_nulls
def _hours(end: Any, start: Any) -> Any:
    delta = V.as_datetime(end) - V.as_datetime(start)  # type: ignore[operator]
    micro = (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
    return V.div(micro, 3_600_000_000)


def _date_result(args: Sequence[Type]) -> Type:
    return args[0] if args[0] != NULL else DATE


def _holidays_rule(name: str, args: Sequence[Type], at: int) -> None:
    if len(args) > at:
        _flat_types(name, [NULL] * at + [args[at]], ("date",))


def _weekend_rule(name: str, args: Sequence[Type]) -> None:
    if len(args) > 2 and args[2] not in (NULL, TEXT) and not is_numeric(args[2]):
        raise ArgProblem(2, f"{name} expects a weekend number or a text such as \"0000011\" "
                         f"as argument 3, got {args[2]}", "weekend_argument", function=name,
                         type=args[2])


def _workday_rule(name: str, args: Sequence[Type]) -> Type:
    expect(name, 0, args[0], "date")
    expect(name, 1, args[1], "number")
    if name.endswith(".INTL"):
        _weekend_rule(name, args)
        _holidays_rule(name, args, 3)
    else:
        _holidays_rule(name, args, 2)
    return DATE


def _networkdays_rule(name: str, args: Sequence[Type]) -> Type:
    expect(name, 0, args[0], "date")
    expect(name, 1, args[1], "date")
    if name.endswith(".INTL"):
        _weekend_rule(name, args)
        _holidays_rule(name, args, 3)
    else:
        _holidays_rule(name, args, 2)
    return INTEGER


# WORKDAY and NETWORKDAYS are handed the instance's business calendar (None: Excel's
# Saturday and Sunday, no holidays). A call that names its own holidays counts with
# those alone, as in Excel; one without counts the calendar's holidays and make-up
# working days, and the plain forms take its weekend too.
_OMITTED = object()


def _days_of(given: workdays.Calendar | None, week: tuple[bool, ...] | None,
             holidays: Any) -> workdays.Calendar:
    if holidays is not _OMITTED:
        return workdays.calendar(week or workdays.SATURDAY_SUNDAY, holidays)
    if given is None:
        return workdays.Calendar(week or workdays.SATURDAY_SUNDAY)
    return given if week is None else workdays.Calendar(week, given.holidays, given.workdays)


def _workday(given: workdays.Calendar | None, start: Any, days: Any,
             holidays: Any = _OMITTED) -> Any:
    if start is None or days is None:
        return None
    return workdays.workday(start, days, _days_of(given, None, holidays), "WORKDAY")


def _workday_intl(given: workdays.Calendar | None, start: Any, days: Any, weekend: Any = None,
                  holidays: Any = _OMITTED) -> Any:
    if start is None or days is None:
        return None
    week = workdays.weekend_of(1 if weekend is None else weekend, "WORKDAY.INTL")
    return workdays.workday(start, days, _days_of(given, week, holidays), "WORKDAY.INTL")


def _networkdays(given: workdays.Calendar | None, start: Any, end: Any,
                 holidays: Any = _OMITTED) -> Any:
    if start is None or end is None:
        return None
    return workdays.networkdays(start, end, _days_of(given, None, holidays))


def _networkdays_intl(given: workdays.Calendar | None, start: Any, end: Any,
                      weekend: Any = None, holidays: Any = _OMITTED) -> Any:
    if start is None or end is None:
        return None
    week = workdays.weekend_of(1 if weekend is None else weekend, "NETWORKDAYS.INTL")
    return workdays.networkdays(start, end, _days_of(given, week, holidays))


def _clock_part(read: Callable[[Any, _dt.tzinfo], int]) -> Callable[..., Any]:
    """HOUR, MINUTE: read on the clocks of the instance's time zone (the calendar's)."""
    def part(given: workdays.Calendar | None, value: Any) -> Any:
        if value is None:
            return None
        return read(value, given.zone if given is not None else V.UTC)

    return part


# -- lists -------------------------------------------------------------------------


def _percentile_rule(name: str, args: Sequence[Type]) -> Type:
    _flat_types(name, args[:1], ("number",))
    expect(name, 1, args[1], "number")
    return _average_rule(name, args[:1])


def _pick_rule(name: str, args: Sequence[Type]) -> Type:
    expect(name, 1, args[1], "number")
    return _minmax_rule(name, args[:1])
# -- look-ups --------------------------------------------------------------------


def _xlookup_rule(name: str, args: Sequence[Type]) -> Type:
    expect(name, 0, args[0], "scalar")
    for index in (1, 2):
        if args[index] != NULL and not isinstance(args[index], ListType):
            raise ArgProblem(index, f"{name} expects a list (such as a table's column) as "
                                    f"argument {index + 1}, got {args[index]}", "argument_list",
                             function=name, position=index + 1, type=args[index])
    keys = args[1].element if isinstance(args[1], ListType) else NULL
    if isinstance(keys, ListType | RecordType):
        raise ArgProblem(1, f"{name} looks values up in a list of single values, got {args[1]}",
                         "lookup_values", function=name, type=args[1])
    if NULL not in (args[0], keys) and family(args[0]) != family(keys):
        raise ArgProblem(0, f"{name} cannot look for {args[0]} in a list of {keys}",
                         "lookup_mismatch", function=name, type=args[0], right=keys)
    result = args[2].element if isinstance(args[2], ListType) else NULL
    return _join(name, [result, *args[3:]], 2)


def _addresspart(text: str, part: str) -> str:
    if part.lower() not in china_address.PARTS:
        raise Fault(f"ADDRESSPART: the part must be one of {', '.join(china_address.PARTS)}, "
                    f"not {part!r}")
    return china_address.split_address(text).part(part.lower())


def _info_rule(name: str, args: Sequence[Type]) -> Type:
    expect(name, 0, args[0], "text")
    expect(name, 1, args[1], "text")
    # The result is the attribute's type, known from the attribute's name: the
    # checker reads it there (it must be written as text in quotes).
    return NULL


def _info(name: str) -> Callable[..., Any]:
    def info(calendar: workdays.Calendar | None, key: Any, attribute: str,
             convert: Callable[[Any, str], Any]) -> Any:
        found = calendar.catalogue if calendar is not None else None
        return catalogue.look_up(name, found, key, attribute, convert)

    return info


@_nulls
def _listprice(calendar: workdays.Calendar, sku: str, quantity: Decimal) -> Decimal | None:
    # NULL without a calendar too: only the server's evaluations know the order's prices.
    return catalogue.list_price(calendar.catalogue, sku, quantity)


# Worked out by the server only: the browser does not have the data they need (the
# divisions of China for ADDRESSPART, the catalogue and the customers for
# PRODUCTINFO and CUSTOMERINFO, the price lists for LISTPRICE), and shows the server's
# value once saved.
SERVER_ONLY = frozenset({"ADDRESSPART", "PRODUCTINFO", "CUSTOMERINFO", "LISTPRICE"})


# -- the library -----------------------------------------------------------------


def _f(name: str, lo: int, hi: int | None, rule: Callable, impl: Callable | None = None,
       kind: str = "plain", summary: str = "") -> Function:
    return Function(name, lo, hi, rule, impl, kind, summary)


_N, _T, _D, _B, _S = "number", "text", "date", "boolean", "scalar"

FUNCTIONS: dict[str, Function] = {
    f.name: f
    for f in [
        _f("IF", 2, 3, _if_rule, kind="inline"),
        _f("IFS", 2, None, _ifs_rule, kind="inline"),
        _f("SWITCH", 3, None, _switch_rule, kind="inline"),
        _f("AND", 1, None, _logic_rule, kind="inline"),
        _f("OR", 1, None, _logic_rule, kind="inline"),
        _f("NOT", 1, 1, _logic_rule, kind="inline"),
        _f("COALESCE", 1, None, _coalesce_rule, kind="inline"),
        _f("ISBLANK", 1, 1, lambda n, a: BOOLEAN, _isblank),
        _f("IFERROR", 2, 2, _coalesce_rule, _iferror, kind="catching"),
        _f("IFNA", 2, 2, _coalesce_rule, _ifna, kind="catching"),
        _f("ISERROR", 1, 1, _boolean, _iserror, kind="catching"),
        _f("ISNUMBER", 1, 1, _boolean, _is_a(_is_number), kind="catching"),
        _f("ISTEXT", 1, 1, _boolean, _is_a(lambda v: isinstance(v, str)), kind="catching"),
        _f("ISDATE", 1, 1, _boolean, _is_a(_is_date), kind="catching"),
        _f("SUM", 1, None, _sum_rule, sum_values),
        _f("MIN", 1, None, _minmax_rule, _min),
        _f("MAX", 1, None, _minmax_rule, _max),
        _f("AVERAGE", 1, None, _average_rule, _average),
        _f("COUNT", 1, None, _count_rule, _count),
        _f("SUMIF", 3, 3, _sumif_rule, sumif, kind="per_line"),
        _f("COUNTIF", 2, 2, _countif_rule, countif, kind="per_line"),
        _f("ANY", 2, 2, _anyall_rule, any_line, kind="per_line"),
        _f("ALL", 2, 2, _anyall_rule, all_lines, kind="per_line"),
        _f("ROUND", 1, 2, _rule([_N], _same_as_first), _rounder(ROUND_HALF_UP)),
        _f("ROUNDUP", 1, 2, _rule([_N], _same_as_first), _rounder(ROUND_UP)),
        _f("ROUNDDOWN", 1, 2, _rule([_N], _same_as_first), _rounder(ROUND_DOWN)),
        _f("ABS", 1, 1, _rule([_N], _same_as_first), _abs),
        _f("CEILING", 1, 2, _rule([_N], _same_as_first), _step_round(ROUND_CEILING, "CEILING")),
        _f("FLOOR", 1, 2, _rule([_N], _same_as_first), _step_round(ROUND_FLOOR, "FLOOR")),
        _f("MOD", 2, 2, _rule([_N], widest_numeric), _nulls(V.mod)),
        _f("INT", 1, 1, _rule([_N], INTEGER), _int),
        _f("TRUNC", 1, 2, _rule([_N], _same_as_first), _rounder(ROUND_DOWN)),
        _f("SIGN", 1, 1, _rule([_N], INTEGER), _sign),
        _f("POWER", 2, 2, _rule([_N], NUMBER), _nulls(powers.power)),
        _f("SQRT", 1, 1, _rule([_N], NUMBER), _nulls(powers.sqrt)),
        _f("EXP", 1, 1, _rule([_N], NUMBER), _nulls(powers.exp)),
        _f("LN", 1, 1, _rule([_N], NUMBER), _nulls(powers.ln)),
        _f("LOG", 1, 2, _rule([_N], NUMBER), _nulls(powers.log)),
        _f("PRODUCT", 1, None, _product_rule, _product),
        _f("MEDIAN", 1, None, _average_rule, _median),
        _f("MODE", 1, None, _mode_rule, _mode),
        _f("LEN", 1, 1, _rule([_T], INTEGER), _len),
        _f("UPPER", 1, 1, _rule([_T], TEXT), _upper),
        _f("LOWER", 1, 1, _rule([_T], TEXT), _lower),
        _f("TRIM", 1, 1, _rule([_T], TEXT), _trim),
        _f("LEFT", 1, 2, _rule([_T, _N], TEXT), _left),
        _f("RIGHT", 1, 2, _rule([_T, _N], TEXT), _right),
        _f("MID", 3, 3, _rule([_T, _N, _N], TEXT), _mid),
        _f("CONCAT", 1, None, _rule([_S], TEXT), _concat),
        _f("CONTAINS", 2, 2, _rule([_T, _T], BOOLEAN), _contains),
        _f("STARTSWITH", 2, 2, _rule([_T, _T], BOOLEAN), _startswith),
        _f("ENDSWITH", 2, 2, _rule([_T, _T], BOOLEAN), _endswith),
        _f("REGEXMATCH", 2, 2, _rule([_T, _T], BOOLEAN), _regexmatch),
        _f("TEXT", 1, 2, _rule([_S, _T], TEXT), _text),
        _f("SUBSTITUTE", 3, 4, _rule([_T, _T, _T, _N], TEXT), _nulls(texts.substitute)),
        _f("REPLACE", 4, 4, _rule([_T, _N, _N, _T], TEXT), _nulls(texts.replace)),
        _f("FIND", 2, 3, _rule([_T, _T, _N], INTEGER), _nulls(texts.find)),
        _f("SEARCH", 2, 3, _rule([_T, _T, _N], INTEGER), _nulls(texts.search)),
        _f("TEXTJOIN", 3, None, _textjoin_rule, texts.textjoin),
        _f("VALUE", 1, 1, _rule([_T], NUMBER), _nulls(texts.value)),
        _f("PROPER", 1, 1, _rule([_T], TEXT), _nulls(texts.proper)),
        _f("REPT", 2, 2, _rule([_T, _N], TEXT), _nulls(texts.rept)),
        _f("TODAY", 0, 0, lambda n, a: DATE, kind="clock"),
        _f("NOW", 0, 0, lambda n, a: DATETIME, kind="clock"),
        _f("DATE", 3, 3, _rule([_N], DATE), _date_n),
        _f("DATETIME", 3, 6, _rule([_N], DATETIME), _datetime),
        _f("YEAR", 1, 1, _rule([_D], INTEGER), _year),
        _f("MONTH", 1, 1, _rule([_D], INTEGER), _month),
        _f("DAY", 1, 1, _rule([_D], INTEGER), _day),
        _f("WEEKDAY", 1, 2, _rule([_D, _N], INTEGER), _weekday),
        _f("DAYS", 2, 2, _rule([_D, _D], INTEGER), _days),
        _f("ADDDAYS", 2, 2, _rule([_D, _N], _date_result), _adddays),
        _f("HOURS", 2, 2, _rule([_D, _D], NUMBER), _hours),
        _f("EDATE", 2, 2, _rule([_D, _N], DATE), _nulls(dates.edate)),
        _f("EOMONTH", 2, 2, _rule([_D, _N], DATE), _nulls(dates.eomonth)),
        _f("DATEDIF", 3, 3, _rule([_D, _D, _T], INTEGER), _nulls(dates.datedif)),
        _f("WEEKNUM", 1, 2, _rule([_D, _N], INTEGER), _nulls(dates.weeknum)),
        _f("ISOWEEKNUM", 1, 1, _rule([_D], INTEGER), _nulls(dates.isoweeknum)),
        _f("HOUR", 1, 1, _rule([_D], INTEGER), _clock_part(dates.hour), kind="calendar"),
        _f("SUMIFS", 3, None, _sumifs_rule, sumifs, kind="per_line"),
        _f("COUNTIFS", 2, None, _countifs_rule, countifs, kind="per_line"),
        _f("AVERAGEIF", 3, 3, _averageif_rule, averageif, kind="per_line"),
        _f("AVERAGEIFS", 3, None, _averageifs_rule, averageifs, kind="per_line"),
        _f("MAXIFS", 3, None, _sumifs_rule, maxifs, kind="per_line"),
        _f("MINIFS", 3, None, _sumifs_rule, minifs, kind="per_line"),
        _f("SUMPRODUCT", 1, None, _sum_rule, statistics.sumproduct),
        _f("PERCENTILE", 2, 2, _percentile_rule, _nulls(statistics.percentile)),
        _f("LARGE", 2, 2, _pick_rule, _nulls(statistics.large)),
        _f("SMALL", 2, 2, _pick_rule, _nulls(statistics.small)),
        _f("COUNTA", 1, None, _count_rule, statistics.counta),
        _f("COUNTBLANK", 1, None, _count_rule, statistics.countblank),
        _f("QUOTIENT", 2, 2, _rule([_N], INTEGER), _nulls(statistics.quotient)),
        _f("MROUND", 2, 2, _rule([_N], widest_numeric), _nulls(statistics.mround)),
        _f("ISEVEN", 1, 1, _rule([_N], BOOLEAN), _nulls(statistics.is_even)),
        _f("ISODD", 1, 1, _rule([_N], BOOLEAN),
           _nulls(lambda n: not statistics.is_even(n))),
        _f("EXACT", 2, 2, _rule([_T, _T], BOOLEAN), _nulls(texts.exact)),
        _f("LENB", 1, 1, _rule([_T], INTEGER), _nulls(texts.lenb)),
        _f("LEFTB", 1, 2, _rule([_T, _N], TEXT), _nulls(texts.leftb)),
        _f("SPLIT", 2, 4, _rule([_T, _T, _B], list_of(TEXT)), _nulls(texts.split)),
        _f("UNICHAR", 1, 1, _rule([_N], TEXT), _nulls(texts.unichar)),
        _f("UNICODE", 1, 1, _rule([_T], INTEGER), _nulls(texts.unicode)),
        _f("REGEXEXTRACT", 2, 2, _rule([_T, _T], TEXT), _nulls(regex_extract)),
        _f("REGEXREPLACE", 3, 3, _rule([_T, _T, _T], TEXT), _nulls(regex_replace)),
        _f("TIME", 3, 3, _rule([_N], NUMBER), _nulls(dates.time_of_day)),
        _f("DATEVALUE", 1, 1, _rule([_T], DATE), _nulls(dates.datevalue)),
        _f("WORKDAY", 2, 3, _workday_rule, _workday, kind="calendar"),
        _f("WORKDAY.INTL", 2, 4, _workday_rule, _workday_intl, kind="calendar"),
        _f("NETWORKDAYS", 2, 3, _networkdays_rule, _networkdays, kind="calendar"),
        _f("NETWORKDAYS.INTL", 2, 4, _networkdays_rule, _networkdays_intl, kind="calendar"),
        _f("MINUTE", 1, 1, _rule([_D], INTEGER), _clock_part(dates.minute), kind="calendar"),
        # Look-ups: tables the designer defines, and the Chinese address parser.
        _f("XLOOKUP", 3, 4, _xlookup_rule, lookups.xlookup),
        _f("ADDRESSPART", 2, 2, _rule([_T, _T], TEXT), _nulls(_addresspart)),
        _f("PRODUCTINFO", 2, 2, _info_rule, _info("PRODUCTINFO"), kind="catalogue"),
        _f("CUSTOMERINFO", 2, 2, _info_rule, _info("CUSTOMERINFO"), kind="catalogue"),
        _f("LISTPRICE", 2, 2, _rule([_T, _N], MONEY), _listprice, kind="calendar"),
    ]
}

"""Errors of the formula language: check-time problems and runtime faults.

Everything that goes wrong with a formula is one of two things:

* a `FormulaProblem` found before the formula runs (syntax, unknown field,
  wrong types...). `check` returns them; `compile` and `evaluate` raise a
  `FormulaError` carrying all of them.
* a `FormulaFault` found while it runs (division by zero, a limit exceeded,
  data of the wrong shape). It is a *value*: a compiled formula returns it
  instead of a result, so one bad order never breaks the caller's loop.
  `FormulaFault.raise_()` turns it into a `FormulaRuntimeError` for callers
  that prefer an exception.

Inside a running formula a fault is the language's error value, as `#DIV/0!`
is a spreadsheet's: it passes through every operator and function up to the
formula's edge, unless IFERROR, IFNA or one of the IS functions catches it on
the way. Each fault carries Excel's error code (`code`) so IFNA can tell
`#N/A` from the rest. A fault of the evaluation's budget (too many steps, a
formula too deep to run) has no code: it is not a value of the formula and
nothing catches it, or a formula could spend its budget twice.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import DecimalException

# Excel's error values, as a fault's `code`.
VALUE = "#VALUE!"
DIV0 = "#DIV/0!"
NUM = "#NUM!"
NA = "#N/A"

# The class of each error value, by which a fault without a kind of its own is worded;
# None is a fault of the evaluation's budget.
CLASSES = {VALUE: "class.value", DIV0: "class.div0", NUM: "class.num", NA: "class.na",
           None: "class.budget"}

# The kinds of fault said in their own words, with the values each carries.
DIVISION_BY_ZERO = "division_by_zero"
NOT_DEFINED = "not_defined"  # an arithmetic result too large or undefined
TOO_COMPLEX = "too_complex"
DATA_DOES_NOT_FIT = "data_does_not_fit"
TOO_MANY_STEPS = "too_many_steps"  # most
NOT_A_NUMBER = "not_a_number"  # function, text
NOT_A_DATE = "not_a_date"  # text
NOT_FOUND = "not_found"  # function, value
NOTHING_MATCHES = "nothing_matches"  # function
NO_NUMBERS = "no_numbers"  # function
DATE_OUT_OF_RANGE = "date_out_of_range"  # function
NUMBER_TOO_LARGE = "number_too_large"
NOT_WHOLE = "not_whole"  # number
TEXT_TOO_LONG = "text_too_long"  # most
WRONG_KIND = "wrong_kind"  # function, expected, got
KINDS = frozenset({
    DIVISION_BY_ZERO, NOT_DEFINED, TOO_COMPLEX, DATA_DOES_NOT_FIT, TOO_MANY_STEPS,
    NOT_A_NUMBER, NOT_A_DATE, NOT_FOUND, NOTHING_MATCHES, NO_NUMBERS, DATE_OUT_OF_RANGE,
    NUMBER_TOO_LARGE, NOT_WHOLE, TEXT_TOO_LONG, WRONG_KIND})


def excerpt_lines(source: str, line: int, column: int) -> str:
    """The source line at `line` and a caret under `column` (both 1-based)."""
    lines = source.splitlines() or [""]
    text = lines[line - 1] if 0 < line <= len(lines) else ""
    text = text.replace("\t", " ")
    caret = " " * max(column - 1, 0) + "^"
    return f"{text}\n{caret}"


@dataclass(frozen=True)
class FormulaProblem:
    """One mistake in a formula, at a 1-based line and column.

    ``message`` is English. ``code`` names the kind of mistake and ``values`` its
    placeholders (the field, the suggestion, the types), so that a caller that speaks
    another language words it itself; the language knows no languages.
    """

    line: int
    column: int
    message: str
    source: str = ""
    code: str | None = None
    values: Mapping[str, object] = field(default_factory=dict, compare=False, hash=False)

    @property
    def excerpt(self) -> str:
        return excerpt_lines(self.source, self.line, self.column)

    def __str__(self) -> str:
        return f"{self.line}:{self.column}: {self.message}"


class FormulaError(Exception):
    """A formula that cannot be used; `errors` lists every problem found."""

    def __init__(self, errors: list[FormulaProblem], source: str = "") -> None:
        self.errors = list(errors)
        self.source = source
        super().__init__(self._summary())

    def _summary(self) -> str:
        if not self.errors:
            return "invalid formula"
        return "; ".join(str(e) for e in self.errors)

    def report(self) -> str:
        """Every problem as `line:column: message` followed by its excerpt."""
        return "\n".join(f"{e}\n{e.excerpt}" for e in self.errors)


@dataclass(frozen=True)
class FormulaFault:
    """A runtime fault, returned as the result of an evaluation.

    It is never equal to a real value and is falsy, so a condition that
    faulted does not pass by accident.
    """

    message: str
    line: int
    column: int
    source: str
    code: str | None = VALUE
    # What kind of fault it is (KINDS) and the values of its placeholders, so that a
    # caller that speaks another language words it itself; None: only its class
    # (``code``) is known.
    kind: str | None = None
    values: Mapping[str, object] = field(default_factory=dict, compare=False, hash=False)

    def __bool__(self) -> bool:
        return False

    @property
    def described(self) -> dict[str, object]:
        """The fault's kind, or its class when it has none (CLASSES), as ``fault``, with
        the values of its placeholders: what a caller words it by."""
        return {"fault": self.kind or CLASSES[self.code], **self.values}

    @property
    def excerpt(self) -> str:
        return excerpt_lines(self.source, self.line, self.column)

    def __str__(self) -> str:
        return f"formula {self.source!r} failed at {self.line}:{self.column}: {self.message}"

    def raise_(self) -> None:
        raise FormulaRuntimeError(self)


class FormulaRuntimeError(FormulaError):
    """A `FormulaFault` raised as an exception, on request."""

    def __init__(self, fault: FormulaFault) -> None:
        self.fault = fault
        problem = FormulaProblem(fault.line, fault.column, fault.message, fault.source)
        super().__init__([problem], fault.source)


class Fault(Exception):
    """Raised inside a running formula and turned into a `FormulaFault` at its edge.

    `node_id` identifies the node that failed when the raising helper knows it;
    otherwise the compiler finds the node from the traceback. `code` is the
    Excel error value it stands for, None for a fault of the budget.
    """

    def __init__(self, message: str, node_id: int | None = None, code: str | None = VALUE,
                 *, kind: str | None = None, **values: object) -> None:
        super().__init__(message)
        self.message = message
        self.node_id = node_id
        self.code = code
        self.kind = kind
        self.values = values


def error_code(exc: BaseException) -> str | None:
    """The error value an exception raised inside a formula is, None when nothing may catch it.

    Arithmetic raises Python's own exceptions on the fast path; they are the
    spreadsheet's #DIV/0! and #NUM!. Anything else (a RecursionError, a bug)
    is not a value of the formula.
    """
    if isinstance(exc, Fault):
        return exc.code
    if isinstance(exc, ZeroDivisionError):
        return DIV0
    if isinstance(exc, DecimalException | OverflowError):
        return NUM
    return None

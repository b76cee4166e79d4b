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
"""

from __future__ import annotations

from dataclasses import dataclass


def excerpt_lines(source: str, line: int, column: int) -> str:
    """The source line at `line` and a caret under `column` (both 1-based)."""
    lines = source.splitlines() or [""]
    text = lines[line - 1] if 0 < line <= len(lines) else ""
    text = text.replace("\t", " ")
    caret = " " * max(column - 1, 0) + "^"
    return f"{text}\n{caret}"


@dataclass(frozen=True)
class FormulaProblem:
    """One mistake in a formula, at a 1-based line and column."""

    line: int
    column: int
    message: str
    source: str = ""

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

    def __bool__(self) -> bool:
        return False

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
    otherwise the compiler finds the node from the traceback.
    """

    def __init__(self, message: str, node_id: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.node_id = node_id

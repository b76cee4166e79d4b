"""Mistakes in a definition, each with its place: a JSON Pointer into the
definition and, for a formula, the line and column inside it."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from orderloom.dsl import FormulaProblem


@dataclass(frozen=True)
class DefinitionProblem:
    """``message`` is English; ``code`` and ``values`` let a page word it in the
    reader's language (a formula's problem is ``formula.<the language's code>``)."""

    pointer: str
    message: str
    line: int | None = None
    column: int | None = None
    excerpt: str | None = None
    code: str | None = None
    values: Mapping[str, object] = field(default_factory=dict, compare=False, hash=False)

    def as_json(self) -> dict[str, object]:
        data: dict[str, object] = {"pointer": self.pointer, "detail": self.message}
        if self.line is not None:
            data["line"] = self.line
            data["column"] = self.column
        return data

    def __str__(self) -> str:
        where = self.pointer or "/"
        if self.line is not None:
            where += f" {self.line}:{self.column}"
        return f"{where}: {self.message}"


class DefinitionError(ValueError):
    """A definition that cannot be used as it is; carries every problem found."""

    def __init__(self, problems: list[DefinitionProblem]) -> None:
        self.problems = problems
        first = str(problems[0]) if problems else "invalid definition"
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        super().__init__(first + more)


def pointer(*parts: object) -> str:
    """A JSON Pointer (RFC 6901) from path parts."""
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


def formula_problem(where: str, problem: FormulaProblem) -> DefinitionProblem:
    """The DefinitionProblem at ``where`` of a formula's problem."""
    return DefinitionProblem(where, problem.message, problem.line, problem.column,
                             problem.excerpt,
                             f"formula.{problem.code}" if problem.code else None,
                             dict(problem.values))

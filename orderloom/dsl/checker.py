"""The type checker: infers the type of every node and collects every problem.

One method per node kind. A node with a problem gets the type NULL, which
fits everything, so one mistake is reported once and not again by every
node above it.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from .catalogue import LOOKUPS, attribute_problem
from .china_address import PARTS as ADDRESS_PARTS
from .errors import FormulaProblem
from .functions import FUNCTIONS, ArgProblem, widest_numeric
from .nodes import Binary, Call, ListLiteral, Literal, Node, Path, Unary
from .regex import UnsafePattern, compile_pattern
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

_VERBS = {"+": "add", "-": "subtract", "*": "multiply", "/": "divide", "%": "take the remainder of"}
# The code of "cannot <verb> ..." per operator (FormulaProblem.code).
_OPERATION_CODES = {"+": "add", "-": "subtract", "*": "multiply", "/": "divide",
                    "%": "remainder"}
_EQUALITY = {"=", "==", "!=", "<>"}
_ORDERING = {"<", "<=", ">", ">="}


class Step(NamedTuple):
    """One name of a field path: which field, read from a record or from every line."""

    name: str
    from_lines: bool
    type: Type


@dataclass
class Checked:
    root: Node
    result: Type
    problems: list[FormulaProblem]
    types: dict[int, Type] = field(default_factory=dict)
    # For each Path node: the scope it starts from (0 is the order, 1 the
    # innermost enclosing per-line condition's line, 2 the one around it...)
    # and the steps from there.
    paths: dict[int, tuple[int, tuple[Step, ...]]] = field(default_factory=dict)
    uses_clock: bool = False
    uses_lines: bool = False


def _closest(name: str, candidates: Sequence[str]) -> str | None:
    folded = {c.casefold(): c for c in candidates}
    match = folded.get(name.casefold())
    if match is None:
        close = difflib.get_close_matches(name, list(candidates), n=1, cutoff=0.6)
        match = close[0] if close else None
    return match


def _suggest(name: str, candidates: Sequence[str], quote: bool = True) -> str:
    match = _closest(name, candidates)
    if match is None:
        return ""
    return f"; did you mean {match!r}?" if quote else f"; did you mean {match}?"


class Checker:
    def __init__(self, source: str, schema: RecordType) -> None:
        self.source = source
        self.schema = schema
        self.line_scopes: list[RecordType] = []
        self.result = Checked(root=None, result=NULL, problems=[])  # type: ignore[arg-type]
        self.types = self.result.types

    def problem(self, node: Node, message: str, column: int | None = None,
                code: str | None = None, **values: object) -> Type:
        self.result.problems.append(
            FormulaProblem(node.line, column or node.column, message, self.source,
                           code, {k: str(v) for k, v in values.items()})
        )
        return NULL

    def check(self, node: Node) -> Type:
        method = _DISPATCH.get(node.__class__)
        if method is None:
            method = getattr(Checker, "check_" + type(node).__name__.lower())
        t = method(self, node)
        self.types[id(node)] = t
        return t

    # -- leaves -----------------------------------------------------------------------

    def check_literal(self, node: Literal) -> Type:
        v = node.value
        if v is None:
            return NULL
        if isinstance(v, bool):
            return BOOLEAN
        if isinstance(v, int):
            return INTEGER
        if isinstance(v, str):
            return TEXT
        return NUMBER

    def check_listliteral(self, node: ListLiteral) -> Type:
        element = NULL
        for item in node.items:
            t = self.check(item)
            if isinstance(t, ListType | RecordType):
                self.problem(item, f"a list cannot hold a {t}", None, "list_holds", type=t)
            elif element == NULL or fits(element, t):
                element = t
            elif not fits(t, element):
                self.problem(item, f"a list cannot mix {element} and {t}", None, "list_mixes",
                             left=element, right=t)
        return list_of(element)

    def check_path(self, node: Path) -> Type:
        first = node.names[0]
        level = 0
        t: Type | None = None
        if self.line_scopes:
            for depth, scope in enumerate(reversed(self.line_scopes), start=1):
                t = scope.field(first)
                if t is not None:
                    level = depth
                    break
        if t is None:
            t = self.schema.field(first)
        if t is None:
            candidates = self.schema.keys() + [k for s in self.line_scopes for k in s.keys()]
            if first.upper() in FUNCTIONS:
                hint, suggestion = f"; did you mean {first.upper()}()?", f"{first.upper()}()"
            else:
                hint = _suggest(first, candidates)
                close = _closest(first, candidates)
                suggestion = repr(close) if close else ""
            return self.problem(node, f"unknown field {first!r}{hint}", None, "unknown_field",
                                field=repr(first), suggestion=suggestion)
        steps = [Step(first, False, t)]
        column = node.column + len(first) + 1
        through_lines = False
        for name in node.names[1:]:
            container = t
            if isinstance(container, ListType) and isinstance(container.element, RecordType):
                through_lines = True
                container = container.element
            if isinstance(container, RecordType):
                ft = container.field(name)
                if ft is None:
                    prefix = ".".join(s.name for s in steps)
                    close = _closest(name, container.keys())
                    return self.problem(
                        node,
                        f"{prefix} has no field {name!r}{_suggest(name, container.keys())}",
                        column, "no_member", record=prefix, field=repr(name),
                        suggestion=repr(close) if close else "",
                    )
                t = ft
            elif container == NULL:
                t = NULL
            else:
                record = ".".join(s.name for s in steps)
                return self.problem(node, f"{record} is {container}, not a record", column,
                                    "not_a_record", record=record, type=container)
            steps.append(Step(name, through_lines, t))
            column += len(name) + 1
        self.result.paths[id(node)] = (level, tuple(steps))
        if through_lines:
            self.result.uses_lines = True
            inner = t
            while isinstance(inner, ListType):
                inner = inner.element
            return list_of(inner)
        return t

    # -- operators ------------------------------------------------------------------------

    def check_unary(self, node: Unary) -> Type:
        before = len(self.result.problems)
        t = self.check(node.operand)
        if self.failed_since(before):
            return BOOLEAN if node.op == "NOT" else NULL
        if node.op == "NOT":
            if t not in (BOOLEAN, NULL):
                return self.problem(node.operand, f"the condition must be boolean, got {t}",
                                    None, "not_boolean", type=t)
            return BOOLEAN
        if t == NULL:
            return NUMBER
        if not is_numeric(t):
            return self.problem(node, f"cannot negate {t}", None, "cannot_negate", type=t)
        return t

    def failed_since(self, count: int) -> bool:
        """Whether a problem was found since `count`; the parent then stays quiet."""
        return len(self.result.problems) > count

    def check_binary(self, node: Binary) -> Type:
        op = node.op
        before = len(self.result.problems)
        left = self.check(node.left)
        right = self.check(node.right)
        if self.failed_since(before):
            return BOOLEAN if op in ("AND", "OR", "IN", "NOT IN") or op in _EQUALITY | _ORDERING \
                else NULL
        if op in ("AND", "OR"):
            for side, t in ((node.left, left), (node.right, right)):
                if t not in (BOOLEAN, NULL):
                    self.problem(side, f"the condition must be boolean, got {t}", None,
                                 "not_boolean", type=t)
            return BOOLEAN
        if op == "&":
            for t in (left, right):
                if isinstance(t, ListType | RecordType):
                    return self.problem(node, f"cannot join {left} and {right} with &", None,
                                        "cannot_join", left=left, right=right)
            return TEXT
        if op in _VERBS:
            return self._arithmetic(node, left, right)
        if op in ("IN", "NOT IN"):
            return self._membership(node, left, right)
        return self._comparison(node, left, right)

    def _arithmetic(self, node: Binary, left: Type, right: Type) -> Type:
        op = node.op
        verb = _VERBS[op]
        joined = f"{left} and {right}"
        if op == "/":
            joined = f"{left} by {right}"
        elif op == "-":
            joined = f"{right} from {left}"
        for t in (left, right):
            if t != NULL and not is_numeric(t):
                hint, advice = "", ""
                if t in (DATE, DATETIME) and op == "+":
                    hint, advice = "; use ADDDAYS(date, days)", "adddays"
                elif t in (DATE, DATETIME) and op == "-":
                    hint, advice = "; use DAYS(end, start) or ADDDAYS(date, -days)", "days"
                elif t == TEXT and op == "+":
                    hint, advice = "; join text with &", "ampersand"
                return self.problem(node, f"cannot {verb} {joined}{hint}", None,
                                    f"cannot_{_OPERATION_CODES[op]}", left=left, right=right,
                                    advice=advice)
        if left == NULL and right == NULL:
            return NUMBER
        if op == "*" and left == MONEY and right == MONEY:
            return self.problem(node, "cannot multiply money and money", None,
                                "money_times_money")
        if op == "/":
            if left == MONEY and right == MONEY:
                return NUMBER
            if left == MONEY:
                return MONEY
            if right == MONEY:
                return NUMBER
            return NUMBER if widest_numeric([left, right]) == INTEGER else widest_numeric(
                [left, right]
            )
        return widest_numeric([left, right])

    def _comparable(self, node: Binary, left: Type, right: Type) -> bool:
        for side in (node.left, node.right):
            if isinstance(side, Literal) and side.value is None:
                other = node.right if side is node.left else node.left
                text = self._text_of(other)
                self.problem(
                    side,
                    f"comparing with NULL is always FALSE; use ISBLANK({text}) instead",
                    None, "compare_null", field=text,
                )
                return False
        if NULL in (left, right):
            return True
        if isinstance(left, ListType | RecordType) or isinstance(right, ListType | RecordType):
            self.problem(node, f"cannot compare {left} and {right}", None, "cannot_compare",
                         left=left, right=right)
            return False
        if family(left) != family(right):
            self.problem(node, f"cannot compare {left} and {right}", None, "cannot_compare",
                         left=left, right=right)
            return False
        return True

    def _text_of(self, node: Node) -> str:
        if isinstance(node, Path):
            return ".".join(node.names)
        return "..."

    def _comparison(self, node: Binary, left: Type, right: Type) -> Type:
        if self._comparable(node, left, right) and node.op in _ORDERING and BOOLEAN in (
            left,
            right,
        ):
            self.problem(node, f"cannot order {left} and {right} with {node.op}", None,
                         "cannot_order", left=left, right=right, op=node.op)
        return BOOLEAN

    def _membership(self, node: Binary, left: Type, right: Type) -> Type:
        if right == NULL:
            return BOOLEAN
        if not isinstance(right, ListType):
            self.problem(node, f"{node.op} needs a list on the right, got {right}", None,
                         "needs_list", op=node.op, type=right)
            return BOOLEAN
        element = right.element
        if isinstance(left, ListType | RecordType):
            self.problem(node, f"cannot look for a {left} in a list", None, "look_for_list",
                         type=left)
        elif NULL not in (left, element) and family(left) != family(element):
            self.problem(node, f"cannot compare {left} and {element}", None, "cannot_compare",
                         left=left, right=element)
        return BOOLEAN

    # -- calls ------------------------------------------------------------------------------

    def check_call(self, node: Call) -> Type:
        fn = FUNCTIONS.get(node.name)
        if fn is None:
            for arg in node.args:
                self.check(arg)
            hint = _suggest(node.name, list(FUNCTIONS), quote=False)
            close = _closest(node.name, list(FUNCTIONS))
            return self.problem(node, f"unknown function {node.name}{hint}", None,
                                "unknown_function", function=node.name,
                                suggestion=close or "")
        arity = fn.arity_problem(len(node.args))
        if arity:
            for arg in node.args:
                self.check(arg)
            message, code, values = arity
            return self.problem(node, message, None, code, **values)
        if fn.kind == "clock":
            self.result.uses_clock = True
        before = len(self.result.problems)
        if fn.kind == "per_line":
            args = self._per_line_args(node)
        else:
            args = [self.check(arg) for arg in node.args]
        if self.failed_since(before):
            return NULL
        try:
            result = fn.rule(fn.name, args)
        except ArgProblem as exc:
            where = node.args[exc.index] if exc.index is not None else node
            return self.problem(where, exc.message, None, exc.code, **exc.values)
        if fn.kind == "catalogue":
            return self._catalogue_attribute(fn.name, node.args[1])
        if fn.name == "ADDRESSPART":
            part = node.args[1]
            if isinstance(part, Literal) and isinstance(part.value, str) and \
                    part.value.lower() not in ADDRESS_PARTS:
                self.problem(part, f"ADDRESSPART: the part must be one of "
                                   f"{', '.join(ADDRESS_PARTS)}, not {part.value!r}", None,
                             "address_part", parts=", ".join(ADDRESS_PARTS),
                             part=repr(part.value))
        if fn.name in ("REGEXMATCH", "REGEXEXTRACT", "REGEXREPLACE"):
            pattern = node.args[1]
            if isinstance(pattern, Literal) and isinstance(pattern.value, str):
                try:
                    compile_pattern(pattern.value)
                except UnsafePattern as exc:
                    self.problem(pattern, f"{fn.name}: {exc}", None, "unsafe_pattern",
                                 function=fn.name, why=str(exc))
        return result

    def _catalogue_attribute(self, name: str, attribute: Node) -> Type:
        """PRODUCTINFO's and CUSTOMERINFO's result: the type of the attribute named."""
        if not (isinstance(attribute, Literal) and isinstance(attribute.value, str)):
            example = f'"{next(iter(LOOKUPS[name][1]))}"'
            return self.problem(attribute, f"{name}: write the attribute as text in quotes, "
                                           f"such as {example}", None, "attribute_in_quotes",
                                function=name, example=example)
        problem = attribute_problem(name, attribute.value)
        if problem is not None:
            known = list(LOOKUPS[name][1])
            close = _closest(attribute.value, known)
            return self.problem(attribute, problem + _suggest(attribute.value, known), None,
                                "no_attribute", function=name,
                                attribute=repr(attribute.value), known=", ".join(known),
                                suggestion=repr(close) if close else None)
        return LOOKUPS[name][1][attribute.value]

    def _per_line_args(self, node: Call) -> list[Type]:
        self.result.uses_lines = True
        lines = self.check(node.args[0])
        scope = RecordType("record", ())
        if isinstance(lines, ListType) and isinstance(lines.element, RecordType):
            scope = lines.element
        self.line_scopes.append(scope)
        try:
            rest = [self.check(arg) for arg in node.args[1:]]
        finally:
            self.line_scopes.pop()
        return [lines, *rest]


_DISPATCH = {
    Literal: Checker.check_literal,
    ListLiteral: Checker.check_listliteral,
    Path: Checker.check_path,
    Unary: Checker.check_unary,
    Binary: Checker.check_binary,
    Call: Checker.check_call,
}


def check_tree(
    root: Node, source: str, schema: RecordType, expected: Type | None = None
) -> Checked:
    checker = Checker(source, schema)
    result = checker.result
    result.root = root
    result.result = checker.check(root)
    if expected is not None and not fits(result.result, expected):
        stripped = source.lstrip()
        offset = len(source) - len(stripped)
        line = source.count("\n", 0, offset) + 1
        column = offset - (source.rfind("\n", 0, offset) + 1) + 1
        if expected == BOOLEAN:
            message = f"the condition must be boolean, got {result.result}"
            code, values = "not_boolean", {"type": str(result.result)}
        else:
            message = f"the formula gives {result.result} but the field needs {expected}"
            code, values = "result_type", {"type": str(result.result), "needed": str(expected)}
        result.problems.append(FormulaProblem(line, column, message, source, code, values))
    result.problems.sort(key=lambda p: (p.line, p.column))
    return result

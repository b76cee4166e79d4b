"""Checked syntax tree to a Python function.

The formula becomes the source of one Python function, compiled once with
`compile()`. benchmarks/dsl_bench.py measures it against a tree of closures
(one closure per node) on the same rules: the generated function is 6-10x
faster to evaluate, because comparisons, field reads and NULL checks are
inlined instead of costing a call each; see docs/benchmarks.md. Building the
function as a Python `ast` tree instead of text was about 3x slower to
compile (the `ast` objects are converted back node by node), so we emit text.

User text never becomes code. The generated text is made only of fixed
fragments and names we generate; every field name, text, number and label
from the formula is a constant bound in the function's globals (`_k3`), and
the globals hold no builtins.

Each formula node starts on its own line of the generated text. When
something fails at run time, the line number in the traceback therefore
names the formula node, so a fault reports the formula's own line and
column without any bookkeeping on the fast path.
"""

from __future__ import annotations

import datetime as _dt
import itertools
import logging
import re
from collections.abc import Callable
from decimal import Decimal, DecimalException
from typing import Any

from . import errors, limits
from . import functions as F
from . import values as V
from .checker import Checked, Step
from .errors import Fault, FormulaFault, error_code
from .nodes import Binary, Call, ListLiteral, Literal, Node, Path, Unary
from .types import (
    BOOLEAN,
    DATE,
    DATETIME,
    INTEGER,
    MONEY,
    NUMBER,
    TEXT,
    ListType,
    LookupTable,
    RecordType,
    Type,
    is_numeric,
)
from .workdays import Calendar

logger = logging.getLogger(__name__)

FILENAME = "<formula>"

_OPS = {"=": "==", "==": "==", "!=": "!=", "<>": "!=", "<": "<", "<=": "<=", ">": ">", ">=": ">="}
_FLIPPED = {"<": ">", "<=": ">=", ">": "<", ">=": "<="}
_ARITHMETIC = {"+": "_add", "-": "_sub", "*": "_mul", "/": "_div", "%": "_mod"}
# Results that are always TRUE or FALSE, never NULL, so AND/OR use them as they are.
_NEVER_NULL_CALLS = {"AND", "OR", "NOT", "ISBLANK", "ANY", "ALL", "ISERROR", "ISNUMBER",
                     "ISTEXT", "ISDATE"}


class EvaluationContext:
    """Per-evaluation state: the clock, the business calendar and the work done so far."""

    __slots__ = ("_now", "calendar", "steps")

    def __init__(self, now: _dt.datetime | _dt.date | None,
                 calendar: Calendar | None = None) -> None:
        self._now = now
        # The instance's working days; without one, business days are Excel's:
        # Saturday and Sunday off, no holidays.
        self.calendar = calendar
        self.steps = 0

    def tick(self, n: int) -> None:
        self.steps += n
        if self.steps > limits.MAX_STEPS:
            raise Fault(f"the formula needs more than {limits.MAX_STEPS} steps", code=None,
                        kind=errors.TOO_MANY_STEPS, most=limits.MAX_STEPS)

    def now(self) -> _dt.datetime:
        if self._now is None:
            self._now = _dt.datetime.now(V.UTC)
        value = V.as_datetime(self._now, "now")
        assert value is not None
        return value

    def today(self) -> _dt.date:
        # The instance's date: at 01:00 in Shanghai it is already tomorrow there.
        zone = self.calendar.zone if self.calendar is not None else V.UTC
        return self.now().astimezone(zone).date()


def _pluck(tick: Callable[[int], None], lines: list, name: str,
           convert: Callable[[Any, str], Any], label: str) -> list:
    """`items.amount`: the field of every line, one list."""
    tick(len(lines))
    out: list = []
    for line in lines:
        value = convert(V.as_record(line, "a line").get(name), label)
        if isinstance(value, list):
            out.extend(value)
        else:
            out.append(value)
        if len(out) > limits.MAX_LIST_SIZE:
            raise Fault(f"{label} has more than {limits.MAX_LIST_SIZE} entries")
    return out


def _as_value(value: Any, label: str = "a value") -> Any:
    """A value whose type is not declared: keep what formulas know, refuse the rest."""
    if value is None or value.__class__ in (bool, int, str, Decimal, _dt.date, _dt.datetime):
        if value.__class__ is _dt.datetime:
            return V.as_datetime(value, label)
        return value
    if isinstance(value, float):
        return V.as_number(value, label)
    if isinstance(value, dict):
        return value
    if isinstance(value, list | tuple):
        return [_as_value(v, label) for v in V.as_list(value, label)]
    raise Fault(f"{label} holds a value formulas cannot read")


def converter(t: Type) -> Callable[[Any, str], Any]:
    """How a value read from the data becomes a value of type `t` (raises a Fault if it cannot)."""
    if t == INTEGER:
        return V.as_integer
    if is_numeric(t):
        return V.as_number
    if t == TEXT:
        return V.as_text
    if t == BOOLEAN:
        return V.as_boolean
    if t == DATE:
        return V.as_date
    if t == DATETIME:
        return V.as_datetime
    if isinstance(t, RecordType):
        return V.as_record
    if isinstance(t, ListType):
        element = converter(t.element)

        def as_list(value: Any, label: str) -> list:
            return [element(v, label) for v in V.as_list(value, label)]

        return as_list
    return _as_value


_FAST_CLASSES: dict[Type, frozenset] = {
    INTEGER: frozenset({int, type(None)}),
    NUMBER: V.NUMERIC_CLASSES,
    MONEY: V.NUMERIC_CLASSES,
    TEXT: V.TEXT_CLASSES,
    BOOLEAN: frozenset({bool, type(None)}),
}


# Work done off the hot path is bound into small closures that the generated
# code calls by one constant name: CPython's compile() costs about the same
# per token whatever the token does, so fewer tokens is a faster compile.


def _reader(name: str, label: str, t: Type) -> Callable[[Any], Any]:
    """`record.get(name)` as a value of type `t`; values of the right class pass as they are."""
    convert = converter(t)
    fast = _FAST_CLASSES.get(t)
    if isinstance(t, RecordType):
        fast = frozenset({dict})
    if fast is None:

        def read(record: Any) -> Any:
            return convert(record.get(name), label)

        return read

    def read_fast(record: Any) -> Any:
        value = record.get(name)
        if value.__class__ in fast:
            return value
        return convert(value, label)

    return read_fast


def _labelled(convert: Callable[[Any, str], Any], label: str) -> Callable[[Any], Any]:
    def converted(value: Any) -> Any:
        return convert(value, label)

    return converted


def _slow_compare(
    op: str, convert: Callable[[Any, str], Any], label: str, other: Any
) -> Callable[[Any], bool]:
    """The comparison for a value that is not of the expected class (None, a float...)."""

    def compare(value: Any) -> bool:
        return V.compare(op, convert(value, label), other)

    return compare


def _slow_member(
    member: Callable[[Any, Any], bool], convert: Callable[[Any, str], Any], label: str,
    values: Any,
) -> Callable[[Any], bool]:
    def slow(value: Any) -> bool:
        return member(convert(value, label), values)

    return slow


def _not_member(value: Any, values: Any) -> bool:
    return value is not None and values is not None and not V.member(value, values)


_HELPERS: dict[str, Any] = {
    "_add": V.add,
    "_ZONE": V.ZONE,
    "_zone_now": V.ZONE.get,
    "_UTC": V.UTC,
    "_sub": V.sub,
    "_mul": V.mul,
    "_div": V.div,
    "_mod": V.mod,
    "_neg": V.neg,
    "_concat": V.concat,
    "_compare": V.compare,
    "_equal": V.equal,
    "_comparable": V.comparable,
    "_member": V.member,
    "_not_member": _not_member,
    "_as_record": V.as_record,
    "_money": V.money,
    "_pluck": _pluck,
    "_Ctx": EvaluationContext,
    "_dict": dict,
    "_str": str,
    "_NUM2": frozenset({int, Decimal}),
    "_Exception": Exception,
}
def helper_name(function: str) -> str:
    """The name a function's code has in the generated text (WORKDAY.INTL: _fn_WORKDAY_INTL)."""
    return "_fn_" + function.replace(".", "_")


for _name, _fn in F.FUNCTIONS.items():
    if _fn.impl is not None:
        _HELPERS[helper_name(_name)] = _fn.impl




class Compiler:
    def __init__(self, checked: Checked, source: str) -> None:
        self.checked = checked
        self.source = source
        self.nodes: list[Node] = []
        self.constants: dict[str, Any] = {}
        self.counter = itertools.count()
        self.scopes: list[str] = ["d"]
        self.needs_ctx = checked.uses_clock or checked.uses_lines

    def temp(self) -> str:
        return f"_t{next(self.counter)}"

    def const(self, value: Any) -> str:
        """A name for `value` in the function's globals, or the literal for None/bools/ints."""
        if value is None or value is True or value is False:
            return repr(value)
        if value.__class__ is int:
            return repr(value)
        name = f"_k{len(self.constants)}"
        self.constants[name] = value
        return name

    def type_of(self, node: Node) -> Type:
        return self.checked.types[id(node)]

    def emit(self, node: Node) -> str:
        index = len(self.nodes)
        self.nodes.append(node)
        method = _EMITTERS.get(node.__class__)
        if method is None:
            method = getattr(Compiler, "emit_" + type(node).__name__.lower())
        return f"\x00{index}\x01{method(self, node)}"

    def truth(self, node: Node) -> str:
        """A condition as TRUE or FALSE: NULL counts as FALSE."""
        text = self.emit(node)
        never_null = (
            (isinstance(node, Binary) and node.op not in _ARITHMETIC and node.op != "&")
            or (isinstance(node, Unary) and node.op == "NOT")
            or (isinstance(node, Literal) and isinstance(node.value, bool))
            or (isinstance(node, Call) and node.name in _NEVER_NULL_CALLS)
        )
        return text if never_null else f"({text} is True)"

    # -- leaves ---------------------------------------------------------------------------

    def emit_literal(self, node: Literal) -> str:
        return self.const(node.value)

    def emit_listliteral(self, node: ListLiteral) -> str:
        return "[" + ",".join(self.emit(item) for item in node.items) + "]"

    def path_parts(self, node: Path, inline: bool = False) -> tuple[str, Step, str]:
        """The record holding the last field, the last step and its label."""
        level, steps = self.checked.paths[id(node)]
        expr = self.scopes[-level] if level else "d"
        label = ""
        for step in steps[:-1]:
            label = f"{label}.{step.name}" if label else step.name
            expr = self.read(expr, step, label, inline)
        last = steps[-1]
        label = f"{label}.{last.name}" if label else last.name
        return expr, last, label

    def emit_path(self, node: Path) -> str:
        record, last, label = self.path_parts(node)
        return self.read(record, last, label)

    def read(self, record: str, step: Step, label: str, inline: bool = False) -> str:
        t = step.type
        if isinstance(t, LookupTable) and not step.from_lines:
            # A look-up table's rows are part of the definition: bound here, not read.
            self.needs_ctx = True
            return self.const(t.records())
        if step.from_lines:
            self.needs_ctx = True
            convert = self.const(converter(t))
            lab = self.const(label)
            return f"_pluck(_c.tick, {record}, {self.const(step.name)}, {convert}, {lab})"
        if isinstance(t, ListType):
            self.needs_ctx = True
        if inline and isinstance(t, RecordType):
            # A record on the way to a compared field: a dict passes without a call.
            tmp = self.temp()
            slow = self.const(_labelled(V.as_record, label))
            return (
                f"({tmp} if ({tmp} := {record}.get({self.const(step.name)})).__class__ "
                f"is _dict else {slow}({tmp}))"
            )
        return f"{self.const(_reader(step.name, label, t))}({record})"

    # -- operators ------------------------------------------------------------------------

    def emit_unary(self, node: Unary) -> str:
        if node.op == "NOT":
            return f"(not {self.truth(node.operand)})"
        operand = self.emit(node.operand)
        return operand if node.op == "+" else f"_neg({operand})"

    def emit_binary(self, node: Binary) -> str:
        op = node.op
        if op in ("AND", "OR"):
            return f"({self.truth(node.left)} {op.lower()} {self.truth(node.right)})"
        if op in _ARITHMETIC:
            return f"{_ARITHMETIC[op]}({self.emit(node.left)}, {self.emit(node.right)})"
        if op == "&":
            return f"_concat({self.emit(node.left)}, {self.emit(node.right)})"
        if op in ("IN", "NOT IN"):
            return self.membership(node)
        return self.comparison(node)

    def fused_read(self, node: Node) -> tuple[str, str, Type] | None:
        """For a field read straight from a record: its raw read, label and type."""
        if not isinstance(node, Path):
            return None
        record, last, label = self.path_parts(node, inline=True)
        if last.from_lines:
            return None
        return f"{record}.get({self.const(last.name)})", label, last.type

    def comparison(self, node: Binary) -> str:
        op = node.op
        left_node, right_node = node.left, node.right
        lt, rt = self.type_of(left_node), self.type_of(right_node)
        if isinstance(left_node, Literal) and not isinstance(right_node, Literal):
            left_node, right_node = right_node, left_node
            lt, rt = rt, lt
            op = _FLIPPED.get(op, op)
        simple = (
            (is_numeric(lt) and is_numeric(rt))
            or (lt == rt and lt in (BOOLEAN, DATE, DATETIME))
            or (lt == TEXT and rt == TEXT)
        )
        pyop = _OPS[op]
        qop = self.const(op)
        if simple and isinstance(right_node, Literal):
            value = right_node.value
            fused = self.fused_read(left_node)
            if fused is not None:
                # The hot case, `customer.tier = "gold"`: one read, one class
                # check, one comparison; None and odd data take the slow call.
                raw, label, t = fused
                tmp = self.temp()
                self.nodes.append(left_node)
                if t == TEXT:
                    folded_value = value.casefold()
                    folded = self.const(folded_value)
                    if pyop == "==":
                        test = f"({tmp} == {self.const(value)} or {tmp}.casefold() == {folded})"
                    else:
                        test = f"{tmp}.casefold() {pyop} {folded}"
                    slow = self.const(_slow_compare(op, V.as_text, label, folded_value))
                    return f"({test} if ({tmp} := {raw}).__class__ is _str else {slow}({tmp}))"
                if is_numeric(t):
                    convert = V.as_integer if t == INTEGER else V.as_number
                    k = self.const(value)
                    slow = self.const(_slow_compare(op, convert, label, value))
                    return (
                        f"({tmp} {pyop} {k} if ({tmp} := {raw}).__class__ in _NUM2 "
                        f"else {slow}({tmp}))"
                    )
            a = self.temp()
            left = self.emit(left_node)
            k = self.const(value.casefold() if lt == TEXT else value)
            subject = f"{a}.casefold()" if lt == TEXT else a
            return f"({subject} {pyop} {k} if ({a} := {left}) is not None else False)"
        if not simple:
            return f"_compare({qop}, {self.emit(left_node)}, {self.emit(right_node)})"
        a, b = self.temp(), self.temp()
        left, right = self.emit(left_node), self.emit(right_node)
        if lt == TEXT:
            test = f"{a}.casefold() {pyop} {b}.casefold()"
        else:
            test = f"{a} {pyop} {b}"
        return (
            f"({test} if ({a} := {left}) is not None and ({b} := {right}) is not None "
            "else False)"
        )

    def membership(self, node: Binary) -> str:
        negate = node.op == "NOT IN"
        helper = "_not_member" if negate else "_member"
        right = node.right
        lt = self.type_of(node.left)
        constant_list = isinstance(right, ListLiteral) and all(
            isinstance(i, Literal) and i.value is not None for i in right.items
        )
        if not constant_list:
            return f"{helper}({self.emit(node.left)}, {self.emit(right)})"
        assert isinstance(right, ListLiteral)
        values = [i.value for i in right.items]  # type: ignore[attr-defined]
        self.nodes.append(right)
        folded_values = frozenset(V.comparable(v) for v in values)
        folded = self.const(folded_values)
        pyop = "not in" if negate else "in"
        join = "and" if negate else "or"
        fused = self.fused_read(node.left)
        tmp = self.temp()
        if fused is not None and (lt == TEXT or is_numeric(lt)):
            raw, label, t = fused
            self.nodes.append(node.left)
            check = _not_member if negate else V.member
            if t == TEXT:
                exact = self.const(frozenset(values))
                test = f"({tmp} {pyop} {exact} {join} {tmp}.casefold() {pyop} {folded})"
                slow = self.const(_slow_member(check, V.as_text, label, folded_values))
                return f"({test} if ({tmp} := {raw}).__class__ is _str else {slow}({tmp}))"
            convert = V.as_integer if t == INTEGER else V.as_number
            slow = self.const(_slow_member(check, convert, label, folded_values))
            return (
                f"({tmp} {pyop} {folded} if ({tmp} := {raw}).__class__ in _NUM2 "
                f"else {slow}({tmp}))"
            )
        left = self.emit(node.left)
        if lt == TEXT:
            subject = f"{tmp}.casefold()"
        elif is_numeric(lt) or lt == BOOLEAN:
            subject = tmp
        else:
            subject = f"_comparable({tmp})"
        return f"({subject} {pyop} {folded} if ({tmp} := {left}) is not None else False)"

    # -- calls ------------------------------------------------------------------------------

    def emit_call(self, node: Call) -> str:
        name = node.name
        fn = F.FUNCTIONS[name]
        args = node.args
        if name == "IF":
            orelse = self.emit(args[2]) if len(args) == 3 else "None"
            cond = self.truth(args[0])
            return f"({self.emit(args[1])} if {cond} else {orelse})"
        if name == "IFS":
            pairs = [(self.truth(args[i]), self.emit(args[i + 1])) for i in range(0, len(args), 2)]
            result = "None"
            for test, value in reversed(pairs):
                result = f"({value} if {test} else {result})"
            return result
        if name == "SWITCH":
            subject = self.temp()
            first = f"({subject} := {self.emit(args[0])})"
            rest = list(args[1:])
            default = self.emit(rest.pop()) if len(rest) % 2 else "None"
            cases = [(self.emit(rest[i]), self.emit(rest[i + 1])) for i in range(0, len(rest), 2)]
            result = default
            for index in range(len(cases) - 1, -1, -1):
                match, value = cases[index]
                probe = first if index == 0 else subject
                result = f"({value} if _equal({probe}, {match}) else {result})"
            return result
        if name in ("AND", "OR"):
            return "(" + f" {name.lower()} ".join(self.truth(a) for a in args) + ")"
        if name == "NOT":
            return f"(not {self.truth(args[0])})"
        if name == "COALESCE":
            emitted = [self.emit(a) for a in args]
            result = emitted[-1]
            for expr in reversed(emitted[:-1]):
                tmp = self.temp()
                result = f"({tmp} if ({tmp} := {expr}) is not None else {result})"
            return result
        if name == "TODAY":
            self.needs_ctx = True
            return "_c.today()"
        if name == "NOW":
            self.needs_ctx = True
            return "_c.now()"
        if fn.kind == "calendar":
            self.needs_ctx = True
            return (f"{helper_name(name)}(_c.calendar, "
                    + ", ".join(self.emit(a) for a in args) + ")")
        if fn.kind == "catalogue":
            # The attribute is a text literal (the checker made sure): its declared type
            # says how the stored value is read.
            self.needs_ctx = True
            attribute = args[1].value
            convert = self.const(converter(self.type_of(node)))
            return (f"{helper_name(name)}(_c.calendar, {self.emit(args[0])}, "
                    f"{self.const(attribute)}, {convert})")
        if fn.kind == "catching":
            # Each argument as a lambda, so the function runs it inside its own try.
            thunks = ", ".join(f"(lambda: {self.emit(a)})" for a in args)
            return f"{helper_name(name)}({thunks})"
        if fn.kind == "per_line":
            self.needs_ctx = True
            lines = self.emit(args[0])
            var = f"_l{len(self.scopes)}"
            self.scopes.append(var)
            try:
                conditions = [f"(lambda {var}: {self.emit(a)})" for a in args[1:]]
            finally:
                self.scopes.pop()
            return f"{helper_name(name)}(_c.tick, {lines}, {', '.join(conditions)})"
        return f"{helper_name(name)}(" + ", ".join(self.emit(a) for a in args) + ")"

    # -- the whole formula ---------------------------------------------------------------------

    def source_text(self, money_places: int | None) -> str:
        body = self.emit(self.checked.root)
        if money_places is not None:
            body = f"_money({body}, {money_places})"
        ctx = "        _c = _Ctx(now, calendar)\n" if self.needs_ctx else ""
        return (
            "def formula(d, now=None, calendar=None):\n"
            # The zone dates are read in (V.ZONE): the calendar's, UTC without one. It is
            # left set for the next evaluation, which sets it only when its own zone is
            # another: setting and resetting a context variable on every call would
            # cost a fast formula as much again.
            "    _z = _UTC if calendar is None else calendar.zone\n"
            "    if _zone_now() is not _z:\n"
            "        _ZONE.set(_z)\n"
            "    try:\n"
            "        if d.__class__ is not _dict:\n"
            "            d = _as_record(d)\n"
            f"{ctx}"
            f"        return ({body}\n)\n"
            "    except _Exception as _e:\n"
            "        return _fault(_e)\n"
        )

    def function(self, money_places: int | None) -> Callable[..., Any]:
        # Each node's text starts with \x00<index>\x01; the marker becomes a
        # line break. Which line holds which node is worked out only when a
        # fault needs it.
        marked = self.source_text(money_places)
        code = compile(_MARKER.sub("\n", marked), FILENAME, "exec", dont_inherit=True)
        namespace: dict[str, Any] = {"__builtins__": {}, **_HELPERS, **self.constants}
        nodes = self.nodes
        namespace["_fault"] = fault_maker(self.source, lambda: _positions(marked, nodes))
        exec(code, namespace)  # noqa: S102 - text made of our own fragments only, see above
        return namespace["formula"]


_MARKER = re.compile("\x00[0-9]+\x01")


def _positions(marked: str, nodes: list[Node]) -> dict[int, tuple[int, int]]:
    """Line of the generated text -> (line, column) in the formula of the node on it."""
    parts = marked.split("\x00")
    line = parts[0].count("\n") + 1
    positions: dict[int, tuple[int, int]] = {}
    for part in parts[1:]:
        index, rest = part.split("\x01", 1)
        line += 1
        node = nodes[int(index)]
        positions[line] = (node.line, node.column)
        line += rest.count("\n")
    return positions


_EMITTERS = {
    Literal: Compiler.emit_literal,
    ListLiteral: Compiler.emit_listliteral,
    Path: Compiler.emit_path,
    Unary: Compiler.emit_unary,
    Binary: Compiler.emit_binary,
    Call: Compiler.emit_call,
}


def fault_maker(
    source: str, positions: Callable[[], dict[int, tuple[int, int]]]
) -> Callable[[BaseException], FormulaFault]:
    found: list[dict[int, tuple[int, int]]] = []

    def fault(exc: BaseException) -> FormulaFault:
        lineno = 0
        tb = exc.__traceback__
        while tb is not None:
            if tb.tb_frame.f_code.co_filename == FILENAME:
                lineno = tb.tb_lineno or 0
            tb = tb.tb_next
        if not found:
            found.append(positions())
        line, column = found[0].get(lineno, (1, 1))
        values: dict[str, object] = {}
        if isinstance(exc, Fault):
            message, kind, values = exc.message, exc.kind, exc.values
        elif isinstance(exc, ZeroDivisionError):
            message, kind = "division by zero", errors.DIVISION_BY_ZERO
        elif isinstance(exc, DecimalException | OverflowError):
            message, kind = "the number is too large or not defined", errors.NOT_DEFINED
        elif isinstance(exc, RecursionError):
            message, kind = "the formula is too complex to evaluate", errors.TOO_COMPLEX
        else:
            logger.warning("formula %r failed unexpectedly", source, exc_info=exc)
            message = f"the data does not fit the formula ({type(exc).__name__}: {exc})"
            kind = errors.DATA_DOES_NOT_FIT
        return FormulaFault(message, line, column, source, error_code(exc), kind, values)

    return fault

"""Property-based tests: no input escapes our error types, and compiled formulas
agree with a small reference interpreter kept here."""

from __future__ import annotations

from decimal import Decimal, localcontext
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from lark import Lark, UnexpectedInput

from orderloom import dsl
from orderloom.dsl.nodes import Binary, Call, Literal, Node, Path, Unary
from orderloom.dsl.parser import FormulaLexer, grammar_text, parse

SETTINGS = settings(max_examples=200, deadline=None)

FIELDS = {"a": "integer", "b": "number", "t": "text", "f": "boolean"}

SOUP = st.lists(
    st.sampled_from(
        list("()[],.+-*/%&=<>!\"' \n0123456789abtfxyz中")
        + ["AND ", "OR ", "NOT ", "IN ", "TRUE", "NULL", "IF(", "SUM(", "COUNTIF(", "1e5"]
    ),
    max_size=40,
).map("".join)


@SETTINGS
@given(st.one_of(st.text(max_size=80), SOUP))
def test_any_text_gives_problems_or_a_result_never_another_exception(source):
    problems = dsl.check(source, FIELDS)
    assert all(isinstance(p, dsl.FormulaProblem) and p.line >= 1 for p in problems)
    try:
        result = dsl.evaluate(source, {"a": 1, "b": Decimal("0.5"), "t": "x", "f": True}, FIELDS)
    except dsl.FormulaError as exc:
        assert exc.errors
        return
    assert problems == []
    assert result is None or isinstance(
        result, bool | int | Decimal | str | list | dsl.FormulaFault
    ) or hasattr(result, "year")


# -- a reference interpreter: one tree walk, written for clarity, not speed ------------


class RefFault(Exception):
    pass


def ref_eval(node: Node, data: dict) -> Any:
    with localcontext() as ctx:
        ctx.prec = 34
        return _ref(node, data)


def _ref(node: Node, data: dict) -> Any:
    if isinstance(node, Literal):
        return node.value
    if isinstance(node, Path):
        return data.get(node.names[0])
    if isinstance(node, Unary):
        value = _ref(node.operand, data)
        if node.op == "NOT":
            return value is not True
        return None if value is None else -value
    if isinstance(node, Binary):
        return _ref_binary(node, data)
    assert isinstance(node, Call)
    args = node.args
    if node.name == "IF":
        return _ref(args[1], data) if _ref(args[0], data) is True else _ref(args[2], data)
    values = [_ref(a, data) for a in args]
    if node.name == "ISBLANK":
        return values[0] is None or values[0] == ""
    if node.name == "COALESCE":
        return next((v for v in values if v is not None), None)
    if None in values:
        return None
    if node.name == "ABS":
        return abs(values[0])
    if node.name == "LEN":
        return len(values[0])
    if node.name == "UPPER":
        return values[0].upper()
    raise AssertionError(node.name)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    return str(value)


def _ref_binary(node: Binary, data: dict) -> Any:
    op = node.op
    if op in ("AND", "OR"):
        left = _ref(node.left, data) is True
        right = _ref(node.right, data) is True
        return (left and right) if op == "AND" else (left or right)
    left, right = _ref(node.left, data), _ref(node.right, data)
    if op == "&":
        return _text(left) + _text(right)
    if op in "+-*/":
        if left is None or right is None:
            return None
        if op == "+":
            return left + right
        if op == "-":
            return left - right
        if op == "*":
            return left * right
        if right == 0:
            raise RefFault
        return Decimal(left) / Decimal(right)
    if left is None or right is None:
        return False
    if isinstance(left, str):
        left, right = left.casefold(), right.casefold()
    return {
        "=": left == right, "!=": left != right, "<": left < right,
        "<=": left <= right, ">": left > right, ">=": left >= right,
    }[op]


# -- well-typed random formulas ---------------------------------------------------------

SMALL_DECIMALS = st.decimals(min_value=-1000, max_value=1000, places=2, allow_nan=False)


def numbers(depth: int) -> st.SearchStrategy[str]:
    leaves = st.one_of(
        st.integers(0, 999).map(str),
        SMALL_DECIMALS.map(lambda d: str(abs(d))),
        st.sampled_from(["a", "b", "NULL"]),
    )
    if depth <= 0:
        return leaves
    sub = numbers(depth - 1)
    return st.one_of(
        leaves,
        st.tuples(sub, st.sampled_from(["+", "-", "*", "/"]), sub).map(
            lambda t: f"({t[0]} {t[1]} {t[2]})"
        ),
        sub.map(lambda s: f"-({s})"),
        sub.map(lambda s: f"ABS({s})"),
        texts(depth - 1).map(lambda s: f"LEN({s})"),
        st.tuples(booleans(depth - 1), sub, sub).map(lambda t: f"IF({t[0]}, {t[1]}, {t[2]})"),
        st.tuples(sub, sub).map(lambda t: f"COALESCE({t[0]}, {t[1]})"),
    )


def texts(depth: int) -> st.SearchStrategy[str]:
    leaves = st.one_of(
        st.text(alphabet="abcAB 中", max_size=4).map(lambda s: f'"{s}"'), st.just("t")
    )
    if depth <= 0:
        return leaves
    sub = texts(depth - 1)
    return st.one_of(
        leaves,
        st.tuples(sub, sub).map(lambda t: f"({t[0]} & {t[1]})"),
        sub.map(lambda s: f"UPPER({s})"),
        st.tuples(booleans(depth - 1), sub, sub).map(lambda t: f"IF({t[0]}, {t[1]}, {t[2]})"),
    )


def booleans(depth: int) -> st.SearchStrategy[str]:
    leaves = st.sampled_from(["TRUE", "FALSE", "f"])
    if depth <= 0:
        return leaves
    ops = st.sampled_from(["=", "!=", "<", "<=", ">", ">="])
    return st.one_of(
        leaves,
        # A literal NULL compared is refused by the checker (use ISBLANK); NULL
        # still reaches comparisons through fields and expressions.
        st.tuples(numbers(depth - 1), ops, numbers(depth - 1))
        .filter(lambda t: "NULL" not in (t[0], t[2]))
        .map(" ".join),
        st.tuples(texts(depth - 1), ops, texts(depth - 1)).map(" ".join),
        st.tuples(booleans(depth - 1), st.sampled_from(["AND", "OR"]), booleans(depth - 1)).map(
            lambda t: f"({t[0]} {t[1]} {t[2]})"
        ),
        booleans(depth - 1).map(lambda s: f"NOT ({s})"),
        st.one_of(numbers(depth - 1), texts(depth - 1)).map(lambda s: f"ISBLANK({s})"),
    )


DATA = st.fixed_dictionaries(
    {
        "a": st.one_of(st.none(), st.integers(-50, 50)),
        "b": st.one_of(st.none(), SMALL_DECIMALS),
        "t": st.one_of(st.none(), st.text(alphabet="abAB中 ", max_size=3)),
        "f": st.one_of(st.none(), st.booleans()),
    }
)


@SETTINGS
@given(st.one_of(numbers(3), texts(3), booleans(3)), DATA)
def test_compiled_formula_agrees_with_the_reference_interpreter(source, data):
    assert dsl.check(source, FIELDS) == []
    compiled = dsl.compile(source, FIELDS)(data)
    try:
        expected = ref_eval(parse(source), data)
    except RefFault:
        assert isinstance(compiled, dsl.FormulaFault)
        assert compiled.message == "division by zero"
        return
    assert not isinstance(compiled, dsl.FormulaFault), compiled
    assert compiled == expected
    assert type(compiled) is type(expected) or {type(compiled), type(expected)} <= {
        int, Decimal
    }


_LARK_LEXER = Lark(grammar_text(), parser="lalr", lexer="basic")


@SETTINGS
@given(SOUP.filter(lambda s: "." not in s))
def test_the_fast_lexer_gives_the_tokens_of_the_grammar(source):
    try:
        reference = [(t.type, str(t), t.line, t.column) for t in _LARK_LEXER.lex(source)]
    except UnexpectedInput:
        reference = None
    try:
        ours = [(t.type, str(t), t.line, t.column) for t in FormulaLexer(None).lex(source)]
    except UnexpectedInput:
        ours = None
    assert ours == reference

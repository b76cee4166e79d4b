"""Source text to syntax tree, with Lark's LALR parser built once per process."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from functools import cache
from importlib import resources

from lark import Lark, Token, UnexpectedCharacters, UnexpectedEOF, UnexpectedInput
from lark import UnexpectedToken as _UnexpectedToken

from . import limits
from .errors import FormulaError, FormulaProblem
from .nodes import Binary, Call, ListLiteral, Literal, Node, Path, Unary

_ESCAPES = {"n": "\n", "t": "\t", "r": "\r"}
_ESCAPE_RE = re.compile(r"\\(.)", re.S)

# Plain words for the terminals Lark names in "expected ..." messages.
_TERMINAL_WORDS = {
    "RPAR": "')'",
    "RSQB": "']'",
    "COMMA": "','",
    "LPAR": "'('",
    "DOT": "'.'",
    "AMP": "'&'",
    "COMP_OP": "a comparison such as '='",
    "ADD_OP": "'+' or '-'",
    "MUL_OP": "'*', '/' or '%'",
    "AND": "AND",
    "OR": "OR",
    "IN": "IN",
    "NOT": "NOT",
    "$END": "the end of the formula",
}
_VALUE_STARTS = {"NAME", "NUMBER", "STRING", "TRUE", "FALSE", "NULL", "LSQB", "LPAR"}


class _ParseFault(Exception):
    def __init__(self, line: int, column: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.column = column
        self.message = message


def _depth(*nodes: Node) -> int:
    depth = 1 + max((n.depth for n in nodes), default=0)
    if depth > limits.MAX_NESTING_DEPTH:
        first = nodes[0]
        raise _ParseFault(
            first.line,
            first.column,
            f"the formula is nested too deeply (more than {limits.MAX_NESTING_DEPTH} levels)",
        )
    return depth


def _pos(token: Token) -> tuple[int, int]:
    return token.line or 1, token.column or 1


class _ToTree:
    """Callbacks run by the LALR parser at each reduction (no recursion)."""

    def number(self, children: list[Token]) -> Literal:
        (tok,) = children
        text = str(tok)
        line, col = _pos(tok)
        try:
            value = Decimal(text)
        except InvalidOperation:  # pragma: no cover - the grammar only lets numbers through
            raise _ParseFault(line, col, f"{text} is not a number") from None
        digits = len(value.as_tuple().digits)
        if value and abs(value.adjusted()) > limits.MAX_EXPONENT or digits > limits.MAX_DIGITS:
            raise _ParseFault(
                line,
                col,
                f"the number {text} is too large or too precise "
                f"(at most {limits.MAX_DIGITS} digits and exponent {limits.MAX_EXPONENT})",
            )
        if text.isdigit():
            return Literal(line, col, 1, int(text))
        return Literal(line, col, 1, value)

    def string(self, children: list[Token]) -> Literal:
        (tok,) = children
        quote = tok[0]
        body = tok[1:-1].replace(quote * 2, quote)
        body = _ESCAPE_RE.sub(lambda m: _ESCAPES.get(m.group(1), m.group(1)), body)
        line, col = _pos(tok)
        if len(body) > limits.MAX_TEXT_LENGTH:
            raise _ParseFault(line, col, "the text is too long")
        return Literal(line, col, 1, body)

    def true(self, children: list[Token]) -> Literal:
        return Literal(*_pos(children[0]), 1, True)

    def false(self, children: list[Token]) -> Literal:
        return Literal(*_pos(children[0]), 1, False)

    def null(self, children: list[Token]) -> Literal:
        return Literal(*_pos(children[0]), 1, None)

    def list(self, children: list) -> ListLiteral:
        bracket, *items = children
        items = [i for i in items if i is not None]
        line, col = _pos(bracket)
        if len(items) > limits.MAX_LIST_LITERAL:
            raise _ParseFault(
                line, col, f"a list may hold at most {limits.MAX_LIST_LITERAL} values"
            )
        return ListLiteral(line, col, _depth(*items) if items else 1, tuple(items))

    def func_name(self, children: list[Token]) -> Token:
        return children[0]

    def call(self, children: list) -> Call:
        name, *args = children
        args = [a for a in args if a is not None]
        line, col = _pos(name)
        return Call(line, col, _depth(*args) if args else 1, str(name).upper(), tuple(args))

    def path(self, children: list[Token]) -> Path:
        line, col = _pos(children[0])
        return Path(line, col, 1, tuple(str(t) for t in children))

    def unary(self, children: list) -> Unary:
        op, operand = children
        line, col = _pos(op)
        return Unary(line, col, _depth(operand), str(op).upper(), operand)

    def binary(self, children: list) -> Binary:
        left, op, right = children
        line, col = _pos(op)
        return Binary(line, col, _depth(left, right), str(op).upper(), left, right)

    def logical(self, children: list) -> Binary:
        return self.binary(children)

    def not_in(self, children: list) -> Binary:
        left, not_tok, _in_tok, right = children
        line, col = _pos(not_tok)
        return Binary(line, col, _depth(left, right), "NOT IN", left, right)


@cache
def _parser() -> Lark:
    grammar = resources.files(__package__).joinpath("grammar.lark").read_text("utf-8")
    return Lark(
        grammar,
        parser="lalr",
        lexer="contextual",
        transformer=_ToTree(),
        propagate_positions=False,
        maybe_placeholders=True,
    )


def _bracket_depth_problem(source: str) -> FormulaProblem | None:
    """Deeply nested brackets, found before Lark builds a parse stack for them."""
    depth = 0
    line, col = 1, 0
    quote = ""
    for ch in source:
        col += 1
        if ch == "\n":
            line, col = line + 1, 0
        if quote:
            # Doubled and escaped quotes toggle twice or are skipped; good enough to
            # count brackets, the real lexer decides what is text.
            if ch == quote:
                quote = ""
            continue
        if ch in "\"'":
            quote = ch
        elif ch in "([":
            depth += 1
            if depth > limits.MAX_NESTING_DEPTH:
                return FormulaProblem(
                    line,
                    col,
                    f"the formula is nested too deeply "
                    f"(more than {limits.MAX_NESTING_DEPTH} levels)",
                    source,
                )
        elif ch in ")]":
            depth -= 1
    return None


_OPERATORS = {"AND", "OR", "NOT", "IN", "COMP_OP", "ADD_OP", "MUL_OP", "AMP"}


def _expected_words(expected: set[str] | frozenset[str]) -> str:
    if expected == {"NAME"}:
        return "a field name"
    if expected - _OPERATORS:
        # Closing brackets and commas say more than the list of every operator.
        expected = expected - _OPERATORS
    if expected & _VALUE_STARTS:
        return "a value (a number, text in quotes, a field or a function)"
    words = sorted({_TERMINAL_WORDS.get(name, name) for name in expected})
    if not words:
        return "something else"
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]


def _problem_from_lark(exc: UnexpectedInput, source: str) -> FormulaProblem:
    line = exc.line if isinstance(exc.line, int) and exc.line > 0 else 1
    column = exc.column if isinstance(exc.column, int) and exc.column > 0 else 1
    if isinstance(exc, UnexpectedCharacters):
        char = source[exc.pos_in_stream] if exc.pos_in_stream < len(source) else ""
        hint = ""
        if char in "，（）“”‘’【】＝＞＜":
            hint = " (a full-width symbol; type it with the keyboard in English mode)"
        return FormulaProblem(line, column, f"unexpected character {char!r}{hint}", source)
    expected = _expected_words(_accepted(exc))
    if isinstance(exc, UnexpectedEOF) or (
        isinstance(exc, _UnexpectedToken) and exc.token.type == "$END"
    ):
        lines = source.splitlines() or [""]
        line = len(lines)
        column = len(lines[-1]) + 1
        return FormulaProblem(
            line, column, f"the formula ends too early; expected {expected}", source
        )
    assert isinstance(exc, _UnexpectedToken)
    if exc.token.type == "COMP_OP" and "COMP_OP" not in exc.expected:
        return FormulaProblem(
            line,
            column,
            f"unexpected {str(exc.token)!r}; comparisons cannot be chained, join them with AND",
            source,
        )
    return FormulaProblem(
        line, column, f"unexpected {str(exc.token)!r}; expected {expected}", source
    )


def _accepted(exc: UnexpectedInput) -> set[str]:
    """The terminals that could really come next.

    LALR merges states, so `exc.expected` can list tokens that would fail one
    step later; the interactive parser knows exactly.
    """
    expected = set(getattr(exc, "expected", ()) or ())
    interactive = getattr(exc, "interactive_parser", None)
    if interactive is not None:
        try:
            return set(interactive.accepts()) or expected
        except Exception:  # noqa: BLE001 - only a nicer message is at stake
            return expected
    return expected


def parse(source: str) -> Node:
    """The syntax tree of `source`; raises FormulaError with one problem if it is invalid."""
    if not isinstance(source, str):
        raise FormulaError([FormulaProblem(1, 1, "a formula must be text", "")], "")
    if len(source) > limits.MAX_SOURCE_LENGTH:
        raise FormulaError(
            [
                FormulaProblem(
                    1,
                    1,
                    f"the formula is too long ({len(source)} characters, "
                    f"at most {limits.MAX_SOURCE_LENGTH})",
                    source,
                )
            ],
            source,
        )
    if not source.strip():
        raise FormulaError([FormulaProblem(1, 1, "the formula is empty", source)], source)
    if source.count("(") + source.count("[") > limits.MAX_NESTING_DEPTH:
        problem = _bracket_depth_problem(source)
        if problem is not None:
            raise FormulaError([problem], source)
    try:
        return _parser().parse(source)
    except _ParseFault as fault:
        raise FormulaError(
            [FormulaProblem(fault.line, fault.column, fault.message, source)], source
        ) from None
    except UnexpectedInput as exc:
        raise FormulaError([_problem_from_lark(exc, source)], source) from None

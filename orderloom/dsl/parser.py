"""Source text to syntax tree, with Lark's LALR parser built once per process."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from functools import cache
from importlib import resources

from lark import Lark, Token, UnexpectedCharacters, UnexpectedEOF, UnexpectedInput
from lark import UnexpectedToken as _UnexpectedToken
from lark.lexer import Lexer

from . import limits
from .errors import FormulaError, FormulaProblem
from .nodes import Binary, Call, ListLiteral, Literal, Node, Path, Unary

# Only these escapes are translated; any other backslash stays as written, so
# REGEXMATCH patterns such as "\d+" need no doubling.
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\", '"': '"', "'": "'"}
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
        body = _ESCAPE_RE.sub(lambda m: _ESCAPES.get(m.group(1), m.group()), body)
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

    def expr(self, children: list) -> Node:
        if len(children) == 1:
            return children[0]
        return _Precedence(children).parse()


# Binding power of infix operators; comparisons do not associate.
_INFIX_POWER = {"OR": 1, "AND": 2, "COMP_OP": 4, "IN": 4, "NOT": 4, "AMP": 5, "ADD_OP": 6,
                "MUL_OP": 7}
_NOT_POWER = 3
_SIGN_POWER = 8


class _Precedence:
    """Orders a flat run `[NOT] a op [-] b op c ...` by operator precedence.

    Precedence climbing over the operands the LALR parser already built;
    left-associative chains are loops, so only prefixes and higher-binding
    operators on the right recurse.
    """

    def __init__(self, items: list) -> None:
        self.items = items
        self.pos = 0

    def parse(self) -> Node:
        node = self.operand_with_infix(0)
        assert self.pos == len(self.items)
        return node

    def operand_with_infix(self, min_power: int) -> Node:
        left = self.operand()
        compared = False
        while self.pos < len(self.items):
            op = self.items[self.pos]
            power = _INFIX_POWER[op.type]
            if power < min_power:
                break
            if power == 4:
                if compared:
                    line, col = _pos(op)
                    raise _ParseFault(
                        line,
                        col,
                        f"unexpected {str(op)!r}; comparisons cannot be chained, "
                        "join them with AND",
                    )
                compared = True
            self.pos += 1
            name = str(op).upper()
            if op.type == "NOT":
                self.pos += 1  # the IN after NOT
                name = "NOT IN"
            right = self.operand_with_infix(power + 1)
            line, col = _pos(op)
            left = Binary(line, col, _depth(left, right), name, left, right)
        return left

    def operand(self) -> Node:
        item = self.items[self.pos]
        self.pos += 1
        if isinstance(item, Node):
            return item
        power = _NOT_POWER if item.type == "NOT" else _SIGN_POWER
        operand = self.operand_with_infix(power)
        line, col = _pos(item)
        return Unary(line, col, _depth(operand), str(item).upper(), operand)


# The terminals of grammar.lark as one pattern. Lark's own lexer tries each
# terminal in turn and spent half the parse time; this scanner gives the same
# tokens (a test compares both on random text) in one regex match per token.
_TOKEN_RE = re.compile(
    r"""
     (?P<WS>\s+)
    |(?P<NUMBER>(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)
    |(?P<STRING>"(?:[^"\\]|\\.|"")*"|'(?:[^'\\]|\\.|'')*')
    |(?P<NAME>[^\W\d]\w*)
    |(?P<COMP_OP>==|!=|<>|<=|>=|=|<|>)
    |(?P<ADD_OP>[+-])
    |(?P<MUL_OP>[*/%])
    |(?P<AMP>&)
    |(?P<LSQB>\[)
    |(?P<RSQB>\])
    |(?P<LPAR>\()
    |(?P<RPAR>\))
    |(?P<COMMA>,)
    |(?P<DOT>\.)
    """,
    re.X | re.S,
)
_KEYWORDS = {"AND", "OR", "NOT", "IN", "TRUE", "FALSE", "NULL"}


class FormulaLexer(Lexer):
    def __init__(self, lexer_conf: object) -> None:
        pass

    def lex(self, text: str):  # type: ignore[override]
        match = _TOKEN_RE.match
        pos = 0
        line = 1
        line_start = 0
        previous = ""
        end = len(text)
        while pos < end:
            m = match(text, pos)
            if m is None:
                raise UnexpectedCharacters(
                    text, pos, line, pos - line_start + 1, state=None
                )
            kind = m.lastgroup
            value = m.group()
            if kind == "NAME" and previous != "DOT":
                upper = value.upper()
                if upper in _KEYWORDS:
                    kind = upper
            if kind != "WS":
                yield Token(kind, value, pos, line, pos - line_start + 1)  # type: ignore[arg-type]
                previous = kind  # type: ignore[assignment]
            newlines = value.count("\n")
            if newlines:
                line += newlines
                line_start = pos + value.rfind("\n") + 1
            pos = m.end()


def grammar_text() -> str:
    return resources.files(__package__).joinpath("grammar.lark").read_text("utf-8")


@cache
def _parser() -> Lark:
    return Lark(
        grammar_text(),
        parser="lalr",
        lexer=FormulaLexer,
        transformer=_ToTree(),
        propagate_positions=False,
        maybe_placeholders=False,
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
_CLOSERS = (("RPAR", "')'"), ("RSQB", "']'"), ("COMMA", "','"))


def _expected_words(expected: set[str] | frozenset[str], at_end: bool = False) -> str:
    if expected == {"NAME"}:
        return "a field name"
    if expected & {"NAME", "NUMBER", "STRING"}:
        return "a value (a number, text in quotes, a field or a function)"
    parts = []
    # At the end of the text an operator is rarely what is missing; a closing
    # bracket is.
    closers = [word for name, word in _CLOSERS if name in expected]
    if expected & _OPERATORS and not (at_end and closers):
        parts.append("an operator (+, =, AND ...)")
    parts.extend(closers)
    if "$END" in expected:
        parts.append("the end of the formula")
    if not parts:
        return "something else"
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " or " + parts[-1]


def _problem_from_lark(exc: UnexpectedInput, source: str) -> FormulaProblem:
    line = exc.line if isinstance(exc.line, int) and exc.line > 0 else 1
    column = exc.column if isinstance(exc.column, int) and exc.column > 0 else 1
    if isinstance(exc, UnexpectedCharacters):
        char = source[exc.pos_in_stream] if exc.pos_in_stream < len(source) else ""
        hint = ""
        if char in "，（）“”‘’【】＝＞＜":
            hint = " (a full-width symbol; type it with the keyboard in English mode)"
        return FormulaProblem(line, column, f"unexpected character {char!r}{hint}", source)
    at_end = isinstance(exc, UnexpectedEOF) or (
        isinstance(exc, _UnexpectedToken) and exc.token.type == "$END"
    )
    expected = _expected_words(_accepted(exc), at_end)
    if at_end:
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

"""Source text to syntax tree.

Lark builds the LALR(1) table of grammar.lark once per process. `_run` drives
that table in a loop of its own, with a one-regex scanner and callbacks that
build our nodes at each reduction: Lark's general driver, token objects and
tree builder were three quarters of the parse time. When the loop meets a
syntax error, Lark's own parser reads the text again and stops at the same
token, and its exception says what was expected there.
"""

from __future__ import annotations

import operator
import re
from bisect import bisect_right
from collections.abc import Callable, Iterator
from decimal import Decimal, InvalidOperation
from functools import cache
from importlib import resources
from typing import Any

from lark import Lark, Token, UnexpectedCharacters, UnexpectedEOF, UnexpectedInput
from lark import UnexpectedToken as _UnexpectedToken
from lark.grammar import Rule
from lark.lexer import Lexer
from lark.parsers.lalr_analysis import Shift

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


class ParseFault(Exception):
    """A syntax problem found while building the tree (a formula nested too deeply, a
    bad number), with its place; `parse` turns it into a FormulaError."""

    def __init__(self, line: int, column: int, message: str, code: str | None = None,
                 **values: object) -> None:
        super().__init__(message)
        self.line = line
        self.column = column
        self.message = message
        self.code = code
        self.values = {k: str(v) for k, v in values.items()}


def _depth(*nodes: Node) -> int:
    depth = 1 + max([n.depth for n in nodes]) if nodes else 1
    if depth > limits.MAX_NESTING_DEPTH:
        first = nodes[0]
        raise ParseFault(
            first.line,
            first.column,
            f"the formula is nested too deeply (more than {limits.MAX_NESTING_DEPTH} levels)",
            "too_deep", most=limits.MAX_NESTING_DEPTH,
        )
    return depth


def _pos(token: tuple) -> tuple[int, int]:
    return token[2], token[3]


_SHORT_NUMBER = min(limits.MAX_DIGITS, limits.MAX_EXPONENT)


class TreeBuilder:
    """Callbacks run by the LALR loop at each reduction (no recursion).

    A token is a tuple `(type, text, line, column, offset)`.
    """

    def number(self, children: list) -> Literal:
        (tok,) = children
        text = tok[1]
        line, col = tok[2], tok[3]
        if len(text) <= _SHORT_NUMBER:
            # Too few characters to break a limit: no need to count digits.
            if text.isdigit():
                return Literal(line, col, 1, int(text))
            if "e" not in text and "E" not in text:
                return Literal(line, col, 1, Decimal(text))
        try:
            value = Decimal(text)
        except InvalidOperation:  # pragma: no cover - the grammar only lets numbers through
            raise ParseFault(line, col, f"{text} is not a number") from None
        digits = len(value.as_tuple().digits)
        if value and abs(value.adjusted()) > limits.MAX_EXPONENT or digits > limits.MAX_DIGITS:
            raise ParseFault(
                line,
                col,
                f"the number {text} is too large or too precise "
                f"(at most {limits.MAX_DIGITS} digits and exponent {limits.MAX_EXPONENT})",
            )
        if text.isdigit():
            return Literal(line, col, 1, int(text))
        return Literal(line, col, 1, value)

    def string(self, children: list) -> Literal:
        (tok,) = children
        text = tok[1]
        quote = text[0]
        body = text[1:-1]
        if quote in body:
            body = body.replace(quote * 2, quote)
        if "\\" in body:
            body = _ESCAPE_RE.sub(lambda m: _ESCAPES.get(m.group(1), m.group()), body)
        if len(body) > limits.MAX_TEXT_LENGTH:
            raise ParseFault(tok[2], tok[3], "the text is too long")
        return Literal(tok[2], tok[3], 1, body)

    def true(self, children: list) -> Literal:
        return Literal(*_pos(children[0]), 1, True)

    def false(self, children: list) -> Literal:
        return Literal(*_pos(children[0]), 1, False)

    def null(self, children: list) -> Literal:
        return Literal(*_pos(children[0]), 1, None)

    def list(self, children: list) -> ListLiteral:
        bracket, *items = children
        line, col = _pos(bracket)
        if len(items) > limits.MAX_LIST_LITERAL:
            raise ParseFault(
                line, col, f"a list may hold at most {limits.MAX_LIST_LITERAL} values"
            )
        return ListLiteral(line, col, _depth(*items) if items else 1, tuple(items))

    def call(self, children: list) -> Call:
        # The name's parts are tokens (tuples), the arguments nodes.
        parts = [c for c in children if c.__class__ is tuple]
        args = children[len(parts):]
        name = parts[0]
        text = ".".join(p[1] for p in parts).upper()
        return Call(name[2], name[3], _depth(*args) if args else 1, text, tuple(args))

    def path(self, children: list) -> Path:
        first = children[0]
        return Path(first[2], first[3], 1, tuple([t[1] for t in children]))

    def expr(self, children: list) -> Node:
        if len(children) == 1:
            return children[0]
        if len(children) == 3:
            # `a op b`, the most common run, needs no precedence climbing.
            left, op, right = children
            if op.__class__ is tuple and left.__class__ is not tuple \
                    and right.__class__ is not tuple:
                depth = 1 + (left.depth if left.depth > right.depth else right.depth)
                if depth <= limits.MAX_NESTING_DEPTH:
                    return Binary(op[2], op[3], depth, op[1].upper(), left, right)
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
            power = _INFIX_POWER[op[0]]
            if power < min_power:
                break
            if power == 4:
                if compared:
                    line, col = _pos(op)
                    raise ParseFault(
                        line,
                        col,
                        f"unexpected {op[1]!r}; comparisons cannot be chained, "
                        "join them with AND", "chained_comparison", token=repr(op[1]),
                    )
                compared = True
            self.pos += 1
            name = op[1].upper()
            if op[0] == "NOT":
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
        # Each prefix sign or NOT recurses once: a run longer than any formula may nest
        # is refused before it can exhaust the stack ("-----...1").
        run = self.pos
        while run < len(self.items) and not isinstance(self.items[run], Node) and \
                run - self.pos < limits.MAX_NESTING_DEPTH:
            run += 1
        if run - self.pos >= limits.MAX_NESTING_DEPTH:
            raise ParseFault(item[2], item[3], "the formula is nested too deeply (more than "
                                               f"{limits.MAX_NESTING_DEPTH} levels)")
        power = _NOT_POWER if item[0] == "NOT" else _SIGN_POWER
        operand = self.operand_with_infix(power)
        return Unary(item[2], item[3], _depth(operand), item[1].upper(), operand)


# The terminals of grammar.lark as one pattern, with the whitespace before a
# token: one regex match per token. Lark's own lexer tries each terminal in
# turn and spent half the parse time; this scanner gives the same tokens (a
# test compares both on random text).
_TOKEN_RE = re.compile(
    r"""
     (?P<END>\s+\Z)
    |\s*
     (?:
      (?P<NUMBER>(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)
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
     |(?P<BAD>\S)
     )
    """,
    re.X | re.S,
)
_KEYWORDS = {"AND", "OR", "NOT", "IN", "TRUE", "FALSE", "NULL"}


def _line_starts(text: str) -> list[int]:
    """The offset at which each line of `text` starts."""
    return [0, *(m.end() for m in re.finditer("\n", text))]


class _Unreadable(Exception):
    """A character no terminal starts with; Lark's parser reports it."""


def tokens(text: str) -> Iterator[tuple[str, str, int, int, int]]:
    """`(type, text, line, column, offset)` of every token; whitespace is skipped.

    A keyword right after a dot is a field name (`order.in`).
    """
    starts = _line_starts(text)
    previous = ""
    for m in _TOKEN_RE.finditer(text):
        kind = m.lastgroup
        if kind == "END":
            return
        pos, end = m.span(kind)
        if kind == "BAD":
            raise _Unreadable(pos)
        value = text[pos:end]
        if kind == "NAME" and previous != "DOT" and value.upper() in _KEYWORDS:
            kind = value.upper()
        line = bisect_right(starts, pos)
        yield (kind, value, line, pos - starts[line - 1] + 1, pos)  # type: ignore[misc]
        previous = kind  # type: ignore[assignment]


class FormulaLexer(Lexer):
    """`tokens` as Lark tokens, for the Lark parser that words syntax errors."""

    def __init__(self, lexer_conf: object) -> None:
        pass

    def lex(self, text: str):  # type: ignore[override]
        try:
            for kind, value, line, column, pos in tokens(text):
                yield Token(kind, value, pos, line, column)
        except _Unreadable as exc:
            pos = exc.args[0]
            line = text.count("\n", 0, pos) + 1
            column = pos - (text.rfind("\n", 0, pos) + 1) + 1
            raise UnexpectedCharacters(text, pos, line, column, state=None) from None


def grammar_text() -> str:
    return resources.files(__package__).joinpath("grammar.lark").read_text("utf-8")


@cache
def _parser() -> Lark:
    """Lark's LALR parser for grammar.lark: its tables drive `_run`, and it
    re-reads a formula with a syntax error to say what was expected there."""
    return Lark(
        grammar_text(),
        parser="lalr",
        lexer=FormulaLexer,
        propagate_positions=False,
        maybe_placeholders=False,
    )


def _reducer(rule: Rule, callbacks: TreeBuilder) -> Callable[[list], Any]:
    """What a reduction by `rule` leaves on the value stack, as Lark's tree builder does.

    Anonymous punctuation is dropped, the children of `_rules` are spliced
    into their parent (an `_rule` itself leaves the list of its children),
    `?rules` with one child leave that child, and any other rule calls the
    `TreeBuilder` method named after its alias or its name.
    """
    name = rule.origin.name
    keep_all = rule.options.keep_all_tokens
    plan = [
        (index, not sym.is_term and sym.name.startswith("_"))
        for index, sym in enumerate(rule.expansion)
        if keep_all or not (sym.is_term and sym.filter_out)
    ]
    single = rule.options.expand1 and not rule.alias
    if name.startswith("_"):
        finish = None
    elif single and not hasattr(callbacks, name):
        # `?start: expr`, `?atom: "(" expr ")"`: always exactly one child.
        (index,) = [i for i, _ in plan]
        return operator.itemgetter(index)
    else:
        finish = getattr(callbacks, rule.alias or name)
    plain = [index for index, splice in plan if not splice]
    whole = [i for i, _ in plan] == list(range(len(rule.expansion))) and len(plain) == len(plan)

    if whole:
        select: Callable[[list], list] | None = None
    elif len(plain) == len(plan):
        picked = tuple(plain)

        def select(children: list) -> list:
            return [children[i] for i in picked]
    else:
        steps = tuple(plan[1:]) if plan[0][1] else tuple(plan)
        first = plan[0][0] if plan[0][1] else None

        def select(children: list) -> list:
            # The leading list of a left-recursive rule is extended in place:
            # nothing else holds it.
            out: list = [] if first is None else children[first]
            for index, splice in steps:
                if splice:
                    out.extend(children[index])
                else:
                    out.append(children[index])
            return out

    if finish is None:
        return select or (lambda children: children)
    if single:
        build = finish

        def finish_single(children: list) -> Any:
            return children[0] if len(children) == 1 else build(children)

        finish = finish_single
    if select is None:
        return finish
    chosen, done = select, finish
    return lambda children: done(chosen(children))


@cache
def _tables() -> tuple[list[dict[str, int]], list[tuple[int, str, Callable]], int, int]:
    """Lark's LALR table in a compact form for `_run`.

    An action is an int: a state number to shift to, or `~n` to reduce by
    rule n. Gotos on rule names are state numbers too.

    The table is reached through Lark's interactive parser, its public way into
    the LALR machinery. Lark does not document the table's layout, so
    pyproject.toml pins Lark to one minor version, and
    tests/dsl/test_parser_table.py says what changed if an upgrade changes it.
    """
    conf = lalr_configuration()
    table = conf.parse_table
    numbers = {state: n for n, state in enumerate(table.states)}
    rules: dict[Rule, int] = {}
    reducers: list[tuple[int, str, Callable]] = []
    callbacks = TreeBuilder()
    actions: list[dict[str, int]] = [{} for _ in numbers]
    for state, row in table.states.items():
        out = actions[numbers[state]]
        for symbol, (action, arg) in row.items():
            # Lark's names are Token objects; plain str keys compare without
            # calling Token.__eq__ on every lookup.
            symbol = str(symbol)
            if action is Shift:
                out[symbol] = numbers[arg]
                continue
            if arg not in rules:
                rules[arg] = len(reducers)
                build = _reducer(arg, callbacks)
                reducers.append((len(arg.expansion), str(arg.origin.name), build))
            out[symbol] = ~rules[arg]
    return actions, reducers, numbers[conf.start_state], numbers[conf.end_state]


def lalr_configuration() -> Any:
    """Lark's LALR parse configuration for grammar.lark: its `parse_table` (with
    `states`, each a map from symbol to `(Shift, state)` or `(Reduce, rule)`), and
    the `start_state` and `end_state` of the formula rule."""
    return _parser().parse_interactive().parser_state.parse_conf


def _run(source: str) -> Node | None:
    """The tree of `source` by Lark's LALR table; None at a syntax error.

    The scanning of `tokens` is repeated inline here: a generator resumed per
    token cost a twentieth of the parse.
    """
    actions, reducers, state, end = _tables()
    states = [state]
    values: list = []
    row = actions[state]
    keywords = _KEYWORDS
    # Positions as in `tokens`; a formula on one line needs no line search.
    starts = _line_starts(source) if "\n" in source else None
    previous = ""
    for m in _TOKEN_RE.finditer(source):
        kind = m.lastgroup
        if kind == "END":
            break
        pos, stop = m.span(kind)
        if kind == "BAD":
            return None
        value = source[pos:stop]
        if kind == "NAME" and previous != "DOT" and value.upper() in keywords:
            kind = value.upper()
        if starts is None:
            token = (kind, value, 1, pos + 1, pos)
        else:
            line = bisect_right(starts, pos)
            token = (kind, value, line, pos - starts[line - 1] + 1, pos)
        previous = kind  # type: ignore[assignment]
        while True:
            action = row.get(kind)
            if action is None:
                return None
            if action >= 0:
                states.append(action)
                values.append(token)
                row = actions[action]
                break
            size, goal, build = reducers[~action]
            if size == 1:
                values[-1] = build([values[-1]])
                state = actions[states[-2]][goal]
                states[-1] = state
            else:
                children = values[-size:] if size else []
                if size:
                    del values[-size:]
                    del states[-size:]
                values.append(build(children))
                state = actions[states[-1]][goal]
                states.append(state)
            row = actions[state]
    while True:
        action = row.get("$END")
        if action is None or action >= 0:
            return None
        size, goal, build = reducers[~action]
        children = values[-size:] if size else []
        if size:
            del values[-size:]
            del states[-size:]
        values.append(build(children))
        state = actions[states[-1]][goal]
        if state == end:
            return values[-1]
        states.append(state)
        row = actions[state]


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
                    "too_deep",
                    {"most": limits.MAX_NESTING_DEPTH},
                )
        elif ch in ")]":
            depth -= 1
    return None


_OPERATORS = {"AND", "OR", "NOT", "IN", "COMP_OP", "ADD_OP", "MUL_OP", "AMP"}
_CLOSERS = (("RPAR", "')'"), ("RSQB", "']'"), ("COMMA", "','"))


# What may come next, by the code a FormulaProblem's ``expected`` value lists.
_EXPECTED_WORDS = {"field": "a field name",
                   "value": "a value (a number, text in quotes, a field or a function)",
                   "operator": "an operator (+, =, AND ...)", "end": "the end of the formula",
                   "other": "something else"}


def _expected_codes(expected: set[str] | frozenset[str], at_end: bool = False) -> list[str]:
    """What may come next, as codes: those of _EXPECTED_WORDS and closing brackets as
    themselves (``)``, ``]``, ``,``)."""
    if expected == {"NAME"}:
        return ["field"]
    if expected & {"NAME", "NUMBER", "STRING"}:
        return ["value"]
    parts = []
    # At the end of the text an operator is rarely what is missing; a closing
    # bracket is.
    closers = [word.strip("'") for name, word in _CLOSERS if name in expected]
    if expected & _OPERATORS and not (at_end and closers):
        parts.append("operator")
    parts.extend(closers)
    if "$END" in expected:
        parts.append("end")
    return parts or ["other"]


def _expected_words(expected: set[str] | frozenset[str], at_end: bool = False) -> str:
    parts = [_EXPECTED_WORDS.get(code, f"'{code}'") for code in _expected_codes(expected, at_end)]
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " or " + parts[-1]


def problem_from_lark(exc: UnexpectedInput, source: str) -> FormulaProblem:
    """The problem a Lark syntax error stands for, in plain words at its place."""
    line = exc.line if isinstance(exc.line, int) and exc.line > 0 else 1
    column = exc.column if isinstance(exc.column, int) and exc.column > 0 else 1
    if isinstance(exc, UnexpectedCharacters):
        char = source[exc.pos_in_stream] if exc.pos_in_stream < len(source) else ""
        hint = ""
        if char in "，（）“”‘’【】＝＞＜":
            hint = " (a full-width symbol; type it with the keyboard in English mode)"
        return FormulaProblem(line, column, f"unexpected character {char!r}{hint}", source,
                              "full_width_character" if hint else "unexpected_character",
                              {"character": repr(char)})
    at_end = isinstance(exc, UnexpectedEOF) or (
        isinstance(exc, _UnexpectedToken) and exc.token.type == "$END"
    )
    accepted = _accepted(exc)
    expected = _expected_words(accepted, at_end)
    # Each code of what may come next; the words are the caller's to choose.
    codes = " ".join(_expected_codes(accepted, at_end))
    if at_end:
        lines = source.splitlines() or [""]
        line = len(lines)
        column = len(lines[-1]) + 1
        return FormulaProblem(
            line, column, f"the formula ends too early; expected {expected}", source,
            "ends_early", {"expected": codes}
        )
    assert isinstance(exc, _UnexpectedToken)
    if exc.token.type == "COMP_OP" and "COMP_OP" not in exc.expected:
        return FormulaProblem(
            line,
            column,
            f"unexpected {str(exc.token)!r}; comparisons cannot be chained, join them with AND",
            source, "chained_comparison", {"token": repr(str(exc.token))},
        )
    return FormulaProblem(
        line, column, f"unexpected {str(exc.token)!r}; expected {expected}", source,
        "unexpected", {"token": repr(str(exc.token)), "expected": codes}
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
        raise FormulaError([FormulaProblem(1, 1, "a formula must be text", "", "not_text")], "")
    if len(source) > limits.MAX_SOURCE_LENGTH:
        raise FormulaError(
            [
                FormulaProblem(
                    1,
                    1,
                    f"the formula is too long ({len(source)} characters, "
                    f"at most {limits.MAX_SOURCE_LENGTH})",
                    source,
                    "too_long",
                    {"length": len(source), "most": limits.MAX_SOURCE_LENGTH},
                )
            ],
            source,
        )
    if not source.strip():
        raise FormulaError([FormulaProblem(1, 1, "the formula is empty", source, "empty")],
                           source)
    if source.count("(") + source.count("[") > limits.MAX_NESTING_DEPTH:
        problem = _bracket_depth_problem(source)
        if problem is not None:
            raise FormulaError([problem], source)
    try:
        tree = _run(source)
        if tree is None:
            # A syntax error: Lark's own parser goes over the same tokens with
            # the same table and stops at the same place, with what it expected.
            _parser().parse(source)
            raise ParseFault(1, 1, "the formula cannot be read")  # pragma: no cover
        return tree
    except ParseFault as fault:
        raise FormulaError(
            [FormulaProblem(fault.line, fault.column, fault.message, source, fault.code,
                            fault.values)], source
        ) from None
    except UnexpectedInput as exc:
        raise FormulaError([problem_from_lark(exc, source)], source) from None

"""`parse` runs Lark's LALR table in a loop of its own; it must build the tree
Lark's own parser and tree builder build, and fail where Lark fails."""

from __future__ import annotations

from hypothesis import assume, given, settings
from hypothesis import strategies as st
from lark import Lark, Token, UnexpectedInput

from orderloom.dsl.errors import FormulaError, FormulaProblem
from orderloom.dsl.parser import (
    FormulaLexer,
    _ParseFault,
    _problem_from_lark,
    _ToTree,
    grammar_text,
    parse,
)


class _LarkToTree:
    """Our callbacks under Lark's own tree builder, tokens handed over as tuples."""

    def __init__(self) -> None:
        self.tree = _ToTree()

    def __getattr__(self, name: str):
        method = getattr(self.tree, name)

        def call(children: list):
            return method([
                (c.type, str(c), c.line, c.column, c.start_pos) if isinstance(c, Token) else c
                for c in children
            ])

        return call


_REFERENCE = Lark(
    grammar_text(),
    parser="lalr",
    lexer=FormulaLexer,
    transformer=_LarkToTree(),
    maybe_placeholders=False,
)


def _reference(source: str) -> str:
    try:
        return repr(_REFERENCE.parse(source))
    except _ParseFault as fault:
        return repr([FormulaProblem(fault.line, fault.column, fault.message, source)])
    except UnexpectedInput as exc:
        return repr([_problem_from_lark(exc, source)])


def _ours(source: str) -> str:
    try:
        return repr(parse(source))
    except FormulaError as exc:
        return repr(exc.errors)


PIECES = st.sampled_from(
    ["a", "b.c", "x.in", "1", "2.5", "1e999", "0.000", '"s"', "'t'", '"a\nb"', "(", ")", "[",
     "]", ",", "+", "-", "*", "/", "%", "&", "=", "<>", "<", ">=", "AND", "or", "NOT", "in",
     "TRUE", "null", "IF(", "SUM(", "and(", "OR(", ".", " ", "\n", "\t", "\u3000", "§", "，",
     '"open']
)
SOUP = st.lists(PIECES, min_size=1, max_size=30).map(" ".join) | st.lists(
    PIECES, min_size=1, max_size=30
).map("".join)


@settings(max_examples=400, deadline=None)
@given(SOUP)
def test_the_table_loop_builds_the_tree_lark_builds(source):
    assume(source.strip())
    assert _ours(source) == _reference(source)


def test_positions_on_later_lines_and_after_unicode_spaces():
    tree = parse('total\n  >\u3000"a\nb" AND\n\tx')
    assert (tree.line, tree.column) == (3, 4)  # AND
    comparison = tree.left
    assert (comparison.line, comparison.column) == (2, 3)
    assert (comparison.right.line, comparison.right.column) == (2, 5)
    assert (tree.right.line, tree.right.column) == (4, 2)


def test_trailing_and_leading_whitespace_is_ignored():
    assert repr(parse("  a + 1 \n\t ")) == repr(parse("  a + 1"))

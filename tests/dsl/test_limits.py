"""Every limit of orderloom.dsl.limits, and REGEXMATCH that cannot hang."""

from __future__ import annotations

import re._constants as sre  # noqa: PLC2701 - what regex.py relies on, checked below
import re._parser as sre_parse
import sys
import time

import pytest

from orderloom import dsl
from orderloom.dsl import limits
from tests.dsl.support import problems


def _fault(source: str, data: dict, fields: dict | None = None) -> dsl.FormulaFault:
    result = dsl.evaluate(source, data, fields)
    assert isinstance(result, dsl.FormulaFault), result
    return result


def test_source_length():
    source = "1" + " + 1" * (limits.MAX_SOURCE_LENGTH // 4)
    assert problems(source) == [
        f"1:1: the formula is too long ({len(source)} characters, at most "
        f"{limits.MAX_SOURCE_LENGTH})"
    ]


def test_bracket_nesting_depth():
    deep = "(" * (limits.MAX_NESTING_DEPTH + 1) + "1" + ")" * (limits.MAX_NESTING_DEPTH + 1)
    assert problems(deep) == [
        f"1:{limits.MAX_NESTING_DEPTH + 1}: the formula is nested too deeply "
        f"(more than {limits.MAX_NESTING_DEPTH} levels)"
    ]
    ok = "(" * limits.MAX_NESTING_DEPTH + "1" + ")" * limits.MAX_NESTING_DEPTH
    assert dsl.evaluate(ok, {}) == 1


def test_operator_nesting_depth():
    source = "-" * (limits.MAX_NESTING_DEPTH + 5) + "1"
    [message] = problems(source)
    assert "nested too deeply" in message
    chain = " + ".join(["1"] * (limits.MAX_NESTING_DEPTH + 5))
    assert "nested too deeply" in problems(chain)[0]


def test_list_literal_size():
    source = "[" + ", ".join(["1"] * (limits.MAX_LIST_LITERAL + 1)) + "]"
    assert problems(source) == [f"1:1: a list may hold at most {limits.MAX_LIST_LITERAL} values"]


def test_list_size_from_data():
    data = {"items": [{"qty": 1}] * (limits.MAX_LIST_SIZE + 1)}
    fault = _fault("SUM(items.qty)", data, {"items": [{"qty": "integer"}]})
    assert fault.message == f"items has more than {limits.MAX_LIST_SIZE} entries"


def test_produced_text_size():
    data = {"t": "x" * 60_000}
    fault = _fault("t & t", data, {"t": "text"})
    assert fault.message == (
        f"the text would be longer than {limits.MAX_TEXT_LENGTH} characters"
    )
    assert (fault.line, fault.column) == (1, 3)
    assert _fault("CONCAT(t, t)", data, {"t": "text"}).message.startswith("the text would be")


def test_exponent_of_numeric_literals():
    assert problems("1e999999") == [
        "1:1: the number 1e999999 is too large or too precise "
        f"(at most {limits.MAX_DIGITS} digits and exponent {limits.MAX_EXPONENT})"
    ]
    assert dsl.evaluate("1e100 > 1", {}) is True


def test_computed_numbers_are_bounded():
    fields = {"x": "number"}
    source = "x * x * x * x * x * x * x * x * x * x * x * x"
    fault = _fault(source, {"x": "1e99"}, fields)
    assert fault.message == "the number is too large or not defined"


def test_evaluation_steps():
    fields = {"a": [{"b": [{"c": [{"n": "integer"}]}]}]}
    lines = [{"b": [{"c": [{"n": 1}] * 100}] * 100}] * 200
    fault = _fault("COUNTIF(a, ANY(b, ANY(c, n > 1)))", {"a": lines}, fields)
    assert fault.message == f"the formula needs more than {limits.MAX_STEPS} steps"
    # The innermost condition is where the work ran out.
    assert (fault.line, fault.column) == (1, 19)


def test_regex_pattern_length():
    pattern = "a" * (limits.MAX_REGEX_PATTERN + 1)
    assert problems(f'REGEXMATCH(note, "{pattern}")') == [
        f"1:18: REGEXMATCH: the pattern is longer than {limits.MAX_REGEX_PATTERN} characters"
    ]


@pytest.mark.parametrize(
    ("pattern", "reason"),
    [
        ("(a+)+$", "a repeated group may not contain another repeat or a choice (|)"),
        ("(a|aa)*b", "a repeated group may not contain another repeat or a choice (|)"),
        ("(a*)*b", "a repeated group may not contain another repeat or a choice (|)"),
        ("\\d+\\d*x", "two repeats of the same characters next to each other are not allowed"),
        ("(x)\\1", "backreferences are not allowed"),
        ("(?=a)a", "lookahead and lookbehind are not allowed"),
        ("(", "the pattern is not valid: missing ), unterminated subpattern"),
    ],
)
def test_regex_shapes_that_backtrack_are_refused(pattern, reason):
    assert problems(f'REGEXMATCH(note, "{pattern}")') == [f"1:18: REGEXMATCH: {reason}"]


def _shape(items) -> str:
    out = []
    for op, av in items:
        if op in (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT):
            out.append(f"{op}({_shape(av[2])})")
        elif op is sre.SUBPATTERN:
            out.append(f"{op}({_shape(av[-1])})")
        elif op is sre.ATOMIC_GROUP:
            out.append(f"{op}({_shape(av)})")
        elif op is sre.BRANCH:
            out.append(f"{op}({' | '.join(_shape(branch) for branch in av[1])})")
        elif op in (sre.ASSERT, sre.ASSERT_NOT):
            out.append(f"{op}({_shape(av[1])})")
        else:
            out.append(str(op))
    return " ".join(out)


@pytest.mark.parametrize(("pattern", "shape"), [
    ("(a+)+", "MAX_REPEAT(SUBPATTERN(MAX_REPEAT(LITERAL)))"),
    ("(ab|a)*", "MAX_REPEAT(SUBPATTERN(LITERAL BRANCH(LITERAL | )))"),
    ("a*?b", "MIN_REPEAT(LITERAL) LITERAL"),
    ("\\d+\\d*", "MAX_REPEAT(IN) MAX_REPEAT(IN)"),
    ("(a)\\1", "SUBPATTERN(LITERAL) GROUPREF"),
    ("(a)?(?(1)b|c)", "MAX_REPEAT(SUBPATTERN(LITERAL)) GROUPREF_EXISTS"),
    ("(?=a)(?<!b)", "ASSERT(LITERAL) ASSERT_NOT(LITERAL)"),
    ("(?>a+)b++", "ATOMIC_GROUP(MAX_REPEAT(LITERAL)) POSSESSIVE_REPEAT(LITERAL)"),
    ("^[^a-z\\d].$", "AT IN ANY AT"),
])
def test_pythons_regex_parser_gives_the_tree_the_safety_check_reads(pattern, shape):
    # regex.py reads the tree of Python's own pattern parser (re._parser): no public API
    # shows a pattern's structure, and a linear engine such as RE2 on the server would not
    # do, as the order form runs the same pattern in the browser's backtracking RegExp.
    assert _shape(sre_parse.parse(pattern)) == shape, (
        f"Python {sys.version.split()[0]} parses {pattern!r} into a tree that "
        "orderloom/dsl/regex.py does not expect: check its _scan before relying on it")


def test_regex_from_data_is_checked_when_it_runs():
    fields = {"t": "text", "p": "text"}
    fault = _fault("REGEXMATCH(t, p)", {"t": "aaaa", "p": "(a+)+b"}, fields)
    assert fault.message.startswith("REGEXMATCH: a repeated group")


def test_regex_input_length():
    fields = {"t": "text"}
    fault = _fault('REGEXMATCH(t, "b")', {"t": "a" * (limits.MAX_REGEX_INPUT + 1)}, fields)
    assert fault.message == (
        f"REGEXMATCH works on texts of at most {limits.MAX_REGEX_INPUT} characters"
    )


@pytest.mark.parametrize("pattern", ["a+b", "\\w+@\\w+\\.\\w+", ".*x.*y", "(a|b)*c"])
def test_allowed_regex_on_the_worst_text_is_fast(pattern):
    text = "a" * limits.MAX_REGEX_INPUT
    start = time.perf_counter()
    assert dsl.evaluate(f'REGEXMATCH(t, "{pattern}")', {"t": text}, {"t": "text"}) is False
    assert time.perf_counter() - start < 0.5

"""Every limit of orderloom.dsl.limits, and REGEXMATCH that cannot hang."""

from __future__ import annotations

import time

import pytest

from orderloom import dsl
from orderloom.dsl import limits
from orderloom.dsl.regex import compile_pattern
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
    # Thousands of signs are refused the same way, before they can exhaust the stack.
    assert "nested too deeply" in problems("-" * 5000 + "1")[0]
    assert "nested too deeply" in problems("1 + " + "NOT " * 1500 + "TRUE")[0]
    assert dsl.evaluate("-" * (limits.MAX_NESTING_DEPTH - 1) + "1", {}) == -1


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
        ("(x)\\1", "backreferences (\\1, (?P=name)) are not allowed"),
        ("(?P<n>x)(?P=n)", "backreferences (\\1, (?P=name)) are not allowed"),
        ("(?=a)a", "lookahead and lookbehind ((?=, (?!, (?<=, (?<!) are not allowed"),
        ("b(?<!a)", "lookahead and lookbehind ((?=, (?!, (?<=, (?<!) are not allowed"),
        ("(", "the pattern is not valid: a ( is not closed"),
        ("a**", "the pattern is not valid: a repeat of a repeat"),
        ("a{1001}", "the pattern is not valid: a repeat count above 1000 or out of order"),
        ("\\pL{1000}", "the pattern is not valid: the pattern makes too large a program "
                       "(fewer or smaller repeats)"),
    ],
)
def test_patterns_outside_re2_syntax_are_refused_at_the_pattern(pattern, reason):
    assert problems(f'REGEXMATCH(note, "{pattern}")') == [f"1:18: REGEXMATCH: {reason}"]


def backtracking_bombs() -> list[tuple[str, str]]:
    """Patterns that make a backtracking engine take exponential or high polynomial
    time, each with a text that defeats it: the ones the issue reported, and a
    generated family of nested and alternated repeats over ASCII, CJK and classes."""
    found = [("a*()a*()a*!", "a"), ("丁*丁*丁*!", "丁"), ("(a+)+$", "a"),
             ("(\\w+\\s?)+$", "a"), ("^(([a-z])+.)+[A-Z]([a-z])+$", "a")]
    for atom, char in [("a", "a"), ("丁", "丁"), ("\\w", "丁"), (".", "中"), ("[a丁]", "丁"),
                       ("\\p{Han}", "中"), ("(?i)A", "a")]:
        found += [
            (f"({atom}+)+!", char),
            (f"({atom}*)*!", char),
            (f"({atom}|{atom}{atom})*!", char),
            (f"({atom}|{atom})*!", char),
            (f"{atom}*(){atom}*(){atom}*(){atom}*!", char),
            (f"(({atom}+)+|({atom}{atom})+)+!", char),
            (f"({atom}{{1,10}}){{1,10}}({atom}?){{5}}!", char),
            (f"(?:{atom}+{atom}+)+!", char),
        ]
    return found


@pytest.mark.parametrize(("pattern", "char"), backtracking_bombs())
def test_backtracking_bombs_run_in_linear_time(pattern, char):
    text = char * (limits.MAX_REGEX_INPUT - 1) + "\u3000"  # an ideographic space ends it
    start = time.perf_counter()
    result = dsl.evaluate("REGEXMATCH(t, p)", {"t": text, "p": pattern},
                          {"t": "text", "p": "text"})
    # A backtracking engine takes minutes to centuries on these; RE2 milliseconds.
    assert result is False
    assert time.perf_counter() - start < 0.2
    # Linear: fifty times the text (beyond REGEXMATCH's own limit) stays well under
    # a second for the engine itself.
    start = time.perf_counter()
    assert compile_pattern(pattern).search(text * 50) is None
    assert time.perf_counter() - start < 1.0


def test_regex_from_data_is_checked_when_it_runs():
    fields = {"t": "text", "p": "text"}
    fault = _fault("REGEXMATCH(t, p)", {"t": "aaaa", "p": "(a+)\\1"}, fields)
    assert fault.message == "REGEXMATCH: backreferences (\\1, (?P=name)) are not allowed"


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

"""Safe regular expressions for REGEXMATCH.

Python's `re` backtracks, so a pattern such as `(a+)+b` can take longer than
the age of the universe on a short text. Instead of a second engine we refuse
the pattern shapes that backtrack badly, and bound both pattern and text:

* no backreferences (`\\1`, `(?P=name)`) and no lookaround (`(?=`, `(?<=`...);
* no quantifier inside a repeated group (`(a+)+`, `(a*b)*`) and no repeated
  alternation of longer branches (`(ab|a)*`);
* no two repeats of overlapping characters side by side (`\\d+\\d*`), which
  make the work grow with a power of the text length;
* patterns of at most MAX_REGEX_PATTERN characters, texts of at most
  MAX_REGEX_INPUT characters.

What remains runs in at most quadratic time in the length of the text.

The shapes are read from the tree of Python's own pattern parser (`re._parser`):
no public API shows a pattern's structure, and a linear-time engine such as RE2
on the server would not make these checks unnecessary, as the order form runs the
same pattern in the browser's RegExp, which backtracks too.
tests/dsl/test_limits.py says so plainly if a Python version changes the tree.
"""

from __future__ import annotations

import re
import re._constants as sre  # noqa: PLC2701 - the parser is the only exact view of a pattern
import re._parser as sre_parse
from functools import lru_cache

from . import limits

_REPEATS = {sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT}
_SAMPLE = [chr(c) for c in range(32, 127)] + ["\t", "\n", "é", "中", "٣", "\u3000"]


class UnsafePattern(ValueError):
    pass


def _single_char(item: tuple) -> bool:
    return item[0] in (sre.LITERAL, sre.NOT_LITERAL, sre.ANY, sre.IN)


def _accepts(item: tuple, ch: str) -> bool:
    op, av = item
    code = ord(ch)
    if op is sre.LITERAL:
        return code == av
    if op is sre.NOT_LITERAL:
        return code != av
    if op is sre.ANY:
        return ch != "\n"
    negate = False
    hit = False
    for sub_op, sub_av in av:
        if sub_op is sre.NEGATE:
            negate = True
        elif sub_op is sre.LITERAL:
            hit = hit or code == sub_av
        elif sub_op is sre.RANGE:
            hit = hit or sub_av[0] <= code <= sub_av[1]
        elif sub_op is sre.CATEGORY:
            probe = {
                sre.CATEGORY_DIGIT: r"\d",
                sre.CATEGORY_NOT_DIGIT: r"\D",
                sre.CATEGORY_SPACE: r"\s",
                sre.CATEGORY_NOT_SPACE: r"\S",
                sre.CATEGORY_WORD: r"\w",
                sre.CATEGORY_NOT_WORD: r"\W",
            }.get(sub_av)
            hit = hit or probe is None or re.fullmatch(probe, ch) is not None
        else:
            hit = True
    return hit != negate


def _overlap(a: list, b: list) -> bool:
    if len(a) != 1 or len(b) != 1 or not (_single_char(a[0]) and _single_char(b[0])):
        return True
    return any(_accepts(a[0], ch) and _accepts(b[0], ch) for ch in _SAMPLE)


def _has_repeat_or_branch(items: list) -> bool:
    for op, av in items:
        if op in _REPEATS and av[1] > 1:
            return True
        if op is sre.BRANCH:
            return True
        if op is sre.SUBPATTERN and _has_repeat_or_branch(list(av[-1])):
            return True
        if op is sre.ATOMIC_GROUP and _has_repeat_or_branch(list(av)):
            return True
    return False


def _scan(items: list) -> None:
    open_repeats: list[list] = []
    for op, av in items:
        if op in (sre.GROUPREF, sre.GROUPREF_EXISTS):
            raise UnsafePattern("backreferences are not allowed")
        if op in (sre.ASSERT, sre.ASSERT_NOT):
            raise UnsafePattern("lookahead and lookbehind are not allowed")
        if op in _REPEATS:
            low, high, body = av
            body = list(body)
            if high > 1:
                if _has_repeat_or_branch(body):
                    raise UnsafePattern(
                        "a repeated group may not contain another repeat or a choice (|)"
                    )
                for earlier in open_repeats:
                    if _overlap(earlier, body):
                        raise UnsafePattern(
                            "two repeats of the same characters next to each other "
                            "are not allowed"
                        )
                open_repeats.append(body)
            _scan(body)
            if low > 0 and high <= 1:
                open_repeats.clear()
            continue
        if op is sre.SUBPATTERN:
            _scan(list(av[-1]))
        elif op is sre.ATOMIC_GROUP:
            _scan(list(av))
        elif op is sre.BRANCH:
            for branch in av[1]:
                _scan(list(branch))
        if op is not sre.AT:
            # A required item in between means the repeats cannot trade
            # characters freely any more.
            open_repeats.clear()


@lru_cache(maxsize=256)
def compile_pattern(pattern: str) -> re.Pattern[str]:
    """The compiled pattern, or UnsafePattern saying in plain words what is wrong."""
    if len(pattern) > limits.MAX_REGEX_PATTERN:
        raise UnsafePattern(
            f"the pattern is longer than {limits.MAX_REGEX_PATTERN} characters"
        )
    try:
        parsed = sre_parse.parse(pattern)
    except re.error as exc:
        raise UnsafePattern(f"the pattern is not valid: {exc.msg}") from None
    _scan(list(parsed))
    return re.compile(pattern)


def regex_match(text: str, pattern: str) -> bool:
    from .errors import Fault

    if len(text) > limits.MAX_REGEX_INPUT:
        raise Fault(
            f"REGEXMATCH works on texts of at most {limits.MAX_REGEX_INPUT} characters"
        )
    try:
        compiled = compile_pattern(pattern)
    except UnsafePattern as exc:
        raise Fault(f"REGEXMATCH: {exc}") from None
    return compiled.search(text) is not None

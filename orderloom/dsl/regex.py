"""REGEXMATCH's patterns, run by RE2: matching takes time linear in the text.

Python's `re` backtracks, so a pattern such as `(a+)+b` or `a*()a*()a*!` can
take minutes on a short text, and no check of a pattern's shape catches every
such pattern. RE2 (google-re2) never backtracks: whatever the pattern, a match
costs time proportional to the length of the text. Its syntax is what
REGEXMATCH accepts (docs/formulas.md): no backreferences and no lookaround,
which are exactly the features that need backtracking.

The browser runs the same patterns with re2js, a JavaScript port of RE2
(static/vendor/re2js, used by static/formula.js). The two ports word their
syntax errors differently, so the message a designer sees is ours, built the
same way on both sides from the kind of error and the part of the pattern it
names (REFUSALS here, `REFUSALS` in formula.js; tests/dsl/test_js_parity.py
compares them).
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

import re2

from . import limits
from . import values as V
from .errors import NA, Fault


class UnsafePattern(ValueError):
    """A pattern REGEXMATCH refuses; the message says what is wrong in plain words."""


# The engines' own words for each kind of syntax error (RE2's C++ wording first,
# re2js's second), and ours.
REFUSALS: dict[str, str] = {
    "invalid escape sequence": "an unknown escape",
    "invalid perl operator": "an unsupported (? group",
    "invalid or unsupported Perl syntax": "an unsupported (? group",
    "missing )": "a ( is not closed",
    "missing closing )": "a ( is not closed",
    "unexpected )": "a ) has no matching (",
    "missing ]": "a [ is not closed",
    "missing closing ]": "a [ is not closed",
    "bad repetition operator": "a repeat of a repeat",
    "invalid nested repetition operator": "a repeat of a repeat",
    "no argument for repetition operator": "a repeat with nothing to repeat",
    "missing argument to repetition operator": "a repeat with nothing to repeat",
    "invalid repetition size": "a repeat count above 1000 or out of order",
    "invalid repeat count": "a repeat count above 1000 or out of order",
    "trailing \\": "a \\ at the end",
    "trailing backslash at end of expression": "a \\ at the end",
    "invalid character class range": "an invalid character range or class",
    "invalid character class": "an invalid character range or class",
    "invalid named capture group": "an invalid group name",
    "invalid named capture": "an invalid group name",
    "duplicate capture group name": "a group name used twice",
    "pattern too large - compile failed": "the pattern makes too large a program "
                                          "(fewer or smaller repeats)",
}
LOOKAROUND = ("(?=", "(?!", "(?<=", "(?<!")
BACKREFERENCE_ESCAPES = tuple(f"\\{c}" for c in "123456789k")

# `\\C` (one byte, even inside a character) after an even number of backslashes, and
# the name of a named group.
_ANY_BYTE = re.compile(r"(?<!\\)(?:\\\\)*\\C")
_GROUP_NAME = re.compile(r"\(\?P?<(\w+)>")

_OPTIONS = re2.Options()
_OPTIONS.log_errors = False  # a refused pattern is the designer's to fix, not a server error


def refusal(pattern: str, error: str) -> str:
    """Our message for RE2's `error` about `pattern` (kept equal to formula.js's)."""
    what, _, fragment = error.partition(": ")
    if fragment.startswith(LOOKAROUND):
        return "lookahead and lookbehind ((?=, (?!, (?<=, (?<!) are not allowed"
    if fragment.startswith(BACKREFERENCE_ESCAPES) or (
            fragment.startswith("(?P") and "(?P=" in pattern):
        return "backreferences (\\1, (?P=name)) are not allowed"
    reason = REFUSALS.get(what, what)
    return f"the pattern is not valid: {reason}"


@lru_cache(maxsize=256)
def compile_pattern(pattern: str) -> Any:  # google-re2 names no public pattern type
    """The compiled pattern, or UnsafePattern saying in plain words what is wrong."""
    if len(pattern) > limits.MAX_REGEX_PATTERN:
        raise UnsafePattern(
            f"the pattern is longer than {limits.MAX_REGEX_PATTERN} characters"
        )
    try:
        compiled = re2.compile(pattern, _OPTIONS)
    except re2.error as exc:
        message = exc.args[0] if exc.args else ""
        if isinstance(message, bytes):
            message = message.decode("utf-8", "replace")
        raise UnsafePattern(refusal(pattern, str(message))) from None
    # Two things the C++ RE2 accepts and re2js refuses; refused here too, so that a
    # pattern works in the browser exactly when it works on the server.
    if _ANY_BYTE.search(pattern):
        raise UnsafePattern(refusal(pattern, "invalid escape sequence: \\C"))
    names = _GROUP_NAME.findall(pattern)
    if len(names) != len(set(names)):
        raise UnsafePattern(refusal(pattern, "duplicate capture group name"))
    return compiled


def _compiled(name: str, text: str, pattern: str) -> Any:
    if len(text) > limits.MAX_REGEX_INPUT:
        raise Fault(f"{name} works on texts of at most {limits.MAX_REGEX_INPUT} characters")
    try:
        return compile_pattern(pattern)
    except UnsafePattern as exc:
        raise Fault(f"{name}: {exc}") from None


def regex_match(text: str, pattern: str) -> bool:
    return _compiled("REGEXMATCH", text, pattern).search(text) is not None


def regex_extract(text: str, pattern: str) -> str:
    """The first match, or its first group when the pattern has groups (as Google Sheets)."""
    compiled = _compiled("REGEXEXTRACT", text, pattern)
    found = compiled.search(text)
    if found is None:
        raise Fault(f'REGEXEXTRACT: the pattern "{pattern}" does not match the text', code=NA)
    return found.group(1 if compiled.groups else 0) or ""


_GROUP_REFERENCE = re.compile(r"\$([0-9])")


def _expand(found: Any, replacement: str) -> str:
    return _GROUP_REFERENCE.sub(lambda ref: found.group(int(ref.group(1))) or "", replacement)


def regex_replace(text: str, pattern: str, replacement: str) -> str:
    """Every match replaced; $1 to $9 in the replacement are the match's groups, $0 all of it.

    After an empty match the next search starts one character on, so `x*` puts the
    replacement between every two characters rather than looping."""
    compiled = _compiled("REGEXREPLACE", text, pattern)
    for number in _GROUP_REFERENCE.findall(replacement):
        if int(number) > compiled.groups:
            raise Fault(f"REGEXREPLACE: the pattern has no group ${number}")
    out: list[str] = []
    size = 0
    last = at = 0
    while at <= len(text):
        found = compiled.search(text, at)
        if found is None:
            break
        piece = text[last:found.start()] + _expand(found, replacement)
        size += len(piece)
        if size > limits.MAX_TEXT_LENGTH:
            raise Fault(f"REGEXREPLACE: the text would be longer than "
                        f"{limits.MAX_TEXT_LENGTH} characters")
        out.append(piece)
        last = found.end()
        at = last + 1 if found.end() == found.start() else last
    out.append(text[last:])
    return V.check_text("".join(out))

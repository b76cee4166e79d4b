"""Excel's text functions that search and rebuild text: SUBSTITUTE, REPLACE, FIND,
SEARCH, TEXTJOIN, VALUE, PROPER, REPT.

Positions and lengths count characters (code points), as LEN and MID do, so a
Chinese character is one. Every result is bounded by the longest text a formula
may make, and the functions that could make a longer one (SUBSTITUTE, TEXTJOIN,
REPT) work its length out before building it. static/formula.js follows this
module line by line.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from . import limits
from . import values as V
from .errors import NA, NOT_A_NUMBER, Fault

# Excel refuses a text to find of more than 255 characters; the bound also keeps a
# search with `?` wildcards cheap.
MAX_FIND_TEXT = 255


def _room(length: int, name: str) -> None:
    if length > limits.MAX_TEXT_LENGTH:
        raise Fault(f"{name}: the text would be longer than {limits.MAX_TEXT_LENGTH} characters")


def substitute(text: str, old: str, new: str, instance: Any = None) -> str:
    if instance is not None:
        n = V.whole(instance, "SUBSTITUTE: the instance")
        if n < 1:
            raise Fault("SUBSTITUTE: the instance must be 1 or more")
    if not old:
        return text
    if instance is None:
        _room(len(text) + text.count(old) * (len(new) - len(old)), "SUBSTITUTE")
        return text.replace(old, new)
    at = -len(old)
    for _ in range(n):
        at = text.find(old, at + len(old))
        if at < 0:
            return text
    return V.check_text(text[:at] + new + text[at + len(old):])


def replace(text: str, start: Any, count: Any, new: str) -> str:
    first = V.whole(start, "REPLACE: the start")
    if first < 1:
        raise Fault("REPLACE: the start must be 1 or more")
    n = V.whole(count, "REPLACE: the number of characters")
    if n < 0:
        raise Fault("REPLACE: the number of characters cannot be negative")
    return V.check_text(text[: first - 1] + new + text[first - 1 + n :])


def _start(name: str, within: str, start: Any) -> int:
    first = V.whole(start, f"{name}: the start")
    if first < 1 or first > len(within):
        raise Fault(f"{name}: the start must be between 1 and the length of the text")
    return first - 1


def _find_text(name: str, part: str) -> None:
    if len(part) > MAX_FIND_TEXT:
        raise Fault(f"{name}: the text to find may have at most {MAX_FIND_TEXT} characters")


def _not_found(name: str, part: str) -> Fault:
    return Fault(f'{name}: "{part}" is not in the text')


def find(part: str, within: str, start: Any = 1) -> int:
    """Case-sensitive, no wildcards."""
    _find_text("FIND", part)
    at = within.find(part, _start("FIND", within, start))
    if at < 0:
        raise _not_found("FIND", part)
    return at + 1


def _fold(text: str) -> str:
    """Each character in small letters when that keeps it one character, so positions hold."""
    out = []
    for ch in text:
        folded = ch.upper().lower()
        out.append(folded if len(folded) == 1 else ch)
    return "".join(out)


_ANY = None  # a `?` in a SEARCH pattern


def _segments(pattern: str) -> list[list[str | None]]:
    """The pattern split at each `*`; `?` is _ANY, `~` makes the next ?, * or ~ literal."""
    segments: list[list[str | None]] = [[]]
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "~" and i + 1 < len(pattern) and pattern[i + 1] in "?*~":
            segments[-1].append(_fold(pattern[i + 1]))
            i += 2
            continue
        if ch == "*":
            segments.append([])
        else:
            segments[-1].append(_ANY if ch == "?" else _fold(ch))
        i += 1
    return segments


def _find_segment(text: str, segment: list[str | None], start: int) -> int:
    if _ANY not in segment:
        return text.find("".join(segment), start)  # type: ignore[arg-type]
    body = "".join("." if ch is _ANY else re.escape(ch) for ch in segment)  # type: ignore[arg-type]
    found = re.compile(body, re.S).search(text, start)
    return found.start() if found else -1


def search(part: str, within: str, start: Any = 1) -> int:
    """Ignoring case, with `?` for one character, `*` for any run, `~` to escape them."""
    _find_text("SEARCH", part)
    first = _start("SEARCH", within, start)
    text = _fold(within)
    head, *rest = _segments(part)
    at = _find_segment(text, head, first)
    if at < 0:
        raise _not_found("SEARCH", part)
    # A later start of the first piece leaves less room for the rest, so the leftmost
    # start is the match if any is.
    position = at + len(head)
    for segment in rest:
        found = _find_segment(text, segment, position)
        if found < 0:
            raise _not_found("SEARCH", part)
        position = found + len(segment)
    return at + 1


def textjoin(delimiter: str | None, ignore_empty: Any, *values: Any) -> str:
    parts: list[str] = []
    _join_parts(values, ignore_empty is True, parts)
    sep = delimiter or ""
    _room(sum(map(len, parts)) + len(sep) * max(len(parts) - 1, 0), "TEXTJOIN")
    return sep.join(parts)


def _join_parts(values: Any, skip_empty: bool, parts: list[str]) -> None:
    for value in values:
        if isinstance(value, list | tuple):
            _join_parts(value, skip_empty, parts)
            continue
        text = V.to_text(value)
        if text or not skip_empty:
            parts.append(text)


# Matched on the text with its outer blanks stripped. Each run of blanks inside follows
# a sign, a currency symbol or the digits it belongs to, so no two runs can trade
# blanks with each other: a long run that ends in something else is refused in time
# linear in its length, where adjacent optional runs took cubic time.
_BLANKS = " \t\r\n"
_NUMBER_TEXT = re.compile(
    r"(?:([+-])[ \t\r\n]*)?(?:[$¥￥€£][ \t\r\n]*)?"
    r"((?:[0-9][0-9,]*(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)(?:[ \t\r\n]*(%))?")


def value(text: str) -> Decimal:
    """Text as a number: a sign, a currency symbol, thousands commas and a % are understood."""
    match = _NUMBER_TEXT.fullmatch(text.strip(_BLANKS))
    if not match:
        raise Fault(f'VALUE: "{text}" is not a number', kind=NOT_A_NUMBER, text=text)
    sign, digits, percent = match.group(1) or "", match.group(2), match.group(3)
    try:
        number = Decimal(sign + digits.replace(",", ""))
    except InvalidOperation:
        raise Fault(f'VALUE: "{text}" is not a number', kind=NOT_A_NUMBER,
                    text=text) from None
    if number and abs(number.adjusted()) > limits.MAX_EXPONENT:
        raise Fault(f'VALUE: "{text}" is not a number', kind=NOT_A_NUMBER, text=text)
    if not number:
        return Decimal(0)
    result = V.div(number, 100) if percent else number
    return V.normal(V.CTX.plus(result))


def proper(text: str) -> str:
    """A capital for each letter after a character that is not a letter, small letters else."""
    out = []
    after_letter = False
    for ch in text:
        if ch.isalpha():
            out.append(ch.lower() if after_letter else ch.upper())
            after_letter = True
        else:
            out.append(ch)
            after_letter = False
    return V.check_text("".join(out))


def rept(text: str, times: Any) -> str:
    n = V.whole(times, "REPT: the number of times")
    if n < 0:
        raise Fault("REPT: the number of times cannot be negative")
    if not text:
        return ""
    _room(len(text) * n, "REPT")
    return text * n


# Characters that take two columns (two bytes in Excel's double-byte code pages): CJK
# ideographs and syllables, kana, Hangul, full-width forms. formula.js has the same table.
WIDE_RANGES = (
    (0x1100, 0x115F), (0x2E80, 0x303E), (0x3041, 0x33FF), (0x3400, 0x4DBF),
    (0x4E00, 0x9FFF), (0xA000, 0xA4CF), (0xAC00, 0xD7A3), (0xF900, 0xFAFF),
    (0xFE30, 0xFE4F), (0xFF00, 0xFF60), (0xFFE0, 0xFFE6), (0x20000, 0x2FFFD),
    (0x30000, 0x3FFFD),
)


def width(ch: str) -> int:
    code = ord(ch)
    return 2 if any(low <= code <= high for low, high in WIDE_RANGES) else 1


def lenb(text: str) -> int:
    return sum(width(ch) for ch in text)


def leftb(text: str, count: Any = 1) -> str:
    """The first characters that fit in `count` columns; a wide one never half shown."""
    room = V.whole(count, "LEFTB: the number of bytes")
    if room < 0:
        raise Fault("LEFTB: the number of bytes cannot be negative")
    used = 0
    for i, ch in enumerate(text):
        used += width(ch)
        if used > room:
            return text[:i]
    return text


def exact(a: str, b: str) -> bool:
    return a == b


def split(text: str, delimiter: str, each: Any = True, remove_empty: Any = True) -> list[str]:
    """Google Sheets' SPLIT: at each character of the delimiter (or at the whole
    delimiter when `each` is FALSE), leaving out empty pieces unless told not to."""
    if not delimiter:
        raise Fault("SPLIT: the delimiter cannot be empty")
    if each is not False:
        pieces = re.split("|".join(re.escape(ch) for ch in delimiter), text)
    else:
        pieces = text.split(delimiter)
    if remove_empty is not False:
        pieces = [p for p in pieces if p]
    if len(pieces) > limits.MAX_LIST_SIZE:
        raise Fault(f"SPLIT: the text gives more than {limits.MAX_LIST_SIZE} pieces")
    return pieces


def unichar(code: Any) -> str:
    n = V.whole(code, "UNICHAR: the number")
    if not 1 <= n <= 0x10FFFF:
        raise Fault("UNICHAR: the number must be between 1 and 1114111")
    if 0xD800 <= n <= 0xDFFF:
        raise Fault("UNICHAR: the number is a surrogate, not a character", code=NA)
    return chr(n)


def unicode(text: str) -> int:
    if not text:
        raise Fault("UNICODE: the text is empty")
    return ord(text[0])

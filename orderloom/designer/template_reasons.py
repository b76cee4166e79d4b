"""Why a designer's Jinja template does not compile, as a kind and its values, so that a
page says it in its reader's language; Jinja's own message is English only."""
from __future__ import annotations

import re

# Jinja's messages for the mistakes a designer makes most, each with the values a
# page needs to say it; the first that matches wins.
_REASONS = (
    ("unclosed_block", re.compile(
        r"Unexpected end of template\. Jinja was looking for the following tags: (?P<tags>.*?)"
        r"\. The innermost block that needs to be closed is (?P<block>'\w+')")),
    ("wrong_end", re.compile(
        r"Encountered unknown tag (?P<tag>'\w+')\. Jinja was looking for the following tags: "
        r"(?P<tags>.*?)\. The innermost block that needs to be closed is (?P<block>'\w+')")),
    ("unknown_tag", re.compile(r"Encountered unknown tag (?P<tag>'\w+')")),
    ("ends_early", re.compile(r"unexpected end of template, expected (?P<wanted>.+?)\.?$")),
    ("unexpected_char", re.compile(r"unexpected char (?P<character>.+) at \d+$")),
    ("expected_token", re.compile(r"expected token (?P<wanted>.+), got (?P<got>.+)$")),
)


def template_reason(message: str) -> dict[str, str]:
    """``reason`` (a kind) and its values for Jinja's ``message``; empty when it is not
    one of the kinds, and the message is then said as Jinja wrote it."""
    for kind, pattern in _REASONS:
        found = pattern.search(message)
        if found:
            values = found.groupdict()
            if "tags" in values:  # a list, not English words: 'endfor', 'else'
                values["tags"] = ", ".join(re.findall(r"'\w+'", values["tags"]))
            return {"reason": kind, **values}
    return {}


# What goes wrong while a template renders, by Python's or Jinja's message; the first
# that matches wins. The names are quoted as the error quotes them.
_RENDER_REASONS = (
    ("undefined", re.compile(r"^(?P<name>'[^']*') is undefined$")),
    ("no_attribute", re.compile(r"^'[^']*' has no attribute (?P<name>'[^']*')$")),
    ("division_by_zero", re.compile(r"division by zero|DivisionByZero|modulo by zero")),
    ("cannot_combine", re.compile(
        r"unsupported operand type\(s\) for (?P<op>\S+): (?P<left>'\w+') and (?P<right>'\w+')")),
    ("cannot_combine", re.compile(
        r'can only concatenate (?P<left>\w+) \(not "(?P<right>\w+)"\) to \w+')),
    ("cannot_compare", re.compile(
        r"(?P<op>'\S+') not supported between instances of (?P<left>'\w+') and "
        r"(?P<right>'\w+')")),
    ("not_a_number", re.compile(r"could not convert string to float: (?P<text>.*)$|"
                                r"invalid literal for int\(\) with base \d+: (?P<word>.*)$")),
)


def render_reason(error: BaseException) -> dict[str, str]:
    """``reason`` (a kind) and its values for an error a template raised while it
    rendered; a wrong type that is none of the kinds is ``wrong_type``, and any other
    error gives nothing: the message is then said as it was written."""
    message = str(error)
    for kind, pattern in _RENDER_REASONS:
        found = pattern.search(message)
        if found:
            values = {k: v for k, v in found.groupdict().items() if v is not None}
            if "word" in values:
                values["text"] = values.pop("word")
            return {"reason": kind, **values}
    if isinstance(error, TypeError):
        return {"reason": "wrong_type"}
    return {}

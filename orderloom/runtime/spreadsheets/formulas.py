"""Text that a spreadsheet program would run as a formula, kept as text.

Excel, LibreOffice and Numbers run a cell whose text starts with ``=``, ``+``,
``-`` or ``@`` (and, in CSV, after a tab or carriage return) as a formula, so a
SKU, a name or a note typed by an outsider could compute, or reach out, when
staff open an export. Every export writes such text with a leading apostrophe,
which these programs show as plain text; every import takes that apostrophe off
again, so an exported file can be edited and imported back unchanged. Imports
also take off the ``="..."``, tab and apostrophe wrappers of marketplace exports.
"""
from __future__ import annotations

import re
from typing import Any

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

# Marketplace exports (Tmall, JD) keep Excel from turning a 19-digit order number or a
# phone number into a rounded number by writing it as ="2938...", or after a tab or an
# apostrophe. Reading takes the wrapper off; an apostrophe only before a figure, so
# that text of one's own that begins with one keeps it.
_EXCEL_TEXT = re.compile(r'="(.*)"', re.DOTALL)
_FIGURES = re.compile(r"[0-9][0-9*+\-#. ]*")


def as_text(value: Any) -> Any:
    """``value`` to write into a cell: text that would start a formula gets the
    apostrophe; anything else is returned as it is."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def as_read(value: Any) -> Any:
    """A cell read from a file: the apostrophe ``as_text`` added is taken off, and so
    are the wrappers marketplace exports put around numbers kept as text."""
    if not isinstance(value, str):
        return value
    wrapped = _EXCEL_TEXT.fullmatch(value.strip())
    if wrapped:
        return wrapped.group(1).replace('""', '"')
    if value[:1] == "'" and (value[1:2] in FORMULA_START or _FIGURES.fullmatch(value[1:])):
        return value[1:]
    if value[:1] == "\t" and value[1:2] not in ("", "\t", "\r", "\n"):
        return value[1:]
    return value

"""Text that a spreadsheet program would run as a formula, kept as text.

Excel, LibreOffice and Numbers run a cell whose text starts with ``=``, ``+``,
``-`` or ``@`` (and, in CSV, after a tab or carriage return) as a formula, so a
SKU, a name or a note typed by an outsider could compute, or reach out, when
staff open an export. Every export writes such text with a leading apostrophe,
which these programs show as plain text; every import takes that apostrophe off
again, so an exported file can be edited and imported back unchanged.
"""
from __future__ import annotations

from typing import Any

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def as_text(value: Any) -> Any:
    """``value`` to write into a cell: text that would start a formula gets the
    apostrophe; anything else is returned as it is."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def as_read(value: Any) -> Any:
    """A cell read from a file: the apostrophe ``as_text`` added is taken off."""
    if isinstance(value, str) and value[:1] == "'" and value[1:2] in FORMULA_START:
        return value[1:]
    return value

"""Numeric ids in URLs: ``<int:...>`` accepts only what a database id can be.

Flask's own converter takes any number of digits; a 15-digit id then reaches the
database, which fails on it (PostgreSQL: out of range for integer; SQLite: too
large for INTEGER) and the caller would see a 500. Ids are 32-bit ``integer``
columns, so here an id is at most 2147483647; a larger one does not match the
route at all, and the answer is 404. The limit is in the pattern rather than a
``max``: a value refused after matching makes Werkzeug answer 405 for routes that
share the path with other methods.
"""
from __future__ import annotations

from flask import Flask
from werkzeug.routing import IntegerConverter

LARGEST_ID = 2**31 - 1


def at_most(limit: int) -> str:
    """A regular expression for the decimal numbers 0..``limit``."""
    digits = str(limit)
    shorter = rf"\d{{1,{len(digits) - 1}}}" if len(digits) > 1 else None
    branches = [shorter] if shorter else []
    for place, digit in enumerate(digits):
        # Same leading digits as the limit, then a smaller digit here, then any.
        low = 1 if place == 0 and len(digits) > 1 else 0
        if int(digit) > low:
            tail = rf"\d{{{len(digits) - place - 1}}}" if place < len(digits) - 1 else ""
            branches.append(f"{digits[:place]}[{low}-{int(digit) - 1}]{tail}")
    branches.append(digits)
    return "(?:" + "|".join(branches) + ")"


class DatabaseIdConverter(IntegerConverter):
    regex = at_most(LARGEST_ID)


def install(app: Flask) -> None:
    """Before any blueprint is registered: rules take their converter when added."""
    app.url_map.converters["int"] = DatabaseIdConverter

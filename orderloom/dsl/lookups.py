"""XLOOKUP: a value looked up in one list, the entry at the same place of another.

The lists are usually two columns of a look-up table the designer defines
(`XLOOKUP(ship_to.province, freight.province, freight.rate)`), but any two lists
of the same length will do, such as two columns of the line items. Only exact
matches are found, as Excel's XLOOKUP does by default; text is matched ignoring
upper and lower case, as `=` does. static/formula.js follows this module.
"""

from __future__ import annotations

from typing import Any

from . import values as V
from .errors import NA, NOT_FOUND, VALUE, Fault

# Marks an if_not_found that was left out: NULL given on purpose is a result.
MISSING = object()


def xlookup(value: Any, keys: list, results: list, if_not_found: Any = MISSING) -> Any:
    if len(keys) != len(results):
        raise Fault(f"XLOOKUP: the look-up list has {len(keys)} entries and the result list "
                    f"{len(results)}; they must be as long as each other", code=VALUE)
    if value is not None:
        key = V.comparable(value)
        for index, candidate in enumerate(keys):
            if candidate is not None and V.comparable(candidate) == key:
                return results[index]
    if if_not_found is not MISSING:
        return if_not_found
    if value is None:
        raise Fault("XLOOKUP: a blank value is never found", code=NA)
    raise Fault(f'XLOOKUP: "{V.to_text(value)}" is not in the look-up list', code=NA,
                kind=NOT_FOUND, function="XLOOKUP", value=V.to_text(value))

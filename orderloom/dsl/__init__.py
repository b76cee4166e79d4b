"""Orderloom's formula language: spreadsheet-like conditions and formulas.

    schema(fields)                            -> RecordType (raises FormulaError)
    check(source, fields, expected=None)      -> list of FormulaProblem
    compile(source, fields, expected=None)    -> Formula (raises FormulaError)
    evaluate(source, data, fields=None, ...)  -> value, or a FormulaFault
    to_ast_json(source, fields, expected=None) -> the checked formula as JSON for the
                                                 browser (static/formula.js)
    lookup_table(columns, rows)               -> a look-up table, to give in `fields`
    value_problem(type, value)                -> why a stored value cannot be read as
                                                 that type, or None

`fields` is the form's mapping of field key to type, or the RecordType that
`schema(fields)` made of it once: a caller checking many formulas against
the same form converts it once instead of on every call.

A compiled `Formula` is called with the order data (`formula(data)` or
`formula(data, now=...)`, and the instance's business calendar as
`calendar=`, a `workdays.Calendar`). It never raises: a runtime fault such as a
division by zero is returned as a `FormulaFault` value naming the formula,
the line and the column.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any, Protocol, cast

from . import limits
from .ast_json import to_ast_json
from .checker import check_tree
from .compiler import Compiler, converter
from .errors import Fault, FormulaError, FormulaFault, FormulaProblem, FormulaRuntimeError
from .functions import FUNCTIONS
from .parser import parse
from .types import (
    BOOLEAN,
    DATE,
    DATETIME,
    INTEGER,
    MONEY,
    NULL,
    NUMBER,
    TEXT,
    TYPE_NAMES,
    ListType,
    LookupTable,
    RecordType,
    Type,
    freeze_fields,
    lookup_table,
    parse_type,
    schema_from_data,
    schema_from_fields,
)
from .values import display, to_text

__all__ = [
    "BOOLEAN",
    "DATE",
    "DATETIME",
    "FUNCTIONS",
    "INTEGER",
    "MONEY",
    "NULL",
    "NUMBER",
    "TEXT",
    "TYPE_NAMES",
    "Formula",
    "FormulaError",
    "FormulaFault",
    "FormulaProblem",
    "FormulaRuntimeError",
    "ListType",
    "LookupTable",
    "RecordType",
    "Type",
    "check",
    "compile",
    "display",
    "evaluate",
    "limits",
    "lookup_table",
    "schema",
    "to_ast_json",
    "to_text",
    "value_problem",
]


class Formula(Protocol):
    """A checked, compiled formula: call it with the order data.

    It is the generated Python function itself (no wrapper object, because a
    method call would cost more than evaluating a typical rule), carrying
    the formula's `source` and the `result_type` it produces.
    """

    source: str
    result_type: Type

    def __call__(self, data: Mapping[str, Any], now: Any = None) -> Any: ...


_Fields = Mapping[str, Any] | RecordType | None


def schema(fields: Mapping[str, Any] | RecordType | None) -> RecordType:
    """The record type of an order with these `fields`, to pass as `fields` again.

    Raises FormulaError when a field's type is not one formulas know; its
    one problem names the field, e.g. "fields.customer.tier: unknown type
    'txt'; use one of ...". A RecordType is returned as it is.
    """
    return _schema(fields, "")


def _schema(fields: _Fields, source: str) -> RecordType:
    if isinstance(fields, RecordType):
        return fields
    try:
        return schema_from_fields(fields or {})
    except ValueError as exc:
        raise FormulaError([FormulaProblem(1, 1, str(exc), source, "setup",
                                           {"why": str(exc)})], source) from None


def _expected(expected: str | Type | None, source: str) -> Type | None:
    if expected is None:
        return None
    try:
        return parse_type(expected, "expected")
    except ValueError as exc:
        raise FormulaError([FormulaProblem(1, 1, str(exc), source, "setup",
                                           {"why": str(exc)})], source) from None


def check(
    source: str, fields: _Fields, expected: str | Type | None = None
) -> list[FormulaProblem]:
    """Every problem of `source` against the form's `fields`; empty when it is fine.

    `expected` is the type the formula's result must fit (the type of the
    computed field, or "boolean" for a condition).
    """
    try:
        tree = parse(source)
        schema = _schema(fields, source)
        want = _expected(expected, source)
    except FormulaError as exc:
        return exc.errors
    return check_tree(tree, source, schema, want).problems


def _build(
    source: str, schema: RecordType, expected: Type | None, money_places: int
) -> Formula:
    tree = parse(source)
    checked = check_tree(tree, source, schema, expected)
    if checked.problems:
        raise FormulaError(checked.problems, source)
    result = checked.result
    money = result == MONEY or expected == MONEY
    run: Any = Compiler(checked, source).function(money_places if money else None)
    run.source = source
    run.result_type = MONEY if money else result
    return cast(Formula, run)


@lru_cache(maxsize=limits.COMPILE_CACHE_SIZE)
def _cached(
    source: str, frozen: Any, expected: str | Type | None, money_places: int
) -> Formula:
    fields = frozen if isinstance(frozen, RecordType) else _thaw(frozen)
    return _build(source, _schema(fields, source), _expected(expected, source), money_places)


def _thaw(frozen: Any) -> Any:
    if isinstance(frozen, tuple) and len(frozen) == 2 and frozen[0] == "record":
        return {k: _thaw(v) for k, v in frozen[1]}
    if isinstance(frozen, tuple) and len(frozen) == 2 and frozen[0] == "list":
        return [_thaw(v) for v in frozen[1]]
    return frozen


def compile(  # noqa: A001 - the public name the designer and runtime use
    source: str,
    fields: _Fields,
    expected: str | Type | None = None,
    *,
    money_places: int = 2,
    cache: bool = True,
) -> Formula:
    """The callable formula; raises FormulaError with every problem found.

    Compiled formulas are cached by source, fields, expected type and money
    places; `cache=False` builds a fresh one.
    """
    if not cache:
        return _build(
            source, _schema(fields, source), _expected(expected, source), money_places
        )
    if isinstance(fields, RecordType):
        # Its hash is computed once and kept: a cheap key for a 300-field form.
        return _cached(source, fields, expected, money_places)
    try:
        frozen = freeze_fields(fields or {})
        hash(frozen)
    except TypeError:
        return _build(
            source, _schema(fields, source), _expected(expected, source), money_places
        )
    return _cached(source, frozen, expected, money_places)


def evaluate(
    source: str,
    data: Mapping[str, Any],
    fields: _Fields = None,
    *,
    expected: str | Type | None = None,
    now: Any = None,
    calendar: Any = None,
    money_places: int = 2,
) -> Any:
    """Check, compile and run `source` on `data` once.

    With `fields=None` the field types are taken from `data`; `fields` may
    also be a RecordType made by `schema`. Raises
    FormulaError when the formula has problems; returns a FormulaFault value
    when it fails while running.
    """
    if fields is None:
        try:
            schema = schema_from_data(data if isinstance(data, Mapping) else {})
        except ValueError as exc:
            raise FormulaError([FormulaProblem(1, 1, str(exc), source, "setup",
                                           {"why": str(exc)})], source) from None
        formula = _build(source, schema, _expected(expected, source), money_places)
    else:
        formula = compile(source, fields, expected, money_places=money_places)
    return formula(data, now, calendar)


def value_problem(type_name: str | Type, value: Any) -> str | None:
    """Why `value` (as stored, e.g. a look-up table's cell) cannot be read as a value of
    `type_name`, in the words a formula's fault would use; None when it can."""
    try:
        converter(parse_type(type_name, "type"))(value, "the value")
    except Fault as exc:
        return str(exc)
    return None

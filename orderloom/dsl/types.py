"""The types of the formula language and the conversion of a form's `fields`.

`fields` maps each field key to a type name (see `TYPE_NAMES`), to a dict for
a record (e.g. the customer), or to a one-element list for a list: a list
holding a dict is the line items, a list holding a type name a list of
values.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

_SCALARS: dict[str, Type] = {}


@dataclass(frozen=True, eq=False)
class Type:
    """A scalar type: number, integer, money, text, boolean, date, datetime, null.

    There is one object per name (`Type("money") is MONEY`), so comparing two
    types is an identity check, without a Python-level `__eq__` call: the
    checker and the compiler compare types at almost every node.
    """

    name: str

    def __new__(cls, name: str = "", *args: Any, **kwargs: Any) -> Type:
        if cls is not Type:
            return super().__new__(cls)
        found = _SCALARS.get(name)
        if found is None:
            found = _SCALARS.setdefault(name, super().__new__(cls))
        return found

    def __reduce__(self) -> tuple:
        return (Type, (self.name,))

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True)
class ListType(Type):
    element: Type = None  # type: ignore[assignment]

    def __reduce__(self) -> tuple:
        return (ListType, (self.name, self.element))

    def __str__(self) -> str:
        return f"list of {self.element}"


@dataclass(frozen=True)
class LookupTable(ListType):
    """A look-up table the designer defines: a list of records whose rows are part of
    the definition, not of the order. A formula reads it like line items
    (`rates.zone` is the list of every row's zone), but its rows are constants bound
    when the formula is compiled, so no caller has to put them into the order data.

    `rows` holds each row as (column, value) pairs of the values as stored (JSON):
    they are converted to the column's type when read, as order data is.
    """

    rows: tuple[tuple[tuple[str, Any], ...], ...] = ()

    def records(self) -> list[dict[str, Any]]:
        return [dict(row) for row in self.rows]

    def __reduce__(self) -> tuple:
        return (LookupTable, (self.name, self.element, self.rows))


@dataclass(frozen=True)
class RecordType(Type):
    """A record: the order itself, a customer, a line of the items.

    Immutable and hashable, so one schema built with `orderloom.dsl.schema`
    serves any number of checks and is a cheap compile-cache key: its hash
    and its field index are computed once, on first use.
    """

    fields: tuple[tuple[str, Type], ...] = ()

    def field(self, key: str) -> Type | None:
        index = self.__dict__.get("_index")
        if index is None:
            index = {}
            for name, typ in self.fields:
                index.setdefault(name, typ)
            object.__setattr__(self, "_index", index)
        return index.get(key)

    def keys(self) -> list[str]:
        return [name for name, _ in self.fields]

    def __hash__(self) -> int:
        cached = self.__dict__.get("_hash")
        if cached is None:
            cached = hash((self.name, self.fields))
            object.__setattr__(self, "_hash", cached)
        return cached

    def __reduce__(self) -> tuple:
        # The cached hash and index stay behind: string hashes differ between processes.
        return (type(self), (self.name, self.fields))

    def __str__(self) -> str:
        return "record"


NUMBER = Type("number")
INTEGER = Type("integer")
MONEY = Type("money")
TEXT = Type("text")
BOOLEAN = Type("boolean")
DATE = Type("date")
DATETIME = Type("datetime")
# NULL is the type of the NULL literal and of values whose type is unknown
# (a null in sample data); it fits every other type.
NULL = Type("null")

TYPE_NAMES: dict[str, Type] = {
    "number": NUMBER,
    "decimal": NUMBER,
    "integer": INTEGER,
    "int": INTEGER,
    "money": MONEY,
    "currency": MONEY,
    "text": TEXT,
    "string": TEXT,
    "boolean": BOOLEAN,
    "bool": BOOLEAN,
    "date": DATE,
    "datetime": DATETIME,
    "null": NULL,
}

NUMERIC = (INTEGER, NUMBER, MONEY)


def list_of(element: Type) -> ListType:
    return ListType("list", element)


def lookup_table(columns: Mapping[str, Any], rows: Any) -> LookupTable:
    """The table with these `columns` (column key -> type name) and `rows` (dicts of
    column key -> stored value; values of unknown columns are left out)."""
    element = record({key: parse_type(spec, f"column {key}") for key, spec in columns.items()})
    frozen = tuple(
        tuple((key, _stored(row.get(key))) for key in columns)
        for row in rows if isinstance(row, Mapping)
    )
    return LookupTable("list", element, frozen)


def _stored(value: Any) -> Any:
    # Only scalars can be a cell; anything else (a broken draft) reads as blank.
    return value if value is None or isinstance(value, str | int | float | Decimal) else None


def record(fields: Mapping[str, Type]) -> RecordType:
    return RecordType("record", tuple(fields.items()))


def is_numeric(t: Type) -> bool:
    return t in NUMERIC


def family(t: Type) -> str:
    """What a value is compared as: integer, number and money alike, date and datetime alike."""
    if is_numeric(t):
        return "number"
    if t in (DATE, DATETIME):
        return "date"
    return t.name


def fits(actual: Type, expected: Type) -> bool:
    """Whether a value of `actual` type may be stored where `expected` is wanted.

    integer widens to number and money (an amount of 5 is 5.00); number widens
    to money; date widens to datetime (midnight UTC). NULL fits everything.
    """
    if actual == NULL or expected == NULL or actual == expected:
        return True
    if expected == NUMBER:
        return actual == INTEGER
    if expected == MONEY:
        return actual in (INTEGER, NUMBER)
    if expected == DATETIME:
        return actual == DATE
    if isinstance(expected, ListType) and isinstance(actual, ListType):
        return fits(actual.element, expected.element)
    if isinstance(expected, RecordType) and isinstance(actual, RecordType):
        return all(
            (a := actual.field(k)) is not None and fits(a, t) for k, t in expected.fields
        )
    return False


def parse_type(spec: Any, where: str = "field") -> Type:
    """One entry of a `fields` mapping to a type; raises ValueError if unknown."""
    if isinstance(spec, Type):
        return spec
    if isinstance(spec, str):
        name = spec.strip().lower()
        if name in TYPE_NAMES:
            return TYPE_NAMES[name]
        for prefix, suffix in (("list[", "]"), ("list of ", "")):
            if name.startswith(prefix) and name.endswith(suffix):
                inner = name[len(prefix) : len(name) - len(suffix)]
                return list_of(parse_type(inner, where))
        raise ValueError(
            f"{where}: unknown type {spec!r}; use one of " + ", ".join(sorted(TYPE_NAMES))
        )
    if isinstance(spec, Mapping):
        return record({str(k): parse_type(v, f"{where}.{k}") for k, v in spec.items()})
    if isinstance(spec, list | tuple) and len(spec) == 1:
        return list_of(parse_type(spec[0], f"{where}[]"))
    raise ValueError(f"{where}: a type is a name, a dict (record) or a one-element list")


def schema_from_fields(fields: Mapping[str, Any]) -> RecordType:
    """The `fields` mapping of a form as the record type of an order."""
    result = parse_type(dict(fields), "fields")
    assert isinstance(result, RecordType)
    return result


def type_of_value(value: Any) -> Type:
    """The type a piece of sample data has, for `evaluate(..., fields=None)`."""
    if value is None:
        return NULL
    if isinstance(value, bool):
        return BOOLEAN
    if isinstance(value, int):
        return INTEGER
    if isinstance(value, Decimal | float):
        return NUMBER
    if isinstance(value, str):
        return TEXT
    if isinstance(value, _dt.datetime):
        return DATETIME
    if isinstance(value, _dt.date):
        return DATE
    if isinstance(value, Mapping):
        return record({str(k): type_of_value(v) for k, v in value.items()})
    if isinstance(value, list | tuple):
        return list_of(_common_type([type_of_value(v) for v in value]))
    raise ValueError(f"values of Python type {type(value).__name__} are not formula data")


def _common_type(types: list[Type]) -> Type:
    """The narrowest type all list elements fit; records merge their fields."""
    known = [t for t in types if t != NULL]
    if not known:
        return NULL
    if all(isinstance(t, RecordType) for t in known):
        merged: dict[str, list[Type]] = {}
        for t in known:
            assert isinstance(t, RecordType)
            for k, ft in t.fields:
                merged.setdefault(k, []).append(ft)
        return record({k: _common_type(v) for k, v in merged.items()})
    result = known[0]
    for t in known[1:]:
        if fits(t, result):
            continue
        if fits(result, t):
            result = t
        else:
            raise ValueError(f"a list mixes {result} and {t}")
    return result


def schema_from_data(data: Mapping[str, Any]) -> RecordType:
    result = type_of_value(dict(data))
    assert isinstance(result, RecordType)
    return result


def freeze_fields(fields: Mapping[str, Any] | None) -> Any:
    """A hashable copy of a `fields` mapping, for the compile cache key."""

    def freeze(spec: Any) -> Any:
        if isinstance(spec, Mapping):
            return ("record", tuple((str(k), freeze(v)) for k, v in spec.items()))
        if isinstance(spec, list | tuple):
            return ("list", tuple(freeze(v) for v in spec))
        return spec

    return None if fields is None else freeze(fields)

"""The order form's field types, and what each looks like to a formula."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from orderloom import dsl
from orderloom.dsl.catalogue import CUSTOMER_ATTRIBUTES
from orderloom.dsl.types import ListType, Type

# What a formula sees for each field type. Choices are their value (text);
# a customer or address is a record whose members formulas reach with a dot.
ADDRESS_RECORD = {"country": "text", "province": "text", "city": "text", "district": "text",
                  "street": "text", "postcode": "text"}
def _spec(kind: Type) -> Any:
    """A type as a field spec writes it: "money", ["text"]."""
    return [_spec(kind.element)] if isinstance(kind, ListType) else str(kind)


# A customer field holds the code the customer is found by and the attributes
# CUSTOMERINFO reads, typed as the formula library declares them (one table).
CUSTOMER_RECORD = {"code": "text",
                   **{name: _spec(kind) for name, kind in CUSTOMER_ATTRIBUTES.items()}}

FORMULA_TYPES: dict[str, Any] = {
    "text": "text",
    "long_text": "text",
    "number": "number",
    "integer": "integer",
    "money": "money",
    "boolean": "boolean",
    "date": "date",
    "datetime": "datetime",
    "choice": "text",
    "multi_choice": ["text"],
    "email": "text",
    "phone": "text",
    "address": ADDRESS_RECORD,
    "customer": CUSTOMER_RECORD,
    "product": "text",
    "attachment": "text",
}

# Names every order has besides its form fields, readable in every formula.
ORDER_ATTRIBUTES: dict[str, Any] = {
    "state": "text",
    "channel": "text",
    "tags": ["text"],
    "created_at": "datetime",
    "payment_status": "text",
}

# What a field may declare it holds (its ``meaning``), whatever the business named it,
# and the types a field of that meaning can have. Code that fills or reads such a
# field (a store's order arriving) finds it by its meaning, never by its key. The
# first group is for fields of the order, the second for columns of a line.
ORDER_MEANINGS: dict[str, tuple[str, ...]] = {
    "order_number": ("text",),  # the number the channel gave the order
    "ship_to": ("address",),  # where the parcel goes, when the form has several addresses
    "recipient_name": ("text",),
    "recipient_phone": ("phone", "text"),
    "shipping_fee": ("money",),
    "discount": ("money",),
    "tax": ("money",),
    "note": ("long_text", "text"),  # what the customer wrote with the order
}
LINE_MEANINGS: dict[str, tuple[str, ...]] = {
    "quantity": ("integer", "number"),
    "unit_price": ("money",),
    # the day a pre-sale line ships from (runtime/promotions/pre_sale.py); only ever
    # read where declared, never guessed from the one date column
    "release_on": ("date",),
}

# The types a look-up table's column may have (the definition schema lists the same).
LOOKUP_COLUMN_TYPES = frozenset({"text", "number", "integer", "money", "boolean", "date"})

COMPARABLE_TYPES = frozenset({"number", "integer", "money", "date", "datetime"})


def formula_type(field: dict[str, Any]) -> Any:
    """The formula type of one field (line items: a list of records of their columns)."""
    kind = field["type"]
    if kind == "computed":
        return field["result_type"]
    if kind == "line_items":
        return [{sub["key"]: formula_type(sub) for sub in field.get("fields", [])}]
    return FORMULA_TYPES[kind]


def order_fields(definition: dict[str, Any]) -> dict[str, Any]:
    """The ``fields`` mapping formulas of this order type are checked against: the
    order's own names, its form fields, and its look-up tables, whose rows come with
    them (a formula binds them when compiled, so no order data carries them)."""
    fields = dict(ORDER_ATTRIBUTES)
    for field in definition.get("form", {}).get("fields", []):
        fields[field["key"]] = formula_type(field)
    for table in definition.get("lookup_tables") or []:
        if isinstance(table, dict) and isinstance(table.get("key"), str):
            fields.setdefault(table["key"], lookup_table_type(table))
    return fields


def lookup_table_type(table: dict[str, Any]) -> dsl.LookupTable:
    """A look-up table of the definition as formulas see it. A draft being typed may
    hold a half-made column: it is left out, so the draft's formulas are still checked."""
    columns = {c["key"]: c["type"] for c in table.get("columns") or []
               if isinstance(c, dict) and isinstance(c.get("key"), str)
               and c.get("type") in LOOKUP_COLUMN_TYPES}
    rows = table.get("rows")
    return dsl.lookup_table(columns, rows if isinstance(rows, list) else [])


def line_fields(definition: dict[str, Any], line_items: dict[str, Any]) -> dict[str, Any]:
    """For a formula on one line: the line's columns, then the order's fields."""
    fields = order_fields(definition)
    for sub in line_items.get("fields", []):
        fields[sub["key"]] = formula_type(sub)
    return fields


def with_meaning(fields: list[dict[str, Any]], meaning: str) -> dict[str, Any] | None:
    """The field (or line column) of ``fields`` that declares ``meaning``, if any."""
    return next((f for f in fields if f.get("meaning") == meaning), None)


def line_column(columns: list[dict[str, Any]], meaning: str) -> dict[str, Any] | None:
    """The line column declaring ``meaning``, else the only entered column of a type
    that meaning can have (a form with one integer column counts its quantity there)."""
    declared = with_meaning(columns, meaning)
    if declared is not None:
        return declared
    for kind in LINE_MEANINGS[meaning]:
        of_type = [c for c in columns if c["type"] == kind]
        if of_type:
            return of_type[0] if len(of_type) == 1 else None
    return None


def walk_fields(definition: dict[str, Any]) -> Iterator[tuple[tuple, dict[str, Any], dict | None]]:
    """Every field with its path in the definition and the line-items field that holds
    it (None for a field of the order itself)."""
    for index, field in enumerate(definition.get("form", {}).get("fields", [])):
        yield ("form", "fields", index), field, None
        if field.get("type") == "line_items":
            for sub_index, sub in enumerate(field.get("fields", [])):
                yield ("form", "fields", index, "fields", sub_index), sub, field

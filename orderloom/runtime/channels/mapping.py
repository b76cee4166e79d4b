"""A channel's field mapping: where each order field comes from in a payload.

A mapping is data a business user edits, never code::

    {"external_id": "$.id",
     "fields": {"customer.name": "$.buyer.name",
                "payment_method": {"path": "$.gateway", "formula": "LOWER(value)"}},
     "lines": {"items": {"from": "$.line_items[*]",
                         "fields": {"sku": "$.sku", "qty": "$.quantity"}}}}

Paths are a small JSONPath subset (``$.a.b``, ``$.a[0]``, ``$['a b']``, ``$.a[*]``
in ``lines.from`` only), read by a hand-written parser: nothing is evaluated.
A formula is the order formula language, seeing the mapped value as ``value``,
then the members of the line being read (for a line column), then the
payload's own top-level members. ``address_part`` (``{"path": "$.收货地址",
"address_part": "city"}``) takes one part of a Chinese address written as one
string, before any formula.
"""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from orderloom import dsl
from orderloom.designer.form import ADDRESS_RECORD, CUSTOMER_RECORD
from orderloom.designer.problems import DefinitionProblem, pointer
from orderloom.dsl.china_address import PARTS as ADDRESS_PARTS
from orderloom.dsl.china_address import split_address
from orderloom.dsl.parser import parse as parse_formula
from orderloom.dsl.workdays import Calendar

MAX_PATH_LENGTH = 500
MAX_PATH_STEPS = 32
MAX_LINES = 5000

RECORD_MEMBERS = {"address": ADDRESS_RECORD, "customer": CUSTOMER_RECORD}
# What a source may give besides its path and formula: ``address_part`` takes one
# part of a Chinese address written as one string (dsl/china_address.py)
# before the formula sees it.
SOURCE_MEMBERS = ("path", "formula", "address_part")
# ``payment.<member>`` targets: the payment the payload reports, recorded on the new
# order (runtime/payments/received.py) rather than stored as a form field.
PAYMENT_MEMBERS = {"amount": "money", "method": "text", "reference": "text",
                   "currency": "text", "received_at": "datetime"}
_NAME = re.compile(r"[^.\[\]\s'\"$*]+")
_IDENTIFIER = re.compile(r"^[^\W\d]\w*$")
_TRUE = {"true", "yes", "y", "1", "是", "对"}
_FALSE = {"false", "no", "n", "0", "否", "错"}


class PathError(ValueError):
    """A path that is not in the supported subset; ``column`` is 1-based."""

    def __init__(self, message: str, column: int) -> None:
        super().__init__(message)
        self.message = message
        self.column = column


class MappingError(Exception):
    """A payload the mapping cannot turn into order data; every problem points into
    the mapping (``/mapping/...``) or the payload."""

    def __init__(self, problems: list[DefinitionProblem]) -> None:
        super().__init__("; ".join(str(p) for p in problems[:3]))
        self.problems = problems


@dataclass(frozen=True)
class Path:
    source: str
    steps: tuple[str | int | None, ...]  # a member name, an index, or None for [*]

    @property
    def has_wildcard(self) -> bool:
        return None in self.steps


def parse_path(source: Any) -> Path:
    if not isinstance(source, str):
        raise PathError("a path is text such as \"$.customer.name\"", 1)
    if len(source) > MAX_PATH_LENGTH:
        raise PathError(f"a path has at most {MAX_PATH_LENGTH} characters", 1)
    if not source.startswith("$"):
        raise PathError("a path starts with $, as in \"$.id\"", 1)
    steps: list[str | int | None] = []
    i = 1
    while i < len(source):
        char = source[i]
        if char == ".":
            match = _NAME.match(source, i + 1)
            if match is None:
                raise PathError("expected a member name after '.'", i + 2)
            steps.append(match.group())
            i = match.end()
        elif char == "[":
            end = source.find("]", i)
            if end < 0:
                raise PathError("'[' is never closed with ']'", i + 1)
            inside = source[i + 1:end]
            if inside == "*":
                steps.append(None)
            elif inside.isdigit():
                steps.append(int(inside))
            elif len(inside) >= 2 and inside[0] == inside[-1] and inside[0] in "'\"":
                steps.append(inside[1:-1])
            else:
                raise PathError("inside [ ] put a position (0), * or a quoted name ('a b')",
                                i + 2)
            i = end + 1
        else:
            raise PathError(f"unexpected {char!r}; use .name or [index]", i + 1)
        if len(steps) > MAX_PATH_STEPS:
            raise PathError(f"a path has at most {MAX_PATH_STEPS} steps", i)
    return Path(source, tuple(steps))


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()


def resolve(path: Path, document: Any) -> Any:
    """The value at ``path``; a list for a path with [*]; MISSING when absent."""
    found = [document]
    for step in path.steps:
        after = []
        for node in found:
            if step is None:
                if isinstance(node, list):
                    after.extend(node)
            elif isinstance(step, int):
                if isinstance(node, list) and step < len(node):
                    after.append(node[step])
            elif isinstance(node, dict) and step in node:
                after.append(node[step])
        found = after
    if path.has_wildcard:
        return found
    return found[0] if found else MISSING


# --- checking a mapping against an order form ------------------------------------------------

def check_mapping(mapping: Any, definition: dict[str, Any] | None) -> list[DefinitionProblem]:
    """Every problem of ``mapping``, pointers relative to it. With no ``definition``
    (the order type is unknown) only the shape, the paths and formula syntax are checked."""
    if not isinstance(mapping, dict):
        return [DefinitionProblem("", "a mapping is an object with fields, lines and "
                                      "external_id")]
    problems: list[DefinitionProblem] = []
    for key in mapping:
        if key not in ("fields", "lines", "external_id"):
            problems.append(DefinitionProblem(pointer(key), _unknown(
                key, ["fields", "lines", "external_id"], "is not part of a mapping")))
    form = {f["key"]: f for f in (definition or {}).get("form", {}).get("fields", [])}
    if "external_id" in mapping:
        problems += _path_problems(mapping["external_id"], "/external_id", single=True)
    fields = mapping.get("fields", {})
    if not isinstance(fields, dict):
        problems.append(DefinitionProblem("/fields", "must be an object of field: source"))
        fields = {}
    for target, source in fields.items():
        where = pointer("fields", target)
        if definition is not None:
            problems += _target_problems(target, form, where)
        problems += _source_problems(source, where)
    lines = mapping.get("lines", {})
    if not isinstance(lines, dict):
        problems.append(DefinitionProblem("/lines", "must be an object of line field: mapping"))
        lines = {}
    for key, spec in lines.items():
        problems += _lines_problems(key, spec, form, definition is not None)
    return problems


def _unknown(name: str, known: list[str], message: str) -> str:
    close = difflib.get_close_matches(name, known, n=1)
    return message + (f"; did you mean {close[0]!r}?" if close else "")


def _target_problems(target: str, form: dict[str, Any], where: str) -> list[DefinitionProblem]:
    key, _, member = target.partition(".")
    field = form.get(key)
    if key == "payment" and field is None:
        if member not in PAYMENT_MEMBERS:
            return [DefinitionProblem(where, _unknown(member, list(PAYMENT_MEMBERS),
                                                      f"{member!r} is not a member of payment"))]
        return []
    choices = [k for k, f in form.items() if f["type"] not in ("computed", "line_items")]
    if field is None:
        return [DefinitionProblem(where, _unknown(key, choices, f"{key!r} is not a field of "
                                                                "this order type"))]
    if field["type"] == "computed":
        return [DefinitionProblem(where, f"{key!r} is computed by the order type; it "
                                         "cannot be mapped")]
    if field["type"] == "line_items":
        return [DefinitionProblem(where, f"{key!r} holds lines; map it under \"lines\"")]
    if member:
        members = RECORD_MEMBERS.get(field["type"])
        if members is None:
            return [DefinitionProblem(where, f"{key!r} has no members; map {key!r} itself")]
        if member not in members:
            return [DefinitionProblem(where, _unknown(member, list(members),
                                                      f"{member!r} is not a member of {key}"))]
    return []


def _source_problems(source: Any, where: str) -> list[DefinitionProblem]:
    if isinstance(source, str):
        return _path_problems(source, where, single=True)
    if not isinstance(source, dict):
        return [DefinitionProblem(where, "give a path (\"$.a.b\") or {\"path\": ..., "
                                         "\"formula\": ...}")]
    problems = []
    for key in source:
        if key not in SOURCE_MEMBERS:
            problems.append(DefinitionProblem(f"{where}{pointer(key)}", _unknown(
                key, list(SOURCE_MEMBERS), "is not part of a source")))
    if "path" not in source and "formula" not in source:
        problems.append(DefinitionProblem(where, "give a path, a formula, or both"))
    if "address_part" in source and source["address_part"] not in ADDRESS_PARTS:
        part = source["address_part"]
        problems.append(DefinitionProblem(f"{where}/address_part", _unknown(
            str(part), list(ADDRESS_PARTS), f"{part!r} is not a part of an address; give "
                                            f"one of {', '.join(ADDRESS_PARTS)}")))
    if "path" in source:
        problems += _path_problems(source["path"], f"{where}/path", single=True)
    if "formula" in source:
        problems += _formula_problems(source["formula"], f"{where}/formula")
    return problems


def _path_problems(source: Any, where: str, *, single: bool) -> list[DefinitionProblem]:
    try:
        path = parse_path(source)
    except PathError as error:
        return [DefinitionProblem(where, error.message, 1, error.column)]
    if single and path.has_wildcard:
        return [DefinitionProblem(where, "[*] reads many values; it belongs in lines.from")]
    return []


def _formula_problems(source: Any, where: str) -> list[DefinitionProblem]:
    # Only the syntax can be checked when saving: the payload's types are known only
    # once a payload arrives (or a sample is tried).
    if not isinstance(source, str) or not source.strip():
        return [DefinitionProblem(where, "a formula is text, such as \"UPPER(value)\"")]
    try:
        parse_formula(source)
    except dsl.FormulaError as error:
        return [DefinitionProblem(where, p.message, p.line, p.column) for p in error.errors]
    return []


def _lines_problems(key: str, spec: Any, form: dict[str, Any],
                    known_form: bool) -> list[DefinitionProblem]:
    where = pointer("lines", key)
    problems: list[DefinitionProblem] = []
    field = form.get(key)
    if known_form and (field is None or field["type"] != "line_items"):
        choices = [k for k, f in form.items() if f["type"] == "line_items"]
        return [DefinitionProblem(where, _unknown(key, choices, f"{key!r} is not a line "
                                                                "items field"))]
    if not isinstance(spec, dict):
        return [DefinitionProblem(where, "give {\"from\": \"$.lines[*]\", \"fields\": {...}}")]
    for member in spec:
        if member not in ("from", "fields"):
            problems.append(DefinitionProblem(f"{where}{pointer(member)}", _unknown(
                member, ["from", "fields"], "is not part of a lines mapping")))
    if "from" not in spec:
        problems.append(DefinitionProblem(f"{where}/from", "is required"))
    else:
        problems += _path_problems(spec["from"], f"{where}/from", single=False)
    columns = {c["key"]: c for c in field["fields"]} if field else {}
    spec_fields = spec.get("fields", {})
    if not isinstance(spec_fields, dict):
        return problems + [DefinitionProblem(f"{where}/fields", "must be an object")]
    for column, source in spec_fields.items():
        at = f"{where}/fields{pointer(column)}"
        if known_form:
            found = columns.get(column)
            if found is None:
                choices = [k for k, c in columns.items() if c["type"] != "computed"]
                problems.append(DefinitionProblem(at, _unknown(
                    column, choices, f"{column!r} is not a column of {key}")))
                continue
            if found["type"] == "computed":
                problems.append(DefinitionProblem(at, f"{column!r} is computed by the order "
                                                      "type; it cannot be mapped"))
                continue
        problems += _source_problems(source, at)
    return problems


# --- applying a mapping ---------------------------------------------------------------------

@dataclass
class Mapped:
    data: dict[str, Any]
    external_id: str | None
    payment: dict[str, Any] | None = None  # the payment.* targets, when mapped


def apply_mapping(mapping: dict[str, Any], payload: Any,
                  definition: dict[str, Any], calendar: Calendar | None = None) -> Mapped:
    """The order data ``payload`` maps to. Raises MappingError (pointers prefixed
    ``/mapping``) when a path, a formula or a value cannot be used. ``calendar``: the
    instance's (business_calendar.formula_calendar), so that a mapping's formulas count
    business days, read the clock and look products up as the order's own do."""
    problems = [DefinitionProblem("/mapping" + p.pointer, p.message, p.line, p.column)
                for p in check_mapping(mapping, definition)]
    if problems:
        raise MappingError(problems)
    form = {f["key"]: f for f in definition["form"]["fields"]}
    scope = _scope(payload)
    data: dict[str, Any] = {}
    payment: dict[str, Any] = {}
    for target, source in mapping.get("fields", {}).items():
        key, _, member = target.partition(".")
        where = "/mapping" + pointer("fields", target)
        value = _read(source, payload, scope, where, problems, calendar)
        if value is MISSING or value is None:
            continue
        if key == "payment" and key not in form:
            payment[member] = _coerce(PAYMENT_MEMBERS[member], value)
        elif member:
            kind = RECORD_MEMBERS[form[key]["type"]][member]
            data.setdefault(key, {})[member] = _coerce(kind, value)
        else:
            data[key] = _coerce(form[key]["type"], value)
    for key, spec in mapping.get("lines", {}).items():
        where = "/mapping" + pointer("lines", key)
        found = resolve(parse_path(spec["from"]), payload)
        if found is MISSING:
            continue
        if not isinstance(found, list):
            found = [found]
        if len(found) > MAX_LINES:
            problems.append(DefinitionProblem(f"{where}/from", f"more than {MAX_LINES} lines"))
            continue
        columns = {c["key"]: c for c in form[key]["fields"]}
        lines = []
        for element in found:
            line_scope = {**scope, **_scope(element)}
            line: dict[str, Any] = {}
            for column, source in spec.get("fields", {}).items():
                value = _read(source, element, line_scope, f"{where}/fields{pointer(column)}",
                              problems, calendar)
                if value is not MISSING and value is not None:
                    line[column] = _coerce(columns[column]["type"], value)
            lines.append(line)
        data[key] = lines
    external_id = None
    if "external_id" in mapping:
        found = resolve(parse_path(mapping["external_id"]), payload)
        if found is MISSING or found is None or found == "":
            problems.append(DefinitionProblem(
                "/mapping/external_id", f"the payload has no order id at "
                                        f"{mapping['external_id']}"))
        elif isinstance(found, dict | list):
            problems.append(DefinitionProblem("/mapping/external_id",
                                              "the order id must be text or a number"))
        else:
            external_id = _as_text(found)[:200]
    if problems:
        raise MappingError(problems)
    return Mapped(data, external_id, payment or None)


def _scope(document: Any) -> dict[str, Any]:
    """The names a mapping formula sees from a payload: its members whose names are
    formula names, with values formulas can hold."""
    if not isinstance(document, dict):
        return {}
    return {k: v for k, v in document.items()
            if isinstance(k, str) and _IDENTIFIER.match(k) and _formula_value(v)}


def _formula_value(value: Any, depth: int = 0) -> bool:
    if depth > 8:
        return False
    if value is None or isinstance(value, bool | int | Decimal | float | str):
        return True
    if isinstance(value, list):
        return all(_formula_value(v, depth + 1) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _formula_value(v, depth + 1)
                   for k, v in value.items())
    return False


def _read(source: Any, document: Any, scope: dict[str, Any], where: str,
          problems: list[DefinitionProblem], calendar: Calendar | None) -> Any:
    path = source if isinstance(source, str) else source.get("path")
    value = resolve(parse_path(path), document) if path is not None else None
    if isinstance(source, dict) and "address_part" in source:
        value = _address_part(value, source["address_part"])
    formula = source.get("formula") if isinstance(source, dict) else None
    if formula is None:
        return value
    given = None if value is MISSING else value
    if isinstance(given, date | datetime):
        # An Excel date cell: formulas read it as the text a CSV cell would have been.
        given = given.isoformat()
    if not _formula_value(given):
        problems.append(DefinitionProblem(where, "a formula cannot read this value"))
        return MISSING
    try:
        result = dsl.evaluate(formula, {**scope, "value": given}, calendar=calendar)
    except dsl.FormulaError as error:
        problems.extend(DefinitionProblem(f"{where}/formula", p.message, p.line, p.column)
                        for p in error.errors)
        return MISSING
    if isinstance(result, dsl.FormulaFault):
        problems.append(DefinitionProblem(f"{where}/formula", result.message, result.line,
                                          result.column))
        return MISSING
    return result


def _address_part(value: Any, part: str) -> Any:
    """One part of an address written as one string (a marketplace's 收货地址); an
    empty part leaves the field empty."""
    if value is MISSING or value is None or isinstance(value, dict | list):
        return value
    found = split_address(_as_text(value)).part(part)
    return found or None


def _as_text(value: Any) -> str:
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value == value.to_integral() else str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _coerce(kind: Any, value: Any) -> Any:
    """Spreadsheet and web-shop values in the form's types: "2" for an integer field,
    12.5 for a text field, "yes" for a boolean. A value that does not fit is left as
    it is, for the order form to report."""
    if isinstance(value, date | datetime):
        return value.isoformat()
    if kind in ("integer", "number", "money"):
        number = _number(value)
        if number is None:
            return value
        if kind == "integer" and number == number.to_integral_value():
            return int(number)
        return number
    if kind in ("text", "long_text", "email", "phone", "product", "choice", "attachment"):
        if isinstance(value, bool):
            return value
        if isinstance(value, int | Decimal | float):
            return _as_text(value)
        return value.strip() if isinstance(value, str) else value
    if kind == "boolean" and isinstance(value, str):
        lowered = value.strip().lower()
        return True if lowered in _TRUE else False if lowered in _FALSE else value
    if kind in ("multi_choice", ["text"]) and isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


def _number(value: Any) -> Decimal | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | Decimal):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(str(value))
    if isinstance(value, str):
        try:
            number = Decimal(value.strip().replace(",", ""))
        except InvalidOperation:
            return None
        return number if number.is_finite() else None
    return None

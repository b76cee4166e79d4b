"""Reading a request body: JSON, which must fit its schema, or a file sent as
multipart form data.

Each schema violation becomes one entry with a JSON Pointer, all of them at once.
"""
from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from flask import request
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from orderloom.designer.schemas import schema_code
from orderloom.platform import query_args
from orderloom.platform.i18n import reads_english
from orderloom.platform.problem_words import problem_text, said_to_a_person
from orderloom.platform.problems import Problem, invalid

_validators: dict[int, Draft202012Validator] = {}


def _pointer(error: ValidationError) -> str:
    parts = list(error.absolute_path)
    if error.validator == "required":
        # Point at the missing member, not at the object that lacks it.
        missing = error.message.split("'")[1] if "'" in error.message else ""
        parts.append(missing)
    if error.validator == "additionalProperties" and "'" in error.message:
        parts.append(error.message.split("'")[1])
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


def _message(error: ValidationError) -> str:
    if error.validator == "required":
        return "is required"
    if error.validator == "additionalProperties":
        return "is not a known field here"
    if error.validator == "type":
        return f"must be of type {error.validator_value}"
    if error.validator == "enum":
        return "must be one of " + ", ".join(repr(v) for v in error.validator_value)
    return error.message


def _said(error: ValidationError) -> str:
    """The detail a page's reader gets, in their language, worded from the validator and
    its parameters; the API's clients keep the English they read and compare."""
    english = _message(error)
    if not said_to_a_person() or reads_english():
        return english
    if error.validator == "required":  # the pointer names the missing member
        return problem_text("value.required", english, {})
    if error.validator == "additionalProperties":
        return problem_text("schema.unknown_here", english, {})
    code, values = schema_code(error)
    return problem_text(code, english, values)


MAX_NESTING = 64
# Larger than any quantity, amount or id a business has, and small enough for every
# database column type and for Decimal arithmetic without surprises.
LARGEST_NUMBER = 10**18 - 1


def _refuse_constant(name: str) -> Any:
    # Python's json reads NaN and Infinity, which JSON does not have.
    raise ValueError(f"{name} is not a JSON number")


def _check_shape(data: Any) -> None:
    """Refuse what JSON allows but nothing here can use: nesting deeper than
    MAX_NESTING (handlers and validators recurse, and would fail with a 500), numbers
    beyond LARGEST_NUMBER (no column holds them), and text with NUL or lone
    surrogates (``"\\ud800"``), which PostgreSQL cannot store.
    Walked with a list, not recursion, so the walk itself has no depth limit."""
    # Paths are kept as (parent, key) links and spelled out only for an error.
    pending: list[tuple[Any, int, tuple]] = [(data, 1, ())]
    while pending:
        value, depth, path = pending.pop()
        if isinstance(value, dict | list):
            if depth > MAX_NESTING:
                raise Problem(400, f"the request body is nested deeper than {MAX_NESTING} "
                                   "levels", errors=[{"pointer": _join(path),
                                                      "detail": "nested too deeply"}])
            items = value.items() if isinstance(value, dict) else enumerate(value)
            for key, member in items:
                if isinstance(key, str):
                    _check_text(key, (path, key))
                pending.append((member, depth + 1, (path, key)))
        elif isinstance(value, str):
            _check_text(value, path)
        elif isinstance(value, int | float | Decimal) and not isinstance(value, bool):
            if not (abs(value) <= LARGEST_NUMBER):  # also catches inf and nan
                raise invalid(_join(path), f"is too large (at most {LARGEST_NUMBER})")


def _check_text(text: str, path: tuple) -> None:
    if text.isascii() and "\x00" not in text:
        return
    if "\x00" in text:
        raise invalid(_join(path), "must not contain the NUL character (\\u0000)")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise invalid(_join(path), "is not valid Unicode text (a lone surrogate such as "
                                   "\\ud800)") from None


def _join(path: tuple) -> str:
    keys = []
    while path:
        path, key = path
        keys.append(key)
    return "".join("/" + str(k).replace("~", "~0").replace("/", "~1") for k in reversed(keys))


# Integer fields of requests (quantities, thresholds, priorities, revisions) land in
# 32-bit integer columns; PostgreSQL refuses anything larger with an error, so a
# bound the schema leaves open is closed here and a larger value gets a 422.
LARGEST_INTEGER_FIELD = 2**31 - 1


_VALUES = frozenset({"enum", "const", "default", "examples", "description"})


def _bounded(schema: Any) -> Any:
    """``schema`` with every open-ended integer given the 32-bit range."""
    if isinstance(schema, list):
        return [_bounded(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    bounded = {k: v if k in _VALUES else _bounded(v) for k, v in schema.items()}
    kinds = schema.get("type")
    if kinds == "integer" or (isinstance(kinds, list) and "integer" in kinds):
        bounded.setdefault("maximum", LARGEST_INTEGER_FIELD)
        bounded.setdefault("minimum", -LARGEST_INTEGER_FIELD - 1)
    return bounded


def json_body(schema: dict[str, Any], *, exact_numbers: bool = False) -> Any:
    """The request's JSON, checked against ``schema``. With ``exact_numbers``,
    numbers with a fraction are read as Decimal, so 0.1 stays exactly 0.1."""
    if not request.is_json:
        raise Problem(415, "send the body as JSON with Content-Type: application/json")
    raw = request.get_data(cache=True)
    try:
        data = json.loads(raw, parse_float=Decimal if exact_numbers else float,
                          parse_constant=_refuse_constant)
    except json.JSONDecodeError as error:
        # Where the text stops being JSON, as an editor counts (the body as a whole is
        # at fault, so the pointer is the root).
        raise Problem(400, "the request body is not valid JSON", errors=[{
            "pointer": "", "detail": f"{error.msg} at line {error.lineno}, column "
                                     f"{error.colno}"}]) from None
    except (ValueError, RecursionError):
        raise Problem(400, "the request body is not valid JSON") from None
    _check_shape(data)
    validator = _validators.get(id(schema))
    if validator is None:
        validator = _validators[id(schema)] = Draft202012Validator(_bounded(schema))
    errors = sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path))
    if errors:
        summary = "; ".join(f"{_pointer(e) or '/'} {_message(e)}" for e in errors[:5])
        details = [{"pointer": _pointer(e), "detail": _said(e)} for e in errors]
        raise Problem(422, summary, errors=details)
    return data


def uploaded_file() -> tuple[bytes, str]:
    """The CSV or .xlsx file sent as the multipart field ``file``: its content and its
    name ("" when the client sent none)."""
    if not request.mimetype.startswith("multipart/form-data"):
        raise Problem(415, "send the file as multipart/form-data in the field 'file'")
    upload = request.files.get("file")
    if upload is None:
        raise invalid("/file", "attach the CSV or .xlsx file in the field 'file'")
    return upload.read(), upload.filename or ""


def upload_option(name: str, options: tuple[str, ...], default: str) -> str:
    """An option sent with an uploaded file, one of ``options``: a form field beside it,
    or the query; anything else is a ParameterError naming it (422)."""
    source = request.form if request.form.get(name) else request.args
    return query_args.choice(source, name, options, default)

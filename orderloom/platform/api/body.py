"""Reading a JSON request body: it must be JSON, and it must fit its schema.

Each schema violation becomes one entry with a JSON Pointer, all of them at once.
"""
from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from flask import request
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from orderloom.platform.problems import Problem

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


def json_body(schema: dict[str, Any], *, exact_numbers: bool = False) -> Any:
    """The request's JSON, checked against ``schema``. With ``exact_numbers``,
    numbers with a fraction are read as Decimal, so 0.1 stays exactly 0.1."""
    if not request.is_json:
        raise Problem(415, "send the body as JSON with Content-Type: application/json")
    raw = request.get_data(cache=True)
    try:
        data = json.loads(raw, parse_float=Decimal if exact_numbers else float)
    except (ValueError, RecursionError):
        raise Problem(400, "the request body is not valid JSON") from None
    validator = _validators.get(id(schema))
    if validator is None:
        validator = _validators[id(schema)] = Draft202012Validator(schema)
    errors = sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path))
    if errors:
        details = [{"pointer": _pointer(e), "detail": _message(e)} for e in errors]
        summary = "; ".join(f"{d['pointer'] or '/'} {d['detail']}" for d in details[:5])
        raise Problem(422, summary, errors=details)
    return data

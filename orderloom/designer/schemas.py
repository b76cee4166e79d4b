"""The definition JSON Schemas: files in this package, loaded once, served over HTTP."""
from __future__ import annotations

import functools
import json
import re
from importlib import resources
from typing import Any

import jsonschema_rs
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError
from referencing import Registry, Resource

from orderloom.designer import actions
from orderloom.designer.problems import DefinitionProblem, pointer

SCHEMA_FILES = {
    "order-type": "order-type.schema.json",
    "template-package": "template-package.schema.json",
}


@functools.cache
def load(name: str) -> dict[str, Any]:
    """The schema called ``name`` (``order-type`` or ``template-package``)."""
    filename = SCHEMA_FILES[name]
    text = resources.files("orderloom.designer").joinpath("schemas", filename).read_text("utf-8")
    schema = json.loads(text)
    if name == "order-type":
        # Each action type holds its own fragment, so the list cannot miss one.
        schema["$defs"]["action"] = actions.schema()
    return schema


@functools.cache
def _registry() -> Registry:
    # The package schema refers to the order type schema by its file name.
    registry = Registry()
    for name, filename in SCHEMA_FILES.items():
        schema = load(name)
        resource = Resource.from_contents(schema)
        registry = registry.with_resources([(schema["$id"], resource), (filename, resource)])
    return registry


@functools.cache
def validator(name: str) -> Draft202012Validator:
    return Draft202012Validator(load(name), registry=_registry())


@functools.cache
def _fast_validator(name: str):
    # jsonschema-rs answers "valid or not" a few hundred times faster than the
    # pure-Python validator; the Python one then explains what is wrong.
    registry = jsonschema_rs.Registry([(load(n)["$id"], load(n)) for n in SCHEMA_FILES])
    return jsonschema_rs.Draft202012Validator(load(name), registry=registry)


def schema_code(error: ValidationError) -> tuple[str | None, dict[str, object]]:
    """The code and values of a schema violation's words (DefinitionProblem.code), so
    that a page words it from the validator and its parameters, whichever schema it is."""
    if error.instance == "" and error.validator in ("minLength", "pattern"):
        return "schema.empty", {}
    if error.validator == "required":
        missing = [m for m in error.validator_value
                   if isinstance(error.instance, dict) and m not in error.instance]
        return "schema.required", {"member": repr(missing[0]) if missing else ""}
    if error.validator == "enum":
        return "schema.enum", {"choices": ", ".join(json.dumps(v, ensure_ascii=False)
                                                    for v in error.validator_value)}
    if error.validator == "pattern":
        return "schema.pattern", {"value": json.dumps(error.instance, ensure_ascii=False),
                                  "pattern": error.validator_value}
    if error.validator in ("minLength", "maxLength", "minimum", "maximum", "minItems",
                           "maxItems", "type", "exclusiveMinimum", "minProperties"):
        return f"schema.{error.validator}", {"bound": error.validator_value,
                                             "value": json.dumps(error.instance,
                                                                 ensure_ascii=False)[:80]}
    if error.validator == "additionalProperties":
        return "schema.additionalProperties", {"members": ", ".join(
            repr(m) for m in _unknown_members(error))}
    if error.validator == "const":
        return "schema.const", {"value": json.dumps(error.validator_value, ensure_ascii=False)}
    if error.validator == "uniqueItems":
        return "schema.uniqueItems", {}
    if error.validator == "format":
        return "schema.format", {"value": json.dumps(error.instance, ensure_ascii=False)[:80],
                                 "format": error.validator_value}
    # A kind of check the schemas do not use today: its English, inside words that say
    # where it belongs.
    return "schema.other", {"why": _message(error)}


def _unknown_members(error: ValidationError) -> list[str]:
    if not isinstance(error.instance, dict) or not isinstance(error.schema, dict):
        return []
    known = error.schema.get("properties", {})
    patterns = [re.compile(p) for p in error.schema.get("patternProperties", {})]
    return [m for m in error.instance
            if m not in known and not any(p.search(m) for p in patterns)]


def _message(error: ValidationError) -> str:
    if error.instance == "" and error.validator in ("minLength", "pattern"):
        # A box or a choice the designer starts empty (a new rule's condition, a new
        # approval's outcomes) until a person fills it in.
        return "is empty; fill it in"
    if error.validator == "required":
        return error.message.replace(" is a required property", " is required")
    if error.validator == "additionalProperties":
        return error.message.replace("Additional properties are not allowed", "unknown member")
    if error.validator == "enum":
        return "must be one of " + ", ".join(json.dumps(v) for v in error.validator_value)
    if error.validator == "pattern":
        return f"{json.dumps(error.instance, ensure_ascii=False)} does not have the required " \
               f"form ({error.validator_value})"
    return error.message


def _leaves(error: ValidationError):
    # if/then and allOf wrap the real complaint; report the innermost errors.
    if error.context:
        for sub in error.context:
            yield from _leaves(sub)
    else:
        yield error


def structure_problems(name: str, document: Any, base: tuple = ()) -> list[DefinitionProblem]:
    """Every place where ``document`` breaks schema ``name``, in document order."""
    if _fast_validator(name).is_valid(document):
        return []
    problems = []
    for error in validator(name).iter_errors(document):
        for leaf in _leaves(error):
            code, values = schema_code(leaf)
            problems.append(DefinitionProblem(pointer(*base, *leaf.absolute_path),
                                              _message(leaf), code=code, values=values))
    unique = {(p.pointer, p.message): p for p in problems}
    return sorted(unique.values(), key=lambda p: (p.pointer, p.message))

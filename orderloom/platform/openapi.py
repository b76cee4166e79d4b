"""The OpenAPI 3.1 document, built from the routes themselves.

Each API view carries its own description (``@documented``) next to its code;
``build_document`` walks the URL map, so the document cannot list a route that
does not exist or miss one that does (a test checks every /api/v1 route is
documented).
"""
from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask

F = TypeVar("F", bound=Callable)

PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["title", "status", "detail"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "request_id": {"type": "string", "description": "The request's id, as in its "
                       "X-Request-Id header and the server's log lines"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["pointer", "detail"],
                "properties": {"pointer": {"type": "string"}, "detail": {"type": "string"},
                               "parameter": {"type": "string",
                                             "description": "The query parameter at fault"}},
            },
        },
        "duplicate": {"type": "array", "items": {"type": "string"},
                      "description": "409: the columns whose values are taken already"},
    },
}

_STANDARD_ERRORS = {
    "400": "Malformed request (for example a body that is not JSON)",
    "401": "No valid session or API token",
    "403": "Authenticated, but not permitted",
    "404": "Nothing at this address",
    "409": "Conflicts with what is stored (a duplicate, or a change made at the same moment)",
    "413": "Request body too large",
    "415": "Body in a media type this operation does not take (see its requestBody)",
    "422": "Input that breaks a rule; `errors` points at each field",
}


def documented(
    summary: str,
    *,
    request: dict[str, Any] | None = None,
    responses: dict[int, tuple[str, dict[str, Any] | None]] | None = None,
    tags: tuple[str, ...] = (),
    public: bool = False,
    examples: dict[str, Any] | None = None,
) -> Callable[[F], F]:
    """Attach an operation description to an API view.

    ``responses`` maps a success status to (description, JSON schema or None);
    ``examples`` names request bodies that show the operation at work (the fuzz test
    sends them, and variants of them with extreme numbers and dates).
    """

    def decorate(view: F) -> F:
        view.openapi = {  # type: ignore[attr-defined]
            "summary": summary,
            "request": request,
            "responses": responses or {200: ("OK", None)},
            "tags": list(tags),
            "public": public,
            "examples": examples or {},
        }
        return view

    return decorate


def _path_template(rule: str) -> tuple[str, list[dict[str, Any]]]:
    parameters = []

    def replace(match: re.Match[str]) -> str:
        converter, name = match.group(1), match.group(2)
        schema = {"type": "integer"} if converter == "int" else {"type": "string"}
        parameters.append({"name": name, "in": "path", "required": True, "schema": schema})
        return "{" + name + "}"

    return re.sub(r"<(?:(\w+):)?(\w+)>", replace, rule), parameters


def build_document(app: Flask) -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/"):
            continue
        view = app.view_functions[rule.endpoint]
        spec = getattr(view, "openapi", None)
        if spec is None:
            continue
        path, parameters = _path_template(rule.rule)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            operation: dict[str, Any] = {
                "operationId": f"{rule.endpoint.replace('.', '_')}_{method.lower()}",
                "summary": spec["summary"],
                "tags": spec["tags"],
                "responses": {},
            }
            if parameters:
                operation["parameters"] = parameters
            if spec["request"] is not None and method in ("POST", "PUT", "PATCH"):
                content: dict[str, Any] = {"schema": spec["request"]}
                if spec.get("examples"):
                    content["examples"] = {name: {"value": value}
                                           for name, value in spec["examples"].items()}
                operation["requestBody"] = {
                    "required": True, "content": {"application/json": content}}
            for status, (description, schema) in spec["responses"].items():
                response: dict[str, Any] = {"description": description}
                if schema is not None:
                    response["content"] = {"application/json": {"schema": schema}}
                operation["responses"][str(status)] = response
            for status, description in _STANDARD_ERRORS.items():
                if spec["public"] and status in ("401", "403"):
                    continue
                if status == "415" and method not in ("POST", "PUT", "PATCH"):
                    continue
                if status == "409" and method == "GET":
                    continue
                operation["responses"].setdefault(status, {
                    "description": description,
                    "content": {"application/problem+json": {
                        "schema": {"$ref": "#/components/schemas/Problem"}}},
                })
            if spec["public"]:
                operation["security"] = []
            paths.setdefault(path, {})[method.lower()] = operation
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Orderloom API",
            "version": "1",
            "description": "Orders, definitions and everything around them. Errors are "
                           "application/problem+json with a JSON Pointer to each field at "
                           "fault.",
        },
        "servers": [{"url": "/"}],
        "security": [{"bearerToken": []}],
        "paths": dict(sorted(paths.items())),
        "components": {
            "schemas": {"Problem": PROBLEM_SCHEMA},
            "securitySchemes": {
                "bearerToken": {"type": "http", "scheme": "bearer",
                                "description": "An API token created under Account > API "
                                               "tokens; sent as Authorization: Bearer <token>"},
            },
        },
    }

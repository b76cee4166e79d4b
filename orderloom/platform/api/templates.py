"""Built-in templates over the API: what there is, and importing one."""
from __future__ import annotations

from typing import Any

from flask import request

from orderloom.platform.api import api
from orderloom.platform.api.body import json_body
from orderloom.platform.auth import current_user, requires
from orderloom.platform.database import db_session
from orderloom.platform.openapi import documented
from orderloom.platform.problems import Problem
from orderloom.platform.templates import TemplateError, TemplateInfo, available, import_template

LABEL = {"type": "object", "additionalProperties": {"type": "string"}}
TEMPLATE = {"type": "object", "properties": {
    "key": {"type": "string"}, "name": LABEL, "description": LABEL,
    "order_types": {"type": "array", "items": {"type": "string"}},
    "contents": {"type": "object", "additionalProperties": {"type": "integer"}}}}
IMPORT = {"type": "object", "additionalProperties": False, "properties": {
    "on_conflict": {"enum": ["fail", "rename", "replace"],
                    "description": "When an order type with the same key exists: refuse "
                                   "(default), import under a new key, or publish over it"}}}


def template_json(info: TemplateInfo) -> dict[str, Any]:
    return {"key": info.key, "name": info.name, "description": info.description,
            "order_types": list(info.order_types), "contents": info.contents}


@api.get("/templates")
@requires("definitions.view")
@documented("The built-in templates: whole order systems to start from", tags=("templates",),
            responses={200: ("Every template", {"type": "object", "properties": {
                "templates": {"type": "array", "items": TEMPLATE}}})})
def list_templates():
    return {"templates": [template_json(info) for info in available()]}


@api.post("/templates/<key>/import")
@requires("templates.import")
@documented("Import a built-in template: roles, warehouses, products with opening stock, "
            "customers, its published order types and a channel of each channel preset. "
            "All or nothing",
            request=IMPORT, tags=("templates",),
            responses={201: ("What was created and what was kept", {"type": "object"}),
                       404: ("No such template", None),
                       409: ("An order type with the same key exists (on_conflict fail)",
                             None),
                       422: ("The template does not fit this workspace", None)})
def import_builtin_template(key: str):
    body = json_body(IMPORT) if request.get_data(cache=True) else {}
    if key not in {info.key for info in available()}:
        raise Problem(404, f"there is no built-in template {key!r}; there are "
                           f"{', '.join(info.key for info in available())}")
    session = db_session()
    try:
        report = import_template(session, current_user().username, key,
                                 body.get("on_conflict", "fail"), via="api",
                                 publisher=current_user().permissions)
    except TemplateError as error:
        raise Problem(409 if error.conflict else 422,
                      f"template {key!r} was not imported: {error.problems[0]}",
                      errors=[{"pointer": "", "detail": p} for p in error.problems]) from None
    session.commit()
    return {**report.as_json(), "summary": report.lines()}, 201

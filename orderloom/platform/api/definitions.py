"""Order type definitions over the API: schemas, drafts, publishing, versions, diffs,
export and import, simulation."""
from __future__ import annotations

from typing import Any

from flask import request, url_for
from sqlalchemy import select

from orderloom.designer import exchange, schemas, versions
from orderloom.designer.diff import diff
from orderloom.designer.models import OrderType
from orderloom.designer.simulate import simulate
from orderloom.designer.validation import validate_order_type, validate_package
from orderloom.platform import query_args
from orderloom.platform.api import api
from orderloom.platform.api.body import json_body
from orderloom.platform.auth import current_actor, current_user, requires
from orderloom.platform.database import db_session
from orderloom.platform.design import (
    design_context,
    export_package,
    my_design_context,
    preview_calendar,
)
from orderloom.platform.openapi import documented
from orderloom.platform.preview_throttle import THROTTLED, throttled
from orderloom.platform.problem_words import (
    dry_run_language,
    fault_text,
    problem_json,
    problems_json,
)
from orderloom.platform.problems import Problem, invalid
from orderloom.platform.row_access import find_type, sees_type
from orderloom.platform.url_ids import LARGEST_ID
from orderloom.runtime import audit

DEFINITION = {"type": "object",
              "description": "An order type definition; its schema is /api/v1/schemas/order-type"}
PACKAGE = {"type": "object",
           "description": "A template package; its schema is /api/v1/schemas/template-package"}
ANY_OBJECT = {"type": "object"}
PROBLEMS = {"type": "array", "items": {"type": "object", "properties": {
    "pointer": {"type": "string"}, "detail": {"type": "string"},
    "line": {"type": "integer"}, "column": {"type": "integer"}}}}
SUMMARY = {"type": "object", "properties": {
    "key": {"type": "string"}, "name": {"type": "object"},
    "latest_version": {"type": ["integer", "null"]}, "draft_saved_at": {"type": "string"},
    "unpublished_changes": {"type": "boolean"}}}
VERSION = {"type": "object", "properties": {
    "number": {"type": "integer"}, "published_at": {"type": "string"},
    "published_by": {"type": "string"}, "note": {"type": "string"},
    "definition": DEFINITION}}
PUBLISH = {"type": "object", "additionalProperties": False,
           "properties": {"note": {"type": "string", "maxLength": 500}}}
SIMULATE = {"type": "object", "required": ["data"], "additionalProperties": False, "properties": {
    "data": {"type": "object", "description": "Sample order values, as a form would send them"},
    "roles": {"type": "array", "items": {"type": "string"}, "maxItems": 50},
    "state": {"type": "string"},
    "version": {"oneOf": [{"type": "integer", "minimum": 1}, {"const": "draft"}]},
    "language": {"enum": ["en", "zh"]}}}


def _order_type(key: str) -> OrderType:
    # A type whose access hides it from this person is answered as a missing one.
    order_type = find_type(db_session(), current_user(), key)
    if order_type is None:
        raise Problem(404, f"there is no order type {key!r}")
    return order_type


def _summary(order_type: OrderType) -> dict[str, Any]:
    latest = order_type.latest
    return {
        "key": order_type.key,
        "name": order_type.draft.get("name", {}),
        "latest_version": latest.number if latest else None,
        "draft_saved_at": order_type.draft_saved_at.isoformat(),
        "unpublished_changes": latest is None or latest.definition != order_type.draft,
    }


def _version_json(version, with_definition: bool = True) -> dict[str, Any]:
    data = {"number": version.number, "published_at": version.published_at.isoformat(),
            "published_by": version.published_by, "note": version.note}
    if with_definition:
        data["definition"] = version.definition
    return data


@api.get("/schemas/<name>")
@documented("A definition JSON Schema (order-type or template-package), for editors",
            tags=("definitions",), public=True,
            responses={200: ("The JSON Schema (Draft 2020-12)", ANY_OBJECT)})
def definition_schema(name: str):
    if name not in schemas.SCHEMA_FILES:
        raise Problem(404, f"there is no schema {name!r}; there are "
                           + ", ".join(sorted(schemas.SCHEMA_FILES)))
    return schemas.load(name)


@api.post("/definitions/check")
@requires("definitions.view")
@documented("Check an order type definition or a template package without storing it",
            request=ANY_OBJECT, tags=("definitions",),
            responses={200: ("Every problem found; empty when it is valid",
                             {"type": "object", "properties": {
                                 "valid": {"type": "boolean"}, "errors": PROBLEMS}})})
def check_definition():
    body = json_body(ANY_OBJECT)
    context = my_design_context(db_session())
    problems = (validate_package(body, context) if "format" in body
                else validate_order_type(body, context))
    return {"valid": not problems, "errors": problems_json(problems)}


@api.get("/order-types")
@requires("definitions.view")
@documented("All order types", tags=("definitions",),
            responses={200: ("Order types by key", {"type": "array", "items": SUMMARY})})
def list_order_types():
    order_types = db_session().scalars(select(OrderType).order_by(OrderType.key))
    return [_summary(t) for t in order_types if sees_type(current_user(), t)]


@api.post("/order-types")
@requires("definitions.edit")
@documented("Create an order type from a definition; stored as a draft even with problems",
            request=DEFINITION, tags=("definitions",),
            responses={201: ("The new order type and its draft's problems", ANY_OBJECT)})
def create_order_type():
    body = json_body(ANY_OBJECT)
    session = db_session()
    actor = current_actor()
    try:
        order_type, problems = versions.create(session, actor.name, body,
                                               my_design_context(session))
    except versions.VersionConflict as conflict:  # here it can only be the key
        raise invalid("/key", str(conflict), status=409) from None
    audit.record(session, actor, "order_type.created", "order_type", order_type.key)
    session.commit()
    return ({**_summary(order_type), "errors": problems_json(problems)}, 201,
            {"Location": url_for("api.get_order_type", key=order_type.key)})


@api.get("/order-types/<key>")
@requires("definitions.view")
@documented("An order type: its draft, the draft's problems and its versions",
            tags=("definitions",), responses={200: ("The order type", ANY_OBJECT)})
def get_order_type(key: str):
    order_type = _order_type(key)
    problems = validate_order_type(order_type.draft, my_design_context(db_session()))
    return {**_summary(order_type), "draft": order_type.draft,
            "errors": problems_json(problems),
            "versions": [_version_json(v, False) for v in order_type.versions]}


@api.put("/order-types/<key>/draft")
@requires("definitions.edit")
@documented("Save the draft; answers with every problem it still has", request=DEFINITION,
            tags=("definitions",),
            responses={200: ("Saved; the draft's problems", {"type": "object", "properties": {
                "errors": PROBLEMS}})})
def save_draft(key: str):
    body = json_body(ANY_OBJECT)
    session = db_session()
    order_type = _order_type(key)
    actor = current_actor()
    problems = versions.save_draft(session, actor.name, order_type, body,
                                   my_design_context(session))
    audit.record(session, actor, "order_type.draft_saved", "order_type", key,
                 problems=len(problems))
    session.commit()
    return {**_summary(order_type), "errors": problems_json(problems)}


@api.post("/order-types/<key>/publish")
@requires("definitions.publish")
@documented("Publish the draft as the next immutable version", request=PUBLISH,
            tags=("definitions",),
            responses={201: ("The new version and what changed since the previous one",
                             ANY_OBJECT)})
def publish(key: str):
    body = json_body(PUBLISH) if request.get_data() else {}
    session = db_session()
    order_type = _order_type(key)
    actor = current_actor()
    previous = order_type.latest
    version = versions.publish(session, actor.name, order_type, my_design_context(session),
                               body.get("note", ""))
    changes = diff(previous.definition, version.definition) if previous else []
    audit.record(session, actor, "order_type.published", "order_type", key,
                 version=version.number, changes=[str(c) for c in changes])
    session.commit()
    return {**_version_json(version, False), "changes": [c.as_json() for c in changes]}, 201


@api.get("/order-types/<key>/versions")
@requires("definitions.view")
@documented("The published versions of an order type", tags=("definitions",),
            responses={200: ("Versions, oldest first", {"type": "array", "items": VERSION})})
def list_versions(key: str):
    return [_version_json(v, False) for v in _order_type(key).versions]


@api.get("/order-types/<key>/versions/<int:number>")
@requires("definitions.view")
@documented("One published version with its definition", tags=("definitions",),
            responses={200: ("The version", VERSION)})
def get_version(key: str, number: int):
    version = versions.version(_order_type(key), number)
    if version is None:
        raise Problem(404, f"order type {key!r} has no version {number}")
    return _version_json(version)


def _definition_at(order_type: OrderType, raw: str, name: str, *,
                   in_body: bool = False) -> dict[str, Any]:
    """The definition ``raw`` names: ``draft`` or a version number. ``name`` is the query
    parameter (or with ``in_body`` the body member) it came from, for the refusal."""
    if raw.strip().lower() == "draft":
        return order_type.draft
    try:
        number = query_args.whole({name: raw}, name, low=1, high=LARGEST_ID)
    except query_args.ParameterError:
        number = None
    if number is None:
        reason = "give a version number (1, 2, ...) or draft"
        raise invalid(f"/{name}", reason) if in_body else \
            query_args.ParameterError(name, reason)
    version = versions.version(order_type, number)
    if version is None:
        raise Problem(404, f"order type {order_type.key!r} has no version {number}")
    return version.definition


@api.get("/order-types/<key>/diff")
@requires("definitions.view")
@documented("What changed between two versions (?from=1&to=2; to may be draft)",
            tags=("definitions",), responses={200: ("The changes", ANY_OBJECT)})
def version_diff(key: str):
    order_type = _order_type(key)
    latest = str(order_type.latest.number) if order_type.latest else "draft"
    old = _definition_at(order_type, request.args.get("from") or latest, "from")
    new = _definition_at(order_type, request.args.get("to") or "draft", "to")
    return {"changes": [c.as_json() for c in diff(old, new)]}


@api.get("/order-types/<key>/export")
@requires("definitions.view")
@documented("One order type as a package file (latest version; ?draft=1 for the draft)",
            tags=("definitions",), responses={200: ("A template package", PACKAGE)})
def export_order_type(key: str):
    _order_type(key)
    document = export_package(db_session(), [key],
                              use_draft=request.args.get("draft") == "1")
    return _download(document, f"{key}.orderloom.json")


@api.get("/export")
@requires("definitions.view")
@documented("Every order type of this workspace as one package file", tags=("definitions",),
            responses={200: ("A template package", PACKAGE)})
def export_workspace():
    session = db_session()
    seen = [t.key for t in session.scalars(select(OrderType).order_by(OrderType.key))
            if sees_type(current_user(), t)]
    return _download(export_package(session, seen), "workspace.orderloom.json")


def _download(document: dict[str, Any], filename: str):
    from flask import Response

    from orderloom.designer.canonical import dumps

    return Response(dumps(document), mimetype="application/json",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@api.post("/import")
@requires("definitions.publish")
@documented("Import a package: every order type is stored and published "
            "(?on_conflict=fail|rename|replace)", request=PACKAGE, tags=("definitions",),
            responses={201: ("What was created, replaced, renamed and published",
                             ANY_OBJECT)})
def import_package():
    on_conflict = query_args.choice(request.args, "on_conflict", ("fail", "rename", "replace"),
                                    "fail")
    body = json_body(ANY_OBJECT)
    session = db_session()
    actor = current_actor()
    report = exchange.import_package(session, actor.name, body, my_design_context(session),
                                     on_conflict)  # type: ignore[arg-type]
    audit.record(session, actor, "package.imported", "package", body.get("key", "-"),
                 **report.as_json())
    session.commit()
    return report.as_json(), 201


@api.post("/order-types/<key>/simulate")
@requires("definitions.edit")
@throttled
@documented("Run the draft (or a version) on sample data; nothing is stored",
            request=SIMULATE, tags=("definitions",),
            responses={200: ("Computed fields, problems, rule outcomes, route, transitions",
                             ANY_OBJECT), 429: THROTTLED})
def simulate_order_type(key: str):
    body = json_body(SIMULATE)
    order_type = _order_type(key)
    which = str(body.get("version", "draft"))
    definition = _definition_at(order_type, which, "version", in_body=True)
    states = [s.get("key") for s in definition.get("workflow", {}).get("states", [])
              if isinstance(s, dict)]
    if "state" in body and body["state"] not in states:
        raise invalid("/state", f"there is no state {body['state']!r}; the states are "
                                + ", ".join(map(str, states)))
    # Trying a draft out does not publish it: what the person may publish is not asked.
    context = design_context(db_session())
    calendar = preview_calendar(db_session())
    db_session().rollback()  # end the read: on SQLite every transaction holds the write lock
    with dry_run_language(body.get("language", "en")):
        return simulate(definition, body["data"], roles=body.get("roles"),
                        state=body.get("state"), context=context,
                        language=body.get("language", "en"), calendar=calendar,
                        say_fault=fault_text, say_problem=problem_json)

"""What the designer's pages ask while someone edits: the problems of the draft as it
is on screen, and runs of a definition that is not saved yet on sample values, so
the live preview, the simulation and the print preview show the form as it is on
screen, not as it was last saved. Nothing is stored."""
from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from sqlalchemy import select

from orderloom.designer import validation
from orderloom.designer.blueprint import compile_blueprint, money_places
from orderloom.designer.coverage import cover
from orderloom.designer.form import order_fields
from orderloom.designer.problems import DefinitionError
from orderloom.designer.simulate import simulate
from orderloom.dsl.ast_json import to_ast_json
from orderloom.dsl.errors import FormulaError
from orderloom.platform.api import api
from orderloom.platform.api.body import json_body
from orderloom.platform.auth import requires
from orderloom.platform.database import db_session
from orderloom.platform.design import design_context, my_design_context, preview_calendar
from orderloom.platform.openapi import documented
from orderloom.platform.preview_throttle import THROTTLED, throttled
from orderloom.platform.problem_words import (
    dry_run_language,
    fault_text,
    problem_json,
    problems_json,
)
from orderloom.platform.problems import invalid
from orderloom.platform.refusals import definition_problem, said
from orderloom.runtime.channels.models import Channel
from orderloom.runtime.documents import barcodes, print_templates
from orderloom.runtime.documents.defaults import page

TRY_OUT = {"type": "object", "required": ["definition", "data"], "additionalProperties": False,
           "properties": {
               "definition": {"type": "object",
                              "description": "An order type definition, saved or not"},
               "data": {"type": "object", "description": "Sample order values"},
               "roles": {"type": "array", "items": {"type": "string"}, "maxItems": 50},
               "state": {"type": "string"},
               "language": {"enum": ["en", "zh"]}}}


def problems_as_typed(definition: dict, context: validation.Context) -> list:
    """Every problem of a draft, and its formulas' problems even while its structure
    is broken elsewhere (the full check stops at structure problems)."""
    problems = validation.validate_order_type(definition, context)
    if not problems or any(p.line is not None for p in problems):
        return problems
    return problems + validation.formula_problems_despite_structure(definition, context)


@api.post("/definitions/check-draft")
@requires("definitions.view")
@documented("Every problem of an order type definition as an editor has it, including "
            "formula problems while the structure is broken elsewhere; nothing is stored",
            request={"type": "object"}, tags=("definitions",),
            responses={200: ("The problems", {"type": "object", "properties": {
                "valid": {"type": "boolean"}, "errors": {"type": "array"}}})})
def check_draft():
    body = json_body({"type": "object"})
    problems = problems_as_typed(body, my_design_context(db_session()))
    return {"valid": not problems, "errors": problems_json(problems)}


FORMULA_TREE = {"type": "object", "required": ["definition", "formula"],
                "additionalProperties": False, "properties": {
                    "definition": {"type": "object",
                                   "description": "The order type whose fields the formula reads"},
                    "formula": {"type": "string", "maxLength": 20000}}}


@api.post("/definitions/formula-tree")
@requires("definitions.view")
@documented("A formula on an order's fields, parsed and checked, as the tree the browser "
            "evaluates (static/formula.js); the condition builder reads it back into rows. "
            "Nothing is stored", request=FORMULA_TREE, tags=("definitions",),
            responses={200: ("The checked formula: formula, type, money_places, ast",
                             {"type": "object"})})
def formula_tree():
    body = json_body(FORMULA_TREE)
    definition = body["definition"]
    try:
        fields = order_fields(definition)
    except (KeyError, TypeError, AttributeError, ValueError) as error:
        raise invalid("/definition/form/fields",
                      f"the form's fields cannot be read ({error}); fix the form first") from None
    try:
        return to_ast_json(body["formula"], fields,
                           money_places=money_places(definition.get("currency")))
    except FormulaError as error:
        first = error.errors[0]
        raise invalid("/formula", f"{first.line}:{first.column}: {first.message}") from None
    except ValueError as error:  # a field's declared type the formula language lacks
        raise invalid("/definition/form/fields",
                      f"the form's fields cannot be read ({error}); fix the form first") from None


@api.post("/definitions/simulate")
@requires("definitions.edit")
@throttled
@documented("Run a definition that is not stored (an editor's unsaved draft) on sample "
            "values; nothing is stored", request=TRY_OUT, tags=("definitions",),
            responses={200: ("Computed fields, problems, rule outcomes, route, transitions, "
                             "and which conditional fields are shown", {"type": "object"}),
                       429: THROTTLED})
def simulate_unsaved():
    body = json_body(TRY_OUT)
    definition = body["definition"]
    states = [s.get("key") for s in (definition.get("workflow") or {}).get("states", [])
              if isinstance(s, dict)]
    if "state" in body and body["state"] not in states:
        raise invalid("/state", f"there is no state {body['state']!r}; the states are "
                                + ", ".join(map(str, states)))
    # Trying a draft out does not publish it: what the person may publish is not asked.
    context = design_context(db_session())
    calendar = preview_calendar(db_session())
    db_session().rollback()  # end the read: on SQLite every transaction holds the write lock
    try:
        with dry_run_language(body.get("language", "en")):
            result = simulate(definition, body["data"], roles=body.get("roles"),
                              state=body.get("state"), context=context,
                              language=body.get("language", "en"), calendar=calendar,
                              say_fault=fault_text, say_problem=problem_json)
    except DefinitionError as error:
        # The problems point into the definition, which sits under /definition here.
        moved = [replace(p, pointer="/definition" + p.pointer) for p in error.problems]
        raise definition_problem(DefinitionError(moved)) from None
    result["visible"] = _visibility(compile_blueprint(definition, context), body["data"],
                                    calendar)
    return result


COVER = {"type": "object", "required": ["definition", "data"], "additionalProperties": False,
         "properties": {
             "definition": TRY_OUT["properties"]["definition"],
             "data": {"type": "object",
                      "description": "The sample to start from (the form's generated one)"},
             "language": {"enum": ["en", "zh"]}}}


@api.post("/definitions/simulate/cover")
@requires("definitions.edit")
@throttled
@documented("Samples that make each rule and approval of a definition (saved or not) fire "
            "at least once, and why a rule or approval could not be made to fire; nothing "
            "is stored", request=COVER, tags=("definitions",),
            responses={200: ("The samples, each with what fires on it, and per rule and "
                             "approval the sample it fires on or why none was found",
                             {"type": "object", "properties": {
                                 "samples": {"type": "array"}, "targets": {"type": "array"}}}),
                       429: THROTTLED})
def cover_unsaved():
    body = json_body(COVER)
    context = design_context(db_session())
    calendar = preview_calendar(db_session())
    key = body["definition"].get("key")
    # Orders are entered by hand or from a file, or come in through a channel of the type.
    channels = ("manual", "import", *db_session().scalars(
        select(Channel.key).where(Channel.order_type_key == key).order_by(Channel.key)))
    db_session().rollback()  # end the read: on SQLite every transaction holds the write lock
    try:
        return cover(body["definition"], body["data"], context=context,
                     language=body.get("language", "en"), calendar=calendar,
                     channels=channels)
    except DefinitionError as error:
        moved = [replace(p, pointer="/definition" + p.pointer) for p in error.problems]
        raise definition_problem(DefinitionError(moved)) from None


def _visibility(blueprint, sample: dict, calendar) -> dict[str, bool]:
    """Which fields with a visible_when the preview shows for these values."""
    now = datetime.now(UTC)
    data = blueprint.compute(sample, now, calendar)
    shown = {}
    for key, formula in blueprint.visibility.items():
        try:
            shown[key] = bool(formula(data, now, calendar))
        except Exception:  # noqa: BLE001 - as the runtime does: a failing condition shows it
            shown[key] = True
    return shown


PRINT_PREVIEW = {"type": "object", "required": ["definition", "template", "data"],
                 "additionalProperties": False, "properties": {
                     "definition": {"type": "object"},
                     "template": {"type": "string", "maxLength": 200000,
                                  "description": "The print template's Jinja2 source"},
                     "document": {"enum": ["pick_list", "packing_slip", "shipping_label",
                                           "invoice", "order"]},
                     "data": {"type": "object", "description": "Sample order values"}}}


@api.post("/definitions/print-preview")
@requires("definitions.edit")
@throttled
@documented("A print template rendered on a sample order of an unsaved definition, as the "
            "HTML page it would print", request=PRINT_PREVIEW, tags=("definitions",),
            responses={200: ("The page", {"type": "object", "properties": {
                "html": {"type": "string"}}}), 429: THROTTLED})
def print_preview():
    body = json_body(PRINT_PREVIEW)
    definition = body["definition"]
    try:
        blueprint = compile_blueprint(definition, design_context(db_session()))
    except DefinitionError as error:
        moved = [replace(p, pointer="/definition" + p.pointer) for p in error.problems]
        raise definition_problem(DefinitionError(moved)) from None
    calendar = preview_calendar(db_session())
    # End the read before the template runs: on SQLite every transaction holds the
    # write lock, which other requests would wait for while the template renders.
    db_session().rollback()
    now = datetime.now(UTC)
    data = blueprint.compute(body["data"], now, calendar)
    lines = []
    for f in definition["form"]["fields"]:
        if f["type"] != "line_items":
            continue
        sku_key = next((c["key"] for c in f["fields"] if c["type"] == "product"), None)
        qty_key = next((c["key"] for c in f["fields"] if c["key"] in ("qty", "quantity")), None)
        for line in data.get(f["key"]) or []:
            sku = line.get(sku_key) if sku_key else None
            lines.append({**line, "field": f["key"], "sku": sku,
                          "quantity": line.get(qty_key) if qty_key else None,
                          "name": sku or "", "bin": "", "barcode": None})
    prefix = definition.get("number_prefix", "SO")
    order = {"number": f"{prefix}-000001", "order_type": definition.get("key"), "version": 0,
             "state": blueprint.start_state(), "data": data, "tags": [], "channel": "web",
             "warehouse": None, "created_at": now, "lines": lines}
    document = body.get("document", "order")
    try:
        html = print_templates.render("preview", body["template"], {
            "order": order, "barcode": barcodes.code128_svg, "qr": barcodes.qr_svg})
    except print_templates.TemplateProblem as problem:
        raise invalid("/template", said(problem)) from None
    return {"html": page(document, f"{document} {order['number']}", html)}

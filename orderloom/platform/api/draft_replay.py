"""Replaying the last real orders of a type against a draft, for the designer: what
would change per order (state reached, tags, computed fields, approvals) compared
with the published version. Nothing is stored."""
from __future__ import annotations

from dataclasses import replace

from orderloom.designer.blueprint import compile_blueprint
from orderloom.designer.problems import DefinitionError
from orderloom.platform.api import api
from orderloom.platform.api.body import json_body
from orderloom.platform.auth import current_user, requires
from orderloom.platform.database import db_session
from orderloom.platform.design import design_context
from orderloom.platform.openapi import documented
from orderloom.platform.preview_throttle import THROTTLED, throttled
from orderloom.platform.problems import Problem, invalid
from orderloom.platform.refusals import definition_problem
from orderloom.platform.row_access import find_type, visible_orders
from orderloom.runtime.engine.replay import MOST_ORDERS, replay

REPLAY = {"type": "object", "required": ["count"], "additionalProperties": False,
          "properties": {
              "count": {"type": "integer", "minimum": 1, "maximum": MOST_ORDERS,
                        "description": "How many of the newest orders to replay"},
              "definition": {"type": "object",
                             "description": "The draft as it is on screen; the saved draft "
                                            "when left out"}}}
OUTCOME = {"type": "object", "properties": {
    "state": {"type": ["string", "null"]}, "tags": {"type": "array"},
    "computed": {"type": "object"}, "approvals": {"type": "array"},
    "refused": {"type": "array"}}}
REPLAYED = {"type": "object", "properties": {
    "version": {"type": "integer"},
    "summary": {"type": "object", "properties": {
        "orders": {"type": "integer"}, "changed": {"type": "integer"},
        "by_aspect": {"type": "object"}}},
    "orders": {"type": "array", "items": {"type": "object", "properties": {
        "number": {"type": "string"}, "created_at": {"type": "string"},
        "changes": {"type": "array", "items": {"enum": ["state", "tags", "computed",
                                                        "approvals", "refused"]}},
        "published": OUTCOME, "draft": OUTCOME}}}}}


@api.post("/order-types/<key>/replay")
@requires("definitions.edit")
@throttled
@documented("Run the newest orders of the type (that you may see) through the draft and "
            "through the published version, and say what the draft would change per "
            "order; nothing is stored", request=REPLAY, tags=("definitions",),
            responses={200: ("A summary with counts and one entry per order", REPLAYED),
                       429: THROTTLED})
def replay_draft(key: str):
    body = json_body(REPLAY)
    session = db_session()
    order_type = find_type(session, current_user(), key)
    if order_type is None:
        raise Problem(404, f"there is no order type {key!r}")
    definition = body.get("definition", order_type.draft)
    if definition.get("key") != key:
        raise invalid("/definition/key", f"is {definition.get('key')!r}; a draft of "
                                         f"{key!r} must keep its key")
    try:
        draft = compile_blueprint(definition, design_context(session))
    except DefinitionError as error:
        where = "/definition" if "definition" in body else ""
        moved = [replace(p, pointer=where + p.pointer) for p in error.problems]
        raise definition_problem(DefinitionError(moved)) from None
    result = replay(session, key, draft, body["count"], visible=visible_orders(current_user()))
    session.rollback()  # a dry run: nothing it touched is kept
    return result

"""Replaying the last real orders of a type against a draft, for the designer: what
would change per order (state reached, tags, computed fields, approvals) compared
with the published version. Nothing is stored."""
from __future__ import annotations

from dataclasses import replace

from orderloom.designer.blueprint import compile_blueprint
from orderloom.designer.field_access import field_access
from orderloom.designer.problems import DefinitionError
from orderloom.designer.published import blueprint_for
from orderloom.platform.api import api
from orderloom.platform.api.body import json_body
from orderloom.platform.auth import current_user, requires
from orderloom.platform.database import db_session
from orderloom.platform.design import design_context, preview_calendar
from orderloom.platform.field_sight import roles_of_request
from orderloom.platform.openapi import documented
from orderloom.platform.preview_throttle import THROTTLED, throttled
from orderloom.platform.problems import Problem, invalid
from orderloom.platform.refusals import definition_problem
from orderloom.platform.row_access import find_type, visible_orders
from orderloom.runtime.engine.replay import MOST_ORDERS, compare, newest_orders

REPLAY = {"type": "object", "required": ["count"], "additionalProperties": False,
          "properties": {
              "count": {"type": "integer", "minimum": 1, "maximum": MOST_ORDERS,
                        "description": "How many of the newest orders to replay"},
              "definition": {"type": "object",
                             "description": "The draft as it is on screen; the saved draft "
                                            "when left out"},
              "language": {"enum": ["en", "zh"],
                           "description": "The language of refusals; English when left out"}}}
OUTCOME = {"type": "object", "properties": {
    "state": {"type": ["string", "null"]}, "tags": {"type": "array"},
    "computed": {"type": "object"}, "approvals": {"type": "array"},
    "refused": {"type": "array"}}}
REPLAYED = {"type": "object", "properties": {
    "version": {"type": "integer"},
    "labels": {"type": "object", "description": "The published version's labels of its "
                                                "states, approvals and computed fields"},
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
    if not current_user().can("orders.view"):
        # The replay shows what orders became: it is for those who may see orders.
        raise Problem(403, "your roles do not include the permission 'orders.view'")
    body = json_body(REPLAY)
    session = db_session()
    order_type = find_type(session, current_user(), key)
    if order_type is None:
        raise Problem(404, f"there is no order type {key!r}")
    definition = body.get("definition", order_type.draft)
    if definition.get("key") != key:
        raise invalid("/definition/key", f"is {definition.get('key')!r}; a draft of "
                                         f"{key!r} must keep its key")
    where = "/definition" if "definition" in body else ""
    try:
        draft = compile_blueprint(definition, design_context(session))
    except DefinitionError as error:
        moved = [replace(p, pointer=where + p.pointer) for p in error.problems]
        raise definition_problem(DefinitionError(moved)) from None
    sides = [definition] + ([blueprint_for(order_type.latest).definition]
                            if order_type.latest else [])
    hidden = unseen(sides, definition, where)
    # The person's preview calendar: PRODUCTINFO and CUSTOMERINFO read only what their
    # roles let them see, in sessions of their own once this read has ended.
    taken = newest_orders(session, key, body["count"], visible=visible_orders(current_user()),
                          calendar=preview_calendar(session))
    # The read ends here: on SQLite an open transaction holds the write lock, which
    # would make every other writer wait for the whole dry run.
    session.rollback()
    return compare(taken, draft, hidden=hidden, language=body.get("language", "en"))


def unseen(sides: list[dict], draft: dict, where: str) -> frozenset[str]:
    """The fields and columns hidden from the person replaying by the access of the
    draft or of the published version. A draft whose formulas read one of them would
    show it through what it computes, tags or decides: that is refused at each formula."""
    hidden: set[str] = set()
    reads: list[tuple[str, str]] = []
    for definition in sides:
        access = field_access(definition, roles_of_request())
        hidden |= access.hidden.union(*access.hidden_columns.values())
        reads += [read for read in access.hidden_reads(draft) if read not in reads]
    if reads:
        raise Problem(422, "the draft reads fields you may not see", errors=[
            {"pointer": where + pointer, "detail": f"reads {name!r}, which you may not see"}
            for pointer, name in reads])
    return frozenset(hidden)

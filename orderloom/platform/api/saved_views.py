"""Saved views of the order list over the API: each person's own, and shared ones."""
from __future__ import annotations

from flask import url_for

from orderloom.designer.models import OrderType
from orderloom.platform.api import api
from orderloom.platform.api.body import json_body
from orderloom.platform.auth import current_user, requires
from orderloom.platform.database import db_session
from orderloom.platform.field_sight import seen_view
from orderloom.platform.openapi import documented
from orderloom.platform.row_access import sees_type
from orderloom.runtime.orders import saved_views
from orderloom.runtime.orders.saved_views import SavedView

FILTERS = {"type": "object", "additionalProperties": {"type": "string"},
           "description": "The order list's filters: state, channel, created_from, created_to, "
                          "customer, tag, q, and field.<key> for a field of the view's type"}
COLUMNS = {"type": "array", "items": {"type": "string"},
           "description": "number, order_type, state, customer, total, channel, created, and "
                          "field:<key> for a field of the view's order type"}
NEW_VIEW = {"type": "object", "required": ["name", "columns"], "additionalProperties": False,
            "properties": {"name": {"type": "string"},
                           "order_type": {"type": ["string", "null"]},
                           "filters": FILTERS, "columns": COLUMNS,
                           "shared": {"type": "boolean",
                                      "description": "For everyone (needs views.share)"}}}
VIEW_CHANGE = {"type": "object", "additionalProperties": False, "properties": {
    "name": {"type": "string"}, "filters": FILTERS, "columns": COLUMNS}}
VIEW = {"type": "object", "properties": {
    "id": {"type": "integer"}, "name": {"type": "string"}, "shared": {"type": "boolean"},
    "order_type": {"type": ["string", "null"]}, "filters": FILTERS, "columns": COLUMNS}}


def _json(view: SavedView) -> dict:
    order_type = db_session().get(OrderType, view.order_type_id) if view.order_type_id else None
    answer = saved_views.view_json(view, order_type.key if order_type else None)
    answer["filters"], answer["columns"] = seen_view(db_session(), answer["filters"],
                                                     answer["columns"], order_type)
    return answer


def _mine(view_id: int, changing: bool = False) -> SavedView:
    user = current_user()
    return saved_views.view_for(db_session(), user.id, view_id, changing=changing,
                                may_share=user.can("views.share"))


@api.get("/saved-views")
@requires("orders.view")
@documented("Your saved views of the order list and the shared ones, by name",
            tags=("orders",), responses={200: ("Views", {"type": "array", "items": VIEW})})
def list_saved_views():
    return [_json(v) for v in saved_views.visible_views(db_session(), current_user().id)]


@api.post("/saved-views")
@requires("orders.view")
@documented("Save a view of the order list: its filters and columns; shared with everyone "
            "when shared is true", request=NEW_VIEW, tags=("orders",),
            responses={201: ("The view", VIEW)})
def create_saved_view():
    body = json_body(NEW_VIEW)
    session = db_session()
    user = current_user()
    view = saved_views.save_view_for(
        session, user.id, user.username, shared=bool(body.get("shared")),
        may_share=user.can("views.share"), name=body["name"],
        order_type_key=body.get("order_type"), filters=body.get("filters", {}),
        columns=body["columns"], sees=lambda order_type: sees_type(user, order_type))
    session.commit()
    return _json(view), 201, {"Location": url_for("api.get_saved_view", view_id=view.id)}


@api.get("/saved-views/<int:view_id>")
@requires("orders.view")
@documented("One saved view", tags=("orders",), responses={200: ("The view", VIEW)})
def get_saved_view(view_id: int):
    return _json(_mine(view_id))


@api.patch("/saved-views/<int:view_id>")
@requires("orders.view")
@documented("Rename a saved view or change its filters or columns", request=VIEW_CHANGE,
            tags=("orders",), responses={200: ("The view", VIEW)})
def change_saved_view(view_id: int):
    body = json_body(VIEW_CHANGE)
    session = db_session()
    view = _mine(view_id, changing=True)
    saved_views.change_view(session, view, name=body.get("name"),
                            filters=body.get("filters"), columns=body.get("columns"))
    session.commit()
    return _json(view)


@api.delete("/saved-views/<int:view_id>")
@requires("orders.view")
@documented("Delete a saved view", tags=("orders",), responses={204: ("Deleted", None)})
def delete_saved_view(view_id: int):
    session = db_session()
    session.delete(_mine(view_id, changing=True))
    session.commit()
    return "", 204

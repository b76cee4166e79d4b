"""Saving, opening, updating and deleting views of the order list from the list itself.

A view is opened by redirecting to the list with its filters and columns in the
address, so a view, a bookmark and a shared link all work the same way.
"""
from __future__ import annotations

from urllib.parse import parse_qs

from flask import flash, redirect, request, url_for
from flask_babel import gettext
from werkzeug.datastructures import MultiDict

from orderloom.designer.models import OrderType
from orderloom.platform.auth import current_user, requires
from orderloom.platform.database import db_session
from orderloom.platform.field_sight import seen_view
from orderloom.platform.pages import pages
from orderloom.platform.row_access import sees_type
from orderloom.runtime.orders import saved_views
from orderloom.runtime.orders.saved_views import (
    DEFAULT_COLUMNS,
    FILTER_KEYS,
    SavedView,
    ViewProblem,
)


def _listed(query: str) -> MultiDict:
    """The list's arguments the view was saved from (its address's query)."""
    return MultiDict([(k, v) for k, values in parse_qs(query).items() for v in values])


def _filters(args: MultiDict) -> dict[str, str]:
    return {k: v for k, v in args.items()
            if v and (k in FILTER_KEYS or k.startswith("field."))}


def _mine(view_id: int, changing: bool = False) -> SavedView:
    user = current_user()
    return saved_views.view_for(db_session(), user.id, view_id, changing=changing,
                                may_share=user.can("views.share"))


def _problem_message(error: ViewProblem) -> str:
    member = next((name for prefix, name in (("/name", gettext("Name")),
                                             ("/columns", gettext("Columns")),
                                             ("/filters", gettext("Filters")),
                                             ("/order_type", gettext("Order type")))
                   if error.pointer.startswith(prefix)), "")
    if member:
        return gettext("The view was not saved: %(member)s: %(reason)s.", member=member,
                       reason=error.message)
    return gettext("The view was not saved: %(reason)s.", reason=error.message)


@pages.post("/orders/views")
@requires("orders.view")
def save_view():
    session = db_session()
    user = current_user()
    args = _listed(request.form.get("query", ""))
    shared = request.form.get("shared") == "1"
    back = url_for("pages.orders", **args)
    try:
        view = saved_views.save_view_for(
            session, user.id, user.username, shared=shared,
            may_share=user.can("views.share"), name=request.form.get("name", ""),
            order_type_key=args.get("order_type"), filters=_filters(args),
            columns=args.getlist("columns") or DEFAULT_COLUMNS,
            sees=lambda order_type: sees_type(user, order_type))
    except ViewProblem as error:
        flash(_problem_message(error), "error")
        return redirect(back)
    session.commit()
    flash(gettext("Saved the view “%(name)s” for everyone.", name=view.name) if shared
          else gettext("Saved the view “%(name)s”.", name=view.name))
    return redirect(url_for("pages.open_view", view_id=view.id))


@pages.get("/orders/views/<int:view_id>")
@requires("orders.view")
def open_view(view_id: int):
    view = _mine(view_id)
    order_type = db_session().get(OrderType, view.order_type_id) if view.order_type_id else None
    extra = {"order_type": order_type.key} if order_type else {}
    filters, columns = seen_view(db_session(), view.filters, view.columns, order_type)
    return redirect(url_for("pages.orders", **filters, **extra, columns=columns,
                            view=view.id))


@pages.post("/orders/views/<int:view_id>/update")
@requires("orders.view")
def update_view(view_id: int):
    session = db_session()
    view = _mine(view_id, changing=True)
    args = _listed(request.form.get("query", ""))
    try:
        saved_views.change_view(session, view, filters=_filters(args),
                                columns=args.getlist("columns") or DEFAULT_COLUMNS)
    except ViewProblem as error:
        flash(_problem_message(error), "error")
        return redirect(url_for("pages.orders", **args))
    name = view.name
    session.commit()
    flash(gettext("The view “%(name)s” now shows these filters and columns.", name=name))
    return redirect(url_for("pages.open_view", view_id=view_id))


@pages.post("/orders/views/<int:view_id>/delete")
@requires("orders.view")
def delete_view(view_id: int):
    session = db_session()
    view = _mine(view_id, changing=True)
    name = view.name
    session.delete(view)
    session.commit()
    flash(gettext("Deleted the view “%(name)s”.", name=name))
    return redirect(url_for("pages.orders"))

"""The exception queue page (异常订单): counts per reason, the exceptions of the orders
the person may see, and assigning and resolving them from the page."""
from __future__ import annotations

import logging

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext
from sqlalchemy import select

from orderloom.db import utcnow
from orderloom.designer.published import blueprint_for
from orderloom.platform.auth import current_actor, current_user, requires
from orderloom.platform.database import db_session
from orderloom.platform.field_sight import seen_exception
from orderloom.platform.models import User
from orderloom.platform.pages import pages
from orderloom.platform.pages.order_view import Labels, label, language, when
from orderloom.platform.pages.orders import roles, safe_back
from orderloom.platform.row_access import visible_orders
from orderloom.runtime.exception_queue import queue, resolving
from orderloom.runtime.exception_queue.models import OPEN, RESOLVED
from orderloom.runtime.exception_queue.reasons import FIX_SKU, REASONS, RESOLUTION_LABELS
from orderloom.runtime.orders.models import Order

log = logging.getLogger(__name__)
PAGE_SIZE = 100


@pages.get("/exceptions")
@requires("orders.view")
def exceptions_page():
    session = db_session()
    user = current_user()
    lang = language()
    now = utcnow()
    reason = request.args.get("reason") or None
    if reason not in REASONS:
        reason = None
    status = request.args.get("status") if request.args.get("status") in (
        OPEN, RESOLVED, "all") else OPEN
    overdue = request.args.get("overdue") == "true"
    visible = visible_orders(user)
    counts = queue.counts(session, visible, now)
    rows, more = queue.listing(
        session, visible, queue.Filters(status=None if status == "all" else status,
                                        reason=reason, overdue=overdue),
        limit=PAGE_SIZE, now=now)
    shown = []
    for found, order in rows:
        names = Labels(blueprint_for(order.version), lang)
        message, details = seen_exception(session, found, order)
        allowed = REASONS[found.reason].resolutions if found.reason in REASONS else ()
        shown.append({
            "exception": found, "order": order, "state": names.state(order.state),
            "reason": label(REASONS[found.reason].label, lang) if found.reason in REASONS
            else found.reason,
            "message": label(message, lang), "raised": when(found.raised_at),
            "due": when(found.due_at), "overdue": found.overdue(now),
            "resolved": when(found.resolved_at),
            "resolution": label(RESOLUTION_LABELS.get(found.resolution or "", {}), lang),
            "resolutions": [(key, label(RESOLUTION_LABELS[key], lang)) for key in allowed],
            "unknown_skus": sorted({line["sku"] for line in
                                    details.get("lines", [])
                                    if "sku" in line and "floor" not in line})
            if FIX_SKU in allowed else []})
    reasons = [{"key": key, "label": label(r.label, lang), **counts[key]}
               for key, r in REASONS.items()]
    return render_template(
        "exceptions/queue.html", rows=shown, more=more, reasons=reasons, reason=reason,
        status=status, overdue=overdue, can_act=user.can("orders.act"),
        back=request.full_path if request.query_string else url_for("pages.exceptions_page"))


def _back() -> str:
    return safe_back(request.form.get("back"), url_for("pages.exceptions_page"))


def _found(exception_id: int):
    row = queue.one(db_session(), visible_orders(current_user()), exception_id)
    if row is None:
        flash(gettext("There is no exception %(id)s, or its order is hidden from you.",
                      id=exception_id), "error")
    return row


@pages.post("/exceptions/<int:exception_id>/assign")
@requires("orders.act")
def assign_exception_page(exception_id: int):
    row = _found(exception_id)
    if row is None:
        return redirect(_back())
    found, order = row
    session = db_session()
    name = request.form.get("assignee", "").strip() or None
    if name is not None:
        person = session.scalar(select(User).where(User.username == name,
                                                   User.active.is_(True)))
        if person is None or session.scalar(select(Order.id).where(
                Order.id == order.id, visible_orders(person))) is None:
            flash(gettext("%(name)s is no active user who may see order %(number)s; "
                          "nothing was changed.", name=name, number=order.number), "error")
            return redirect(_back())
        if not person.can("orders.act"):
            flash(gettext("%(name)s cannot act on orders, so they could not resolve "
                          "the exception; nothing was changed.", name=name), "error")
            return redirect(_back())
    try:
        resolving.assign(session, current_actor(), found, order, name)
    except resolving.ExceptionRefused as refused:
        flash(label(refused.texts, language()), "error")
        return redirect(_back())
    session.commit()
    flash(gettext("The exception on order %(number)s is assigned to %(name)s.",
                  number=order.number, name=name) if name else
          gettext("The exception on order %(number)s is assigned to nobody.",
                  number=order.number))
    return redirect(_back())


@pages.post("/exceptions/<int:exception_id>/resolve")
@requires("orders.act")
def resolve_exception_page(exception_id: int):
    row = _found(exception_id)
    if row is None:
        return redirect(_back())
    found, order = row
    form = request.form
    fixes = {key[len("fix:"):]: value.strip() for key, value in form.items()
             if key.startswith("fix:") and value.strip()}
    resolution = resolving.Resolution(form.get("resolution", ""),
                                      form.get("note", "").strip() or None,
                                      fixes if form.get("resolution") == FIX_SKU else None)
    session = db_session()
    try:
        resolving.resolve(session, current_actor(), found, order, resolution, roles())
    except resolving.ExceptionRefused as refused:
        session.rollback()
        flash(gettext("Order %(number)s: %(why)s. Nothing was changed.",
                      number=order.number, why=label(refused.texts, language())), "error")
        return redirect(_back())
    state = Labels(blueprint_for(order.version), language()).state(order.state)
    session.commit()
    log.info("exception %s resolved (%s) from the page by %s", exception_id,
             resolution.kind, current_user().username)
    flash(gettext("The exception on order %(number)s is resolved; the order is now "
                  "%(state)s.", number=order.number, state=state))
    return redirect(_back())

"""The approval inbox page, and approving or rejecting a task from it or from the
order's page."""
from __future__ import annotations

import logging

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext
from sqlalchemy import select

from orderloom.designer.published import blueprint_for
from orderloom.platform.auth import current_actor, current_user, requires
from orderloom.platform.database import db_session
from orderloom.platform.field_sight import seen_data
from orderloom.platform.pages import pages
from orderloom.platform.pages.order_view import Labels, language, money, when
from orderloom.platform.pages.orders import form_revision, roles, safe_back, stale_message
from orderloom.platform.refusals import refusal_text
from orderloom.platform.row_access import orders_to_act_on, visible_orders
from orderloom.runtime.audit import WHOLE_WORKFLOW
from orderloom.runtime.engine.approvals import decisions as approving
from orderloom.runtime.engine.approvals.tasks import ApprovalTask, usernames
from orderloom.runtime.errors import OrderError, StaleOrder
from orderloom.runtime.orders.models import Order

log = logging.getLogger(__name__)


def _assignee(task: ApprovalTask, user_id: int, names: dict[int, str]) -> str:
    if task.assignee_role is not None:
        return gettext("the %(role)s role", role=task.assignee_role)
    if task.assignee_user_id is None:
        return gettext("whoever holds %(permission)s (no approver was found)",
                       permission=WHOLE_WORKFLOW)
    if task.assignee_user_id == user_id:
        if task.delegated_from:
            return gettext("you (for %(person)s)", person=task.delegated_from)
        return gettext("you")
    return gettext("%(person)s, who delegated to you",
                   person=names.get(task.assignee_user_id, "?"))


@pages.get("/approvals")
@requires("orders.view")
def approvals():
    session = db_session()
    user = current_user()
    lang = language()
    # Work offered: only tasks on orders the type lets this person act on.
    tasks = approving.inbox(session, user.id, roles(), visible=orders_to_act_on(user),
                            whole_workflow=user.can(WHOLE_WORKFLOW))
    people = usernames(session, {t.assignee_user_id for t in tasks if t.assignee_user_id})
    rows = []
    for task in tasks:
        order = session.get(Order, task.order_id)
        names = Labels(blueprint_for(order.version), lang)
        data = seen_data(order)
        customer = data.get(names.customer_key) if names.customer_key else None
        rows.append({
            "task": task, "order": order, "approval": names.approval(task.approval_key),
            "state": names.state(order.state), "order_type": names.name,
            "customer": customer.get("name", "") if isinstance(customer, dict) else "",
            "total": money(data.get(names.total_key) if names.total_key else None,
                           names.currency),
            "assignee": _assignee(task, user.id, people), "since": when(task.created_at),
            "due": when(task.due_at), "escalated": task.escalated_at is not None})
    return render_template("approvals/inbox.html", rows=rows,
                           can_act=user.can("orders.act"), back=url_for("pages.approvals"))


def _decide(task_id: int, approve: bool):
    form = request.form
    back = safe_back(form.get("back"), url_for("pages.approvals"))
    comment = form.get("comment", "").strip()
    if not approve and not comment:
        flash(gettext("To reject, write a comment saying why; nothing was done."), "error")
        return redirect(back)
    revision, readable = form_revision(form)
    if not readable:
        flash(gettext("The form was damaged (its revision is not a number). Nothing was "
                      "done; try again."), "error")
        return redirect(back)
    session = db_session()
    task = session.get(ApprovalTask, task_id)
    order = session.get(Order, task.order_id) if task is not None else None
    number = order.number if order is not None else "?"
    names = Labels(blueprint_for(order.version), language()) if order is not None else None
    try:
        approving.decide(session, current_actor(), task_id, approve, comment, roles(),
                         expected_revision=revision, visible=visible_orders(current_user()))
    except StaleOrder as error:
        flash(stale_message(number, error, names), "error")
        return redirect(back)
    except OrderError as error:
        flash(gettext("Could not approve: %(why)s.", why=refusal_text(error)) if approve
              else gettext("Could not reject: %(why)s.", why=refusal_text(error)), "error")
        return redirect(back)
    state = order.state
    session.commit()
    done = "approved" if approve else "rejected"
    log.info("approval task %s %s by %s from the page", task_id, done,
             current_user().username)
    words = {"approval": names.approval(task.approval_key), "number": number,
             "state": names.state(state)}
    flash(gettext("You approved “%(approval)s” on order %(number)s; it is now %(state)s.",
                  **words) if approve else
          gettext("You rejected “%(approval)s” on order %(number)s; it is now %(state)s.",
                  **words))
    return redirect(back)


@pages.post("/approvals/<int:task_id>/approve")
@requires("orders.act")
def approve_task(task_id: int):
    return _decide(task_id, True)


@pages.post("/approvals/<int:task_id>/reject")
@requires("orders.act")
def reject_task(task_id: int):
    return _decide(task_id, False)


# The most tasks one bulk approval decides: a page of the inbox, not the whole backlog.
BULK_LIMIT = 200


@pages.post("/approvals/approve-selected")
@requires("orders.act")
def approve_selected():
    """Approve every ticked task with one comment. Each is decided on its own (in a
    savepoint), so one that cannot be approved now is reported and the others go on."""
    form = request.form
    back = safe_back(form.get("back"), url_for("pages.approvals"))
    try:
        ids = sorted({int(value) for value in form.getlist("task_ids")})
    except ValueError:
        flash(gettext("The form was damaged (a task is not a number). Nothing was done."),
              "error")
        return redirect(back)
    if not ids:
        flash(gettext("Tick the approvals to approve first; nothing was done."), "error")
        return redirect(back)
    if len(ids) > BULK_LIMIT:
        flash(gettext("At most %(most)s approvals at once; nothing was done.",
                      most=BULK_LIMIT), "error")
        return redirect(back)
    comment = form.get("comment", "").strip()
    session = db_session()
    lang = language()
    approved: list[str] = []
    refused: list[str] = []
    visible = visible_orders(current_user())
    for task_id in ids:
        task = session.get(ApprovalTask, task_id)
        # A task on an order the person may not see is answered like a missing one,
        # without its order's number.
        order = session.scalar(select(Order).where(Order.id == task.order_id, visible)) \
            if task is not None else None
        if task is None or order is None:
            refused.append(gettext("task %(task)s: there is no such approval", task=task_id))
            continue
        names = Labels(blueprint_for(order.version), lang)
        try:
            with session.begin_nested():
                approving.decide(session, current_actor(), task_id, True, comment, roles(),
                                 visible=visible)
        except OrderError as error:
            refused.append(f"{order.number}: {refusal_text(error)}")
            continue
        approved.append(f"{order.number} ({names.approval(task.approval_key)})")
    session.commit()
    log.info("%d approval task(s) approved together by %s, %d refused", len(approved),
             current_user().username, len(refused))
    if approved:
        flash(gettext("You approved %(count)s: %(orders)s.", count=len(approved),
                      orders=", ".join(approved)))
    if refused:
        flash(gettext("Not approved (%(count)s): %(reasons)s.", count=len(refused),
                      reasons="; ".join(refused)), "error")
    return redirect(back)

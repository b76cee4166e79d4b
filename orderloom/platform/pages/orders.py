"""The staff console's order pages: the list with filters, counts and bulk actions,
and one order with its form, timeline, transitions, approval box and comments.

Every POST redirects back (Post/Redirect/Get) with a flash message, so a reload never
repeats an action; refusals by the runtime become messages on the page, never errors.
"""
from __future__ import annotations

import logging
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext, lazy_gettext
from sqlalchemy import func, select

from orderloom.designer.models import OrderType
from orderloom.designer.published import blueprint_for
from orderloom.platform.auth import current_actor, current_user, requires
from orderloom.platform.database import db_session
from orderloom.platform.field_sight import (
    LINKED_ORDERS,
    access_to,
    hidden_numbers,
    limit_search,
    seen_data,
)
from orderloom.platform.lookups import order_or_404
from orderloom.platform.pages import order_columns, pages
from orderloom.platform.pages.order_view import (
    Labels,
    form_sections,
    label,
    language,
    money,
    timeline,
    when,
)
from orderloom.platform.query_args import cursor, day_moment, on_page
from orderloom.platform.refusals import refusal_text
from orderloom.platform.row_access import sees_type, visible_orders
from orderloom.runtime import business_calendar
from orderloom.runtime.audit import WHOLE_WORKFLOW
from orderloom.runtime.channels.hand_entry import MANUAL
from orderloom.runtime.channels.models import channel_names
from orderloom.runtime.customers.records import Customer
from orderloom.runtime.engine import actions as order_actions
from orderloom.runtime.engine import lifecycle, type_rules
from orderloom.runtime.engine.approvals.tasks import OPEN, ApprovalTask, approval_spec, delegators
from orderloom.runtime.errors import OrderError, StaleOrder
from orderloom.runtime.order_edits import refusals as edit_refusals
from orderloom.runtime.orders import comments, saved_views
from orderloom.runtime.orders.models import Order, OrderEvent
from orderloom.runtime.orders.search import OrderFilter, order_query
from orderloom.runtime.orders.timeline import TimelineKind
from orderloom.runtime.promotions import giving as promotions_given
from orderloom.runtime.reports import daily_totals

log = logging.getLogger(__name__)

PAGE_SIZE = 50
MAX_BULK = 500
DOCUMENTS = (("packing_slip", lazy_gettext("Packing slip")),
             ("shipping_label", lazy_gettext("Shipping label")),
             ("invoice", lazy_gettext("Invoice")))
FILTERS = ("order_type", "state", "channel", "created_from", "created_to", "customer", "tag",
           "q")


def roles() -> set[str]:
    return set(current_user().role_names)


def safe_back(target: str | None, default: str) -> str:
    """Only a path on this site: a form must not be able to send people elsewhere."""
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    return target


def form_revision(form) -> tuple[int | None, bool]:
    """The order revision the page was showing, and whether the field was readable."""
    raw = form.get("revision", "")
    if raw == "":
        return None, True
    try:
        return int(raw), True
    except ValueError:
        return None, False


def stale_message(number: str, error: StaleOrder, names: Labels) -> str:
    return gettext("Someone changed order %(number)s while you had it open (it is now "
                   "%(state)s), so nothing was done. The page now shows the order as it "
                   "is: check it and try again.", number=number, state=names.state(error.state))


# --- the list ---------------------------------------------------------------------------------

def _order_types(session) -> list[tuple[OrderType, Labels]]:
    lang = language()
    found = []
    user = current_user()
    for order_type in session.scalars(select(OrderType).order_by(OrderType.key)):
        # A type whose access hides it is neither offered nor filtered on.
        if order_type.latest is not None and sees_type(user, order_type):
            found.append((order_type, Labels(blueprint_for(order_type.latest), lang)))
    return found


def _filter(args, types: list[tuple[OrderType, Labels]], errors: list[str]
            ) -> tuple[OrderFilter, Labels | None]:
    spec = OrderFilter(
        states=[args["state"]] if args.get("state") else [],
        channel=args.get("channel", "").strip() or None,
        created_from=on_page(errors, lambda: day_moment(args, "created_from"), None),
        created_to=on_page(errors, lambda: day_moment(args, "created_to", end_of_day=True),
                           None),
        customer=args.get("customer", "").strip() or None,
        tag=args.get("tag", "").strip() or None,
        text=args.get("q", "").strip() or None,
        fields={k[len("field."):]: v for k, v in args.items() if k.startswith("field.") and v},
    )
    chosen = None
    if args.get("order_type"):
        match = next(((t, n) for t, n in types if t.key == args["order_type"]), None)
        if match is None:
            errors.append(f"Order type: there is no order type “{args['order_type']}”.")
        else:
            spec.order_type_id, chosen = match[0].id, match[1]
    spec.before_id = on_page(errors, lambda: cursor(args), None)
    return limit_search(db_session(), spec), chosen


def _state_counts(session, spec: OrderFilter) -> dict[str, int]:
    # One GROUP BY over the same filters, without the state and page: the counts say
    # where the matching orders are, whichever state is being looked at. count(*), not
    # count(id): the id is not in the state index, which answers this alone.
    base = replace(spec, states=[], before_id=None)
    visible = visible_orders(current_user())
    # From the daily summary where it keeps what the filters read: a few thousand rows
    # a year instead of every order.
    summed = daily_totals.state_counts(session, base, visible)
    if summed is not None:
        return summed
    query = (order_query(base, visible=visible).order_by(None)
             .with_only_columns(Order.state, func.count()).group_by(Order.state))
    return {state: count for state, count in session.execute(query)}


def channel_labels(session, keys: set[str]) -> dict[str, str]:
    """What people call each channel of ``keys``: the name it was given, and for orders
    typed in without a channel of their own, that they were entered by hand."""
    return {MANUAL: gettext("Entered by hand"), **channel_names(session, keys)}


def _row(order: Order, lang: str, labels: dict[int, Labels]) -> dict[str, Any]:
    names = labels.get(order.version_id)
    if names is None:
        names = labels[order.version_id] = Labels(blueprint_for(order.version), lang)
    data = seen_data(order)
    customer = data.get(names.customer_key) if names.customer_key else None
    return {"number": order.number, "order_type": names.name,
            "state": names.state(order.state), "state_key": order.state,
            "category": names.category(order.state),
            "customer": customer.get("name") or customer.get("code", "")
            if isinstance(customer, dict) else "",
            "total": money(data.get(names.total_key) if names.total_key else None,
                           names.currency),
            "channel": order.channel, "created": when(order.created_at)}


@pages.get("/orders")
@requires("orders.view")
def orders():
    session = db_session()
    args = request.args
    lang = language()
    errors: list[str] = []
    types = _order_types(session)
    spec, chosen = _filter(args, types, errors)
    found = list(session.scalars(
        order_query(spec, visible=visible_orders(current_user())).limit(PAGE_SIZE + 1)))
    page = found[:PAGE_SIZE]
    labels: dict[int, Labels] = {}
    rows = [_row(order, lang, labels) for order in page]
    notes = order_actions.standing_notes(session, page)
    for row, order in zip(rows, page, strict=True):
        row["notes"] = [label(note.text, lang) for note in notes.get(order.id, [])]
    # Columns: the list's own and, for one order type, any field of its form.
    chosen_type = next((t for t, _n in types if t.key == args.get("order_type")), None)
    columns = order_columns.chosen(args.getlist("columns"), chosen_type, lang, errors)
    specs: dict[int, dict] = {}
    for row, order in zip(rows, page, strict=True):
        row["fields"] = order_columns.field_cells(order, columns, lang,
                                                  labels[order.version_id].currency, specs)
    # State names: the chosen type's, else every type's (the first name wins).
    state_names: dict[str, str] = {}
    for _type, names in ([(None, chosen)] if chosen else types):
        for key, name in names.states.items():
            state_names.setdefault(key, name)
    found_counts = _state_counts(session, spec)
    # The chips in workflow order (state_names follows the workflow); a state no
    # published version has any more comes last, under its key.
    counts = {key: found_counts[key] for key in state_names if key in found_counts}
    for key in found_counts:
        state_names.setdefault(key, key)
        counts.setdefault(key, found_counts[key])
    categories: dict[str, str] = {}
    for names in [chosen] if chosen else [n for _t, n in types]:
        for key, category in names.categories.items():
            categories.setdefault(key, category)
    channels = channel_labels(session, {row["channel"] for row in rows})
    for row in rows:
        row["channel"] = channels.get(row["channel"], row["channel"])
    # Bulk transitions: those of the versions on this page, else of the chosen type.
    transitions: dict[str, str] = {}
    for names in list(labels.values()) + ([chosen] if chosen else []):
        for key, name in names.transitions.items():
            transitions.setdefault(key, name)
    kept: dict[str, Any] = {name: value for name, value in args.items()
                            if value and (name in FILTERS or name.startswith("field."))}
    if args.getlist("columns"):
        kept["columns"] = args.getlist("columns")
    views = saved_views.visible_views(session, current_user().id)
    active = next((v for v in views if str(v.id) == args.get("view")), None)
    if active is not None:
        kept["view"] = active.id
    older = (url_for("pages.orders", **kept, before=page[-1].id)
             if len(found) > PAGE_SIZE else None)
    return render_template(
        "orders/list.html", rows=rows, errors=errors, args=kept, types=types,
        state_names=state_names, counts=counts, total=sum(counts.values()),
        categories=categories, filtering=any(k != "columns" and k != "view" for k in kept),
        transitions=transitions, older=older, paged=spec.before_id is not None,
        can_act=current_user().can("orders.act"), back=request.full_path.rstrip("?"),
        filtered={k: v for k, v in kept.items() if k != "state"}, columns=columns,
        column_choices=order_columns.choices(chosen_type, lang), views=views,
        active_view=active, query=request.query_string.decode("utf-8", "replace"),
        can_share=current_user().can("views.share"))


@pages.post("/orders/bulk")
@requires("orders.act")
def bulk_transition():
    """The list's bulk action: the same runtime calls as the API's bulk endpoint, each
    order in its own savepoint, so one refusal does not undo the others."""
    back = safe_back(request.form.get("back"), url_for("pages.orders"))
    numbers = list(dict.fromkeys(n for n in request.form.getlist("numbers") if n))
    key = request.form.get("transition", "")
    if not numbers:
        flash(gettext("Select at least one order for the bulk action."), "error")
        return redirect(back)
    if not key:
        flash(gettext("Choose the transition to take on the selected orders."), "error")
        return redirect(back)
    if len(numbers) > MAX_BULK:
        flash(gettext("Select at most %(most)s orders at a time.", most=MAX_BULK), "error")
        return redirect(back)
    session = db_session()
    actor, held = current_actor(), roles()
    lang = language()
    moved, refused = [], []
    title = key  # the transition's label once an order's version names it
    for number in numbers:
        try:
            with session.begin_nested():
                order = order_or_404(number, session)
                lifecycle.take_transition(session, actor, order, key, held, language=lang)
            names = Labels(blueprint_for(order.version), lang)
            title = names.transition(key)
            moved.append(f"{number} → {names.state(order.state)}")
        except OrderError as error:
            refused.append(f"{number}: {refusal_text(error)}")
    session.commit()
    flash(gettext("“%(transition)s” on %(selected)s selected: %(moved)s moved, %(refused)s "
                  "refused.", transition=title, selected=len(numbers), moved=len(moved),
                  refused=len(refused)))
    if moved:
        flash(gettext("Moved: %(orders)s.", orders=gettext("; ").join(moved)))
    for line in refused:
        flash(gettext("Not moved: %(reason)s.", reason=line), "error")
    return redirect(back)


# --- one order --------------------------------------------------------------------------------

def decidable_tasks(session, order: Order) -> list[ApprovalTask]:
    """The open tasks on this order the current user may decide: theirs, their role's,
    or of someone who delegated to them (when the approval allows delegation)."""
    user, held = current_user(), roles()
    if not type_rules.lets(order, "act", current_actor(), held):
        return []  # the type's access.act would refuse every decision
    tasks = list(session.scalars(select(ApprovalTask).where(
        ApprovalTask.order_id == order.id, ApprovalTask.status == OPEN)
        .order_by(ApprovalTask.id)))
    anyones = user.can(WHOLE_WORKFLOW)
    mine = [t for t in tasks if t.assignee_role in held or t.assignee_user_id == user.id
            or (anyones and t.assignee_role is None and t.assignee_user_id is None)]
    others = [t for t in tasks if t not in mine and t.assignee_user_id is not None]
    if others:
        absent = set(delegators(session, user.id, datetime.now(UTC)))
        blueprint = blueprint_for(order.version)
        mine += [t for t in others if t.assignee_user_id in absent
                 and (approval_spec(blueprint, t.approval_key) or {}).get("allow_delegation")]
    return mine


@pages.get("/orders/<number>")
@requires("orders.view")
def order_detail(number: str):
    session = db_session()
    order = order_or_404(number)
    lang = language()
    blueprint = blueprint_for(order.version)
    names = Labels(blueprint, lang)
    can_act = current_user().can("orders.act")
    transitions = [{**t, "label": names.transition(t["key"]), "to_label": names.state(t["to"])}
                   for t in lifecycle.open_transitions(
                       order, roles(), calendar=business_calendar.formula_calendar(session),
                       whole_workflow=current_actor().whole_workflow, actor=current_actor())
                   ] if can_act else []
    events = list(session.scalars(select(OrderEvent).where(OrderEvent.order_id == order.id)
                                  .order_by(OrderEvent.id)))
    tasks = [{"task": t, "approval": names.approval(t.approval_key), "since": when(t.created_at)}
             for t in decidable_tasks(session, order)] if can_act else []
    customer = session.get(Customer, order.customer_id) if order.customer_id else None
    if customer is not None and access_to(order.version).hides_any_of(
            blueprint.definition, "customer"):
        customer = None  # the customer field is hidden from this reader
    notes = [label(note.text, lang)
             for note in order_actions.standing_notes(session, [order]).get(order.id, [])]
    below_list = _below_list(events, blueprint, order)
    return render_template(
        "orders/detail.html", order=order, names=names, lang=lang, notes=notes,
        below_list=below_list, below_rows={(b["lines"], b["line"]) for b in below_list},
        channel=channel_labels(session, {order.channel}).get(order.channel, order.channel),
        sections=form_sections(order, blueprint, lang), transitions=transitions,
        entries=timeline(events, names, access_to(order.version), hidden_numbers(
            session, (e.details.get(key) for e in events
                      if e.kind == TimelineKind.AFTER_SALES and isinstance(e.details, dict)
                      for key in LINKED_ORDERS))), tasks=tasks,
        can_act=can_act, customer=customer,
        see_customers=current_user().can("customers.view"),
        can_edit=current_user().can("orders.edit")
        and edit_refusals.refusal(session, order, blueprint) is None,
        created=when(order.created_at), updated=when(order.updated_at), documents=DOCUMENTS,
        back=url_for("pages.order_detail", number=order.number),
        # promotions and pre-sale (runtime/promotions/): what the order was given
        promotions=[{**p.as_json(), "amount": money(p.amount, order.currency)}
                    for p in promotions_given.applied_to(session, order.id)],
        money_hidden=blueprint.total_key in access_to(order.version).hidden)


def _below_list(events: list[OrderEvent], blueprint, order: Order) -> list[dict[str, Any]]:
    """The lines the order was flagged for as priced below their list price (the latest
    flag), unless the reader may not see the lines."""
    flags = [e for e in events if e.kind == TimelineKind.PRICE_BELOW_LIST]
    if not flags or access_to(order.version).hides_line_money(blueprint.definition):
        return []
    lines = [line for line in (flags[-1].details or {}).get("lines", [])
             if isinstance(line, dict) and isinstance(line.get("line"), int)]
    return [{**line, "price": money(line.get("price"), order.currency or ""),
             "list_price": money(line.get("list_price"), order.currency or "")}
            for line in lines]


@pages.post("/orders/<number>/transitions/<key>")
@requires("orders.act")
def order_transition(number: str, key: str):
    session = db_session()
    order = order_or_404(number)
    names = Labels(blueprint_for(order.version), language())
    target = url_for("pages.order_detail", number=number)
    revision, readable = form_revision(request.form)
    if not readable:
        flash(gettext("The form was damaged (its revision is not a number). Nothing was "
                      "done; try again."), "error")
        return redirect(target)
    try:
        lifecycle.take_transition(session, current_actor(), order, key, roles(),
                                  expected_revision=revision, language=language())
    except StaleOrder as error:
        flash(stale_message(number, error, names), "error")
        return redirect(target)
    except OrderError as error:
        flash(gettext("“%(transition)s” was not taken: %(reason)s.",
                      transition=names.transition(key), reason=refusal_text(error)), "error")
        return redirect(target)
    state = order.state
    session.commit()
    log.info("order %s: %s by %s from the page", number, key, current_user().username)
    flash(gettext("“%(transition)s” done: order %(number)s is now %(state)s.",
                  transition=names.transition(key), number=number, state=names.state(state)))
    return redirect(target)


@pages.post("/orders/<number>/comments")
@requires("orders.act")
def order_comment(number: str):
    session = db_session()
    order = order_or_404(number)
    target = url_for("pages.order_detail", number=number) + "#timeline"
    try:
        comment = comments.add_comment(session, current_actor(), order,
                                       request.form.get("body", ""))
    except OrderError as error:
        flash(gettext("The comment was not added: %(reason)s.", reason=refusal_text(error)),
              "error")
        return redirect(target)
    mentions = list(comment.mentions)
    session.commit()
    if mentions:
        flash(gettext("Your comment is on the timeline. Notified: %(people)s.",
                      people=", ".join("@" + m for m in mentions)))
    else:
        flash(gettext("Your comment is on the timeline."))
    return redirect(target)

"""The returns pages (售后): the list with counts per state and reason, opening a
return from an order, one return with the form for its next step, and the returns'
time limit in the admin pages. A refused step shows its reason beside the box at
fault and stores nothing."""
from __future__ import annotations

from typing import Any

from flask import abort, redirect, render_template, request, url_for
from flask_babel import gettext
from sqlalchemy import select

from orderloom.db import utcnow
from orderloom.designer.problems import pointer
from orderloom.platform.api.returns import check_refund, line_sight, may_refund, seen_order
from orderloom.platform.auth import current_actor, current_user, requires
from orderloom.platform.database import db_session
from orderloom.platform.pages import pages
from orderloom.platform.pages.order_view import label, language, money, when
from orderloom.platform.refusals import refusal_text
from orderloom.platform.row_access import visible_orders
from orderloom.runtime.after_sales import handling, listing, log, outcomes, requesting, settings
from orderloom.runtime.after_sales.errors import AfterSalesRefused
from orderloom.runtime.after_sales.models import ReturnRequest
from orderloom.runtime.after_sales.reasons import (
    NOTHING_COMES_BACK,
    REASON_LABELS,
    STEP_FROM,
    Disposition,
    Outcome,
    ReturnReason,
    ReturnState,
)
from orderloom.runtime.errors import OrderError
from orderloom.runtime.orders.models import Order
from orderloom.runtime.stock.catalog import Warehouse

HANDLING = "after_sales.manage"
PAGE_SIZE = 100


def state_words() -> dict[str, str]:
    return {ReturnState.REQUESTED: gettext("Requested"), ReturnState.APPROVED: gettext("Approved"),
            ReturnState.REFUSED: gettext("Refused"), ReturnState.RECEIVED: gettext("Received"),
            ReturnState.INSPECTED: gettext("Inspected"), ReturnState.CLOSED: gettext("Closed")}


def outcome_words() -> dict[str, str]:
    return {Outcome.REFUND: gettext("Refund"), Outcome.EXCHANGE: gettext("Exchange"),
            Outcome.RESHIP: gettext("Re-ship the missing items (no charge)"),
            Outcome.NOTHING: gettext("Nothing more")}


def disposition_words() -> dict[str, str]:
    return {Disposition.RESTOCK: gettext("Restock"), Disposition.WRITE_OFF: gettext("Write off")}


def _whole(raw: str) -> bool:
    """Typed digits 0-9 only: ``int()`` refuses other digits ``isdigit()`` takes ("²")."""
    return raw.isascii() and raw.isdigit()


def _reasons() -> list[tuple[str, str]]:
    return [(key.value, label(REASON_LABELS[key], language())) for key in ReturnReason]


def _row(found: ReturnRequest, order: Order, now) -> dict[str, Any]:
    return {"return": found, "order": order,
            "reason": label(REASON_LABELS.get(found.reason, {}), language()) or found.reason,
            "state": state_words().get(found.state, found.state),
            "requested": when(found.requested_at), "due": when(found.due_at),
            "late": found.late(now)}


@pages.get("/returns")
@requires("orders.view")
def returns_page():
    session = db_session()
    now = utcnow()
    state = request.args.get("state") or None
    state = state if state in list(ReturnState) else None
    reason = request.args.get("reason") or None
    reason = reason if reason in list(ReturnReason) else None
    late = request.args.get("late") == "true"
    visible = visible_orders(current_user())
    counts = listing.counts(session, visible, now)
    rows, more = listing.listing(session, visible, listing.Filters(state=state, reason=reason,
                                                                   late=late),
                                 limit=PAGE_SIZE, now=now)
    words = state_words()
    return render_template(
        "returns/list.html", rows=[_row(f, o, now) for f, o in rows], more=more,
        states=[(key.value, words[key], counts["states"][key]) for key in ReturnState],
        reasons=[(key, text, counts["reasons"][key]) for key, text in _reasons()],
        late_count=counts["late"], state=state, reason=reason, late=late,
        sla_hours=settings.sla_hours(session))


def _visible_order(number: str) -> Order | None:
    return db_session().scalar(select(Order).where(Order.number == number,
                                                   visible_orders(current_user())))


def _form_error(error: OrderError) -> tuple[str, str]:
    """The refusal's words and the box they go beside: its pointer's tokens, unescaped
    (a SKU with a slash is one token), joined by colons as the boxes are named
    (``/received/A~1B`` is the box ``received:A/B``)."""
    tokens = (getattr(error, "pointer", "") or "").split("/")[1:]
    return (refusal_text(error, state=state_words()),
            ":".join(t.replace("~1", "/").replace("~0", "~") for t in tokens))


@pages.route("/orders/<number>/returns/new", methods=["GET", "POST"])
@requires(HANDLING)
def new_return_page(number: str):
    order = _visible_order(number)
    if order is None:
        abort(404)
    session = db_session()
    left = requesting.returnable(session, order)
    errors: dict[str, str] = {}
    typed = request.form
    if request.method == "POST":
        lines = []
        for sku in sorted(left):
            raw = (typed.get(f"quantity:{sku}") or "").strip()
            if not raw or raw == "0":
                continue
            if not _whole(raw):
                errors[f"quantity:{sku}"] = gettext("Type a whole number.")
                continue
            lines.append(requesting.Asked(sku, int(raw)))
        if not lines and not errors:
            errors["lines"] = gettext("Type how many of at least one line come back.")
        if not errors:
            try:
                found = requesting.request_return(session, current_actor(), order,
                                                  typed.get("reason", ""), lines,
                                                  note=(typed.get("note") or "").strip())
            except AfterSalesRefused as refused:
                session.rollback()
                words, where = _form_error(refused)
                if where.startswith("lines:"):
                    index = int(where.split(":")[1])
                    where = f"quantity:{lines[index].sku}"
                errors[where or "lines"] = words
            else:
                session.commit()
                return redirect(url_for("pages.return_page", number=found.number))
    return render_template("returns/new.html", order=order, left=sorted(left.items()),
                           reasons=_reasons(), typed=typed, errors=errors)


def _found(number: str) -> tuple[ReturnRequest, Order]:
    row = listing.one(db_session(), visible_orders(current_user()), number)
    if row is None:
        abort(404)
    return row


def _show(found: ReturnRequest, order: Order, errors: dict[str, str] | None = None,
          typed: Any = None, status: int = 200):
    session = db_session()
    now = utcnow()
    replacement = seen_order(found.replacement_order_id)
    can_handle = current_user().can(HANDLING)
    step = next((name for name, starts in STEP_FROM.items()
                 if found.state in starts and name not in ("refuse",)), None)
    if found.state == ReturnState.APPROVED and found.reason in NOTHING_COMES_BACK:
        step = "close"
    outcomes_offered = [(key, text) for key, text in outcome_words().items()
                        if key != Outcome.REFUND or may_refund(order)]
    return render_template(
        "returns/detail.html", row=_row(found, order, now), found=found, order=order,
        lines_seen=line_sight(order)[0],
        replacement=replacement, log=log.entries(session, found), when=when,
        states=state_words(), dispositions=disposition_words(), outcomes=dict(outcome_words()),
        outcomes_offered=outcomes_offered, step=step if can_handle else None,
        can_refuse=can_handle and found.state in STEP_FROM["refuse"],
        warehouses=list(session.scalars(select(Warehouse.code).order_by(Warehouse.code))),
        refunded=money(found.refunded, order.currency or "") if found.refunded else "",
        errors=errors or {}, typed=typed or {}), status


@pages.get("/returns/<number>")
@requires("orders.view")
def return_page(number: str):
    found, order = _found(number)
    return _show(found, order)


def _lines_typed(text: str) -> list[requesting.Asked] | None:
    """Replacement lines as typed, one a line: ``MUG-03 2``."""
    lines = []
    for raw in text.splitlines():
        parts = raw.split()
        if not parts:
            continue
        if len(parts) != 2 or not _whole(parts[1]) or int(parts[1]) < 1:
            raise AfterSalesRefused(f"write each line as a SKU and a quantity: {raw.strip()}",
                                    pointer="/lines", code="after_sales.line_typed",
                                    line=raw.strip())
        lines.append(requesting.Asked(parts[0], int(parts[1])))
    return lines or None


@pages.post("/returns/<number>/<step>")
@requires(HANDLING)
def return_step_page(number: str, step: str):
    found, order = _found(number)
    session = db_session()
    form = request.form
    actor = current_actor()
    note = (form.get("note") or "").strip()
    try:
        if step == "approve":
            handling.approve(session, actor, found, note)
        elif step == "refuse":
            handling.refuse(session, actor, found, note)
        elif step == "receive":
            received = {}
            for line in found.lines:
                raw = (form.get(f"received:{line.sku}") or "").strip()
                if not _whole(raw):
                    raise AfterSalesRefused("type a whole number",
                                            pointer=pointer("received", line.sku),
                                            code="after_sales.whole_number")
                received[line.sku] = int(raw)
            handling.receive(session, actor, found, received)
        elif step == "inspect":
            handling.inspect(session, actor, found, {
                line.sku: {"disposition": form.get(f"disposition:{line.sku}"),
                           "warehouse": form.get(f"warehouse:{line.sku}") or None}
                for line in found.lines if line.received})
        elif step == "close":
            outcome = form.get("outcome", "")
            if outcome == Outcome.REFUND:
                check_refund(order)
            outcomes.close(session, actor, found, outcomes.Closing(
                outcome=outcome, amount=(form.get("amount") or "").strip() or None,
                lines=_lines_typed(form.get("lines") or ""),
                warehouse=form.get("warehouse") or None, note=note))
        else:
            abort(404)
    except OrderError as refused:
        session.rollback()
        words, where = _form_error(refused)
        found, order = _found(number)
        return _show(found, order, {where or step: words}, form, 422)
    session.commit()
    return redirect(url_for("pages.return_page", number=number))


@pages.app_template_global()
def order_returns(order: Order) -> dict[str, Any]:
    """The returns box of the order page: the order's returns, the one it was made for,
    and whether the reader may open one."""
    now = utcnow()
    session = db_session()
    found = listing.of_order(session, order)
    return {"rows": [_row(f, session.get_one(Order, f.order_id), now)
                     | {"made_for": f.replacement_order_id == order.id,
                        "order_seen": f.order_id == order.id
                        or seen_order(f.order_id) is not None} for f in found],
            "can_open": current_user().can(HANDLING)
            and bool(requesting.returnable(db_session(), order))}


@pages.route("/admin/returns", methods=["GET", "POST"])
@requires(HANDLING)
def return_settings_page():
    session = db_session()
    error = None
    saved = False
    typed = request.form.get("sla_hours", "")
    if request.method == "POST":
        try:
            if not _whole(typed.strip()):
                raise AfterSalesRefused("type a whole number of hours", pointer="/sla_hours",
                                        code="after_sales.whole_number")
            settings.change(session, current_actor(), int(typed.strip()))
        except AfterSalesRefused as refused:
            session.rollback()
            error = refusal_text(refused)
        else:
            session.commit()
            saved = True
    return render_template("returns/settings.html", sla_hours=settings.sla_hours(session),
                           typed=typed, error=error, saved=saved,
                           longest=settings.LONGEST_SLA_HOURS), 422 if error else 200

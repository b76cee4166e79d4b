"""Finance pages: the payments box of the staff order page, reconciliation (statement
upload, column mappings, mismatches to resolve) and the daily summary."""
from __future__ import annotations

import logging
import re
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext, lazy_gettext, ngettext
from sqlalchemy import select

from orderloom.designer.published import blueprint_for
from orderloom.platform.auth import current_actor, current_user, requires
from orderloom.platform.database import db_session
from orderloom.platform.field_sight import access_to
from orderloom.platform.lookups import order_or_404
from orderloom.platform.pages import pages
from orderloom.platform.pages.order_view import money, when
from orderloom.platform.pages.payment_status import payment_words, payment_words_in_sentence
from orderloom.platform.query_args import ParameterError, day
from orderloom.platform.refusals import refusal_text
from orderloom.runtime import business_calendar
from orderloom.runtime.audit import WHOLE_WORKFLOW
from orderloom.runtime.errors import OrderError
from orderloom.runtime.orders.models import Order
from orderloom.runtime.payments import (
    entitlement,
    finance_summary,
    reconciliation,
    refunds,
    statements,
)
from orderloom.runtime.payments import received as payments

log = logging.getLogger(__name__)

KIND_LABELS = {"amount_difference": lazy_gettext("Amount differs"),
               "unmatched_line": lazy_gettext("Line with no order"),
               "duplicate": lazy_gettext("Duplicate line"),
               "paid_not_shipped": lazy_gettext("Paid, not shipped"),
               "shipped_unpaid": lazy_gettext("Shipped, unpaid")}
# The columns a statement mapping names, as the mapping form asks for them.
COLUMN_NAMES = {"reference": lazy_gettext("reference"),
                "order_number": lazy_gettext("order number"),
                "amount": lazy_gettext("amount"), "currency": lazy_gettext("currency"),
                "date": lazy_gettext("date"), "description": lazy_gettext("description")}


@pages.app_template_global()
def order_money(order: Order) -> dict[str, Any] | None:
    """The payments box of an order's page; None for someone who may not see money."""
    user = current_user()
    if user is None or not user.can("payments.view"):
        return None
    summary = payments.summary(db_session(), order)
    # A reader whose roles may not see the total field sees neither it nor what is
    # still owed (the total less what came in), as the rest of the page hides it.
    hides_total = access_to(order.version).hides_total(
        blueprint_for(order.version).definition)
    if hides_total:
        summary = {**summary, "total": None, "outstanding": None}
    currency = summary["currency"]
    # Times as the reader reads them, in the instance's zone (the summary's are ISO, UTC).
    payments_shown = [{**p, "at": when(datetime.fromisoformat(p["received_at"]))}
                      for p in summary["payments"]]
    refunds_shown = [{**r, "at": when(datetime.fromisoformat(r["issued_at"]))}
                     for r in summary["refunds"]]
    return {**summary, "payments": payments_shown, "refunds": refunds_shown,
            "hides_total": hides_total, "status_label": payment_words(summary["payment_status"]),
            "shown": {k: money(summary[k], currency) if summary[k] is not None else "—"
                      for k in ("total", "paid", "refunded", "refundable", "outstanding")},
            # Money follows the workflow: each form shows only where it would be taken.
            "can_pay": user.can("payments.manage")
                       and entitlement.allowed(order, "payment", set(user.role_names),
                                              whole_workflow=user.can(WHOLE_WORKFLOW)),
            "can_refund": Decimal(summary["refundable"]) > 0 and user.can("payments.manage")
                          and entitlement.allowed(order, "refund", set(user.role_names),
                                                 whole_workflow=user.can(WHOLE_WORKFLOW))}


def _back(number: str):
    return redirect(url_for("pages.order_detail", number=number) + "#payments")


@pages.post("/orders/<number>/payments")
@requires("payments.manage")
def order_record_payment(number: str):
    session = db_session()
    form = request.form
    try:
        order = order_or_404(number, session)
        entitlement.check(order, "payment", set(current_user().role_names),
                          whole_workflow=current_actor().whole_workflow)
        payments.record_payment(session, current_actor(), order, form.get("amount", ""),
                                method=form.get("method", ""),
                                reference=form.get("reference", ""), source="staff")
    except OrderError as error:
        flash(gettext("The payment was not recorded: %(field)s%(why)s.", field=_field(error),
                      why=refusal_text(error)), "error")
        return _back(number)
    status = order.payment_status
    session.commit()
    flash(gettext("Payment recorded on order %(number)s; it is now %(status)s.",
                  number=number, status=payment_words_in_sentence(status)))
    return _back(number)


@pages.post("/orders/<number>/refunds")
@requires("payments.manage")
def order_issue_refund(number: str):
    session = db_session()
    form = request.form
    amount = form.get("amount", "").strip() or None
    try:
        order = order_or_404(number, session)
        entitlement.check(order, "refund", set(current_user().role_names),
                          whole_workflow=current_actor().whole_workflow)
        refund = refunds.issue_refund(session, current_actor(), order, amount,
                                      reason=form.get("reason", ""), source="staff")
    except OrderError as error:
        flash(gettext("No refund was issued: %(field)s%(why)s.", field=_field(error),
                      why=refusal_text(error)), "error")
        return _back(number)
    value, currency, status = refund.amount, refund.currency, order.payment_status
    session.commit()
    flash(gettext("Refund of %(amount)s issued on order %(number)s; it is now %(status)s.",
                  amount=money(value, currency), number=number,
                  status=payment_words_in_sentence(status)))
    return _back(number)


def _field(error: OrderError) -> str:
    names = {"/amount": lazy_gettext("Amount: "), "/method": lazy_gettext("Method: "),
             "/reference": lazy_gettext("Reference: "), "/currency": lazy_gettext("Currency: ")}
    return str(names.get(error.pointer, ""))


@pages.get("/finance/reconciliation")
@requires("payments.view")
def reconciliation_page():
    session = db_session()
    kind = request.args.get("kind") or None
    if kind not in (None, *reconciliation.KINDS):
        kind = None
    show_resolved = request.args.get("resolved") == "1"
    found = reconciliation.mismatches(session, kind=kind, open_only=not show_resolved,
                                      limit=500)
    rows = [{"m": m, "order": number, "kind": KIND_LABELS[m.kind],
             "found": when(m.found_at), "resolved": when(m.resolved_at),
             "what": _describe(m)} for m, number in found]
    mappings = session.scalars(select(statements.StatementMapping)
                               .order_by(statements.StatementMapping.provider)).all()
    imports = session.scalars(select(statements.StatementImport)
                              .order_by(statements.StatementImport.id.desc()).limit(10)).all()
    return render_template(
        "finance/reconciliation.html", rows=rows, kind=kind, kinds=KIND_LABELS,
        show_resolved=show_resolved, mappings=mappings, imports=imports, when=when,
        fields=statements.FIELDS, required=statements.REQUIRED, column_names=COLUMN_NAMES,
        can_manage=current_user().can("payments.manage"))


# Why the matching could not pair a statement line (runtime/payments/reconciliation.py
# ``why_code``), in the reader's language; a mismatch recorded before the codes keeps
# its English ``why``.
WHY_WORDS = {
    "no_payment_recorded": lambda d: gettext("no payment is recorded for the order"),
    "several_fit": lambda d: ngettext("%(num)s payment fits equally well",
                                      "%(num)s payments fit equally well",
                                      int(d.get("fitting") or 0)),
    "nothing_matches": lambda d: gettext("no payment or order matches it"),
}


def _why(d: dict[str, Any]) -> str:
    words = WHY_WORDS.get(d.get("why_code") or "")
    return words(d) if words is not None else d.get("why", "")


def _describe(mismatch: reconciliation.Mismatch) -> str:
    d = mismatch.details or {}
    kind = mismatch.kind
    row, currency = d.get("row"), d.get("currency")
    if kind == "amount_difference":
        text = gettext("Statement line %(row)s says %(amount)s %(currency)s; recorded "
                       "%(recorded)s", row=row, amount=d.get("statement"), currency=currency,
                       recorded=d.get("recorded"))
        return text + (f" ({_why(d)})" if d.get("why") else "")
    if kind == "unmatched_line":
        if d.get("reference"):
            text = gettext("Statement line %(row)s: %(amount)s %(currency)s on %(date)s, "
                           "reference %(reference)s", row=row, amount=d.get("amount"),
                           currency=currency, date=d.get("date"), reference=d["reference"])
        else:
            text = gettext("Statement line %(row)s: %(amount)s %(currency)s on %(date)s",
                           row=row, amount=d.get("amount"), currency=currency,
                           date=d.get("date"))
        return text + f" — {_why(d)}"
    if kind == "duplicate":
        if d.get("first_row"):
            return gettext("Statement line %(row)s (%(amount)s %(currency)s) repeats line "
                           "%(first)s", row=row, amount=d.get("amount"), currency=currency,
                           first=d["first_row"])
        return gettext("Statement line %(row)s (%(amount)s %(currency)s) repeats an earlier "
                       "statement", row=row, amount=d.get("amount"), currency=currency)
    if kind == "paid_not_shipped":
        return gettext("Paid %(days)s days ago (%(paid)s), still %(state)s",
                       days=d.get("days"), paid=d.get("paid"), state=d.get("state"))
    return gettext("%(state)s, but %(payment)s", state=d.get("state"),
                   payment=payment_words_in_sentence(d.get("payment_status") or "unpaid"))


@pages.post("/finance/statements")
@requires("payments.manage")
def reconciliation_upload():
    session = db_session()
    provider = request.form.get("provider", "")
    upload = request.files.get("file")
    back = redirect(url_for("pages.reconciliation_page"))
    mapping = statements.find_mapping(session, provider) if provider else None
    if mapping is None:
        flash(gettext("Choose a provider whose column mapping is saved."), "error")
        return back
    if upload is None or not upload.filename:
        flash(gettext("Choose the statement file (CSV or Excel)."), "error")
        return back
    try:
        lines = statements.read_statement(upload.read(), upload.filename, mapping)
        outcome = reconciliation.import_statement(session, current_actor(), provider,
                                                  upload.filename, lines)
    except OrderError as error:
        flash(gettext("The statement was not imported: %(why)s",
                      why=refusal_text(error, field=COLUMN_NAMES)), "error")
        return back
    counts = outcome.counts
    result = outcome.statement
    session.commit()
    flash(gettext("%(lines)s lines read, %(matched)s matched; %(new)s new mismatches.",
            lines=result.line_count, matched=result.matched_count, new=sum(counts.values())))
    return back


@pages.post("/finance/mappings")
@requires("payments.manage")
def reconciliation_save_mapping():
    session = db_session()
    form = request.form
    provider = form.get("provider", "").strip().lower()
    back = redirect(url_for("pages.reconciliation_page"))
    if not re.match(r"^[a-z0-9][a-z0-9_-]{0,62}$", provider):
        flash(gettext("Provider: use lower-case letters, digits, _ and -, e.g. alipay."), "error")
        return back
    columns = {f: form.get(f"column_{f}", "").strip() for f in statements.FIELDS}
    try:
        statements.save_mapping(session, current_actor().name, provider,
                                {k: v for k, v in columns.items() if v},
                                date_format=form.get("date_format", "").strip(),
                                decimal_comma=form.get("decimal_comma") == "on")
    except OrderError as error:
        flash(gettext("The mapping was not saved: %(why)s.",
                      why=refusal_text(error, field=COLUMN_NAMES)), "error")
        return back
    session.commit()
    flash(gettext("Column mapping of %(provider)s saved.", provider=provider))
    return back


@pages.post("/finance/mismatches/<int:mismatch_id>/resolve")
@requires("payments.manage")
def reconciliation_resolve(mismatch_id: int):
    session = db_session()
    try:
        reconciliation.resolve(session, current_actor(), mismatch_id,
                               request.form.get("note", ""))
    except OrderError as error:
        flash(gettext("Not resolved: %(why)s.", why=refusal_text(error)), "error")
        return redirect(url_for("pages.reconciliation_page"))
    session.commit()
    flash(gettext("Mismatch %(id)s resolved.", id=mismatch_id))
    return redirect(url_for("pages.reconciliation_page"))


@pages.get("/finance/summary")
@requires("payments.view")
def finance_summary_page():
    today = business_calendar.today()
    try:
        last = day(request.args, "to", today)
        first = day(request.args, "from", last - timedelta(days=6))
    except ParameterError as error:
        flash(gettext("%(problem)s Showing the last 7 days instead.",
                      problem=error.page_message), "error")
        first, last = today - timedelta(days=6), today
    if first > last or (last - first).days >= finance_summary.MAX_DAYS:
        flash(gettext("Choose a “from” before “to”, at most %(days)s days apart.",
                      days=finance_summary.MAX_DAYS), "error")
        first, last = today - timedelta(days=6), today
    rows = finance_summary.summary(db_session(), first, last)
    shown = [{**row, **{k: money(row[k], row["currency"], with_currency=False) for k in (
        "order_value", "received", "refunded", "net_received", "outstanding")}}
        for row in rows]
    return render_template("finance/summary.html", rows=shown, first=first, last=last)

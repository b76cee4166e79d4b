"""Payments, refunds, statement reconciliation and the finance summary over the API."""
from __future__ import annotations

import re
from datetime import datetime, timedelta
from decimal import Decimal

from flask import request
from sqlalchemy import select

from orderloom.platform import query_args
from orderloom.platform.api import api
from orderloom.platform.api.body import json_body, uploaded_file
from orderloom.platform.api.downloads import file_response
from orderloom.platform.auth import current_actor, current_user, requires
from orderloom.platform.database import db_session
from orderloom.platform.lookups import order_or_404
from orderloom.platform.openapi import documented
from orderloom.platform.problems import Problem, invalid
from orderloom.platform.query_args import ParameterError
from orderloom.runtime import audit, business_calendar
from orderloom.runtime.channels.order_files import write_csv, write_xlsx
from orderloom.runtime.payments import (
    entitlement,
    finance_summary,
    reconciliation,
    refunds,
    statements,
)
from orderloom.runtime.payments import received as payments
from orderloom.runtime.payments import status as payment_status

AMOUNT = {"type": ["string", "number"], "description": "A decimal amount, e.g. \"120.50\""}
NEW_PAYMENT = {
    "type": "object", "required": ["amount", "method"], "additionalProperties": False,
    "properties": {
        "amount": AMOUNT,
        "currency": {"type": "string", "pattern": "^[A-Z]{3}$",
                     "description": "Must be the order's currency; by default it is"},
        "method": {"type": "string", "minLength": 1, "maxLength": 40},
        "reference": {"type": "string", "maxLength": 200,
                      "description": "The provider's transaction reference"},
        "received_at": {"type": "string", "format": "date-time"},
    },
}
NEW_REFUND = {
    "type": "object", "additionalProperties": False,
    "properties": {
        "amount": {**AMOUNT, "description": "Without it, the rest of what was paid"},
        "reason": {"type": "string", "maxLength": 500},
        "reference": {"type": "string", "maxLength": 200},
    },
}
COLUMN = {"type": "string", "minLength": 1, "maxLength": 200}
MAPPING = {
    "type": "object", "required": ["columns"], "additionalProperties": False,
    "properties": {
        "columns": {"type": "object", "required": ["amount", "date"],
                    "additionalProperties": False,
                    "properties": {f: COLUMN for f in statements.FIELDS},
                    "description": "Statement field -> the file's column name"},
        "date_format": {"type": "string", "maxLength": 40,
                        "description": "strptime pattern such as %d/%m/%Y; ISO by default"},
        "decimal_comma": {"type": "boolean"},
        "currency": {"type": "string", "pattern": "^[A-Z]{3}$",
                     "description": "For lines without a currency column"},
    },
}
# What GET/PUT answer: the mapping as sent, plus who saved it and when.
MAPPING_ANSWER = {**MAPPING, "properties": {
    **MAPPING["properties"], "currency": {"type": ["string", "null"]},
    "provider": {"type": "string"}, "updated_at": {"type": "string"},
    "updated_by": {"type": "string"}}}
RESOLVE = {"type": "object", "required": ["note"], "additionalProperties": False,
           "properties": {"note": {"type": "string", "minLength": 1, "maxLength": 1000}}}
MONEY_SUMMARY = {"type": "object", "properties": {
    "order": {"type": "string"}, "payment_status": {"enum": list(payment_status.STATUSES)},
    "currency": {"type": "string"}, "total": {"type": ["string", "null"]},
    "paid": {"type": "string"}, "refunded": {"type": "string"},
    "refundable": {"type": "string"}, "outstanding": {"type": ["string", "null"]},
    "payments": {"type": "array"}, "refunds": {"type": "array"}}}
PROVIDER = r"^[a-z0-9][a-z0-9_-]{0,62}$"


def _moment(value: str | None, pointer: str) -> datetime | None:
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise invalid(pointer, "is not a date and time such as 2026-11-25T10:00:00Z") from None
    if moment.tzinfo is None:
        raise invalid(pointer, "give the time with its zone, e.g. 2026-11-25T10:00:00Z")
    return moment


@api.get("/orders/<number>/payments")
@requires("payments.view")
@documented("An order's payments and refunds, its payment status and what is still owed "
            "or refundable", tags=("payments",),
            responses={200: ("The order's money", MONEY_SUMMARY)})
def order_payments(number: str):
    return payments.summary(db_session(), order_or_404(number))


@api.post("/orders/<number>/payments")
@requires("payments.manage")
@documented("Record a payment received for an order; its payment status follows, and "
            "payment.received is sent to webhook subscribers. Only where the order's "
            "workflow gives payments to one of your roles (403 otherwise)", request=NEW_PAYMENT,
            examples={"bank": {"amount": "202.00", "method": "bank_transfer",
                               "reference": "BT-20261125-0042",
                               "received_at": "2026-11-25T09:30:00+08:00"}},
            tags=("payments",), responses={201: ("The order's money", MONEY_SUMMARY)})
def record_payment(number: str):
    body = json_body(NEW_PAYMENT, exact_numbers=True)
    session = db_session()
    order = order_or_404(number)
    entitlement.check(order, "payment", set(current_user().role_names),
                      whole_workflow=current_actor().whole_workflow)
    payments.record_payment(
        session, current_actor(), order, body["amount"], method=body["method"],
        reference=body.get("reference", ""), currency=body.get("currency"),
        received_at=_moment(body.get("received_at"), "/received_at"),
        source="api" if current_actor().via == "api" else "staff")
    session.commit()
    return payments.summary(session, order), 201


@api.post("/orders/<number>/refunds")
@requires("payments.manage")
@documented("Issue a refund: never more than was paid and not yet refunded (422 names "
            "/amount; 409 when nothing is left). Without an amount, the rest of what was "
            "paid. refund.issued is sent to webhook subscribers. Only where the order's "
            "workflow gives refunds to one of your roles now (403 otherwise)",
            request=NEW_REFUND,
            tags=("payments",), responses={201: ("The order's money", MONEY_SUMMARY)})
def issue_refund(number: str):
    body = json_body(NEW_REFUND, exact_numbers=True)
    session = db_session()
    order = order_or_404(number)
    entitlement.check(order, "refund", set(current_user().role_names),
                      whole_workflow=current_actor().whole_workflow)
    refunds.issue_refund(session, current_actor(), order, body.get("amount"),
                         reason=body.get("reason", ""),
                         reference=body.get("reference", ""),
                         source="api" if current_actor().via == "api" else "staff")
    session.commit()
    return payments.summary(session, order), 201


def _provider(provider: str) -> str:
    if not re.match(PROVIDER, provider):
        raise invalid("/provider", "use lower-case letters, digits, _ and -, e.g. alipay",
                      status=404 if request.method == "GET" else 422)
    return provider


@api.get("/statement-mappings")
@requires("payments.view")
@documented("The saved statement column mappings, one per provider", tags=("payments",),
            responses={200: ("Mappings", {"type": "array"})})
def list_statement_mappings():
    return [statements.mapping_json(m) for m in db_session().scalars(
        select(statements.StatementMapping).order_by(statements.StatementMapping.provider))]


@api.get("/statement-mappings/<provider>")
@requires("payments.view")
@documented("A provider's statement column mapping", tags=("payments",),
            responses={200: ("The mapping", MAPPING_ANSWER)})
def get_statement_mapping(provider: str):
    mapping = statements.find_mapping(db_session(), _provider(provider))
    if mapping is None:
        raise Problem(404, f"there is no statement mapping for {provider!r}; save one with "
                           "PUT first")
    return statements.mapping_json(mapping)


@api.put("/statement-mappings/<provider>")
@requires("payments.manage")
@documented("Save which column of this provider's statements holds what (amount and date "
            "are required; reference, order_number, currency, description optional)",
            request=MAPPING, tags=("payments",), responses={200: ("The mapping", MAPPING_ANSWER)})
def save_statement_mapping(provider: str):
    provider = _provider(provider)
    body = json_body(MAPPING)
    session = db_session()
    mapping = statements.save_mapping(
        session, current_actor().name, provider, body["columns"],
        date_format=body.get("date_format", ""),
        decimal_comma=body.get("decimal_comma", False),
        currency=body.get("currency", "CNY"))
    audit.record(session, current_actor(), "statement_mapping.saved", "statement_mapping",
                 provider, columns=mapping.columns)
    session.commit()
    return statements.mapping_json(mapping)


@api.post("/statements")
@requires("payments.manage")
@documented("Import a provider's statement (multipart field 'file', CSV or xlsx; "
            "?provider= names the saved mapping) and reconcile it: lines are matched by "
            "reference, then by amount and date within ?window_days= (3); orders paid "
            "?ship_within_days= (3) ago and not shipped, and shipped but unpaid, are "
            "reported too", tags=("payments",),
            responses={201: ("What matched and the mismatches found, by kind",
                             {"type": "object"})})
def import_statement():
    content, filename = uploaded_file()
    provider = request.args.get("provider")
    if not provider:
        raise invalid("/provider", "name the provider whose mapping reads the file")
    session = db_session()
    mapping = statements.find_mapping(session, _provider(provider))
    if mapping is None:
        raise invalid("/provider", f"there is no statement mapping for {provider!r}; save "
                                   "one with PUT /api/v1/statement-mappings/" + provider)
    window = query_args.whole(request.args, "window_days",
                              reconciliation.DEFAULT_WINDOW_DAYS, low=0, high=60)
    ship_within = query_args.whole(request.args, "ship_within_days",
                                   reconciliation.DEFAULT_SHIP_WITHIN_DAYS, low=0, high=365)
    lines = statements.read_statement(content, filename, mapping)
    outcome = reconciliation.import_statement(
        session, current_actor(), provider, filename, lines,
        window_days=window, ship_within_days=ship_within)
    session.commit()
    return outcome.as_json(), 201


@api.get("/mismatches")
@requires("payments.view")
@documented("Where money and orders disagree, newest first: ?kind= (amount_difference, "
            "unmatched_line, duplicate, paid_not_shipped, shipped_unpaid), ?resolved=1 for "
            "the resolved ones too, ?limit= and ?before= for the next page",
            tags=("payments",), responses={200: ("Mismatches", {"type": "array"})})
def list_mismatches():
    kind = request.args.get("kind") or None
    if kind is not None and kind not in reconciliation.KINDS:
        raise ParameterError("kind", "must be one of " + ", ".join(reconciliation.KINDS))
    found = reconciliation.mismatches(
        db_session(), kind=kind, open_only=request.args.get("resolved") not in ("1", "true"),
        limit=query_args.whole(request.args, "limit", 200, low=1, high=1000),
        before_id=query_args.cursor(request.args))
    return [reconciliation.mismatch_json(m, number) for m, number in found]


@api.post("/mismatches/<int:mismatch_id>/resolve")
@requires("payments.manage")
@documented("Resolve a mismatch with a note saying how; the audit trail keeps who, when "
            "and the note", request=RESOLVE, tags=("payments",),
            responses={200: ("The resolved mismatch", {"type": "object"})})
def resolve_mismatch(mismatch_id: int):
    body = json_body(RESOLVE)
    session = db_session()
    mismatch = reconciliation.resolve(session, current_actor(), mismatch_id, body["note"])
    session.commit()
    return reconciliation.mismatch_json(mismatch)


@api.get("/finance/summary")
@requires("payments.view")
@documented("The daily finance summary per day and currency: orders, payments, refunds, "
            "outstanding. ?from= and ?to= (dates on the instance's clocks, ORDERLOOM_TIME_ZONE; "
            "today by default, at most 92 days); "
            "?format=json (default), csv or xlsx", tags=("payments",),
            responses={200: ("Rows, or the file", {"type": "object"})})
def finance_summary_report():
    today = business_calendar.today()
    last = query_args.day(request.args, "to", today)
    first = query_args.day(request.args, "from", last if "to" in request.args else today)
    if first > last:
        raise ParameterError("from", "must not be after 'to'")
    if last - first > timedelta(days=finance_summary.MAX_DAYS - 1):
        raise ParameterError("to", f"at most {finance_summary.MAX_DAYS} days at once")
    kind = query_args.choice(request.args, "format", ("json", "csv", "xlsx"), "json")
    rows = finance_summary.summary(db_session(), first, last)
    if kind == "json":
        return {"from": first.isoformat(), "to": last.isoformat(), "rows": rows}
    header = list(finance_summary.COLUMNS)
    cells = ([row[c] for c in header] for row in rows)
    name = f"finance-summary-{first.isoformat()}-{last.isoformat()}"
    if kind == "xlsx":
        return file_response(write_xlsx(header, _numbers(cells)), name, kind)
    return file_response("".join(write_csv(header, cells)), name, kind)


def _numbers(rows):
    """Amounts as numbers in the spreadsheet, so finance can add them up there."""
    for row in rows:
        yield [Decimal(c) if isinstance(c, str) and _is_amount(c) else c for c in row]


def _is_amount(text: str) -> bool:
    return bool(text) and text.replace(".", "", 1).replace("-", "", 1).isdigit()


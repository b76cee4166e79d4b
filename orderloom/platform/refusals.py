"""Which Problem answers each family of typed errors raised under the web layer.

The runtime, the designer and the accounts refuse with typed errors and know
nothing of HTTP. FAMILIES is the one place that says which status, pointers and
extra members a client gets for each; the app registers every family in it as an
error handler, so a view lets these errors pass instead of catching them. A view
catches one only to say something the family cannot know (a pointer into that
view's own request body, a different status for that endpoint).
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

from flask_babel import lazy_gettext

from orderloom.designer.exchange import ImportConflict
from orderloom.designer.problems import DefinitionError
from orderloom.designer.versions import VersionConflict
from orderloom.platform.accounts import AccountError
from orderloom.platform.i18n import reading, reads_english
from orderloom.platform.problem_words import (
    fault_reason,
    problem_text,
    problems_json,
    said_to_a_person,
    template_why,
)
from orderloom.platform.problems import Problem, invalid
from orderloom.platform.query_args import ParameterError
from orderloom.runtime.customers.files import CustomerRowsRefused
from orderloom.runtime.customers.records import StaleCustomer
from orderloom.runtime.errors import OrderError, OrderInputError, StaleOrder
from orderloom.runtime.shipping.staff_booking import BookingError
from orderloom.runtime.stock.files import StockRowsRefused
from orderloom.runtime.stock.keeping import OutOfStock

# The words of each coded refusal (runtime/errors.py, OrderError.code) in the reader's
# language, for the pages; the API keeps the runtime's English detail, which clients
# read. A refusal without a code, or with one not listed, is said as the runtime wrote it.
REFUSAL_WORDS = {
    "approval.no_task": lazy_gettext("there is no approval task %(task)s"),
    "approval.role_not_held": lazy_gettext(
        "approval task %(task)s is for the role %(role)s; you do not hold it"),
    "approval.someone_elses": lazy_gettext(
        "approval task %(task)s is assigned to someone else, who has not delegated it to you"),
    "approval.not_in_version": lazy_gettext(
        "order %(order)s's version has no approval %(approval)s"),
    "approval.not_its_turn": lazy_gettext(
        "approval task %(task)s is a later step of the sequence; it is not its turn yet"),
    "approval.already_approved": lazy_gettext("approval task %(task)s is approved already"),
    "approval.already_rejected": lazy_gettext("approval task %(task)s is rejected already"),
    "approval.already_cancelled": lazy_gettext("approval task %(task)s is cancelled already"),
    "approval.already_approved_by": lazy_gettext(
        "approval task %(task)s is approved by %(by)s already"),
    "approval.already_rejected_by": lazy_gettext(
        "approval task %(task)s is rejected by %(by)s already"),
    "approval.already_cancelled_by": lazy_gettext(
        "approval task %(task)s is cancelled by %(by)s already"),
    "approval.moved_on": lazy_gettext(
        "order %(order)s has moved on to %(state)s; it no longer waits for this approval"),
    "approval.rejection_needs_comment": lazy_gettext("a rejection needs a comment saying why"),
    "approval.decided_just_now": lazy_gettext(
        "approval task %(task)s was decided by someone else just now"),
    # Editing a placed order (runtime/order_edits)
    "order_edit.finished": lazy_gettext(
        "order %(number)s is finished (%(state)s); it can no longer be changed"),
    "order_edit.shipped": lazy_gettext(
        "order %(number)s has shipped; what left the warehouse can no longer be changed: "
        "take it back as a return instead"),
    "order_edit.picking_started": lazy_gettext(
        "picking of order %(number)s has started in wave %(wave)s; it can no longer be "
        "changed"),
    "order_edit.short": lazy_gettext(
        "%(sku)s: %(more)s more wanted but only %(available)s available in %(warehouse)s; "
        "%(short)s short"),
    "payment.not_positive": lazy_gettext("must be more than 0"),
    "payment.not_an_amount": lazy_gettext('must be an amount such as "120.50"'),
    "payment.not_a_number": lazy_gettext(
        '%(value)s is not an amount; write it like "120.50"'),
    "payment.too_large": lazy_gettext("is larger than Orderloom stores"),
    "payment.other_currency": lazy_gettext(
        "order %(order)s is in %(expected)s; a payment in %(currency)s cannot be added to it"),
    "payment.method_missing": lazy_gettext(
        'say how it was paid, e.g. "alipay" or "bank_transfer"'),
    "payment.reference_taken": lazy_gettext(
        "order %(order)s already has a payment with reference '%(reference)s'"),
    "statement.bad_date_pattern": lazy_gettext(
        "'%(pattern)s' is not a date pattern such as %%d/%%m/%%Y"),
    "reconciliation.note_too_long": lazy_gettext("must be at most 1000 characters"),
    "payment.not_permitted": lazy_gettext(
        "a refund needs the %(permission)s permission, which your roles do not have"),
    "reconciliation.no_mismatch": lazy_gettext("there is no mismatch %(mismatch)s"),
    "reconciliation.note_missing": lazy_gettext("say how it was resolved"),
    "reconciliation.resolved_already": lazy_gettext(
        "mismatch %(mismatch)s was resolved by %(by)s already"),
    "statement.column_missing": lazy_gettext("name the column that holds the %(field)s"),
    "statement.empty": lazy_gettext("the statement has no lines"),
    "stock.no_product": lazy_gettext("there is no product with SKU '%(sku)s'"),
    "stock.no_warehouse": lazy_gettext("there is no warehouse '%(warehouse)s'"),
    "stock.quantity_not_positive": lazy_gettext("the quantity must be more than 0"),
    "stock.change_zero": lazy_gettext("an adjustment needs a change other than 0"),
    "stock.reference_missing": lazy_gettext("say why: an adjustment needs a reference"),
    "stock.short": lazy_gettext(
        "only %(available)s of %(sku)s available in %(warehouse)s, %(wanted)s wanted"),
    "stock.parcel_more": lazy_gettext(
        "the order holds %(held)s of %(sku)s in this warehouse, the parcel carries "
        "%(wanted)s"),
    "stock.file_columns": lazy_gettext(
        "the first row must name the columns sku, warehouse, quantity (and optionally "
        "reference); missing: %(missing)s"),
    "stock.file_mode": lazy_gettext("mode must be one of %(modes)s, not '%(mode)s'"),
    "stock.file_empty": lazy_gettext("the file has no rows under its header"),
    "account.username_form": lazy_gettext("use 2 to 150 letters, digits or . _ @ -"),
    "account.user_exists": lazy_gettext("a user named '%(username)s' already exists"),
    "account.last_administrator": lazy_gettext(
        "%(username)s is the last administrator: give another active user every permission "
        "first, or nobody could manage this instance"),
    "account.holds_more": lazy_gettext(
        "%(username)s holds %(permissions)s, which you do not hold yourself; only someone "
        "who does may change this user"),
    "account.role_grants_more": lazy_gettext(
        "you cannot give the role '%(role)s': it grants %(permissions)s, which you do not "
        "hold yourself"),
    "account.no_role": lazy_gettext("there is no role named '%(role)s'"),
    "account.role_name_form": lazy_gettext(
        "use 2 to 50 lower-case letters, digits, - or _, starting with a letter"),
    "account.role_exists": lazy_gettext("a role named '%(role)s' already exists"),
    "account.token_name": lazy_gettext("give the token a name of 1 to 100 characters"),
    "account.builtin_fixed": lazy_gettext(
        "'%(role)s' is a built-in role: what it may do is fixed; create a custom role "
        "instead"),
    "account.builtin_kept": lazy_gettext("'%(role)s' is a built-in role and cannot be deleted"),
    "account.cannot_change_role": lazy_gettext(
        "you cannot change the role '%(role)s': it holds %(permissions)s, which you do not "
        "hold yourself"),
    "account.cannot_delete_role": lazy_gettext(
        "you cannot delete the role '%(role)s': it holds %(permissions)s, which you do not "
        "hold yourself"),
    "account.role_held": lazy_gettext(
        "the role '%(role)s' is still held by %(holders)s: take it from them first"),
    "account.role_named": lazy_gettext(
        "the published order types %(types)s name the role '%(role)s': publish them without "
        "it first"),
    "account.no_permission": lazy_gettext("there is no permission '%(permission)s'"),
    "account.cannot_grant": lazy_gettext(
        "you cannot grant '%(permission)s': you do not hold it yourself"),
    "password.too_short": lazy_gettext("must be at least %(least)s characters long"),
    "password.repeated": lazy_gettext("must not be one character repeated"),
    "password.spaces": lazy_gettext("must not start or end with spaces"),
    "password.username": lazy_gettext("must not contain the username"),
    "password.guessable": lazy_gettext(
        "is too easy to guess; add another word or two, or choose a longer one"),
    "stock_file.no_sku": lazy_gettext("the SKU is empty"),
    "stock_file.no_warehouse": lazy_gettext("the warehouse is empty"),
    "stock_file.not_whole": lazy_gettext("the quantity %(quantity)s is not a whole number"),
    "stock_file.out_of_range": lazy_gettext(
        "the quantity must be between %(lowest)s and %(highest)s, not %(quantity)s"),
    "order.stale": lazy_gettext(
        "order %(order)s was changed by someone else; it is now at revision %(revision)s"),
    "statement.column_absent": lazy_gettext(
        "the mapping of %(provider)s reads the %(field)s from the column %(column)s, which "
        "the file does not have"),
    # returns and exchanges (runtime/after_sales/)
    "after_sales.sla_hours": lazy_gettext(
        "the time limit must be a whole number of hours from 1 to %(longest)s"),
    "after_sales.whole_number": lazy_gettext("type a whole number"),
    "after_sales.no_lines": lazy_gettext("name at least one line: its SKU and quantity"),
    "after_sales.too_many_lines": lazy_gettext("at most %(most)s lines"),
    "after_sales.no_sku": lazy_gettext("name the line's SKU"),
    "after_sales.bad_quantity": lazy_gettext("the quantity must be a whole number of 1 or more"),
    "after_sales.no_reason": lazy_gettext("there is no return reason %(reason)s"),
    "after_sales.note_too_long": lazy_gettext("the note may be %(most)s characters at most"),
    "after_sales.more_than_shipped": lazy_gettext(
        "order %(order)s can return %(left)s of %(sku)s (shipped, less what other returns "
        "ask for), not %(asked)s"),
    "after_sales.cannot_approve": lazy_gettext(
        "return %(number)s is %(state)s; it cannot be approved now"),
    "after_sales.cannot_refuse": lazy_gettext(
        "return %(number)s is %(state)s; it cannot be refused now"),
    "after_sales.cannot_receive": lazy_gettext(
        "return %(number)s is %(state)s; it cannot be received now"),
    "after_sales.cannot_inspect": lazy_gettext(
        "return %(number)s is %(state)s; it cannot be inspected now"),
    "after_sales.cannot_close": lazy_gettext(
        "return %(number)s is %(state)s; it cannot be closed now"),
    "after_sales.refusal_needs_note": lazy_gettext("say why the return is refused"),
    "after_sales.no_line": lazy_gettext("return %(number)s has no line %(sku)s"),
    "after_sales.reship_not_returned": lazy_gettext(
        "a re-shipment sends only what return %(number)s is for; %(sku)s is not on it"),
    "after_sales.reship_too_many": lazy_gettext(
        "a re-shipment sends at most the %(most)s of %(sku)s return %(number)s is for, "
        "not %(asked)s"),
    "after_sales.received_beyond": lazy_gettext("%(sku)s: between 0 and %(most)s can arrive"),
    "after_sales.no_disposition": lazy_gettext(
        "%(sku)s: say whether it is restocked or written off"),
    "after_sales.no_warehouse": lazy_gettext("%(sku)s: name the warehouse it goes back to"),
    "after_sales.no_outcome": lazy_gettext("there is no outcome %(outcome)s"),
    "after_sales.no_line_items": lazy_gettext(
        "order %(order)s's form has no product lines to send"),
    "after_sales.no_warehouse_out": lazy_gettext(
        "name the warehouse the new order ships from"),
    "after_sales.out_of_stock": lazy_gettext(
        "not made: only %(available)s of %(sku)s available in %(warehouse)s, %(wanted)s "
        "wanted"),
    "after_sales.no_amount": lazy_gettext(
        "the returned lines of %(number)s have no price; type the amount to refund"),
    "after_sales.nothing_to_send": lazy_gettext(
        "nothing of %(number)s came back to send again; name the lines of the new order"),
    "after_sales.line_typed": lazy_gettext(
        "write each line as a SKU and a quantity: %(line)s"),
    # promotions and pre-sale (runtime/promotions/)
    "promotion.required": lazy_gettext("this is required"),
    "promotion.too_long": lazy_gettext("at most %(longest)s characters"),
    "promotion.not_a_list": lazy_gettext("at most %(most)s entries"),
    "promotion.not_a_number": lazy_gettext("%(value)s is not a number"),
    "promotion.out_of_range": lazy_gettext("must be more than 0 and at most %(largest)s"),
    "promotion.not_whole": lazy_gettext("must be a whole number"),
    "promotion.too_many_places": lazy_gettext("at most %(places)s decimal places"),
    "promotion.not_a_date": lazy_gettext("%(value)s is not a date such as 2026-01-31"),
    "promotion.not_a_code": lazy_gettext("use letters, digits, _ . and -, at most 40"),
    "promotion.no_product": lazy_gettext("there is no product %(sku)s in the catalog"),
    "promotion.no_channel": lazy_gettext("there is no channel %(channel)s"),
    "promotion.reversed_dates": lazy_gettext("the period ends before it starts"),
    "promotion.gift_without_sku": lazy_gettext("name the gift's SKU"),
    "promotion.discount_on": lazy_gettext("choose the order's total or the rule's lines"),
    "promotion.gives_nothing": lazy_gettext("give a gift or a discount"),
    "promotion.period_too_long": lazy_gettext("a backtest covers at most %(days)s days"),
    "pre_sale.no_product": lazy_gettext("there is no product %(sku)s in the catalog"),
    "pre_sale.no_warehouse": lazy_gettext("there is no warehouse %(warehouse)s"),
    "pre_sale.negative": lazy_gettext("must not be negative"),
    "pre_sale.below_reserved": lazy_gettext(
        "pre-sale orders reserved %(reserved)s of it already"),
    "pre_sale.nothing_waiting": lazy_gettext(
        "order %(order)s has no pre-sale line waiting to be split off"),
    "pre_sale.release_not_ahead": lazy_gettext(
        "the release date must be after today (%(today)s)"),
    "pre_sale.line_waiting": lazy_gettext(
        "%(sku)s of order %(order)s waits for a pre-sale release already"),
    "pre_sale.no_line": lazy_gettext("order %(order)s has no line of %(sku)s left to ship"),
    # merging and splitting (runtime/consolidation/)
    "merge.too_few": lazy_gettext("a merge needs at least two orders"),
    "merge.too_many": lazy_gettext("at most %(most)s orders merge into one parcel"),
    "merge.not_open": lazy_gettext("order %(order)s is in %(state)s, not open: only open "
                                   "orders merge"),
    "merge.stock_given_back": lazy_gettext(
        "order %(order)s gave its stock back in %(state)s: it is being cancelled and "
        "ships nothing"),
    "merge.merged_already": lazy_gettext("order %(order)s is in another merge already"),
    "merge.shipped_already": lazy_gettext("order %(order)s has a shipment already"),
    "merge.no_buyer": lazy_gettext("order %(order)s has no customer to merge by"),
    "merge.no_address": lazy_gettext("order %(order)s has no address to merge by"),
    "merge.other_buyer": lazy_gettext("order %(order)s is of another buyer than %(first)s"),
    "merge.other_address": lazy_gettext(
        "order %(order)s goes to another address than %(first)s"),
    "merge.outside_window": lazy_gettext(
        "the orders were placed more than %(hours)s h apart, the merge window"),
    "merge.out_of_stock": lazy_gettext(
        "the merge cannot hold every unit in %(warehouse)s: only %(available)s of %(sku)s "
        "available there, %(wanted)s wanted"),
    "merge.unknown": lazy_gettext("there is no merge %(merge)s"),
    "merge.undone_already": lazy_gettext("merge %(merge)s was undone already by %(by)s"),
    "merge.parcel_booked": lazy_gettext("merge %(merge)s's parcel is booked: it ships as one"),
    "merge.bad_carrier": lazy_gettext("%(carrier)s is not a carrier code"),
    "merge.bad_tracking": lazy_gettext("a tracking number of 1 to 100 characters"),
    "merge.on_wave": lazy_gettext(
        "order %(order)s is on wave %(wave)s already: orders merge before picking"),
    "merge.picked": lazy_gettext(
        "%(units)s units of order %(order)s are picked: the merge can no longer be undone"),
    "merge.split_already": lazy_gettext(
        "order %(order)s is split into parts; it ships in those"),
    "split.ships_merged": lazy_gettext(
        "order %(order)s is merged with other orders; it ships in the merge's parcel"),
    "merge.not_lead": lazy_gettext(
        "order %(order)s is merged: it ships in the parcel of %(lead)s; undo the merge to "
        "ship it on its own"),
    "split.no_such_basis": lazy_gettext("there is no way to split by %(basis)s"),
    "split.one_warehouse": lazy_gettext(
        "order %(order)s holds its stock in one warehouse at most; there is nothing to "
        "split by warehouse"),
    "split.all_in_stock": lazy_gettext(
        "every unit of order %(order)s is in stock; there is nothing to back-order"),
    "split.nothing_held": lazy_gettext(
        "order %(order)s holds no stock yet; there is nothing to ship now"),
    "split.no_parcel_limits": lazy_gettext(
        "no parcel limit is set: set the heaviest parcel or the most units in one on the "
        "merge and split settings"),
    "split.fits_one": lazy_gettext("order %(order)s fits in one parcel"),
    "split.no_such_line": lazy_gettext("order %(order)s has no line of %(sku)s"),
    "split.bad_quantity": lazy_gettext("a quantity is a whole number of units, at least 1"),
    "split.too_many": lazy_gettext("the parts take %(taken)s of %(sku)s; the order has "
                                   "%(ordered)s"),
    "split.empty_part": lazy_gettext("a part needs at least one line"),
    "split.one_part": lazy_gettext("a split needs at least two parts"),
    "split.too_many_parts": lazy_gettext("at most %(most)s parts"),
    "split.part_not_in_one_warehouse": lazy_gettext(
        "part %(part)s is not held whole in one warehouse; split by warehouse or by stock "
        "first, or change its lines"),
    "split.not_open": lazy_gettext(
        "order %(order)s is in %(state)s, not open: only open orders are split"),
    "split.merged": lazy_gettext(
        "order %(order)s is merged with other orders; undo the merge first"),
    "split.all_shipped": lazy_gettext("every part of order %(order)s has shipped"),
    "split.not_backordered": lazy_gettext(
        "part %(part)s of order %(order)s is %(status_now)s, not back-ordered"),
    "split.part_out_of_stock": lazy_gettext(
        "no warehouse has every unit of part %(part)s of order %(order)s in stock yet"),
    "split.not_held": lazy_gettext("part %(part)s of order %(order)s is not held"),
    "split.no_part": lazy_gettext("order %(order)s has no part %(part)s"),
    "split.not_shipping": lazy_gettext(
        "order %(order)s is in %(state)s; its parts no longer ship"),
    "split.bad_carrier": lazy_gettext("%(carrier)s is not a carrier code"),
    "split.bad_tracking": lazy_gettext("a tracking number of 1 to 100 characters"),
    "split.part_not_ready": lazy_gettext(
        "part %(part)s of order %(order)s is %(status_now)s, not ready to ship"),
}


# A configured action whose formula failed while it ran; ``why`` is worded from the
# fault (problem_words.FAULT_WORDS).
REFUSAL_WORDS.update({
    "action.set_failed": lazy_gettext("the formula that sets %(field)s failed: %(why)s"),
})


# A spreadsheet that cannot be read (runtime/spreadsheets/reading.py): by its reason, and
# the limits a page can name with their figures.
REFUSAL_WORDS.update({
    "spreadsheet.empty": lazy_gettext("the file is empty."),
    "spreadsheet.old_excel": lazy_gettext(
        "this is an old Excel .xls file; save it as .xlsx or CSV."),
    "spreadsheet.not_a_table": lazy_gettext(
        "the file is neither CSV text nor an Excel .xlsx workbook."),
    "spreadsheet.damaged": lazy_gettext(
        "the file cannot be read as CSV or Excel; it may be damaged. Save it again as "
        ".xlsx or CSV (UTF-8)."),
    "spreadsheet.too_large": lazy_gettext(
        "the file is larger than an upload may be (rows, columns or size); split it."),
    "spreadsheet.encoding": lazy_gettext(
        "the CSV file is neither UTF-8 nor GB18030 text; save it again as CSV (UTF-8)."),
    "spreadsheet.too_many_rows": lazy_gettext(
        "the file has more than %(most)s rows under its header (blank rows count too); "
        "split it."),
    "spreadsheet.too_many_columns": lazy_gettext(
        "the first row has more than %(most)s columns."),
    # A template that fails while it renders: ``why`` worded by its reason.
    "template.failed": lazy_gettext("print template %(template)s: %(why)s"),
    "template.failed_at_line": lazy_gettext(
        "print template %(template)s, line %(line)s: %(why)s"),
    "notify.subject_failed": lazy_gettext("the notify action's subject: %(why)s"),
    "notify.subject_failed_at_line": lazy_gettext(
        "the notify action's subject, line %(line)s: %(why)s"),
    "notify.template_failed": lazy_gettext("the notify action's template: %(why)s"),
    "notify.template_failed_at_line": lazy_gettext(
        "the notify action's template, line %(line)s: %(why)s"),
})


# The codes of a template that failed while it rendered, whose ``why`` has a reason.
TEMPLATE_FAILED = frozenset(code for code in REFUSAL_WORDS
                            if code.startswith(("template.", "notify.")))


def refusal_text(error: OrderError | AccountError, **names: Mapping[str, Any]) -> str:
    """What a page says of a runtime refusal, in the reader's language when its code
    has words here. An English reader gets the message as the runtime wrote it, which
    says more than the shortened words (what to do next, the estimator's own warning
    of a guessable password), unless a value has words of its own. A value given as
    a label (``{"en": ..., "zh": ...}``) is said in the reader's language; ``names``
    maps a value's raw keys to their words (a page passes ``field=COLUMN_NAMES`` so
    that a statement's column is named, not keyed)."""
    return refusal_words(getattr(error, "code", None), error.message, error.values,
                         **names)


def refusal_words(code: str | None, message: str, given: Mapping[str, Any],
                  **names: Mapping[str, Any]) -> str:
    """``refusal_text`` of a refusal kept as its code, English message and values (a
    timeline entry keeps them, not the error)."""
    words = REFUSAL_WORDS.get(code or "")
    # A value that has words of its own (a state's label, a column's name) is said in
    # them, for an English reader too: the runtime's message can only quote its key.
    worded = any(isinstance(value, dict) or (key in names and isinstance(value, str))
                 for key, value in given.items())
    if words is None or (reads_english() and not worded):
        return message
    language = reading()
    values: dict[str, Any] = {}
    for key, value in given.items():
        if isinstance(value, dict):
            value = value.get(language) or value.get("en") or next(iter(value.values()), "")
        elif key in names and isinstance(value, str):
            value = names[key].get(value, value)
        values[key] = value
    if "fault" in values:  # a formula that failed while it ran: why, in these words
        values["why"] = fault_reason(values, str(values.get("why", "")))
    if code in TEMPLATE_FAILED and "reason" in values:  # a template that failed: why
        values["why"] = template_why(values, str(values.get("why", "")))
    try:
        return str(words) % values
    except (KeyError, TypeError, ValueError):  # a translation that lost a placeholder
        return message


def said(error: OrderError | AccountError) -> str:
    """A refusal's detail over HTTP: in the reader's language for a page's request
    when its code has words, else the runtime's English, which API clients read."""
    if error.code and said_to_a_person() and not reads_english():
        return refusal_text(error)
    return error.message


def order_problem(error: OrderError) -> Problem:
    if not error.pointer:
        return Problem(error.status, said(error))
    problem = invalid(error.pointer, said(error), status=error.status)
    if error.faults:
        # The message lists every fault already; each gets its own pointer too.
        problem.detail = error.message
        problem.errors = [{"pointer": p, "detail": m} for p, m in error.faults]
    return problem


def order_input_problem(error: OrderInputError) -> Problem:
    # A page's reader gets each value's problem in their language (problem_words.py).
    return Problem(422, error.message, errors=problems_json(error.problems))


def stale_order_problem(error: StaleOrder) -> Problem:
    # What the order is now, so a client can decide without reading it again.
    return Problem(409, said(error),
                   extra={"current": {"revision": error.revision, "state": error.state}})


def stale_customer_problem(error: StaleCustomer) -> Problem:
    return Problem(409, error.message, extra={"current": {"revision": error.revision}})


def out_of_stock_problem(error: OutOfStock) -> Problem:
    return Problem(409, said(error), extra={"available": error.available})


def stock_rows_problem(error: StockRowsRefused) -> Problem:
    # Files arrive as the multipart member ``file``; rows are numbered as a
    # spreadsheet shows them.
    return Problem(422, error.message, errors=[
        {"pointer": f"/file/rows/{row}", "detail": f"row {row}: {message}", "row": row}
        for row, message in error.problems])


def customer_rows_problem(error: CustomerRowsRefused) -> Problem:
    return Problem(422, error.message, errors=[
        {"pointer": f"/file/rows/{p.row}/{p.column}", "detail": f"row {p.row}: {p.detail}",
         "row": p.row, "column": p.column} for p in error.problems])


def definition_problem(error: DefinitionError, status: int = 422) -> Problem:
    problems = error.problems
    if said_to_a_person() and not reads_english():
        # A page's reader gets each problem in their language (problem_words.py).
        problems = [replace(p, message=problem_text(p.code, p.message, p.values))
                    for p in problems]
    summary = "; ".join(str(p) for p in problems[:3])
    if len(problems) > 3:
        summary += f"; and {len(problems) - 3} more"
    return Problem(status, summary or "invalid definition",
                   errors=[p.as_json() for p in problems])


def import_conflict_problem(error: ImportConflict) -> Problem:
    return definition_problem(error, 409)


def version_conflict_problem(error: VersionConflict) -> Problem:
    return Problem(409, str(error))


def parameter_problem(error: ParameterError) -> Problem:
    # A query parameter is no member of a body: ``parameter`` names it. ``pointer``
    # is kept as well, as query parameter errors carried one before.
    return Problem(422, str(error), errors=[
        {"parameter": error.name, "pointer": f"/{error.name}", "detail": error.detail}])


def account_problem(error: AccountError) -> Problem:
    return invalid("/" + error.field, said(error), status=error.status)


def booking_problem(error: BookingError) -> Problem:
    """A staff booking refused or unconfirmed, naming the booking under way."""
    problem = Problem(error.status, error.message)
    booking = error.booking()
    if booking is not None:
        problem.extra["booking"] = booking
    return problem


# A raised error is answered by the entry of its nearest class here (Flask walks
# the class's MRO the same way), so a subclass listed refines its base.
FAMILIES: Mapping[type[Exception], Callable[[Any], Problem]] = {
    OrderError: order_problem,
    OrderInputError: order_input_problem,
    StaleOrder: stale_order_problem,
    StaleCustomer: stale_customer_problem,
    OutOfStock: out_of_stock_problem,
    StockRowsRefused: stock_rows_problem,
    CustomerRowsRefused: customer_rows_problem,
    DefinitionError: definition_problem,
    ImportConflict: import_conflict_problem,
    VersionConflict: version_conflict_problem,
    AccountError: account_problem,
    ParameterError: parameter_problem,
    BookingError: booking_problem,
}


def problem_for(error: Exception) -> Problem:
    """The Problem the client gets for ``error``, for views that report several
    outcomes in one answer (a bulk action) instead of raising."""
    for kind in type(error).__mro__:
        if kind in FAMILIES:
            return FAMILIES[kind](error)
    raise LookupError(f"{type(error).__name__} is of no registered family")

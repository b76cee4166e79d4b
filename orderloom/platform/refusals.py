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
from typing import Any

from flask_babel import get_locale, lazy_gettext

from orderloom.designer.exchange import ImportConflict
from orderloom.designer.problems import DefinitionError
from orderloom.designer.versions import VersionConflict
from orderloom.platform.accounts import AccountError
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
    "payment.not_positive": lazy_gettext("must be more than 0"),
    "reconciliation.no_mismatch": lazy_gettext("there is no mismatch %(mismatch)s"),
    "reconciliation.note_missing": lazy_gettext("say how it was resolved"),
    "reconciliation.resolved_already": lazy_gettext(
        "mismatch %(mismatch)s was resolved by %(by)s already"),
    "statement.column_missing": lazy_gettext("name the column that holds the %(field)s"),
    "statement.empty": lazy_gettext("the statement has no lines"),
    "statement.column_absent": lazy_gettext(
        "the mapping of %(provider)s reads the %(field)s from the column %(column)s, which "
        "the file does not have"),
}


def refusal_text(error: OrderError, **names: Mapping[str, Any]) -> str:
    """What a page says of a runtime refusal, in the reader's language when its code
    has words here. A value given as a label (``{"en": ..., "zh": ...}``) is said in the
    reader's language; ``names`` maps a value's raw keys to their words (a page passes
    ``field=COLUMN_NAMES`` so that a statement's column is named, not keyed)."""
    words = REFUSAL_WORDS.get(error.code or "")
    if words is None:
        return error.message
    language = str(get_locale() or "en").split("_")[0]
    values: dict[str, Any] = {}
    for key, value in error.values.items():
        if isinstance(value, dict):
            value = value.get(language) or value.get("en") or next(iter(value.values()), "")
        elif key in names and isinstance(value, str):
            value = names[key].get(value, value)
        values[key] = value
    try:
        return str(words) % values
    except (KeyError, TypeError, ValueError):  # a translation that lost a placeholder
        return error.message


def order_problem(error: OrderError) -> Problem:
    if not error.pointer:
        return Problem(error.status, error.message)
    problem = invalid(error.pointer, error.message, status=error.status)
    if error.faults:
        # The message lists every fault already; each gets its own pointer too.
        problem.detail = error.message
        problem.errors = [{"pointer": p, "detail": m} for p, m in error.faults]
    return problem


def order_input_problem(error: OrderInputError) -> Problem:
    return Problem(422, error.message, errors=[p.as_json() for p in error.problems])


def stale_order_problem(error: StaleOrder) -> Problem:
    # What the order is now, so a client can decide without reading it again.
    return Problem(409, error.message,
                   extra={"current": {"revision": error.revision, "state": error.state}})


def stale_customer_problem(error: StaleCustomer) -> Problem:
    return Problem(409, error.message, extra={"current": {"revision": error.revision}})


def out_of_stock_problem(error: OutOfStock) -> Problem:
    return Problem(409, error.message, extra={"available": error.available})


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
    return invalid("/" + error.field, error.message, status=error.status)


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

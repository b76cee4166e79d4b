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

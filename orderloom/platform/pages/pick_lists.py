"""Pick lists for the orders selected in the order list.

A pick list is per warehouse, so the selection is split by where each order's stock is
held (else the warehouse it was routed to). One warehouse: its batched pick list opens
at once. Several, or orders not routed anywhere yet: a page with one pick list per
warehouse, and for unrouted orders a choice of warehouse (the only one, when there is
only one, is taken without asking).
"""
from __future__ import annotations

from collections import defaultdict

from flask import Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from orderloom.platform import query_args
from orderloom.platform.auth import current_user, requires
from orderloom.platform.database import db_session
from orderloom.platform.field_sight import seen_data
from orderloom.platform.pages import pages
from orderloom.platform.pages.orders import MAX_BULK, safe_back
from orderloom.platform.row_access import visible_orders
from orderloom.platform.security_headers import DOCUMENT_POLICY
from orderloom.runtime.documents import fulfilment as documents
from orderloom.runtime.errors import OrderError
from orderloom.runtime.orders.models import Order
from orderloom.runtime.stock.catalog import Warehouse
from orderloom.runtime.stock.models import Reservation

FORMATS = ("html", "pdf")


def _selected(values: list[str]) -> list[str]:
    return list(dict.fromkeys(n.strip() for n in values if n.strip()))


def split_by_warehouse(session, numbers: list[str]
                       ) -> tuple[dict[str, list[str]], list[str], list[str]]:
    """({warehouse code: order numbers}, numbers routed nowhere, numbers not found)."""
    orders = {o.number: o for o in session.scalars(select(Order).where(
        Order.number.in_(numbers), visible_orders(current_user())))}
    held: dict[int, set[str]] = defaultdict(set)
    if orders:
        rows = session.execute(
            select(Reservation.order_id, Warehouse.code)
            .join(Warehouse, Warehouse.id == Reservation.warehouse_id)
            .where(Reservation.order_id.in_([o.id for o in orders.values()]),
                   Reservation.status == "held"))
        for order_id, code in rows:
            held[order_id].add(code)
    groups: dict[str, list[str]] = defaultdict(list)
    nowhere, missing = [], []
    for number in numbers:
        order = orders.get(number)
        if order is None:
            missing.append(number)
            continue
        codes = held.get(order.id) or ({order.warehouse} if order.warehouse else set())
        if not codes:
            nowhere.append(number)
        for code in sorted(codes):
            groups[code].append(number)
    return dict(sorted(groups.items())), nowhere, missing


@pages.post("/orders/pick-lists")
@requires("orders.view")
def pick_lists_for_selection():
    back = safe_back(request.form.get("back"), url_for("pages.orders"))
    numbers = _selected(request.form.getlist("numbers"))
    if not numbers:
        flash(_("Select the orders to print pick lists for."), "error")
        return redirect(back)
    if len(numbers) > MAX_BULK:
        flash(_("Select at most %(most)s orders at a time.", most=MAX_BULK), "error")
        return redirect(back)
    session = db_session()
    groups, nowhere, missing = split_by_warehouse(session, numbers)
    warehouses = list(session.scalars(select(Warehouse).order_by(Warehouse.code)))
    if nowhere and len(warehouses) == 1:
        # With one warehouse there is nothing to choose.
        groups.setdefault(warehouses[0].code, []).extend(nowhere)
        nowhere = []
    if len(groups) == 1 and not nowhere and not missing:
        code, chosen = next(iter(groups.items()))
        return redirect(url_for("pages.pick_list_document", warehouse=code, numbers=chosen))
    return render_template("orders/pick_lists.html", groups=groups, nowhere=nowhere,
                           missing=missing, warehouses=warehouses, back=back)


def _refused(message: str):
    return render_template("orders/pick_lists.html", groups={}, nowhere=[], missing=[],
                           warehouses=[], back=url_for("pages.orders"), refusal=message), 422


@pages.get("/orders/pick-lists/print")
@requires("orders.view")
def pick_list_document():
    """The batched pick list of the orders in ``numbers`` in ``warehouse``, to print."""
    code = request.args.get("warehouse", "").strip()
    numbers = _selected(request.args.getlist("numbers"))
    session = db_session()
    if not code:
        # Opened without a warehouse (a bookmark, a hand-typed address): a pick list is
        # per warehouse, so ask for one rather than refuse a warehouse named ''.
        warehouses = list(session.scalars(select(Warehouse).order_by(Warehouse.code)))
        return render_template("orders/pick_lists.html", groups={}, nowhere=[], missing=[],
                               warehouses=warehouses, back=url_for("pages.orders"),
                               ask_warehouse=True, numbers=numbers)
    try:
        wanted = query_args.choice(request.args, "format", FORMATS, "html")
        document = documents.pick_list(session, code, numbers or None,
                                       visible=visible_orders(current_user()),
                                       for_pdf=wanted == "pdf", data_of=seen_data)
    except query_args.ParameterError as error:
        return _refused(error.page_message)
    except OrderError as error:
        # The page is drawn in this request, and drawing it reads (the menu's counts):
        # a half-made pick list must not be flushed by those reads.
        session.rollback()
        return _refused(_("The pick list for %(warehouse)s was not made: %(reason)s.",
                          warehouse=code, reason=error.message))
    session.rollback()
    if wanted == "pdf":
        response = Response(document.pdf(), mimetype="application/pdf")
        response.headers["Content-Disposition"] = \
            f'attachment; filename="{document.filename}"'
    else:
        response = Response(document.html, mimetype="text/html")
    # Print templates are data people wrote: the page may run no script.
    response.headers["Content-Security-Policy"] = DOCUMENT_POLICY
    response.headers["Cache-Control"] = "no-store"
    return response

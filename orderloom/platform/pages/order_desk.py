"""The order desk's merging and splitting on the staff order page: the merge the order
is in or the orders it could merge with, the parts it ships in and how far they have
shipped, and the buttons that merge, undo, split and ship a part; and the settings
page (merge window, merging by rule, parcel limits)."""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from flask import Response, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext, lazy_gettext
from sqlalchemy import select

from orderloom.designer.published import blueprint_for
from orderloom.platform.auth import current_actor, current_user, requires
from orderloom.platform.database import db_session
from orderloom.platform.lookups import may_act_on, may_act_on_all, order_or_404, seen_numbers
from orderloom.platform.pages import pages
from orderloom.platform.pages.order_view import Labels, language, when
from orderloom.platform.pages.orders import safe_back
from orderloom.platform.refusals import refusal_text
from orderloom.platform.row_access import visible_orders
from orderloom.runtime.consolidation import merging, settings, splitting
from orderloom.runtime.consolidation.candidates import suggest
from orderloom.runtime.consolidation.models import Merge
from orderloom.runtime.consolidation.progress import shipping_progress
from orderloom.runtime.errors import OrderError
from orderloom.runtime.orders.models import Order
from orderloom.runtime.promotions import pre_sale
from orderloom.runtime.shipping.carriers.base import CarrierError
from orderloom.runtime.shipping.models import Shipment

PROGRESS = {"not_shipped": lazy_gettext("Not shipped yet"),
            "partly_shipped": lazy_gettext("Partly shipped"),
            "shipped": lazy_gettext("Every part shipped")}
PART_STATUS = {"to_ship": lazy_gettext("To ship"), "shipped": lazy_gettext("Shipped"),
               "backordered": lazy_gettext("Back-ordered"), "held": lazy_gettext("Held")}
BASES = {"warehouse": lazy_gettext("By warehouse"), "stock": lazy_gettext("By stock"),
         "parcel": lazy_gettext("By parcel limits"), "hand": lazy_gettext("By hand"),
         pre_sale.SPLIT_BASIS: lazy_gettext("Split off pre-sale lines")}


def _parcel(shipment_id: int | None) -> Shipment | None:
    return db_session().get(Shipment, shipment_id) if shipment_id else None


@pages.app_template_global()
def order_desk(order: Order) -> dict[str, Any]:
    """What the merge and split section of the order page (orders/_order_desk.html)
    shows."""
    session = db_session()
    found = merging.merge_of(session, order.id)
    merge = None
    if found is not None:
        parcel = _parcel(found.shipment_id)
        seen = seen_numbers(list(found.numbers))
        merge = {"id": found.id, "orders": seen, "warehouse": found.warehouse,
                 "by": found.by,
                 "lead": found.numbers[0] if found.numbers and found.numbers[0] in seen
                 else "",
                 "tracking_number": parcel.tracking_number if parcel else None,
                 "carrier": parcel.carrier if parcel else None}
    others = [] if found else suggest(session, order,
                                      settings.current(session).merge_window_hours,
                                      visible_orders(current_user()))
    parts = []
    waiting = pre_sale.waiting(session, order.id)
    waits = {row.part_position: row.release_on.isoformat() for row in waiting
             if row.part_position is not None}
    for part in splitting.parts_of(session, order.id):
        parcel = _parcel(part.shipment_id)
        parts.append({"position": part.position, "status": part.status,
                      "status_label": PART_STATUS.get(part.status, part.status),
                      "warehouse": part.warehouse, "lines": part.lines,
                      "tracking_number": parcel.tracking_number if parcel else None,
                      "waits_until": waits.get(part.position)
                      if part.status == "held" else None})
    progress = shipping_progress(session, order.id)
    return {"merge": merge,
            "candidates": [{"number": o.number, "channel": o.channel,
                            "created": when(o.created_at)} for o in others],
            "parts": parts, "progress": progress,
            "progress_label": PROGRESS.get(progress or "", ""),
            "lines": sorted(splitting.not_shipped(session, order).items()), "bases": BASES,
            "pre_sale_waiting": any(row.part_position is None for row in waiting)}


def _back(number: str):
    return redirect(url_for("pages.order_detail", number=number) + "#order-desk")


def _refused(error: OrderError, what: str) -> None:
    """Flash the refusal in the reader's language: the state it names in the words of
    the named order's workflow, a part's status in the page's own words."""
    names: dict[str, Any] = {"status_now": PART_STATUS}
    number = error.values.get("order")
    if "state" in error.values and isinstance(number, str):
        order = db_session().scalar(select(Order).where(Order.number == number))
        if order is not None:
            names["state"] = Labels(blueprint_for(order.version), language()).states
    flash(gettext("%(what)s: %(why)s.", what=what, why=refusal_text(error, **names)),
          "error")


@pages.post("/orders/<number>/merge")
@requires("orders.act")
def order_merge(number: str):
    order = may_act_on(order_or_404(number))
    return _merge([order.id], request.form.getlist("orders"), _back(number))


@pages.post("/orders/merge-selected")
@requires("orders.act")
def merge_selected():
    """The order list's button: merge the ticked orders into one parcel."""
    back = redirect(safe_back(request.form.get("back"), url_for("pages.orders")))
    return _merge([], dict.fromkeys(n for n in request.form.getlist("numbers") if n), back)


def _merge(ids: list[int], numbers: Iterable[str], back: Response) -> Response:
    """Merge the orders ``ids`` (already checked) and those numbered ``numbers`` into one
    parcel, once the person may see and act on each; answers ``back`` with what
    happened flashed."""
    session = db_session()
    for number in numbers:
        found = session.scalar(select(Order).where(Order.number == number,
                                                   visible_orders(current_user())))
        if found is None:
            flash(gettext("There is no order %(number)s.", number=number), "error")
            return back
        ids = [*ids, may_act_on(found).id]
    try:
        merged = merging.merge(session, current_actor(), ids,
                               settings.current(session).merge_window_hours)
    except OrderError as error:
        session.rollback()
        _refused(error, gettext("Could not merge"))
        return back
    session.commit()
    flash(gettext("Merged into one parcel: %(orders)s.", orders=", ".join(merged.numbers)))
    return back


def _merge_of_page(number: str) -> tuple[Order, Merge | None]:
    """The order and its merge, once the person may see and act on every order of it."""
    order = may_act_on(order_or_404(number))
    found = merging.merge_of(db_session(), order.id)
    if found is not None:
        may_act_on_all(merging.orders_of(db_session(), found.id),
                       f"there is no order {number}")
    return order, found


@pages.post("/orders/<number>/merge/undo")
@requires("orders.act")
def order_merge_undo(number: str):
    session = db_session()
    _order, found = _merge_of_page(number)
    if found is None:
        flash(gettext("Order %(number)s is not merged.", number=number), "error")
        return _back(number)
    try:
        merging.undo(session, current_actor(), found.id)
    except OrderError as error:
        session.rollback()
        _refused(error, gettext("Could not undo the merge"))
        return _back(number)
    session.commit()
    flash(gettext("The merge is undone; each order ships on its own."))
    return _back(number)


@pages.post("/orders/<number>/merge/shipment")
@requires("orders.act")
def order_merge_ship(number: str):
    session = db_session()
    _order, found = _merge_of_page(number)
    if found is None:
        flash(gettext("Order %(number)s is not merged.", number=number), "error")
        return _back(number)
    try:
        merging.ship(session, current_actor(), found.id, request.form.get("carrier", ""),
                     request.form.get("tracking_number", ""),
                     instance_key=current_app.config["SECRET_KEY"])
    except OrderError as error:
        session.rollback()
        _refused(error, gettext("Could not record the parcel"))
        return _back(number)
    except CarrierError as error:
        session.rollback()
        flash(gettext("Could not record the parcel: %(why)s.", why=str(error)), "error")
        return _back(number)
    session.commit()
    flash(gettext("The parcel is recorded on every order of the merge."))
    return _back(number)


def _hand_parts(order: Order) -> list[list[dict[str, Any]]]:
    """The first part as typed in the quantity boxes (one per SKU); the rest is the
    second part."""
    first = []
    for sku, _qty in splitting.not_shipped(db_session(), order).items():
        raw = (request.form.get(f"qty-{sku}") or "").strip()
        if not raw:
            continue
        try:
            qty = int(raw)
        except ValueError:
            qty = -1
        if qty != 0:
            first.append({"sku": sku, "qty": qty})
    return [first]


@pages.post("/orders/<number>/split")
@requires("orders.act")
def order_split(number: str):
    session = db_session()
    order = may_act_on(order_or_404(number))
    basis = request.form.get("basis", "")
    try:
        parts = splitting.split(session, current_actor(), order, basis,
                                settings.current(session),
                                _hand_parts(order) if basis == "hand" else None)
    except OrderError as error:
        session.rollback()
        _refused(error, gettext("Could not split"))
        return _back(number)
    session.commit()
    flash(gettext("Split into %(num)d parts.", num=len(parts)))
    return _back(number)


@pages.post("/orders/<number>/pre-sale-line")
@requires("orders.act")
def order_pre_sale_line(number: str):
    """Hold one line of the order until its own release date, in a held part."""
    session = db_session()
    order = may_act_on(order_or_404(number))
    sku = request.form.get("sku", "")
    try:
        day = dt.date.fromisoformat((request.form.get("release_on") or "").strip())
    except ValueError:
        flash(gettext("Could not hold the line: %(why)s.",
                      why=gettext("the release date is a date such as 2026-12-20")), "error")
        return _back(number)
    try:
        position = pre_sale.hold_line(session, current_actor(), order, sku, day)
    except OrderError as error:
        session.rollback()
        _refused(error, gettext("Could not hold the line"))
        return _back(number)
    session.commit()
    flash(gettext("%(sku)s waits in part %(part)s until %(day)s.", sku=sku, part=position,
                  day=day.isoformat()))
    return _back(number)


@pages.post("/orders/<number>/parts/<int:position>/shipment")
@requires("orders.act")
def order_part_ship(number: str, position: int):
    session = db_session()
    order = may_act_on(order_or_404(number))
    try:
        splitting.ship_part(session, current_actor(), order, position,
                            request.form.get("carrier", ""),
                            request.form.get("tracking_number", ""),
                            instance_key=current_app.config["SECRET_KEY"])
    except OrderError as error:
        session.rollback()
        _refused(error, gettext("Could not ship part %(part)s", part=position))
        return _back(number)
    except CarrierError as error:
        session.rollback()
        flash(gettext("Could not ship part %(part)s: %(why)s.", part=position,
                      why=str(error)), "error")
        return _back(number)
    session.commit()
    flash(gettext("Part %(part)s is shipped.", part=position))
    return _back(number)


@pages.post("/orders/<number>/parts/<int:position>/ready")
@requires("orders.act")
def order_part_ready(number: str, position: int):
    """A back-ordered part whose stock has come in: hold its units and let it ship."""
    session = db_session()
    order = may_act_on(order_or_404(number))
    try:
        part = splitting.ready_part(session, current_actor(), order, position)
    except OrderError as error:
        session.rollback()
        _refused(error, gettext("Part %(part)s cannot ship yet", part=position))
        return _back(number)
    session.commit()
    flash(gettext("Part %(part)s is ready to ship from %(warehouse)s.", part=position,
                  warehouse=part.warehouse))
    return _back(number)


@pages.route("/admin/merge-split", methods=["GET", "POST"])
@requires("consolidation.manage")
def consolidation_settings():
    session = db_session()
    now = settings.current(session)
    errors: dict[str, str] = {}
    if request.method == "POST":
        body: dict[str, Any] = {"merge_by_rule": request.form.get("merge_by_rule") == "on",
                                "split_pre_sale": request.form.get("split_pre_sale") == "on"}
        for key in ("merge_window_hours", "parcel_weight_grams", "parcel_units"):
            raw = (request.form.get(key) or "").strip()
            try:
                body[key] = int(raw) if raw else None
            except ValueError:
                body[key] = raw
        try:
            new = settings.checked(body, now)
        except settings.SettingsError as error:
            errors[error.pointer.strip("/")] = _setting_words(error.pointer)
            return render_template("admin/merge_split.html", chosen=body, errors=errors), 422
        settings.store(session, current_actor(), new)
        session.commit()
        flash(gettext("Merge and split settings saved."))
        return redirect(url_for("pages.consolidation_settings"))
    return render_template("admin/merge_split.html", chosen=now.as_json(), errors=errors)


def _setting_words(pointer: str) -> str:
    if pointer == "/merge_window_hours":
        return gettext("A whole number of hours from 1 to %(most)s.",
                       most=settings.LONGEST_WINDOW_HOURS)
    if pointer == "/parcel_weight_grams":
        return gettext("A whole number of grams from 1 to %(most)s, or empty for no limit.",
                       most=settings.HEAVIEST_PARCEL_GRAMS)
    return gettext("A whole number of units from 1 to %(most)s, or empty for no limit.",
                   most=settings.MOST_UNITS)

"""A warehouse's floor setup, for administrators (inventory.manage): the zone order
pickers walk (with the bins of its products in walking order as a preview), weighing
at the packing bench, and waves on a schedule with a cut-off. The values are checked
by runtime/floor/setup.py; a refused one is said beside its box."""
from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext, lazy_gettext
from sqlalchemy import select

from orderloom.platform.auth import current_actor, requires
from orderloom.platform.database import db_session
from orderloom.platform.pages import pages
from orderloom.platform.problems import Problem
from orderloom.runtime import business_calendar
from orderloom.runtime.documents.fulfilment import bin_of
from orderloom.runtime.floor import setup as floor_setup
from orderloom.runtime.floor.pick_path import walking_key, zone_of, zone_place
from orderloom.runtime.stock.catalog import Product, Warehouse
from orderloom.runtime.stock.models import StockLevel

MANAGE = "inventory.manage"
# The bins shown in the preview: enough to check the walk on a phone.
MOST_BINS = 300

SETUP_WORDS = {
    "zone_twice": lazy_gettext("zone %(zone)s is listed twice"),
    "zone_too_long": lazy_gettext("a zone has at most %(most)s characters"),
    "too_many_zones": lazy_gettext("at most %(most)s zones"),
    "grams": lazy_gettext("a whole number of grams from 0 to %(most)s"),
    "time": lazy_gettext("a time of day as HH:MM, from 00:00 to 23:59"),
    "time_twice": lazy_gettext("%(time)s is listed twice"),
    "too_many_times": lazy_gettext("at most %(most)s times a day"),
    "whole_number": lazy_gettext("a whole number from %(low)s to %(high)s"),
}


def _warehouse(code: str) -> Warehouse:
    found = db_session().scalar(select(Warehouse).where(Warehouse.code == code))
    if found is None:
        raise Problem(404, gettext("There is no warehouse %(code)s.", code=code))
    return found


def walk_preview(warehouse: Warehouse) -> tuple[list[dict[str, Any]], int]:
    """The zones, each with the bins of the products stocked in ``warehouse``, in the
    order a wave would walk them, the first MOST_BINS of the walk; and how many bins
    the whole walk has. Sorted before it is cut: the walk's order (a zone taken from
    the bin, bins in natural order, "A-2" before "A-10") is not one SQL sorts by, so
    only the SKU and attributes of every product stocked there are read."""
    rows = db_session().execute(
        select(Product.sku, Product.attributes)
        .join(StockLevel, StockLevel.product_id == Product.id)
        .where(StockLevel.warehouse_id == warehouse.id)).all()
    products = [Product(sku=sku, attributes=attributes) for sku, attributes in rows]
    walk: dict[str, dict[str, Any]] = {}
    for product in sorted(products, key=lambda p: walking_key(
            zone_place(warehouse, zone_of(p)), zone_of(p), bin_of(p), p.sku))[:MOST_BINS]:
        zone = zone_of(product)
        stop = walk.setdefault(zone, {"zone": zone, "bins": []})
        stop["bins"].append({"bin": bin_of(product), "sku": product.sku})
    return list(walk.values()), len(products)


def _page(warehouse: Warehouse, errors: dict[str, str] | None = None,
          form: dict[str, Any] | None = None, status: int = 200):
    session = db_session()
    found = floor_setup.setup_of(session, warehouse.code)
    walk, bins = walk_preview(warehouse)
    return render_template(
        "floor/setup.html", warehouse=warehouse, setup=found, errors=errors or {},
        form=form or {}, walk=walk, bins=bins, most_bins=MOST_BINS,
        rules=floor_setup.rules_of(found) if found else None,
        time_zone=business_calendar.time_zone()), status


def _refused(problem: floor_setup.SetupProblem) -> dict[str, str]:
    field = problem.pointer.strip("/").split("/")[0] or "setup"
    if field == "wave_rules":
        field = problem.pointer.strip("/").split("/")[1]
    return {field: str(SETUP_WORDS[problem.key]) % problem.values}


@pages.get("/floor/warehouses/<code>")
@requires(MANAGE)
def floor_setup_page(code: str):
    return _page(_warehouse(code))


@pages.post("/floor/warehouses/<code>/zone-order")
@requires(MANAGE)
def floor_zone_order_page(code: str):
    warehouse = _warehouse(code)
    zones = request.form.get("zone_order", "").splitlines()
    try:
        floor_setup.set_zone_order(warehouse, zones)
    except floor_setup.SetupProblem as refused:
        db_session().rollback()
        return _page(warehouse, {"zone_order": str(SETUP_WORDS[refused.key]) %
                                 refused.values}, dict(request.form), 422)
    db_session().commit()
    flash(gettext("The zone order of %(code)s is saved; waves planned from now on walk it.",
                  code=code))
    return redirect(url_for("pages.floor_setup_page", code=code))


@pages.post("/floor/warehouses/<code>/weighing")
@requires(MANAGE)
def floor_weighing_page(code: str):
    warehouse = _warehouse(code)
    session = db_session()
    try:
        floor_setup.set_weighing(session, current_actor(), code,
                                 tolerance=request.form.get("tolerance_grams"),
                                 packaging=request.form.get("packaging_grams"))
    except floor_setup.SetupProblem as refused:
        session.rollback()
        return _page(warehouse, _refused(refused), dict(request.form), 422)
    session.commit()
    flash(gettext("Weighing at the packing bench of %(code)s is saved.", code=code))
    return redirect(url_for("pages.floor_setup_page", code=code))


@pages.post("/floor/warehouses/<code>/schedule")
@requires(MANAGE)
def floor_schedule_page(code: str):
    warehouse = _warehouse(code)
    session = db_session()
    times = [t for t in request.form.get("wave_times", "").replace(",", " ").split()]
    try:
        floor_setup.set_schedule(session, current_actor(), code, times=times,
                                 cut_off=request.form.get("cut_off"),
                                 rules={"single_item": request.form.get("single_item"),
                                        "same_carrier": request.form.get("same_carrier"),
                                        "max_orders": request.form.get("max_orders"),
                                        "max_lines": request.form.get("max_lines")})
    except floor_setup.SetupProblem as refused:
        session.rollback()
        return _page(warehouse, _refused(refused), dict(request.form), 422)
    session.commit()
    flash(gettext("The wave schedule of %(code)s is saved.", code=code))
    return redirect(url_for("pages.floor_setup_page", code=code))

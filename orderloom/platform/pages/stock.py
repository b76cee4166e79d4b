"""The stock page: on hand, reserved and available per SKU per warehouse, found by
SKU, with each product's low-stock threshold; for those who manage stock, an
adjustment after a count (with its reason) and a stock file to receive or set
counts from. The changes go through the same functions as the API's."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext, lazy_gettext
from sqlalchemy import select

from orderloom.platform.api.body import upload_option, uploaded_file
from orderloom.platform.api.inventory import stock_change
from orderloom.platform.auth import current_actor, current_user, requires
from orderloom.platform.database import db_session
from orderloom.platform.pages import pages
from orderloom.platform.problems import Problem
from orderloom.platform.query_args import ParameterError
from orderloom.platform.refusals import refusal_text
from orderloom.runtime.stock import files as stock_files
from orderloom.runtime.stock import keeping as stock_keeping
from orderloom.runtime.stock.catalog import Product, Warehouse
from orderloom.runtime.stock.files import StockFileError, StockRowsRefused
from orderloom.runtime.stock.keeping import OutOfStock, StockError
from orderloom.runtime.stock.models import StockLevel

PAGE = 500
# The API's bounds of one adjustment (api/inventory.py ADJUSTMENT).
MOST = 10_000_000
MODE_WORDS = {"receive": lazy_gettext("Receive: add each row's quantity to on hand"),
              "set": lazy_gettext("Set: each row's quantity is the counted on hand")}


def _page(errors: dict[str, str] | None = None, form: dict | None = None,
          refused_rows: list[tuple[int, str]] | None = None, status: int = 200):
    session = db_session()
    wanted = request.args.get("sku", "").strip()
    query = (select(Product.sku, Product.name, Product.low_stock_threshold, Warehouse.code,
                    StockLevel.on_hand, StockLevel.reserved)
             .join(Product, Product.id == StockLevel.product_id)
             .join(Warehouse, Warehouse.id == StockLevel.warehouse_id)
             .order_by(Product.sku, Warehouse.code))
    if wanted:
        query = query.where(Product.sku.icontains(wanted, autoescape=True))
    levels = [{"sku": sku, "name": name, "threshold": threshold, "warehouse": code,
               "on_hand": on_hand, "reserved": reserved, "available": on_hand - reserved,
               # As the low-stock alert counts it (stock/low_stock.py): below the threshold.
               "low": threshold is not None and on_hand - reserved < threshold}
              for sku, name, threshold, code, on_hand, reserved
              in session.execute(query.limit(PAGE + 1))]
    warehouses = list(session.scalars(select(Warehouse).order_by(Warehouse.priority,
                                                                  Warehouse.code)))
    return render_template(
        "stock/index.html", levels=levels[:PAGE], more=len(levels) > PAGE, wanted=wanted,
        warehouses=warehouses, errors=errors or {}, form=form or {},
        refused_rows=refused_rows or [], modes=MODE_WORDS,
        may_manage=current_user().can("inventory.manage")), status


@pages.get("/stock")
@requires("inventory.view")
def stock_page():
    return _page()


def _whole(text: str) -> int | None:
    try:
        return int(text.strip())
    except ValueError:
        return None


@pages.post("/stock/adjustments")
@requires("inventory.manage")
def adjust_stock_page():
    form = request.form
    sku, code = form.get("sku", "").strip(), form.get("warehouse", "")
    reason, change = form.get("reference", "").strip(), _whole(form.get("change", ""))
    kept = {"sku": sku, "warehouse": code, "change": form.get("change", ""), "reference": reason}
    session = db_session()
    errors: dict[str, str] = {}
    if change is None or change == 0 or abs(change) > MOST:
        errors["change"] = gettext("Give a whole number other than 0, from -%(most)s to "
                                   "%(most)s: negative takes stock away.", most=MOST)
    if not reason:
        errors["reference"] = gettext("Say why: the reason goes into the stock ledger.")
    elif len(reason) > 200:
        errors["reference"] = gettext("Keep the reason within 200 characters.")
    for field, find, value in (("sku", stock_keeping.product, sku),
                               ("warehouse", stock_keeping.warehouse, code)):
        try:
            find(session, value)
        except StockError as error:
            errors[field] = refusal_text(error)
    if errors:
        return _page(errors, kept, status=422)
    actor = current_actor().name
    try:
        stock_change(lambda work: stock_keeping.adjust(work, actor, sku, code, change, reason))
    except OutOfStock as short:
        return _page({"change": gettext(
            "Only %(available)s of %(sku)s are available in %(warehouse)s (the rest is "
            "reserved for orders): an adjustment cannot take away more.",
            available=short.available, sku=sku, warehouse=code)}, kept, status=409)
    except StockError as error:
        return _page({"": refusal_text(error)}, kept, status=error.status)
    flash(gettext("%(sku)s in %(warehouse)s is adjusted by %(change)+d.", sku=sku,
                  warehouse=code, change=change))
    return redirect(url_for("pages.stock_page", sku=sku))


@pages.post("/stock/import")
@requires("inventory.manage")
def import_stock_page():
    session = db_session()
    try:
        mode = upload_option("mode", tuple(stock_files.MODES), "receive")
        content, filename = uploaded_file()
        rows = stock_files.read_rows(content, filename)
        counts = stock_files.import_rows(session, current_actor().name, rows, mode, filename)
    except ParameterError as refused:
        return _page({"mode": refused.page_message}, status=422)
    except Problem as problem:
        return _page({"file": gettext("Choose a CSV or .xlsx file.")}, status=problem.status)
    except StockRowsRefused as refused:
        session.rollback()
        return _page({"file": gettext("Nothing was imported: fix these rows and send the "
                                      "file again.")},
                     refused_rows=[(row, refusal_text(why)) for row, why in refused.problems],
                     status=refused.status)
    except StockFileError as error:
        session.rollback()
        return _page({"file": refusal_text(error)}, status=error.status)
    session.commit()
    flash(gettext("The stock file is imported: %(rows)s rows (%(received)s received, "
                  "%(adjusted)s adjusted, %(unchanged)s unchanged).", **counts))
    return redirect(url_for("pages.stock_page"))

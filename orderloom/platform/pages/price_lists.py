"""The price lists page for those who manage prices: every list with whom it is for
and when it is valid, and a form to add or change one, its prices pasted one a line
as "SKU price" or "SKU from-quantity price" (columns copied from a spreadsheet do,
split by tabs, ';' or spaces),
or read from a CSV or xlsx file."""
from __future__ import annotations

import re
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext, lazy_gettext
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from orderloom.platform.api.price_lists import channel_keys
from orderloom.platform.auth import current_actor, requires
from orderloom.platform.database import db_session
from orderloom.platform.pages import pages
from orderloom.platform.refusals import refusal_text
from orderloom.runtime import audit
from orderloom.runtime.prices import lists
from orderloom.runtime.prices.lists import PriceListError
from orderloom.runtime.prices.price_files import PriceFileError, read_prices
from orderloom.runtime.spreadsheets.reading import SpreadsheetError

FIELD_WORDS = {"code": lazy_gettext("Code"), "name": lazy_gettext("Name"),
               "currency": lazy_gettext("Currency"), "channel": lazy_gettext("Channel"),
               "customer_tier": lazy_gettext("Customer tier"),
               "customer": lazy_gettext("Customer"), "valid_from": lazy_gettext("Valid from"),
               "valid_to": lazy_gettext("Valid to"), "prices": lazy_gettext("Prices")}
WHY_WORDS = {
    lists.REQUIRED: lazy_gettext("this is required"),
    lists.TOO_LONG: lazy_gettext("at most %(value)s characters"),
    lists.NOT_A_DATE: lazy_gettext("%(value)s is not a date such as 2026-01-31"),
    lists.NOT_A_CURRENCY: lazy_gettext("%(value)s is not a currency code such as CNY"),
    lists.NO_CHANNEL: lazy_gettext("there is no channel %(value)s"),
    lists.NO_CUSTOMER: lazy_gettext("there is no customer %(value)s"),
    lists.NO_PRODUCT: lazy_gettext("there is no product %(value)s in the catalog"),
    lists.REVERSED: lazy_gettext("the list ends before it starts"),
    lists.NOT_A_PRICE: lazy_gettext("%(value)s is not a price in the list's currency (no "
                                    "more decimal places than it has, at most 14 digits "
                                    "before the point)"),
    lists.NEGATIVE: lazy_gettext("a price may not be negative"),
    lists.QUANTITY: lazy_gettext("%(value)s is not a whole number of pieces from 1"),
    lists.SAME_BREAK: lazy_gettext("%(value)s has a price from this quantity already"),
    lists.TOO_MANY: lazy_gettext("at most %(value)s prices in one list"),
    lists.NOT_A_CODE: lazy_gettext("use letters, digits, _ . and -, at most 40"),
}


# Why a file was not read, by the reason the reader gives (runtime/spreadsheets).
def _lines(row: Any) -> str:
    return "\n".join(f"{p['sku']} {p['min_quantity']} {p['price']}"
                     if p["min_quantity"] != 1 else f"{p['sku']} {p['price']}"
                     for p in lists.as_json(row)["prices"])


def _form_of(row: Any) -> dict[str, Any]:
    shown = lists.as_json(row)
    return {**{k: v or "" for k, v in shown.items() if k != "prices"}, "prices": _lines(row)}


class PastedLineError(ValueError):
    """A pasted line that is not "SKU price" nor "SKU from-quantity price"."""

    def __init__(self, line: int) -> None:
        super().__init__(line)
        self.line = line


# Tabs (columns copied from a spreadsheet), ';' or spaces part a line; never a comma,
# which a price may carry as its thousands separator ("1,100.00").
PARTS = re.compile(r"[\s;]+")


def _prices(text: str) -> tuple[list[dict[str, Any]], list[int]]:
    """The prices of the text box, and the line each came from."""
    prices, numbers = [], []
    for number, line in enumerate(text.splitlines(), start=1):
        parts = [p for p in PARTS.split(line.strip()) if p]
        if not parts:
            continue
        if len(parts) not in (2, 3):
            raise PastedLineError(number)
        entry: dict[str, Any] = {"sku": parts[0], "price": parts[-1]}
        if len(parts) == 3:
            entry["min_quantity"] = int(parts[1]) if parts[1].isdigit() else parts[1]
        prices.append(entry)
        numbers.append(number)
    return prices, numbers


def _page(form: dict[str, Any] | None = None, editing: str | None = None,
          error: str | None = None, status: int = 200):
    session = db_session()
    return render_template(
        "price_lists.html", price_lists=lists.every_list(session), editing=editing,
        channels=sorted(channel_keys(session)), error=error, status=status,
        form=form or {"currency": "CNY"}), status


@pages.get("/admin/price-lists")
@requires("prices.manage")
def price_lists_page():
    code = request.args.get("code")
    row = lists.find(db_session(), code) if code else None
    return _page(_form_of(row) if row else None, editing=row.code if row else None)


@pages.post("/admin/price-lists")
@requires("prices.manage")
def save_price_list():
    session = db_session()
    form = {k: request.form.get(k, "").strip() for k in (
        "code", "name", "currency", "channel", "customer_tier", "customer", "valid_from",
        "valid_to")}
    form["prices"] = request.form.get("prices", "")
    editing = request.form.get("editing") or None
    row = lists.find(session, editing, to_change=True) if editing else None
    if editing and row is None:
        return _page(form, None, gettext("There is no price list %(code)s any more.",
                                         code=editing), 404)
    if row is not None:
        form["code"] = row.code  # a list keeps its code
    elif not lists.CODE.fullmatch(form["code"]):
        return _page(form, None, gettext("Code: use letters, digits, _ . and -, at most 40."),
                     422)
    upload = request.files.get("file")
    try:
        if upload is not None and upload.filename:
            read = read_prices(upload.read(), upload.filename)
            prices, lines, unit = read.prices, read.rows, gettext("row")
        else:
            prices, numbers = _prices(form["prices"])
            lines, unit = numbers, gettext("line")
    except PastedLineError as refused:
        return _page(form, editing, gettext(
            "%(field)s, line %(line)s: write a SKU and a price, or a SKU, the quantity the "
            "price is from and the price.", field=FIELD_WORDS["prices"], line=refused.line),
            422)
    except PriceFileError as refused:
        return _page(form, editing, gettext(
            "The file has no %(column)s column in its first row.",
            column=FIELD_WORDS["prices"] if refused.column == "price" else "SKU"), 422)
    except SpreadsheetError as refused:
        return _page(form, editing, gettext("The file was not read: %(why)s",
                                            why=refusal_text(refused)), 422)
    if row is None and lists.find(session, form["code"]) is not None:
        return _page(form, None, gettext("Code: a price list %(code)s exists already.",
                                         code=form["code"]), 409)
    body = {**{k: v or None for k, v in form.items() if k != "prices"}, "prices": prices}
    try:
        terms = lists.checked(session, body, channel_keys(session))
    except PriceListError as refused:
        return _page(form, editing, _said(refused, lines, unit), 422)
    before = len(row.breaks) if row is not None else None
    try:
        saved = lists.store(session, terms, row)
        audit.record(session, current_actor(),
                     "price_list.created" if row is None else "price_list.changed",
                     "price_list", saved.code, prices=len(terms.breaks),
                     **({"prices_before": before} if before is not None else {}))
        session.commit()
    except (IntegrityError, StaleDataError):
        # Another request added, changed or deleted this list at the same moment.
        session.rollback()
        if row is None:
            return _page(form, None, gettext("Code: a price list %(code)s exists already.",
                                             code=form["code"]), 409)
        return _page(form, editing, gettext(
            "Price list %(code)s was changed by someone else at the same moment; nothing "
            "was saved. Save again to store what is in the form.", code=form["code"]), 409)
    flash(gettext("Price list %(code)s is saved with %(num)d prices.", code=saved.code,
                  num=len(terms.breaks)))
    return redirect(url_for("pages.price_lists_page", code=saved.code))


@pages.post("/admin/price-lists/<code>/delete")
@requires("prices.manage")
def delete_price_list_page(code: str):
    session = db_session()
    row = lists.find(session, code, to_change=True)
    if row is not None:
        audit.record(session, current_actor(), "price_list.deleted", "price_list", code,
                     prices=len(row.breaks))
        session.delete(row)
        try:
            session.commit()
        except StaleDataError:  # deleted by another request at the same moment
            session.rollback()
        flash(gettext("Price list %(code)s is deleted.", code=code))
    return redirect(url_for("pages.price_lists_page"))


def _said(refused: PriceListError, lines: list[int], unit: str) -> str:
    """The refusal in the reader's words, at the line or row it is about."""
    parts = refused.pointer.strip("/").split("/")
    why = WHY_WORDS.get(refused.why)
    said = (why % {"value": refused.value} if why is not None else refused.detail)
    if parts[0] == "prices" and len(parts) > 1:
        return gettext("%(field)s, %(unit)s %(line)s: %(why)s.", field=FIELD_WORDS["prices"],
                       unit=unit, line=lines[int(parts[1])], why=said)
    return gettext("%(field)s: %(why)s.", field=FIELD_WORDS.get(parts[0], parts[0]), why=said)

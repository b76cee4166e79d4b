"""The pre-sale page beside the stock page: products sold before they arrive, with
their release dates, and the receipts expected into each warehouse that pre-sale
orders reserve against. Those who manage stock set both here."""
from __future__ import annotations

import datetime as dt

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext
from sqlalchemy import select

from orderloom.platform.auth import current_actor, current_user, requires
from orderloom.platform.database import db_session
from orderloom.platform.pages import pages
from orderloom.platform.refusals import refusal_text
from orderloom.runtime import audit
from orderloom.runtime.errors import OrderError
from orderloom.runtime.promotions import pre_sale, rules
from orderloom.runtime.stock.catalog import Warehouse

MOST = 1_000_000_000


def _page(errors: dict[str, str] | None = None, form: dict | None = None, status: int = 200):
    session = db_session()
    return render_template(
        "stock/pre_sale.html", pre_sales=pre_sale.pre_sales(session),
        receipts=pre_sale.expected_receipts(session),
        warehouses=list(session.scalars(select(Warehouse).order_by(Warehouse.priority,
                                                                    Warehouse.code))),
        errors=errors or {}, form=form or {},
        may_manage=current_user().can("inventory.manage")), status


def _day(text: str) -> dt.date | None:
    try:
        return rules.day_within(text.strip(), "")
    except OrderError:
        return None


@pages.get("/stock/pre-sale")
@requires("inventory.view")
def pre_sale_page():
    return _page()


@pages.post("/stock/pre-sale/release-dates")
@requires("inventory.manage")
def set_release_page():
    sku = request.form.get("sku", "").strip()
    day = _day(request.form.get("release_on", ""))
    form = {"sku": sku, "release_on": request.form.get("release_on", "")}
    if day is None:
        return _page({"release_on": gettext("Give the release date.")}, form, 422)
    session = db_session()
    try:
        pre_sale.set_release(session, sku, day)
    except OrderError as refused:
        return _page({"sku": refusal_text(refused)}, form, 422)
    audit.record(session, current_actor(), "pre_sale.set", "product", sku,
                 release_on=day.isoformat())
    session.commit()
    flash(gettext("%(sku)s is on pre-sale until %(day)s.", sku=sku, day=day.isoformat()))
    return redirect(url_for("pages.pre_sale_page"))


@pages.post("/stock/pre-sale/<sku>/end")
@requires("inventory.manage")
def end_pre_sale_page(sku: str):
    session = db_session()
    if pre_sale.end_pre_sale(session, sku):
        audit.record(session, current_actor(), "pre_sale.ended", "product", sku)
        session.commit()
        flash(gettext("%(sku)s is no longer on pre-sale.", sku=sku))
    return redirect(url_for("pages.pre_sale_page"))


@pages.post("/stock/pre-sale/expected-receipts")
@requires("inventory.manage")
def set_expected_receipt_page():
    values = {k: request.form.get(k, "").strip()
              for k in ("sku", "warehouse", "expected_on", "quantity")}
    day = _day(values["expected_on"])
    errors = {}
    if day is None:
        errors["expected_on"] = gettext("Give the day it is expected.")
    try:
        quantity = int(values["quantity"])
    except ValueError:
        quantity = -1
    if not 0 <= quantity <= MOST:
        errors["quantity"] = gettext("Give a whole number from 0 to %(most)s.", most=MOST)
    if errors:
        return _page(errors, values, 422)
    assert day is not None
    session = db_session()
    try:
        pre_sale.set_expected(session, values["sku"], values["warehouse"], day, quantity)
    except OrderError as refused:
        box = getattr(refused, "argument", "") or refused.pointer.strip("/") or "sku"
        return _page({box: refusal_text(refused)}, values, 422)
    audit.record(session, current_actor(), "expected_receipt.set", "product", values["sku"],
                 warehouse=values["warehouse"], expected_on=day.isoformat(), quantity=quantity)
    session.commit()
    flash(gettext("%(quantity)s of %(sku)s are expected into %(warehouse)s on %(day)s.",
                  quantity=quantity, sku=values["sku"], warehouse=values["warehouse"],
                  day=day.isoformat()))
    return redirect(url_for("pages.pre_sale_page"))

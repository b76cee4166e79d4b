"""The promotions page for those who set promotions: every rule, whether it runs on
arriving orders, and a form to add or change one and to backtest it over a past
period before switching it on (nothing is written by a backtest)."""
from __future__ import annotations

import datetime as dt
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext
from sqlalchemy.exc import IntegrityError

from orderloom.db import utcnow
from orderloom.platform.api.price_lists import channel_keys
from orderloom.platform.auth import current_actor, current_user, requires
from orderloom.platform.database import db_session
from orderloom.platform.pages import pages
from orderloom.platform.refusals import refusal_text
from orderloom.platform.row_access import visible_orders
from orderloom.runtime import audit, business_calendar
from orderloom.runtime.promotions import backtest, rules
from orderloom.runtime.promotions.rules import PromotionError

TEXTS = ("code", "name", "min_amount", "min_quantity", "starts_on", "ends_on", "gift_sku",
         "gift_quantity", "discount_percent", "discount_amount", "discount_on")
LISTS = ("skus", "channels", "customer_tiers")


def _form_of(row) -> dict[str, Any]:
    stored = rules.as_json(row)
    return {**{k: "" if stored[k] is None else str(stored[k]) for k in TEXTS},
            **{k: " ".join(stored[k]) for k in LISTS}, "active": stored["active"]}


def _read_form() -> dict[str, Any]:
    form: dict[str, Any] = {k: request.form.get(k, "").strip() for k in (*TEXTS, *LISTS)}
    form["active"] = request.form.get("active") == "on"
    return form


def _body(form: dict[str, Any]) -> dict[str, Any]:
    body: dict[str, Any] = {k: form[k] or None for k in TEXTS}
    for key in LISTS:
        body[key] = form[key].replace(",", " ").replace("，", " ").split()
    return body


def _period(form: dict[str, Any]) -> tuple[str, str]:
    today = business_calendar.instance_date(utcnow())
    return (request.form.get("from") or (today - dt.timedelta(days=30)).isoformat(),
            request.form.get("to") or today.isoformat())


def _page(form: dict[str, Any] | None, editing: str | None, *, errors: dict[str, str]
          | None = None, status: int = 200, result: dict[str, Any] | None = None,
          period: tuple[str, str] | None = None):
    session = db_session()
    return render_template(
        "promotions.html", promotions=rules.every_rule(session), editing=editing,
        channels=sorted(channel_keys(session)), errors=errors or {}, result=result,
        period=period or _period({}),
        form=form or {"discount_on": "order", "gift_quantity": "1"}), status


@pages.get("/admin/promotions")
@requires("promotions.manage")
def promotions_page():
    code = request.args.get("code")
    row = rules.find(db_session(), code) if code else None
    return _page(_form_of(row) if row else None, row.code if row else None)


@pages.post("/admin/promotions")
@requires("promotions.manage")
def save_promotion():
    session = db_session()
    form = _read_form()
    editing = request.form.get("editing") or None
    row = rules.find(session, editing, to_change=True) if editing else None
    if row is not None:
        form["code"] = row.code  # a rule keeps its code
    try:
        terms = rules.checked(session, _body(form), channel_keys(session))
    except PromotionError as refused:
        return _page(form, editing, errors=_beside(refused), status=422)
    if request.form.get("do") == "backtest":
        period = _period(form)
        try:
            checked = backtest.Period.checked(rules.day_within(period[0], "/from"),
                                              rules.day_within(period[1], "/to"))
        except PromotionError as refused:
            return _page(form, editing, errors=_beside(refused), status=422, period=period)
        result = backtest.run(session, terms, checked,
                              visible=visible_orders(current_user()))
        session.rollback()  # a backtest writes nothing
        return _page(form, editing, result=result, period=period)
    if row is None and rules.find(session, terms.code) is not None:
        return _page(form, None, errors={"code": gettext(
            "a promotion %(code)s exists already", code=terms.code)}, status=409)
    try:
        saved = rules.store(session, terms, active=form["active"], row=row)
        session.flush()
        audit.record(session, current_actor(),
                     "promotion.created" if row is None else "promotion.changed",
                     "promotion", saved.code, **rules.as_json(saved))
        session.commit()
    except IntegrityError:  # added by another request at the same moment
        session.rollback()
        return _page(form, None, errors={"code": gettext(
            "a promotion %(code)s exists already", code=terms.code)}, status=409)
    flash(gettext("Promotion %(code)s is saved.", code=saved.code) if saved.active else
          gettext("Promotion %(code)s is saved as a draft: it does not run on orders.",
                  code=saved.code))
    return redirect(url_for("pages.promotions_page", code=saved.code))


@pages.post("/admin/promotions/<code>/delete")
@requires("promotions.manage")
def delete_promotion_page(code: str):
    session = db_session()
    row = rules.find(session, code, to_change=True)
    if row is not None:
        audit.record(session, current_actor(), "promotion.deleted", "promotion", code)
        session.delete(row)
        session.commit()
        flash(gettext("Promotion %(code)s is deleted.", code=code))
    return redirect(url_for("pages.promotions_page"))


def _beside(refused: PromotionError) -> dict[str, str]:
    """The refusal in the reader's words, beside the box it is about."""
    box = refused.pointer.strip("/").split("/")[0] or "code"
    return {"from" if box == "from" else box: refusal_text(refused)}

"""The staff console's customer pages: the list with search and segment filter, and
one customer's profile with order history, value, segment, tags, editing and merging.

Every POST redirects back (Post/Redirect/Get) with a flash message; refusals become
messages on the page, never errors.
"""
from __future__ import annotations

import logging

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext, lazy_gettext
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from orderloom.designer.published import blueprint_for
from orderloom.platform.auth import current_actor, current_user, requires
from orderloom.platform.database import db_session
from orderloom.platform.pages import pages
from orderloom.platform.pages.order_view import Labels, language, money, when
from orderloom.platform.problems import Problem
from orderloom.platform.query_args import cursor, on_page
from orderloom.platform.row_access import visible_orders
from orderloom.runtime.customers import crm_links
from orderloom.runtime.customers import records as customers
from orderloom.runtime.customers.records import Customer, CustomerError, CustomerFilter
from orderloom.runtime.orders.categories import is_sale
from orderloom.runtime.orders.models import Order, money_text

log = logging.getLogger(__name__)

PAGE_SIZE = 50
HISTORY_SIZE = 100
SEGMENT_NAMES = {"champions": lazy_gettext("Champions"), "loyal": lazy_gettext("Loyal"),
                 "new": lazy_gettext("New"), "promising": lazy_gettext("Promising"),
                 "at_risk": lazy_gettext("At risk"), "hibernating": lazy_gettext("Hibernating"),
                 "lost": lazy_gettext("Lost"), "prospect": lazy_gettext("Prospect")}
# What each segment means (runtime/customers/records.py SEGMENTS), in the reader's
# language; tests/pages/test_no_english_left.py checks the English is the runtime's.
SEGMENT_DESCRIPTIONS = {
    "champions": lazy_gettext(
        "Bought in the last 30 days, and often (5+ orders) or for a lot (10,000+)"),
    "loyal": lazy_gettext(
        "Buys again and again: 2+ orders in the last 30 days, or 3+ and one in 90"),
    "new": lazy_gettext("First and only order in the last 30 days"),
    "promising": lazy_gettext("Bought in the last 90 days, not yet often"),
    "at_risk": lazy_gettext("Bought often or for a lot, but not in the last 90 days"),
    "hibernating": lazy_gettext("One order, 3 to 6 months ago"),
    "lost": lazy_gettext("No order in the last 180 days"),
    "prospect": lazy_gettext("No counted order yet"),
}


@pages.get("/customers")
@requires("customers.view")
def customers_page():
    args = request.args
    errors = []
    segment = args.get("segment", "").strip() or None
    if segment is not None and segment not in customers.SEGMENTS:
        errors.append(gettext("Segment: there is no segment “%(segment)s”.", segment=segment))
        segment = None
    spec = CustomerFilter(text=args.get("q", "").strip() or None,
                          tag=args.get("tag", "").strip() or None, segment=segment,
                          before_id=on_page(errors, lambda: cursor(args), None))
    page, more = customers.customer_page(db_session(), spec, PAGE_SIZE,
                                         visible=visible_orders(current_user()))
    kept = {k: v for k, v in args.items() if k in ("q", "tag", "segment") and v}
    return render_template(
        "customers/list.html", rows=page, args=args, errors=errors,
        segments=SEGMENT_NAMES, descriptions=SEGMENT_DESCRIPTIONS, money=money, when=when,
        next_url=(url_for("pages.customers_page", **kept, before=page[-1][0].id)
                  if more else None),
        can_manage=current_user().can("customers.manage"))


def _find(code: str) -> Customer:
    customer = db_session().scalar(select(Customer).where(Customer.code == code))
    if customer is None:
        raise Problem(404, f"There is no customer “{code}”.")
    return customer


@pages.get("/customers/<code>")
@requires("customers.view")
def customer_profile(code: str):
    session = db_session()
    customer = _find(code)
    survivor = customers.survivor_of(session, customer)
    standing = customers.standings(session, [customer.id],
                                   visible=visible_orders(current_user()))[customer.id]
    history = list(session.scalars(
        select(Order).where(Order.customer_id == customer.id,
                            visible_orders(current_user()))
        .order_by(Order.id.desc()).limit(HISTORY_SIZE)))
    lang = language()
    labels: dict[int, tuple[Labels, dict]] = {}
    rows = []
    for order in history:
        if order.version_id not in labels:
            blueprint = blueprint_for(order.version)
            labels[order.version_id] = (Labels(blueprint, lang), blueprint.definition)
        names, definition = labels[order.version_id]
        rows.append({"number": order.number, "type": names.name,
                     "state": names.state(order.state), "state_key": order.state,
                     "counted": is_sale(definition, order.state),
                     "total": money(money_text(order.total, order.currency),
                                    order.currency or ""),
                     "created": when(order.created_at)})
    merged_here = list(session.scalars(select(Customer.code)
                                       .where(Customer.merged_into_id == customer.id)
                                       .order_by(Customer.code)))
    currency = session.scalar(select(func.min(Order.currency))
                              .where(Order.customer_id == customer.id)) or ""
    return render_template(
        "customers/profile.html", customer=customer, survivor=survivor, standing=standing,
        orders=rows, more_orders=standing.all_orders > len(rows), merged_here=merged_here,
        crm_records=crm_links.links_of(session, customer.id),
        segment_name=SEGMENT_NAMES[standing.segment],
        segment_description=SEGMENT_DESCRIPTIONS[standing.segment],
        value=money(money_text(standing.value, currency), currency), when=when,
        can_manage=current_user().can("customers.manage") and survivor is None,
        can_see_orders=current_user().can("orders.view"))


@pages.post("/customers/<code>/edit")
@requires("customers.manage")
def edit_customer(code: str):
    session = db_session()
    customer = _find(code)
    form = request.form
    back = url_for("pages.customer_profile", code=code)
    try:
        revision = int(form.get("revision", ""))
    except ValueError:
        revision = None
    try:
        changes = {"name": customers.clean_name(form.get("name"), "Name"),
                   "email": customers.clean_email(form.get("email"), "Email"),
                   "phone": customers.clean_phone(form.get("phone"), "Phone"),
                   "tags": customers.clean_tags(form.get("tags", ""), "Tags")}
        done = customers.change(session, current_actor(), customer, changes,
                                expected_revision=revision, source="web")
        session.commit()
    except customers.StaleCustomer:
        flash(gettext("Someone changed this customer while you had it open, so nothing was "
                      "saved. The page now shows the customer as it is: check it and try "
                      "again."), "error")
        return redirect(back)
    except CustomerError as error:
        where = f"{error.pointer}: " if error.pointer else ""
        flash(gettext("Not saved. %(why)s.", why=f"{where}{error.message[:1].upper()}"
                                                  f"{error.message[1:]}"), "error")
        return redirect(back)
    except (StaleDataError, IntegrityError):
        flash(gettext("Someone changed this customer at the same moment, so nothing was "
                      "saved. Try again."), "error")
        return redirect(back)
    flash(gettext("Saved: %(what)s.", what=", ".join(done)) if done
          else gettext("Nothing to save: nothing was changed."))
    return redirect(back)


@pages.post("/customers/<code>/merge")
@requires("customers.manage")
def merge_customer(code: str):
    session = db_session()
    survivor = _find(code)
    back = url_for("pages.customer_profile", code=code)
    wanted = [c.strip() for c in request.form.get("duplicates", "").replace(";", ",")
              .split(",") if c.strip()]
    if not wanted:
        flash(gettext("Enter the code of the duplicate customer to merge into this one."),
              "error")
        return redirect(back)
    try:
        moved = customers.merge_codes(session, current_actor(), survivor, wanted)
        session.commit()
    except CustomerError as error:
        flash(gettext("Nothing was merged: %(why)s.", why=error.message), "error")
        return redirect(back)
    except StaleDataError:
        flash(gettext("Nothing was merged: one of these customers changed at the same "
                      "moment. Try again."), "error")
        return redirect(back)
    flash(gettext("Merged %(codes)s into %(code)s: %(count)s order(s) moved.",
                  codes=", ".join(wanted), code=code, count=moved))
    return redirect(back)

"""Tracking pages: the public page customers open without logging in, and the
shipments section of the staff order page.

The public page opens by a shipment's unguessable public token only: the carrier's
tracking number is typed by staff, often sequential, and would let anyone walk
through other people's parcels. A code that opens nothing answers the same 404
whether it is a tracking number, an old link or a guess, and an address that
misses too often is refused for a while (tracking_throttle.py). What the page
shows of people is masked (masking.py), and of a carrier's news only the
normalised status, the place (masked) and the time: a carrier's own wording is
free text that can hold anything, so it stays on the staff pages.
"""
from __future__ import annotations

from typing import Any

from flask import current_app, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext, ngettext
from sqlalchemy import select

from orderloom.db import utcnow
from orderloom.designer.published import blueprint_for
from orderloom.platform import tracking_throttle
from orderloom.platform.auth import current_actor, current_user, requires
from orderloom.platform.database import db_session
from orderloom.platform.logs import path_kept_out_of_logs
from orderloom.platform.lookups import may_act_on, order_or_404, shared_with
from orderloom.platform.pages import pages
from orderloom.platform.pages.masking import mask_free_text, mask_name, masked_place
from orderloom.platform.pages.order_view import Labels, language, money, when
from orderloom.platform.pages.shipment_status import status_words
from orderloom.platform.problems import Problem, problem_response
from orderloom.platform.refusals import refusal_text
from orderloom.platform.row_access import visible_orders
from orderloom.runtime.documents import sf_waybill
from orderloom.runtime.errors import OrderError
from orderloom.runtime.jobs.models import RUNNING
from orderloom.runtime.orders.models import Order
from orderloom.runtime.shipping import rates, staff_booking, tracking
from orderloom.runtime.shipping.carriers import UnknownCarrier, companies
from orderloom.runtime.shipping.carriers.base import STATUSES, CarrierError, CarrierEvent
from orderloom.runtime.shipping.models import LOCAL, Carrier, Shipment, events_of, parcels_carrying

MAX_CODE = 100
PUBLIC_HEADERS = {
    # Personal data, even masked, stays out of caches, search engines and referrers.
    "Cache-Control": "no-store",
    "X-Robots-Tag": "noindex, nofollow",
    "Referrer-Policy": "no-referrer",
}


# --- the public page --------------------------------------------------------------------------

def _find(code: str) -> Shipment | None:
    return db_session().scalar(select(Shipment).where(Shipment.public_token == code))


def _carrier_names() -> dict[str, str]:
    """Every carrier set up, by code: the rows, and the carriers the tracking services
    follow (a row of their own wins)."""
    rows = list(db_session().scalars(select(Carrier)))
    names = {code: entry["name"] for row in rows if row.active
             for code, entry in companies(row).items()}
    names.update({row.code: row.name for row in rows})
    names[LOCAL] = gettext("Local courier")
    return names


def public_view(shipment: Shipment, carriers: dict[str, str]) -> dict[str, Any]:
    recipient = (shipment.label or {}).get("recipient") or {}
    events = list(reversed(events_of(db_session(), shipment.id)))
    # Every order the parcel carries, each in its own workflow's words: a merge's parcel
    # is the parcel of each of its orders, all of one buyer to one address.
    orders = [{"number": order.number,
               "state": Labels(blueprint_for(order.version), language()).state(order.state)}
              for order in tracking.orders_carried(db_session(), shipment)]
    return {
        "tracking_number": shipment.tracking_number,
        "carrier": carriers.get(shipment.carrier, shipment.carrier),
        "status": shipment.status,
        "status_label": status_words(shipment.status),
        "orders": orders,
        "recipient": mask_name(recipient.get("name", "")),
        "place": masked_place(recipient.get("address") or {}),
        "shipped_at": when(shipment.shipped_at),
        "delivered_at": when(shipment.delivered_at),
        # The normalised status and the masked place; never the carrier's own words.
        "events": [{"status": e.status, "label": status_words(e.status),
                    "location": mask_free_text(e.location, recipient),
                    "at": when(e.occurred_at)} for e in events],
    }


@pages.get("/track")
def track_form():
    code = request.args.get("code", "").strip()
    if code:
        return redirect(url_for("pages.track", code=code[:MAX_CODE]))
    return render_template("tracking/lookup.html"), 200, PUBLIC_HEADERS


@pages.get("/track/<code>")
@path_kept_out_of_logs
def track(code: str):
    session = db_session()
    # The peer, or what the trusted proxies forwarded (ORDERLOOM_TRUSTED_PROXIES).
    address = request.remote_addr or "unknown"
    # Checked before the lookup, so guesses made during a lock learn nothing.
    wait = tracking_throttle.retry_after(session, address)
    if wait is not None:
        return _too_many(wait)
    code = code.strip()[:MAX_CODE]
    shipment = _find(code) if code else None
    if shipment is None:
        wait = tracking_throttle.record_miss(session, address)
        session.commit()
        if wait is not None:
            return _too_many(wait)
        # The same answer for a tracking number, an old link and a guess: nothing
        # says whether such a parcel exists.
        return (render_template("tracking/lookup.html", missing=gettext(
            "We found no parcel for this code. Open the link in the shop's shipping "
            "message again, or ask the shop for it.")), 404, PUBLIC_HEADERS)
    return (render_template("tracking/shipment.html",
                            shipments=[public_view(shipment, _carrier_names())]),
            200, PUBLIC_HEADERS)


def _too_many(seconds: int):
    """429 with Retry-After: the lookup page saying how long to wait, or problem+json
    for a client that asked for JSON."""
    minutes = max(1, -(-seconds // 60))
    message = ngettext("Too many tracking codes that open no parcel came from your network "
                       "address. Try again in %(num)d minute.",
                       "Too many tracking codes that open no parcel came from your network "
                       "address. Try again in %(num)d minutes.", minutes)
    if "json" in (request.accept_mimetypes.best or ""):
        response = problem_response(Problem(429, message))
    else:
        response = make_response(render_template("tracking/lookup.html", refused=message),
                                 429)
    response.headers.update(PUBLIC_HEADERS)
    response.headers["Retry-After"] = str(seconds)
    return response


# --- the staff order page ---------------------------------------------------------------------

@pages.app_template_global()
def order_shipments(order: Order) -> list[dict[str, Any]]:
    """The shipments section of the staff order page (orders/detail.html)."""
    carriers = _carrier_names()
    rows = []
    for shipment in parcels_carrying(db_session(), order.id):
        events = events_of(db_session(), shipment.id)
        last = events[-1] if events else None
        rows.append({
            "shared_with": shared_with(shipment, order),
            "id": shipment.id, "carrier": carriers.get(shipment.carrier, shipment.carrier),
            "local": tracking.entered_by_staff(db_session(), shipment, carriers),
            "tracking_number": shipment.tracking_number, "status": shipment.status,
            "status_label": status_words(shipment.status),
            "last": (f"{last.description or status_words(last.status)}"
                     f"{' · ' + last.location if last.location else ''}") if last else "",
            "last_at": when(last.occurred_at) if last else "",
            "public_url": url_for("pages.track", code=shipment.public_token),
            # The carrier's own label (SF's e-waybill) prints from the API's page.
            "label_url": url_for("api.shipment_label", shipment_id=shipment.id)
            if sf_waybill.is_sf_waybill(shipment) else None})
    return rows


@pages.app_template_global()
def shipment_choices() -> dict[str, Any]:
    """Carriers a shipment can be booked with, and the statuses staff may enter."""
    rows = list(db_session().scalars(
        select(Carrier).where(Carrier.active.is_(True)).order_by(Carrier.code)))
    followed = {code: entry["name"] for row in rows for code, entry in companies(row).items()}
    own = {row.code: row.name for row in rows}
    carriers = [(LOCAL, gettext("Local courier")), *sorted({**followed, **own}.items())]
    return {"carriers": carriers, "statuses": [(s, status_words(s)) for s in STATUSES]}


def _no_shipment(shipment_id: int, number: str) -> str:
    return gettext("There is no shipment %(id)s on order %(number)s.", id=shipment_id,
                   number=number)


def _shipment_of(session, number: str, shipment_id: int) -> Shipment | None:
    """The parcel ``shipment_id`` carrying order ``number`` (booked under it, or a
    merge's parcel it rides in), if the person may see that order."""
    order = session.scalar(select(Order).where(Order.number == number,
                                               visible_orders(current_user())))
    if order is None:
        return None
    return next((s for s in parcels_carrying(session, order.id) if s.id == shipment_id),
                None)


def _back(number: str):
    return redirect(url_for("pages.order_detail", number=number) + "#shipments")


@pages.post("/orders/<number>/shipments")
@requires("orders.act")
def order_add_shipment(number: str):
    session = db_session()
    try:
        order = order_or_404(number, session)
    except OrderError as error:
        flash(refusal_text(error), "error")
        return redirect(url_for("pages.orders"))
    try:
        may_act_on(order)
    except OrderError as error:
        flash(refusal_text(error), "error")
        return _back(number)
    carrier = request.form.get("carrier", "").strip()
    tracking_number = request.form.get("tracking_number", "").strip()[:100] or None
    choose = request.form.get("choose", "")
    key = current_app.config["SECRET_KEY"]
    try:
        if choose in (*rates.MODES, rates.CHOSEN) and tracking_number is None:
            # Settled and committed before the carrier is called, so a click again
            # after a lost answer books the same parcel with the same reference.
            booking = staff_booking.settle(session, current_actor(), order, choose,
                                           carrier=carrier or None, instance_key=key)
            session.commit()
            shipment = staff_booking.run(session, _runner(), booking)
        else:
            shipment = tracking.book(session, current_actor(), order, carrier,
                                     tracking_number=tracking_number, instance_key=key)
    except staff_booking.BookingError as error:
        flash(_booking_refused(error), "error")
        return _back(number)
    except (UnknownCarrier, CarrierError, OrderError) as error:
        flash(gettext("The shipment was not created: %(reason)s.",
                      reason=getattr(error, "message", error)), "error")
        return _back(number)
    session.commit()
    flash(gettext("Shipment %(number)s created.", number=shipment.tracking_number))
    return _back(number)


def _runner() -> Any:
    """The process's job runner, which runs a staff booking's job in the request."""
    from orderloom.platform.app import JOBS  # the app module imports this one

    return current_app.extensions[JOBS].runner


def _booking_refused(error: staff_booking.BookingError) -> str:
    """What the person is told when a booking by quote did not end in a shipment."""
    booking = error.booking() or {}
    names = {"carrier": booking.get("carrier", "?"), "reference": booking.get("reference", "?")}
    if isinstance(error, staff_booking.BookingUnconfirmed):
        return gettext("%(carrier)s did not confirm the booking. It may have gone through "
                       "all the same; trying again is safe: it books with %(carrier)s "
                       "under the same reference %(reference)s, which the carrier does not "
                       "book twice.", **names)
    if booking.get("status") == RUNNING:
        return gettext("The booking with %(carrier)s (reference %(reference)s) is under "
                       "way; its shipment shows here once the carrier confirms it.", **names)
    return gettext("%(carrier)s is being booked for this parcel (reference %(reference)s) "
                   "and has not confirmed it. Book with %(carrier)s again, or cancel that "
                   "booking under Shipments before choosing another carrier.", **names)


@pages.app_template_global()
def unconfirmed_bookings(order: Order) -> list[dict[str, Any]]:
    """The order's bookings whose carrier was called and did not confirm, which staff
    may book again or cancel (orders/detail.html)."""
    return [staff_booking.described(job)
            for job in staff_booking.unconfirmed_of(db_session(), order)]


@pages.post("/orders/<number>/bookings/<int:booking_id>/cancel")
@requires("orders.act")
def order_cancel_booking(number: str, booking_id: int):
    session = db_session()
    try:
        order = may_act_on(order_or_404(number, session))
        job = staff_booking.cancel(session, current_actor(), order, booking_id)
    except staff_booking.BookingError as error:
        flash(_booking_refused(error), "error")
        return _back(number)
    except OrderError as error:
        flash(refusal_text(error), "error")
        return _back(number)
    session.commit()
    flash(gettext("The booking with %(carrier)s (reference %(reference)s) is cancelled here. "
                  "If the carrier booked it all the same, cancel it with the carrier too.",
                  carrier=job.payload["carrier"], reference=job.payload["reference"]))
    return _back(number)


@pages.post("/orders/<number>/shipments/<int:shipment_id>/refresh")
@requires("orders.act")
def order_refresh_shipment(number: str, shipment_id: int):
    """Staff ask the carrier (or the tracking service following it) for the news now."""
    session = db_session()
    shipment = _shipment_of(session, number, shipment_id)
    if shipment is None:
        flash(_no_shipment(shipment_id, number), "error")
        return _back(number)
    try:
        may_act_on(shipment.order)
        outcome = tracking.refresh(session, shipment, current_app.config["SECRET_KEY"])
    except UnknownCarrier:
        flash(gettext("%(carrier)s is not set up under Carriers: enter its news by hand.",
                      carrier=shipment.carrier), "error")
        return _back(number)
    except CarrierError as error:
        flash(gettext("The carrier was not asked: %(reason)s.", reason=error), "error")
        return _back(number)
    except OrderError as error:
        flash(refusal_text(error), "error")
        return _back(number)
    session.commit()
    flash(ngettext("%(number)s: %(num)d new step; now %(status)s.",
                   "%(number)s: %(num)d new steps; now %(status)s.", len(outcome.recorded),
                   number=shipment.tracking_number, status=status_words(shipment.status)))
    return _back(number)


@pages.get("/orders/<number>/quotes")
@requires("orders.act")
def order_quotes(number: str):
    """Every carrier's quote for the order's parcel, to book with the one staff pick."""
    session = db_session()
    try:
        order = order_or_404(number, session)
    except OrderError as error:
        flash(refusal_text(error), "error")
        return redirect(url_for("pages.orders"))
    shopped = tracking.quotes_for(session, order, current_app.config["SECRET_KEY"])
    names = _carrier_names()
    cheapest, fastest = shopped.best(rates.CHEAPEST), shopped.best(rates.FASTEST)
    return render_template(
        "tracking/quotes.html", order=order, missing=shopped.missing, names=names, money=money,
        quotes=sorted(shopped.quotes, key=lambda q: (q.price, q.days, q.carrier)),
        cheapest=cheapest.carrier if cheapest else None,
        fastest=fastest.carrier if fastest else None)


@pages.post("/orders/<number>/shipments/<int:shipment_id>/events")
@requires("orders.act")
def order_add_tracking_event(number: str, shipment_id: int):
    session = db_session()
    shipment = _shipment_of(session, number, shipment_id)
    if shipment is None:
        flash(_no_shipment(shipment_id, number), "error")
        return _back(number)
    try:
        may_act_on(shipment.order)
    except OrderError as error:
        flash(refusal_text(error), "error")
        return _back(number)
    status = request.form.get("status", "")
    if not tracking.entered_by_staff(session, shipment):
        flash(gettext("This carrier reports its own events; only shipments of the local "
                      "courier or of a carrier not set up under Carriers take events entered "
                      "by hand."), "error")
        return _back(number)
    if status not in STATUSES:
        flash(gettext("Choose what happened to the parcel."), "error")
        return _back(number)
    outcome = tracking.record(session, shipment, [CarrierEvent(
        tracking_number=shipment.tracking_number, status=status, occurred_at=utcnow(),
        description=request.form.get("description", "").strip()[:500],
        location=request.form.get("location", "").strip()[:200],
        raw={"entered_by": current_user().username})])
    session.commit()
    if outcome.transitions:
        flash(gettext("%(status)s recorded for %(number)s. The order moved on: %(moves)s.",
                      status=status_words(status), number=shipment.tracking_number,
                      moves=", ".join(outcome.transitions)))
    else:
        flash(gettext("%(status)s recorded for %(number)s.", status=status_words(status),
                      number=shipment.tracking_number))
    return _back(number)

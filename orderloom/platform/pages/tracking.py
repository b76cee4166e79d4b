"""Tracking pages: the public page customers open without logging in, and the
shipments section of the staff order page.

The public page opens by a shipment's tracking number or its unguessable public
token. Tracking numbers can be guessed, so whatever it shows of the recipient is
masked: initials of the name, the first three and last four digits of the phone,
and only the province and city of the address.
"""
from __future__ import annotations

import unicodedata
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from sqlalchemy import or_, select

from orderloom.db import utcnow
from orderloom.designer.published import blueprint_for
from orderloom.platform.auth import current_actor, current_user, requires
from orderloom.platform.database import db_session
from orderloom.platform.pages import pages
from orderloom.platform.pages.order_view import Labels, language, when
from orderloom.runtime.engine import lifecycle
from orderloom.runtime.errors import OrderError
from orderloom.runtime.orders.models import Order
from orderloom.runtime.shipping import tracking
from orderloom.runtime.shipping.carriers import UnknownCarrier
from orderloom.runtime.shipping.carriers.base import (
    STATUS_LABELS,
    STATUSES,
    CarrierError,
    CarrierEvent,
)
from orderloom.runtime.shipping.models import LOCAL, Carrier, Shipment, events_of, shipments_of

MAX_CODE = 100
PUBLIC_HEADERS = {
    # Personal data, even masked, stays out of caches, search engines and referrers.
    "Cache-Control": "no-store",
    "X-Robots-Tag": "noindex, nofollow",
    "Referrer-Policy": "no-referrer",
}


# --- masking ----------------------------------------------------------------------------------

def _wide(char: str) -> bool:
    return unicodedata.east_asian_width(char) in ("W", "F")


def mask_name(name: str) -> str:
    """ "Zhang Wei" -> "Z*** W***"; "张伟" -> "张*": enough for the recipient to
    recognise, too little for a stranger to learn."""
    words = str(name or "").split()
    masked = []
    for word in words:
        if _wide(word[0]):
            masked.append(word[0] + "*" * max(len(word) - 1, 1))
        else:
            masked.append(word[0] + "***")
    return " ".join(masked)


def mask_phone(phone: str) -> str:
    """ "13812345678" -> "138****5678"; shorter numbers keep only their last two digits."""
    digits = "".join(c for c in str(phone or "") if c.isdigit())
    if not digits:
        return ""
    if len(digits) >= 9:
        return digits[:3] + "****" + digits[-4:]
    return "*" * max(len(digits) - 2, 1) + digits[-2:]


def masked_place(address: dict[str, Any]) -> str:
    """Province and city only: the street and the door stay private."""
    province, city = (address or {}).get("province"), (address or {}).get("city")
    if province and city and province != city:
        return f"{province}, {city}"
    return str(province or city or "")


# --- the public page --------------------------------------------------------------------------

def _find(code: str) -> list[Shipment]:
    session = db_session()
    return list(session.scalars(
        select(Shipment).where(or_(Shipment.public_token == code,
                                   Shipment.tracking_number == code))
        .order_by(Shipment.id).limit(5)))


def _carrier_names() -> dict[str, str]:
    names = {code: name for code, name in db_session().execute(
        select(Carrier.code, Carrier.name))}
    names[LOCAL] = "Local courier"
    return names


def public_view(shipment: Shipment, carriers: dict[str, str]) -> dict[str, Any]:
    recipient = (shipment.label or {}).get("recipient") or {}
    order: Order = shipment.order
    names = Labels(blueprint_for(order.version), language())
    events = list(reversed(events_of(db_session(), shipment.id)))
    return {
        "tracking_number": shipment.tracking_number,
        "carrier": carriers.get(shipment.carrier, shipment.carrier),
        "status": shipment.status,
        "status_label": STATUS_LABELS.get(shipment.status, shipment.status),
        "order_number": order.number,
        "order_state": names.state(order.state),
        "recipient": mask_name(recipient.get("name", "")),
        "phone": mask_phone(recipient.get("phone", "")),
        "place": masked_place(recipient.get("address") or {}),
        "shipped_at": when(shipment.shipped_at),
        "delivered_at": when(shipment.delivered_at),
        "events": [{"status": e.status, "label": STATUS_LABELS.get(e.status, e.status),
                    "description": e.description, "location": e.location,
                    "at": when(e.occurred_at)} for e in events],
    }


@pages.get("/track")
def track_form():
    code = request.args.get("code", "").strip()
    if code:
        return redirect(url_for("pages.track", code=code[:MAX_CODE]))
    return render_template("tracking/lookup.html"), 200, PUBLIC_HEADERS


@pages.get("/track/<code>")
def track(code: str):
    code = code.strip()[:MAX_CODE]
    shipments = _find(code) if code else []
    if not shipments:
        return (render_template("tracking/lookup.html", code=code, missing=True), 404,
                PUBLIC_HEADERS)
    carriers = _carrier_names()
    return (render_template("tracking/shipment.html",
                            shipments=[public_view(s, carriers) for s in shipments]),
            200, PUBLIC_HEADERS)


# --- the staff order page ---------------------------------------------------------------------

@pages.app_template_global()
def order_shipments(order: Order) -> list[dict[str, Any]]:
    """The shipments section of the staff order page (orders/detail.html)."""
    carriers = _carrier_names()
    rows = []
    for shipment in shipments_of(db_session(), order.id):
        events = events_of(db_session(), shipment.id)
        last = events[-1] if events else None
        rows.append({
            "id": shipment.id, "carrier": carriers.get(shipment.carrier, shipment.carrier),
            "local": tracking.entered_by_staff(db_session(), shipment, carriers),
            "tracking_number": shipment.tracking_number, "status": shipment.status,
            "status_label": STATUS_LABELS.get(shipment.status, shipment.status),
            "last": (f"{last.description or STATUS_LABELS.get(last.status, last.status)}"
                     f"{' · ' + last.location if last.location else ''}") if last else "",
            "last_at": when(last.occurred_at) if last else "",
            "public_url": url_for("pages.track", code=shipment.public_token)})
    return rows


@pages.app_template_global()
def shipment_choices() -> dict[str, Any]:
    """Carriers a shipment can be booked with, and the statuses staff may enter."""
    carriers = [(LOCAL, "Local courier")] + [
        (c.code, c.name) for c in db_session().scalars(
            select(Carrier).where(Carrier.active.is_(True)).order_by(Carrier.code))]
    return {"carriers": carriers, "statuses": [(s, STATUS_LABELS[s]) for s in STATUSES]}


def _back(number: str):
    return redirect(url_for("pages.order_detail", number=number) + "#shipments")


@pages.post("/orders/<number>/shipments")
@requires("orders.act")
def order_add_shipment(number: str):
    session = db_session()
    try:
        order = lifecycle.find_order(session, number)
    except OrderError as error:
        flash(error.message, "error")
        return redirect(url_for("pages.orders"))
    carrier = request.form.get("carrier", "").strip()
    tracking_number = request.form.get("tracking_number", "").strip()[:100] or None
    try:
        shipment = tracking.book(session, current_actor(), order, carrier,
                                 tracking_number=tracking_number)
    except (UnknownCarrier, CarrierError, OrderError) as error:
        flash(f"The shipment was not created: {getattr(error, 'message', error)}.", "error")
        return _back(number)
    session.commit()
    flash(f"Shipment {shipment.tracking_number} created.")
    return _back(number)


@pages.post("/orders/<number>/shipments/<int:shipment_id>/events")
@requires("orders.act")
def order_add_tracking_event(number: str, shipment_id: int):
    session = db_session()
    shipment = session.get(Shipment, shipment_id)
    if shipment is None or shipment.order.number != number:
        flash(f"There is no shipment {shipment_id} on order {number}.", "error")
        return _back(number)
    status = request.form.get("status", "")
    if not tracking.entered_by_staff(session, shipment):
        flash("This carrier reports its own events; only shipments of the local courier "
              "or of a carrier not set up under Carriers take events entered by hand.",
              "error")
        return _back(number)
    if status not in STATUSES:
        flash("Choose what happened to the parcel.", "error")
        return _back(number)
    outcome = tracking.record(session, shipment, [CarrierEvent(
        tracking_number=shipment.tracking_number, status=status, occurred_at=utcnow(),
        description=request.form.get("description", "").strip()[:500],
        location=request.form.get("location", "").strip()[:200],
        raw={"entered_by": current_user().username})])
    session.commit()
    moved = f" The order moved on: {', '.join(outcome.transitions)}." \
        if outcome.transitions else ""
    flash(f"{STATUS_LABELS[status]} recorded for {shipment.tracking_number}.{moved}")
    return _back(number)

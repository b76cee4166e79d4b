"""What set-up carriers offer beyond tracking, over the API: the quotes for an order's
parcel (rate shopping), and the carrier's own label of a shipment (SF Express's
e-waybill) to print. The connection test is the carriers API's (shipments.py)."""
from __future__ import annotations

from typing import Any

from flask import Response, current_app, request

from orderloom.platform import query_args
from orderloom.platform.api import api
from orderloom.platform.auth import requires
from orderloom.platform.database import db_session
from orderloom.platform.lookups import order_or_404, shipment_or_404
from orderloom.platform.openapi import documented
from orderloom.platform.problems import Problem
from orderloom.platform.security_headers import DOCUMENT_POLICY
from orderloom.runtime.documents import sf_waybill
from orderloom.runtime.documents.fulfilment import DocumentProblem
from orderloom.runtime.shipping import rates, tracking

QUOTES = {"type": "object", "properties": {
    "quotes": {"type": "array", "items": {"type": "object", "properties": {
        "carrier": {"type": "string"}, "price": {"type": "string"},
        "days": {"type": "integer"}, "service": {"type": "string"}}}},
    "missing": {"type": "object", "additionalProperties": {"type": "string"}},
    "cheapest": {"type": ["string", "null"]}, "fastest": {"type": ["string", "null"]}}}


def _instance_key() -> str:
    return current_app.config["SECRET_KEY"]


def quotes_json(shopped: rates.Shopped) -> dict[str, Any]:
    cheapest, fastest = shopped.best(rates.CHEAPEST), shopped.best(rates.FASTEST)
    return {"quotes": shopped.as_details(), "missing": shopped.missing,
            "cheapest": cheapest.carrier if cheapest else None,
            "fastest": fastest.carrier if fastest else None}


@api.get("/orders/<number>/quotes")
@requires("orders.act")
@documented("What every carrier that quotes asks to carry the order's parcel from its "
            "warehouse to its address, and how many days it takes; a carrier that could "
            "not quote is named under missing with the reason. Nothing is booked: book "
            "with POST /orders/{number}/shipments and choose",
            tags=("shipments",), responses={200: ("The quotes", QUOTES)})
def order_quotes(number: str):
    order = order_or_404(number)
    return quotes_json(tracking.quotes_for(db_session(), order, _instance_key()))


@api.get("/shipments/<int:shipment_id>/label")
@requires("orders.view")
@documented("The carrier's own label of a shipment to print (SF Express's 100 x 150 mm "
            "e-waybill) as HTML with print CSS, or ?format=pdf. 404 for a shipment whose "
            "carrier gave no label of its own",
            tags=("shipments",), responses={200: ("text/html, or application/pdf", None)})
def shipment_label(shipment_id: int):
    wanted = query_args.choice(request.args, "format", ("html", "pdf"), "html")
    shipment = shipment_or_404(shipment_id)
    try:
        document = sf_waybill.render(shipment, for_pdf=wanted == "pdf")
    except DocumentProblem as problem:
        raise Problem(404, problem.message) from None
    if wanted == "pdf":
        answer = Response(document.pdf(), mimetype="application/pdf")
        answer.headers["Content-Disposition"] = f'attachment; filename="{document.filename}"'
    else:
        answer = Response(document.html, mimetype="text/html")
    # The same guard as every printed document: the page runs no scripts.
    answer.headers["Content-Security-Policy"] = DOCUMENT_POLICY
    answer.headers["Cache-Control"] = "no-store"
    return answer

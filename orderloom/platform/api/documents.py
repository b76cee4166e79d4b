"""Fulfilment documents over the API: an order's packing slip, shipping label,
invoice or order sheet, and pick lists for a batch of orders, as HTML for the
browser's print or as PDF (``?format=pdf``) for download."""
from __future__ import annotations

from flask import Response, request

from orderloom.platform import query_args
from orderloom.platform.api import api
from orderloom.platform.api.body import json_body
from orderloom.platform.auth import current_user, requires
from orderloom.platform.database import db_session
from orderloom.platform.field_sight import seen_data
from orderloom.platform.lookups import order_or_404
from orderloom.platform.openapi import documented
from orderloom.platform.row_access import visible_orders
from orderloom.platform.security_headers import DOCUMENT_POLICY
from orderloom.runtime.documents import fulfilment as documents
from orderloom.runtime.documents.fulfilment import Document

FORMATS = ("html", "pdf")
PICK_LIST = {"type": "object", "required": ["warehouse"], "additionalProperties": False,
             "properties": {
                 "warehouse": {"type": "string", "minLength": 1, "maxLength": 50},
                 "orders": {"type": "array", "minItems": 1, "maxItems": documents.MAX_BATCH,
                            "items": {"type": "string", "minLength": 1, "maxLength": 40},
                            "description": "Order numbers; without it, every order holding "
                                           "stock in the warehouse"}}}


def _format() -> str:
    return query_args.choice(request.args, "format", tuple(FORMATS), "html")


def _answer(document: Document, wanted: str) -> Response:
    if wanted == "pdf":
        response = Response(document.pdf(), mimetype="application/pdf")
        response.headers["Content-Disposition"] = f'attachment; filename="{document.filename}"'
    else:
        response = Response(document.html, mimetype="text/html")
    # Print templates are data people wrote: the page may not run scripts or load
    # anything from elsewhere.
    response.headers["Content-Security-Policy"] = DOCUMENT_POLICY
    response.headers["Cache-Control"] = "no-store"
    return response


@api.get("/orders/<number>/documents/<kind>")
@requires("orders.view")
@documented("An order's document: packing_slip, shipping_label, invoice, order or pick_list; "
            "HTML, or ?format=pdf for a PDF download; ?template=<key> picks one of several "
            "print templates for that document", tags=("documents",),
            responses={200: ("text/html, or application/pdf", None)})
def order_document(number: str, kind: str):
    wanted = _format()
    session = db_session()
    order = order_or_404(number, session)
    document = documents.order_document(session, order, kind,
                                        template_key=request.args.get("template"),
                                        for_pdf=wanted == "pdf", data_of=seen_data)
    return _answer(document, wanted)


@api.post("/pick-lists")
@requires("orders.view")
@documented("One pick list for many orders in one warehouse, sorted by bin location; HTML, "
            "or ?format=pdf", request=PICK_LIST, tags=("documents",),
            responses={200: ("text/html, or application/pdf", None)})
def pick_list():
    wanted = _format()
    body = json_body(PICK_LIST)
    document = documents.pick_list(db_session(), body["warehouse"], body.get("orders"),
                                   visible=visible_orders(current_user()),
                                   for_pdf=wanted == "pdf", data_of=seen_data)
    return _answer(document, wanted)

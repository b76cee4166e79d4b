"""Fulfilment documents: pick lists, packing slips, shipping labels, invoices and
order sheets, rendered from the order type's print templates (or the built-in
ones) as HTML for the browser's print, or as PDF for download.

Nothing is stored: a document is rendered from the order whenever it is asked
for, so it always shows the order as it is now. The ``create_document`` action
records on the timeline that a document is ready, with the path that renders it.
"""
from __future__ import annotations

import logging
import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from orderloom.db import utcnow
from orderloom.designer.blueprint import Blueprint
from orderloom.designer.published import blueprint_for
from orderloom.runtime.documents import barcodes, drawn, pdf, print_templates
from orderloom.runtime.documents.defaults import DEFAULTS, page
from orderloom.runtime.documents.print_templates import TemplateProblem
from orderloom.runtime.errors import OrderError
from orderloom.runtime.orders import timeline
from orderloom.runtime.orders.models import Order
from orderloom.runtime.stock import keeping
from orderloom.runtime.stock.catalog import Product, Warehouse
from orderloom.runtime.stock.models import Reservation
from orderloom.runtime.stock.routing import QUANTITY_COLUMNS

log = logging.getLogger(__name__)

KINDS = ("pick_list", "packing_slip", "shipping_label", "invoice", "order")
TITLES = {"pick_list": "Pick list", "packing_slip": "Packing slip",
          "shipping_label": "Shipping label", "invoice": "Invoice", "order": "Order"}
MAX_BATCH = 500
# Gives the values of an order a reader may see (their fields' access honoured).
DataOf = Callable[[Order], dict[str, Any]]


class UnknownDocument(OrderError):
    status = 404


class PickListProblem(OrderError):
    """A pick list request naming something that cannot be picked; ``pointer`` is the
    member of the request at fault."""

    def __init__(self, pointer: str, message: str) -> None:
        super().__init__(message)
        self.pointer = pointer


class DocumentProblem(OrderError):
    """A rendered document that could not be turned into a PDF."""


@dataclass(frozen=True)
class Document:
    kind: str
    title: str
    filename: str
    html: str
    template: str  # the print template's key, or "built-in"
    # What the template rendered, before it was framed as a page: documents printed
    # together are bound into one HTML from their bodies (binding.py).
    body: str = ""
    # The order as the template saw it, for documents drawn without HTML (drawn.py).
    view: dict[str, Any] | None = None

    def pdf(self) -> bytes:
        if not self.html and self.view is not None:
            return drawn.pages([(self.kind, self.view)])
        try:
            return pdf.html_to_pdf(self.html)
        except pdf.PdfProblem as problem:
            raise DocumentProblem(f"{self.title}: {problem}") from None


def link(order: Order, kind: str) -> str:
    return f"/api/v1/orders/{order.number}/documents/{kind}"


# --- what templates see ---------------------------------------------------------------------

def _products(session: Session, skus: set[str]) -> dict[str, Product]:
    if not skus:
        return {}
    return {p.sku: p for p in session.scalars(select(Product).where(Product.sku.in_(skus)))}


def bin_of(product: Product | None) -> str:
    """A product's bin location is ``attributes["bin"]`` (say "A-03-2")."""
    if product is None or not isinstance(product.attributes, dict):
        return ""
    return str(product.attributes.get("bin") or "")


def _line_fields(blueprint: Blueprint) -> list[tuple[str, str | None, str | None]]:
    found = []
    for f in blueprint.definition["form"]["fields"]:
        if f["type"] == "line_items":
            columns = {c["key"]: c for c in f["fields"]}
            sku_key = next((k for k, c in columns.items() if c["type"] == "product"), None)
            qty_key = next((k for k in QUANTITY_COLUMNS if k in columns), None)
            found.append((f["key"], sku_key, qty_key))
    return found


def order_lines(session: Session, order: Order, data_of: DataOf | None = None
                ) -> list[dict[str, Any]]:
    """Every line of every line-items field, each with its own columns plus ``field``,
    ``sku``, ``quantity`` and, from the product, ``name``, ``bin`` and ``barcode``.
    ``data_of`` gives the values the reader may see (by default all of them)."""
    raw = _raw_lines(order, data_of)
    return _with_products(raw, _products(session, {str(r[2]) for r in raw if r[2]}))


def _raw_lines(order: Order, data_of: DataOf | None) -> list[tuple[str, dict, Any, Any]]:
    raw = []
    data = data_of(order) if data_of is not None else order.data
    for key, sku_key, qty_key in _line_fields(blueprint_for(order.version)):
        for line in data.get(key) or []:
            if isinstance(line, dict):
                raw.append((key, line, line.get(sku_key) if sku_key else None,
                            line.get(qty_key) if qty_key else None))
    return raw


def _with_products(raw: list[tuple[str, dict, Any, Any]], products: dict[str, Product]
                   ) -> list[dict[str, Any]]:
    lines = []
    for key, line, sku, qty in raw:
        product = products.get(str(sku)) if sku else None
        lines.append({**line, "field": key, "sku": sku, "quantity": _whole(qty),
                      "name": product.name if product else (sku or ""),
                      "bin": bin_of(product), "barcode": product.barcode if product else None})
    return lines


def _whole(value: Any) -> Any:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return value
    return int(number) if number.is_integer() else value


def order_view(session: Session, order: Order, data_of: DataOf | None = None
               ) -> dict[str, Any]:
    return _view(order, data_of, order_lines(session, order, data_of))


def order_views(session: Session, orders: list[Order], data_of: DataOf | None = None
                ) -> dict[int, dict[str, Any]]:
    """order_view of each of ``orders``, by order id, their products read in one query
    (a wave prints hundreds)."""
    raw = {order.id: _raw_lines(order, data_of) for order in orders}
    products = _products(session, {str(r[2]) for lines in raw.values() for r in lines
                                   if r[2]})
    return {order.id: _view(order, data_of, _with_products(raw[order.id], products))
            for order in orders}


def _view(order: Order, data_of: DataOf | None, lines: list[dict[str, Any]]
          ) -> dict[str, Any]:
    return {"number": order.number, "order_type": order.order_type.key,
            "version": order.version.number, "state": order.state,
            "data": data_of(order) if data_of is not None else order.data,
            "tags": list(order.tags), "channel": order.channel, "warehouse": order.warehouse,
            "created_at": order.created_at, "lines": lines}


# --- pick lists -----------------------------------------------------------------------------

def natural(text: str) -> list[Any]:
    """"A-2" before "A-10"; lines without a bin go last."""
    if not text:
        return [(1, "")]
    return [(0, int(part)) if part.isdigit() else (0, part.lower())
            for part in re.split(r"(\d+)", text) if part]


def _held(session: Session, order_ids: list[int], warehouse_id: int | None
          ) -> dict[int, list[tuple[Reservation, Product, Warehouse]]]:
    reservations = [r for found in keeping.held_by(session, order_ids).values() for r in found]
    products = {p.id: p for p in session.scalars(select(Product).where(
        Product.id.in_({r.product_id for r in reservations})))}
    warehouses = {w.id: w for w in session.scalars(select(Warehouse).where(
        Warehouse.id.in_({r.warehouse_id for r in reservations})))}
    held: dict[int, list] = defaultdict(list)
    for reservation in reservations:
        product = products[reservation.product_id]
        warehouse = warehouses[reservation.warehouse_id]
        if warehouse_id is None or warehouse.id == warehouse_id:
            held[reservation.order_id].append((reservation, product, warehouse))
        else:  # held elsewhere: keyed by the negative id, to explain a refusal
            held[-reservation.order_id].append((reservation, product, warehouse))
    return held


def _batch(session: Session, orders: list[Order], warehouse: Warehouse | None,
           strict: bool, data_of: DataOf | None = None) -> dict[str, Any]:
    """Lines to pick for ``orders`` from ``warehouse`` (None: wherever they hold
    stock): their held reservations, or their order lines when nothing is held."""
    held = _held(session, [o.id for o in orders], warehouse.id if warehouse else None)
    picks: dict[tuple[str, str, str], dict[str, Any]] = {}
    for index, order in enumerate(orders):
        mine, elsewhere = held.get(order.id, []), held.get(-order.id, [])
        if mine:
            lines = [(product.sku, product, reservation.quantity)
                     for reservation, product, _w in mine]
        elif elsewhere:
            if strict:
                codes = ", ".join(sorted({w.code for _r, _p, w in elsewhere}))
                raise PickListProblem(f"/orders/{index}",
                                      f"order {order.number} holds no stock in "
                                      f"{warehouse.code}; its stock is held in {codes}")
            continue
        else:
            lines = [(line["sku"], None, line["quantity"])
                     for line in order_lines(session, order, data_of)
                     if line["sku"] and isinstance(line["quantity"], int)]
        products = _products(session, {sku for sku, p, _q in lines if p is None})
        for sku, product, quantity in lines:
            product = product or products.get(sku)
            key = (bin_of(product), sku, order.number)
            pick = picks.setdefault(key, {"bin": key[0], "sku": sku, "order": order.number,
                                          "name": product.name if product else sku,
                                          "barcode": product.barcode if product else None,
                                          "quantity": 0})
            pick["quantity"] += quantity
    lines = sorted(picks.values(), key=lambda p: (natural(p["bin"]), p["sku"], p["order"]))
    return {"warehouse": {"code": warehouse.code, "name": warehouse.name} if warehouse
            else {"code": orders[0].warehouse or "", "name": ""},
            "orders": [o.number for o in orders], "lines": lines,
            "total_units": sum(p["quantity"] for p in lines), "printed_at": utcnow()}


def _pick_orders(session: Session, warehouse: Warehouse, numbers: list[str] | None,
                 visible: ColumnElement[bool]) -> list[Order]:
    if numbers is None:
        ids = select(Reservation.order_id).where(Reservation.warehouse_id == warehouse.id,
                                                 Reservation.status == "held").distinct()
        orders = list(session.scalars(select(Order).where(Order.id.in_(ids), visible)
                                      .order_by(Order.id).limit(MAX_BATCH + 1)))
        if not orders:
            raise PickListProblem("/warehouse", f"nothing to pick: no order holds stock in "
                                                f"{warehouse.code}")
        if len(orders) > MAX_BATCH:
            raise PickListProblem("/orders", f"more than {MAX_BATCH} orders hold stock in "
                                             f"{warehouse.code}; name the orders to pick")
        return orders
    found = {o.number: o for o in session.scalars(
        select(Order).where(Order.number.in_(numbers), visible))}
    missing = [(i, n) for i, n in enumerate(numbers) if n not in found]
    if missing:
        index, number = missing[0]
        raise PickListProblem(f"/orders/{index}", f"there is no order {number}")
    return [found[n] for n in dict.fromkeys(numbers)]


# --- rendering ------------------------------------------------------------------------------

def _helpers(for_pdf: bool) -> dict[str, Any]:
    if for_pdf:
        return {"barcode": barcodes.code128_png, "qr": barcodes.qr_png}
    return {"barcode": barcodes.code128_svg, "qr": barcodes.qr_svg}


def _templates(order: Order, kind: str) -> list[dict[str, Any]]:
    return [t for t in blueprint_for(order.version).definition.get("print_templates") or []
            if t.get("document") == kind]


def _choose(order: Order, kind: str, template_key: str | None) -> tuple[str, str]:
    """(key, source) of the print template for ``kind``: the named one, or the first
    of that document, or the built-in one."""
    candidates = _templates(order, kind)
    if template_key is not None:
        for t in candidates:
            if t["key"] == template_key:
                return t["key"], t["template"]
        names = ", ".join(t["key"] for t in candidates) or "none"
        raise UnknownDocument(f"order type {order.order_type.key!r} has no {kind} print "
                              f"template {template_key!r}; its {kind} templates: {names}")
    if candidates:
        return candidates[0]["key"], candidates[0]["template"]
    return "built-in", DEFAULTS[kind]


def _document(kind: str, key: str, source: str, context: dict[str, Any], title: str,
              filename: str, for_pdf: bool) -> Document:
    body = print_templates.render(key, source, {**context, **_helpers(for_pdf)})
    return Document(kind, title, filename, page(kind, title, body), key, body)


def order_document(session: Session, order: Order, kind: str, *,
                   template_key: str | None = None, for_pdf: bool = False,
                   data_of: DataOf | None = None, drawing: bool = False,
                   view: dict[str, Any] | None = None) -> Document:
    """Render one order's document; a pick list covers the stock the order holds.
    ``data_of``: the values the reader may see (by default all of them). With
    ``drawing``, a built-in document that is drawn as a PDF (drawn.py) is not
    rendered as HTML: it has only its order, for its pdf(). ``view``: the order as
    another document of it read it a moment ago (a wave's slip and label)."""
    if kind not in KINDS:
        raise UnknownDocument(f"there is no document {kind!r}; the documents are "
                              f"{', '.join(KINDS)}")
    key, source = _choose(order, kind, template_key)
    context: dict[str, Any] = {"order": view or order_view(session, order, data_of)}
    title = f"{TITLES[kind]} {order.number}"
    filename = f"{kind}-{order.number}.pdf"
    if drawing and drawn.drawable(kind, key):
        return Document(kind, title, filename, "", key, "", context["order"])
    if kind == "pick_list":
        context["batch"] = _batch(session, [order], None, strict=False, data_of=data_of)
    document = _document(kind, key, source, context, title, filename, for_pdf)
    return replace(document, view=context["order"])


def pick_list(session: Session, warehouse_code: str, numbers: list[str] | None = None, *,
              visible: ColumnElement[bool], for_pdf: bool = False,
              data_of: DataOf | None = None) -> Document:
    """One pick list for a batch of orders in one warehouse, sorted by bin. Without
    ``numbers``, every order holding stock in the warehouse. ``visible`` is the
    reader's data permission: an order they may not see is not found."""
    warehouse = session.scalar(select(Warehouse).where(Warehouse.code == warehouse_code))
    if warehouse is None:
        raise PickListProblem("/warehouse", f"there is no warehouse {warehouse_code!r}")
    orders = _pick_orders(session, warehouse, numbers, visible)
    batch = _batch(session, orders, warehouse, strict=numbers is not None, data_of=data_of)
    # A designer's pick list template written for batches (it reads `batch`) is used;
    # one written for a single order (reading only `order`) would show one order's
    # lines, so the built-in batch template is used instead.
    key, source = "built-in", DEFAULTS["pick_list"]
    for order in orders:
        chosen = next((t for t in _templates(order, "pick_list")
                       if "batch" in print_templates.variables(t["template"])), None)
        if chosen:
            key, source = chosen["key"], chosen["template"]
            break
    stamp = batch["printed_at"].strftime("%Y%m%d-%H%M%S")
    context = {"batch": batch, "orders": [order_view(session, o, data_of) for o in orders]}
    return _document("pick_list", key, source, context, f"Pick list {warehouse.code}",
                     f"pick_list-{warehouse.code}-{stamp}.pdf", for_pdf)


# --- the create_document action -------------------------------------------------------------

def record_ready(session: Session, actor_name: str, order: Order, kind: str,
                 now: datetime | None = None) -> dict[str, Any]:
    """The create_document action: render the document once to check that it can be,
    and say on the timeline that it is ready and where (or why it is not). Never
    refuses the transition: a broken template must not stop the warehouse."""
    details: dict[str, Any] = {"document": kind, "link": link(order, kind)}
    try:
        document = order_document(session, order, kind)
        details["template"] = document.template
        details["ready"] = True
    except TemplateProblem as problem:
        details["ready"] = False
        details["error"] = problem.message
        # For the order page to say it in its reader's language.
        details["code"], details["values"] = problem.code, problem.values
        log.info("document %s of %s is not ready: %s", kind, order.number, problem.message)
    timeline.document_event(session, order, actor_name, details=details, at=now)
    return details

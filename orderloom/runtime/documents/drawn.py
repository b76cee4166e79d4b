"""The built-in packing slip and shipping label drawn straight onto PDF pages.

A wave prints a slip and a label for each of up to 500 orders; laid out from HTML
each costs tens of milliseconds, so a wave took half a minute. Drawn with reportlab's
canvas, with vector barcodes, they cost a few. They carry what the built-in templates
(defaults.py) show, in the same order; a designer's own template is laid out from
its HTML as before (binding.py).
"""
from __future__ import annotations

import io
from collections.abc import Iterable
from typing import Any

from reportlab.graphics.barcode import code128
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfgen.canvas import Canvas

from orderloom.runtime.documents import barcodes, pdf

DRAWN = ("packing_slip", "shipping_label")
FONT = pdf.CJK_FONT
LABEL = (100 * mm, 150 * mm)


def drawable(kind: str, template: str) -> bool:
    """Whether the document is a built-in one drawn here."""
    return kind in DRAWN and template == "built-in"


def pages(documents: Iterable[tuple[str, dict[str, Any]]]) -> bytes:
    """One PDF of (kind, order view) documents, each from a new page, in the order
    given."""
    pdf.register_fonts()
    out = io.BytesIO()
    canvas = _Pages(out, pageCompression=1)
    for kind, order in documents:
        (_slip if kind == "packing_slip" else _label)(canvas, order)
    canvas.save()
    return out.getvalue()


class _Pages(Canvas):
    """A canvas that knows the codes it has drawn as forms, by name, with their
    heights."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.codes: dict[str, float] = {}


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _who(order: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    data = order.get("data") or {}
    customer = data.get("customer") if isinstance(data.get("customer"), dict) else {}
    address = data.get("ship_to") if isinstance(data.get("ship_to"), dict) else {}
    return customer or {}, address or {}


def _joined(*values: Any) -> str:
    return " ".join(_text(v) for v in values).strip()


CODES_WIDTH = 60 * mm
QR_SIZE = 26 * mm


def _codes(canvas: _Pages, number: str, right: float, top: float) -> float:
    """The order number's Code128 and QR, right-aligned below ``top``; answers the
    lowest point drawn. They are drawn once per order as a form that its slip and its
    label both place. A number Code128 cannot hold gets only its QR, as the
    templates' barcode() refuses it."""
    if not number:
        return top
    name = f"codes-{number}"
    height = canvas.codes.get(name)
    if height is None:
        canvas.beginForm(name)
        height = canvas.codes[name] = _draw_codes(canvas, number)
        canvas.endForm()
    canvas.saveState()
    canvas.translate(right - CODES_WIDTH, top - height)
    canvas.doForm(name)
    canvas.restoreState()
    return top - height


def _draw_codes(canvas: Canvas, number: str) -> float:
    """Both codes, right-aligned in CODES_WIDTH, top down from 0; answers their
    height. Drawn in the form's own space, which starts at its bottom-left."""
    parts: list[tuple[float, Any]] = []
    if barcodes.fits_code128(number):
        bars = code128.Code128(number, barHeight=12 * mm, barWidth=0.25 * mm * 1.1,
                               humanReadable=True, fontName="Helvetica", fontSize=8)
        scale = min(1.0, CODES_WIDTH / bars.width) if bars.width else 1.0
        parts.append((bars.height * scale + 8, (bars, scale)))
    parts.append((QR_SIZE, None))
    height = sum(h for h, _p in parts)
    y = height
    for part_height, part in parts:
        if part is None:
            _qr(canvas, number, CODES_WIDTH - QR_SIZE, y - QR_SIZE, QR_SIZE)
        else:
            bars, scale = part
            canvas.saveState()
            canvas.translate(CODES_WIDTH - bars.width * scale, y - part_height + 4)
            canvas.scale(scale, scale)
            bars.drawOn(canvas, 0, 0)
            canvas.restoreState()
        y -= part_height
    return height


def _qr(canvas: Canvas, number: str, x: float, y: float, size: float) -> None:
    """The QR code of ``number``, ``size`` square: segno makes the matrix (as the
    HTML documents' qr() does), and each row's dark runs are drawn as rectangles."""
    try:
        matrix = barcodes.qr_matrix(number)
    except barcodes.BarcodeProblem:
        return
    cell = size / len(matrix)
    path = canvas.beginPath()
    for row, modules in enumerate(matrix):
        start = None
        for column, dark in enumerate([*modules, 0]):
            if dark and start is None:
                start = column
            elif not dark and start is not None:
                path.rect(x + start * cell, y + size - (row + 1) * cell,
                          (column - start) * cell, cell)
                start = None
    canvas.drawPath(path, stroke=0, fill=1)


def _lines(canvas: Canvas, lines: list[str], x: float, y: float, size: float,
           width: float) -> float:
    canvas.setFont(FONT, size)
    for line in lines:
        for part in simpleSplit(line, FONT, size, width) or [""]:
            canvas.drawString(x, y, part)
            y -= size * 1.3
    return y


def _slip(canvas: _Pages, order: dict[str, Any]) -> None:
    width, height = A4
    canvas.setPageSize(A4)
    margin = 12 * mm
    customer, address = _who(order)
    created = order.get("created_at")
    y = height - margin - 16
    canvas.setFont(FONT, 16)
    canvas.drawString(margin, y, "Packing slip 装箱单")
    y -= 20
    head = [f"Order 订单 {order['number']}"
            + (f" · {created:%Y-%m-%d}" if created is not None else ""),
            _joined(customer.get("name"), customer.get("phone")),
            _joined(address.get("province"), address.get("city"), address.get("district"),
                    address.get("street"), address.get("postcode"))]
    y = _lines(canvas, head, margin, y, 10, width - 2 * margin - 70 * mm)
    y = min(y, _codes(canvas, _text(order["number"]), width - margin, height - margin))
    y -= 10
    columns = (margin, margin + 45 * mm, width - margin - 25 * mm)
    rows = [("SKU 商品编码", "Product 商品", "Qty 数量")] + [
        (_text(line.get("sku")), _text(line.get("name")), _text(line.get("quantity")))
        for line in order.get("lines") or []]
    for index, (sku, name, quantity) in enumerate(rows):
        if y < margin + 14:
            canvas.showPage()
            canvas.setPageSize(A4)
            y = height - margin - 14
        canvas.setFont(FONT, 10)
        canvas.drawString(columns[0] + 3, y, sku[:40])
        canvas.drawString(columns[1] + 3, y, simpleSplit(name, FONT, 10,
                                                         columns[2] - columns[1] - 6)[:1]
                          [0] if name else "")
        canvas.drawRightString(width - margin - 3, y, quantity)
        canvas.setLineWidth(0.5 if index else 1)
        canvas.line(margin, y - 4, width - margin, y - 4)
        y -= 16
    canvas.showPage()


def _label(canvas: _Pages, order: dict[str, Any]) -> None:
    width, height = LABEL
    canvas.setPageSize(LABEL)
    margin = 5 * mm
    customer, address = _who(order)
    y = height - margin - 16
    canvas.setFont(FONT, 16)
    canvas.drawString(margin, y, _text(order["number"]))
    y -= 24
    y = _lines(canvas, [f"To 收件人: {_joined(customer.get('name'), customer.get('phone'))}",
                        _joined(address.get("province"), address.get("city"),
                                address.get("district")),
                        _joined(address.get("street"), address.get("postcode"))],
               margin, y, 14, width - 2 * margin)
    pieces = sum(line["quantity"] for line in order.get("lines") or []
                 if isinstance(line.get("quantity"), int | float)
                 and not isinstance(line.get("quantity"), bool))
    y = _lines(canvas, [f"From 发货仓: {_text(order.get('warehouse'))} · Pieces 件数: "
                        f"{pieces}"], margin, y - 4, 10, width - 2 * margin)
    _codes(canvas, _text(order["number"]), margin + CODES_WIDTH, y - 4)
    canvas.showPage()

"""Code128 barcodes and QR codes for printed documents.

A page in the browser gets inline SVG, which prints sharp at any size; the PDF
maker draws raster images more reliably than inline SVG, so documents for a
PDF get the same codes as PNG data URIs.
"""
from __future__ import annotations

import base64
import functools
import io
import re

import barcode
import segno
from barcode.errors import BarcodeError
from barcode.writer import ImageWriter, SVGWriter
from markupsafe import Markup, escape

# Longer texts make bars too thin to scan on a label; QR holds the long ones.
MAX_CODE128 = 80
MAX_QR = 1000
_PROLOGUE = re.compile(r"^.*?(?=<svg)", re.DOTALL)
_OPTIONS = {"module_height": 12.0, "module_width": 0.25, "font_size": 8, "text_distance": 4.0,
            "quiet_zone": 2.0}


class BarcodeProblem(ValueError):
    """A text that cannot be made into the requested code."""


def _text(value: object, limit: int, what: str) -> str:
    text = "" if value is None else str(value)
    if not text:
        raise BarcodeProblem(f"{what}() needs a text to encode, and got an empty one")
    if len(text) > limit:
        raise BarcodeProblem(f"{what}() can hold at most {limit} characters, got {len(text)}")
    return text


def _code128(text: str, writer) -> bytes:
    out = io.BytesIO()
    try:
        barcode.Code128(text, writer=writer).write(out, options=_OPTIONS)
    except (BarcodeError, KeyError, ValueError) as error:
        raise BarcodeProblem(f"barcode() cannot encode {text!r} as Code128 "
                             f"(only printable ASCII fits): {error}") from None
    return out.getvalue()


def fits_code128(text: str) -> bool:
    """Whether ``text`` can be a Code128 on a document: some ASCII, not too long to
    scan. What does not fit gets a QR code only."""
    return bool(text) and text.isascii() and len(text) <= MAX_CODE128


def _code128_text(value: object) -> str:
    text = _text(value, MAX_CODE128, "barcode")
    if not fits_code128(text):
        raise BarcodeProblem(f"barcode() cannot encode {text!r} as Code128: only printable "
                             "ASCII fits; use qr() for other text")
    return text


def code128_svg(value: object) -> Markup:
    text = _code128_text(value)
    svg = _code128(text, SVGWriter()).decode("utf-8")
    svg = _PROLOGUE.sub("", svg, count=1)
    return Markup(f'<span class="barcode code128" data-text="{escape(text)}">{svg}</span>')


def code128_png(value: object) -> Markup:
    text = _code128_text(value)
    return Markup(f'<img class="barcode code128" alt="{escape(text)}" width="220" '
                  f'src="data:image/png;base64,{_code128_png(text)}">')


# A wave prints each order's slip and label, both with the order's codes: each is
# drawn once.
@functools.lru_cache(maxsize=256)
def _code128_png(text: str) -> str:
    return base64.b64encode(_code128(text, ImageWriter(format="PNG"))).decode("ascii")


# Any of the eight masks gives a code every scanner reads; choosing the best one
# evaluates all eight, the better part of making a code, for hundreds per wave.
QR_MASK = 2


def _qr(text: str) -> segno.QRCode:
    try:
        return segno.make(text, error="m", micro=False, mask=QR_MASK)
    except (segno.DataOverflowError, ValueError) as error:
        raise BarcodeProblem(f"qr() cannot encode this text: {error}") from None


def qr_svg(value: object) -> Markup:
    text = _text(value, MAX_QR, "qr")
    svg = _qr(text).svg_inline(scale=3, border=2)
    return Markup(f'<span class="barcode qr" data-text="{escape(text)}">{svg}</span>')


def qr_png(value: object) -> Markup:
    text = _text(value, MAX_QR, "qr")
    return Markup(f'<img class="barcode qr" alt="{escape(text)}" width="100" '
                  f'src="data:image/png;base64,{_qr_png(text)}">')


@functools.lru_cache(maxsize=256)
def qr_matrix(text: str) -> tuple[tuple[int, ...], ...]:
    """The QR code of ``text`` as rows of dark (1) and light (0) modules, with the
    same two-module border as the images, for a PDF drawn without HTML."""
    text = _text(text, MAX_QR, "qr")
    return tuple(tuple(int(bool(m)) for m in row) for row in _qr(text).matrix_iter(border=2))


@functools.lru_cache(maxsize=256)
def _qr_png(text: str) -> str:
    out = io.BytesIO()
    _qr(text).save(out, kind="png", scale=4, border=2)
    return base64.b64encode(out.getvalue()).decode("ascii")

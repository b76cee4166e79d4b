"""Turning a rendered document's HTML into a PDF for download.

xhtml2pdf (on reportlab) is pure Python, so no system libraries are needed.
Chinese text needs a font that has its glyphs: reportlab's built-in CID font
STSong-Light is used, which PDF readers supply without embedding a file.
"""
from __future__ import annotations

import io
import logging

from reportlab import rl_config
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from xhtml2pdf import pisa

log = logging.getLogger(__name__)

CJK_FONT = "STSong-Light"
_registered = False


class PdfProblem(ValueError):
    """The HTML could not be laid out as a PDF."""


def register_fonts() -> None:
    global _registered
    if not _registered:
        pdfmetrics.registerFont(UnicodeCIDFont(CJK_FONT))
        # Images are written as binary streams, not spelt out in ASCII85: the pure
        # Python encoder took a third of a wave's labels' time, and no reader needs it.
        rl_config.useA85 = 0
        _registered = True


def html_to_pdf(html: str) -> bytes:
    register_fonts()
    out = io.BytesIO()
    try:
        result = pisa.CreatePDF(html, dest=out, encoding="utf-8")
    except Exception as error:  # xhtml2pdf raises assorted errors on odd markup
        log.warning("PDF layout failed: %s", error)
        raise PdfProblem(f"the document could not be laid out as a PDF: {error}") from None
    if result.err:
        raise PdfProblem("the document could not be laid out as a PDF; check its HTML")
    return out.getvalue()

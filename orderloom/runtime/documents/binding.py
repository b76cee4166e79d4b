"""Many documents as one PDF, in the order given, laid out in as few passes as can be.

Laying out a document from HTML costs a fixed setup (the style sheets parsed, the
page frames built) besides its pages, and a wave's 1,000 slips and labels laid out
one by one took half a minute. So: the built-in slips and labels are drawn straight
onto the pages (drawn.py); documents of designers' templates framed the usual way are
bound into one HTML page, a named page size per kind, and laid out once; a document
that brings its own page or style sheet, or leaves an element open that the next
documents would end up inside, is laid out alone, where it stands.
"""
from __future__ import annotations

import io
from collections.abc import Callable

from pypdf import PdfReader, PdfWriter

from orderloom.runtime.documents import drawn, pdf
from orderloom.runtime.documents.defaults import bindable, bound
from orderloom.runtime.documents.fulfilment import Document


def one_pdf(title: str, documents: list[Document]) -> bytes:
    """The PDF of ``documents``, one after the other, each from a new sheet."""
    parts: list[bytes] = []
    run: list[Document] = []
    run_kind: Callable[[list[Document]], bytes] | None = None
    for document in documents:
        how = _how(document)
        if run and how is not run_kind:
            parts.append(run_kind(title, run))  # type: ignore[misc, call-arg]
            run = []
        run_kind = how
        run.append(document)
    if run:
        parts.append(run_kind(title, run))  # type: ignore[misc, call-arg]
    return _merge(parts)


def _merge(parts: list[bytes]) -> bytes:
    """PDFs as one, in the order given."""
    if len(parts) == 1:
        return parts[0]
    writer = PdfWriter()
    for part in parts:
        writer.append(PdfReader(io.BytesIO(part)))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _how(document: Document):  # -> one of the three below
    if not document.html and document.view is not None:
        return _drawn
    if document.body and bindable(document.body):
        return _bound
    return _alone


def _drawn(_title: str, run: list[Document]) -> bytes:
    return drawn.pages([(d.kind, d.view or {}) for d in run])


def _alone(_title: str, run: list[Document]) -> bytes:
    return _merge([document.pdf() for document in run])


def _bound(title: str, run: list[Document]) -> bytes:
    try:
        return pdf.html_to_pdf(bound(title, [(d.kind, d.body) for d in run]))
    except pdf.PdfProblem:
        # Laid out alone, the document at fault is found and named (document.pdf()
        # raises); when none is at fault, only binding them failed, and the wave
        # prints as it would have one by one.
        return _alone(title, run)

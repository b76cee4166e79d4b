"""Headers every answer carries so a browser limits what a page can do.

The pages run only the scripts served from /static (no inline script, no
``eval``), so the policy allows no other script. Styles may be inline because
the designer's print preview shows a print template, written with its own
``<style>``, in a sandboxed ``srcdoc`` frame, which takes on this page's policy;
print templates and barcodes use ``data:`` images. No page may be framed by
another site (clickjacking), nor a file read as another type than it is sent as.
An answer that sets its own Content-Security-Policy (printed documents) keeps it.
"""
from __future__ import annotations

from flask import Flask, Response

CONTENT_SECURITY_POLICY = "; ".join((
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
))
# Printed documents are HTML people wrote: no script, nothing loaded from elsewhere,
# no form sent anywhere, no <base> (runtime/documents/page_safety.py also takes
# these out, and the <meta> refresh no policy stops).
DOCUMENT_POLICY = ("default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
                   "form-action 'none'; base-uri 'none'")
HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


def init_app(app: Flask) -> None:
    @app.after_request
    def _secured(response: Response) -> Response:
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
        return response

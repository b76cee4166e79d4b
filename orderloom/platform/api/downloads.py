"""Answering with a CSV or Excel file, named for what it holds."""
from __future__ import annotations

from flask import Response

from orderloom.runtime.order_files import XLSX_MIME

MIMETYPES = {"csv": "text/csv", "xlsx": XLSX_MIME}


def file_response(data: bytes | str, name: str, kind: str) -> Response:
    """``data`` as the download ``<name>.<kind>`` (kind csv or xlsx)."""
    return Response(data, mimetype=MIMETYPES[kind],
                    headers={"Content-Disposition": f'attachment; filename="{name}.{kind}"'})

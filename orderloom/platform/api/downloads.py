"""Answering with a CSV or Excel file, named for what it holds."""
from __future__ import annotations

from collections.abc import Callable

from flask import Response, request
from sqlalchemy.orm import Session

from orderloom.db import utcnow
from orderloom.platform import query_args
from orderloom.runtime.channels.order_files import XLSX_MIME

MIMETYPES = {"csv": "text/csv", "xlsx": XLSX_MIME}


def file_response(data: bytes | str, name: str, kind: str) -> Response:
    """``data`` as the download ``<name>.<kind>`` (kind csv or xlsx)."""
    return Response(data, mimetype=MIMETYPES[kind],
                    headers={"Content-Disposition": f'attachment; filename="{name}.{kind}"'})


def export_response(session: Session, name: str, as_csv: Callable[[Session], str],
                    as_xlsx: Callable[[Session], bytes]) -> Response:
    """Everything of a kind as the file the request's ``?format=`` asks for (csv, the
    default, or xlsx), named ``<name>-<when>``; the read ends before the answer goes."""
    wanted = query_args.choice(request.args, "format", ("csv", "xlsx"), "csv")
    data = as_csv(session) if wanted == "csv" else as_xlsx(session)
    session.rollback()
    return file_response(data, f"{name}-{utcnow():%Y%m%d-%H%M%S}", wanted)

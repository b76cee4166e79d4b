"""What a carrier answers, read into typed and bounded fields.

A carrier's JSON is written by someone else and ends up on staff pages, in the API
and (the tracking number, the status, the place) on the public tracking page. So
nothing of it is kept as it came: a tracking number must look like one, a label is
an http(s) URL or a PDF (or ZPL for label printers) of bounded size, a status is
one of the normalised statuses (http_carrier.py maps it), times are parsed, and
text is cut to a short plain line. Anything else is dropped.
"""
from __future__ import annotations

import base64
import binascii
import json
import re
import urllib.parse
from typing import Any

from orderloom.runtime.outbound import plain_excerpt

# Letters and digits, inner dashes: what carriers print under a barcode.
TRACKING_NUMBER = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,48}[A-Za-z0-9])?$")
TRACKING_NUMBER_LENGTH = 50
URL_LENGTH = 1000
LABEL_BYTES = 2_000_000  # a PDF or ZPL label, decoded
DESCRIPTION_LENGTH = 300
LOCATION_LENGTH = 100
RAW_LENGTH = 4000  # the carrier's event as it came, kept for support when this small
_ZPL = re.compile(r"^\^XA[\x20-\x7e\r\n\t]*\^XZ\s*$")


class Unreadable(ValueError):
    """A value that is not what the field allows; the message says why."""


def tracking_number(value: Any) -> str:
    """A carrier's tracking number: letters, digits and inner dashes, at most 50."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise Unreadable("is not a tracking number (letters and digits)")
    text = str(value).strip()
    if len(text) > TRACKING_NUMBER_LENGTH:
        raise Unreadable(f"is {len(text)} characters long; a tracking number has at most "
                         f"{TRACKING_NUMBER_LENGTH}")
    if not TRACKING_NUMBER.match(text):
        raise Unreadable("is not a tracking number: letters, digits and dashes only")
    return text


def label(value: Any) -> dict[str, str]:
    """The label a carrier answered, as ``{"url": ...}`` or ``{"format": "pdf"|"zpl",
    "data": ...}``; an empty dict when it is none of these (it is then dropped)."""
    if isinstance(value, str):
        url = _url(value)
        return {"url": url} if url else {}
    if not isinstance(value, dict):
        return {}
    if isinstance(value.get("url"), str):
        url = _url(value["url"])
        return {"url": url} if url else {}
    data = value.get("data")
    if not isinstance(data, str):
        return {}
    kind = str(value.get("format") or "").lower()
    if kind == "zpl" and len(data) <= LABEL_BYTES and _ZPL.match(data):
        return {"format": "zpl", "data": data}
    if kind in ("pdf", "") and len(data) <= LABEL_BYTES * 4 // 3 + 4:
        try:
            pdf = base64.b64decode(data, validate=True)
        except (binascii.Error, ValueError):
            return {}
        if pdf.startswith(b"%PDF-") and len(pdf) <= LABEL_BYTES:
            return {"format": "pdf", "data": data}
    return {}


def _url(value: str) -> str | None:
    """An absolute http(s) URL without credentials or control characters, else None
    (a ``javascript:`` or ``data:`` URL would run or show anything where it is opened)."""
    text = value.strip()
    if len(text) > URL_LENGTH or any(not c.isprintable() or c.isspace() for c in text):
        return None
    try:
        parts = urllib.parse.urlsplit(text)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    if parts.username or parts.password:
        return None
    return text


def text(value: Any, length: int) -> str:
    """A carrier's words (an event's description or place) as a short plain line."""
    if value is None or isinstance(value, dict | list):
        return ""
    return plain_excerpt(str(value), length)


def kept_raw(item: Any) -> dict[str, Any]:
    """The carrier's event as it came, for support, when it is small; else a note that
    it was not kept. Never shown to anyone but through the database."""
    try:
        dumped = json.dumps(item, default=str, ensure_ascii=False)
    except (TypeError, ValueError, RecursionError):
        return {"not_kept": "not JSON"}
    if len(dumped) > RAW_LENGTH:
        return {"not_kept": f"{len(dumped)} characters"}
    return json.loads(dumped)

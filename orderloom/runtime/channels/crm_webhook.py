"""A CRM that posts its won deals itself (channel kind ``crm``): any CRM whose
workflows can send an HTTP request (Salesforce flows, 纷享销客 or 销售易 workflows, a
script of the integrator's) posts the whole deal in one documented shape, signed with
the channel's secret.

The signature covers a timestamp with the body, so a captured request cannot be sent
again later: ``X-Orderloom-Timestamp`` is the sending moment in seconds since the
epoch, and ``X-Orderloom-Signature`` is ``sha256=`` and the hex HMAC-SHA256 of
``<timestamp>.<body>``. A request more than five minutes off is refused.

The body (docs/erp-crm.md#a-crm-that-posts-its-deals)::

    {"deal": {"id", "stage", "name", "amount", "currency", "description"},
     "lines": [{"sku", "name", "quantity", "price"}],
     "contact": {"id", "first_name", "last_name", "email", "phone", "address", "city",
                 "state", "zip", "country"},
     "company": {"id", "name", "phone", "address", "city", "state", "zip", "country"}}

It is read into the same ``WonDeal`` as HubSpot's records (hubspot.py), so both kinds
make their orders one way (crm_deals.py).
"""
from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from orderloom.runtime.channels.hubspot import WonDeal

SIGNATURE_HEADER = "X-Orderloom-Signature"
TIMESTAMP_HEADER = "X-Orderloom-Timestamp"
SCHEME = "sha256="
FRESH_SECONDS = 5 * 60
# Each member of the posted shape and the CRM property (HubSpot's name) it is read as.
DEAL = {"stage": "dealstage", "name": "dealname", "amount": "amount",
        "currency": "deal_currency_code", "description": "description"}
LINE = {"sku": "hs_sku", "name": "name", "quantity": "quantity", "price": "price"}
PLACE = {"phone": "phone", "address": "address", "city": "city", "state": "state",
         "zip": "zip", "country": "country"}
CONTACT = {"first_name": "firstname", "last_name": "lastname", "email": "email", **PLACE}
COMPANY = {"name": "name", **PLACE}


class UnreadableDeal(ValueError):
    """The posted body is not a deal in the documented shape; ``pointer`` says where."""

    def __init__(self, pointer: str, detail: str) -> None:
        super().__init__(f"{pointer}: {detail}")
        self.pointer = pointer
        self.detail = detail


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """The ``X-Orderloom-Signature`` value a CRM puts on ``body`` sent at ``timestamp``."""
    digest = hmac.new(secret.encode("utf-8"), timestamp.encode("ascii") + b"." + body,
                      hashlib.sha256).hexdigest()
    return SCHEME + digest


def signature_matches(secret: str, body: bytes, headers: Mapping[str, str],
                      now: datetime) -> bool:
    given = (headers.get(SIGNATURE_HEADER) or "").strip()
    timestamp = (headers.get(TIMESTAMP_HEADER) or "").strip()
    if not given or not secret or not timestamp.isdigit() or len(timestamp) > 12:
        return False
    if abs(now.timestamp() - int(timestamp)) > FRESH_SECONDS:
        return False
    # compare_digest takes as long whatever the first differing byte.
    return hmac.compare_digest(signature(secret, timestamp, body).encode("ascii"),
                               given.encode("ascii", "replace"))


def _scalar(value: Any, pointer: str) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise UnreadableDeal(pointer, "must be text or a number")
    return str(value)


def _record(value: Any, pointer: str, members: dict[str, str],
            required_id: bool) -> dict[str, Any] | None:
    if value is None and not required_id:
        return None
    if not isinstance(value, dict):
        raise UnreadableDeal(pointer, "must be an object")
    found: dict[str, Any] = {}
    if required_id or value.get("id") is not None:
        record_id = _scalar(value.get("id"), f"{pointer}/id")
        if not record_id:
            raise UnreadableDeal(f"{pointer}/id", "is required: the CRM's id of the record")
        found["id"] = record_id[:100]
    for member, property_name in members.items():
        read = _scalar(value.get(member), f"{pointer}/{member}")
        if read is not None:
            found[property_name] = read
    return found


def posted_deal(payload: Any) -> WonDeal:
    """The deal a CRM posted; UnreadableDeal at the member that is not as documented."""
    if not isinstance(payload, dict):
        raise UnreadableDeal("", "must be an object with the deal under \"deal\"")
    deal = _record(payload.get("deal"), "/deal", DEAL, True)
    assert deal is not None  # required
    if not deal.get("dealstage"):
        raise UnreadableDeal("/deal/stage", "is required: the stage the deal is in")
    lines = payload.get("lines", [])
    if not isinstance(lines, list):
        raise UnreadableDeal("/lines", "must be a list")
    read_lines = []
    for index, line in enumerate(lines):
        read = _record(line, f"/lines/{index}", LINE, False)
        if read is None:
            raise UnreadableDeal(f"/lines/{index}", "must be an object")
        read_lines.append(read)
    deal_id = deal.pop("id")
    return WonDeal(deal_id, deal, read_lines,
                   _record(payload.get("contact"), "/contact", CONTACT, False),
                   _record(payload.get("company"), "/company", COMPANY, False))

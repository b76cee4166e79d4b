"""HubSpot, the CRM: its webhook signature and events, and the CRM API v3 calls a won
deal needs.

Written from HubSpot's developer documentation (developers.hubspot.com: "Validating
requests from HubSpot", "Webhooks API", "CRM API: deals, line items, contacts,
companies, notes, associations"):

- A webhook request carries ``X-HubSpot-Signature-v3``: base64 of HMAC-SHA256, keyed
  with the app's client secret, of ``method + uri + body + timestamp``, the timestamp
  (milliseconds since the epoch) being ``X-HubSpot-Request-Timestamp``. A request
  older than five minutes is refused, so a captured request cannot be sent again later.
- The body is a JSON array of events; a deal moving to a stage is
  ``{"subscriptionType": "deal.propertyChange", "objectId": <deal id>,
  "propertyName": "dealstage", "propertyValue": <stage id>, "eventId", ...}``.
- The event carries no more than that, so the deal (with its associations), its line
  items (``batch/read``), its contact and company are read from the CRM API with the
  private app's access token (``Authorization: Bearer``). A 429 says how long to wait
  in ``Retry-After``.

Every call goes through runtime/outbound.py; every failure is a ``CrmCallFailed``
saying what the operator can act on and whether trying again later may help.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import unquote

from orderloom.runtime import outbound
from orderloom.runtime.channels.stores import retry_after, scrubbed, store_excerpt

NAME = "HubSpot"
API_URL = "https://api.hubapi.com"
SIGNATURE_HEADER = "X-HubSpot-Signature-v3"
TIMESTAMP_HEADER = "X-HubSpot-Request-Timestamp"
# HubSpot's own advice: refuse a request whose timestamp is older than five minutes.
FRESH_MILLISECONDS = 5 * 60 * 1000
STAGE_PROPERTY = "dealstage"
DEAL_PROPERTIES = ("dealname", "amount", "dealstage", "pipeline", "closedate",
                   "deal_currency_code", "description")
LINE_PROPERTIES = ("name", "hs_sku", "quantity", "price", "amount")
CONTACT_PROPERTIES = ("email", "firstname", "lastname", "phone", "mobilephone", "address",
                      "city", "state", "zip", "country")
COMPANY_PROPERTIES = ("name", "phone", "address", "city", "state", "zip", "country")
# The most ids one batch read of HubSpot's CRM API takes.
BATCH_SIZE = 100
# HubSpot's association type of a note to a deal (HUBSPOT_DEFINED).
NOTE_TO_DEAL = 214


class CrmCallFailed(outbound.CallFailed):
    """The CRM did not do what was asked."""


# --- the webhook ------------------------------------------------------------------------------

def signature(secret: str, method: str, uri: str, body: bytes, timestamp: str) -> str:
    """The ``X-HubSpot-Signature-v3`` value HubSpot puts on a request."""
    text = method.upper().encode("utf-8") + unquote(uri).encode("utf-8") + body \
        + timestamp.encode("utf-8")
    digest = hmac.new(secret.encode("utf-8"), text, hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def signature_matches(secret: str, method: str, uri: str, body: bytes,
                      headers: Mapping[str, str], now: datetime) -> bool:
    """Whether the request is HubSpot's and fresh: signed with ``secret`` and sent
    within five minutes of ``now`` (either way, for clocks a little apart)."""
    given = (headers.get(SIGNATURE_HEADER) or "").strip()
    timestamp = (headers.get(TIMESTAMP_HEADER) or "").strip()
    if not given or not secret or not timestamp.isdigit() or len(timestamp) > 15:
        return False
    if abs(now.timestamp() * 1000 - int(timestamp)) > FRESH_MILLISECONDS:
        return False
    expected = signature(secret, method, uri, body, timestamp)
    # compare_digest takes as long whatever the first differing byte.
    return hmac.compare_digest(expected.encode("ascii"), given.encode("ascii", "replace"))


@dataclass(frozen=True)
class StageChange:
    """One deal that moved to a stage, as an event told of it."""

    deal_id: str
    stage: str
    event_id: str | None


def stage_changes(events: Any) -> list[StageChange]:
    """The deal stage changes among a webhook's events, in order; other events (another
    property, another object) are not this channel's business and are left out."""
    if isinstance(events, dict):
        events = [events]
    if not isinstance(events, list):
        return []
    found: list[StageChange] = []
    for event in events:
        if not isinstance(event, dict):
            continue
        if event.get("subscriptionType") != "deal.propertyChange" \
                or event.get("propertyName") != STAGE_PROPERTY:
            continue
        deal, stage = event.get("objectId"), event.get("propertyValue")
        if isinstance(deal, bool) or not isinstance(deal, int | str) or not str(deal) \
                or not isinstance(stage, str):
            continue
        event_id = event.get("eventId")
        found.append(StageChange(str(deal)[:100], stage,
                                 None if event_id is None else str(event_id)[:100]))
    return found


# --- the CRM API -------------------------------------------------------------------------------

def ask(method: str, api_url: str, path: str, token: str, body: Any = None) -> Any:
    """One call of the CRM API, its JSON answer read; CrmCallFailed for any answer but
    2xx. The token is scrubbed from whatever of the answer a failure quotes."""
    headers = {"Accept": "application/json", "Authorization": f"Bearer {token}"}
    content = None
    if body is not None:
        content = json.dumps(body).encode("utf-8")
        headers["Content-Type"] = "application/json"
    hidden = [token]
    try:
        answer = outbound.call(method, api_url.rstrip("/") + path, headers=headers,
                               content=content, secure=True)
    except outbound.Refused as refusal:
        raise CrmCallFailed(f"the CRM address is refused: {scrubbed(str(refusal), hidden)}",
                            fix="/api_url") from None
    except outbound.OutboundError as error:
        raise CrmCallFailed(f"{NAME} did not answer: {scrubbed(str(error), hidden)}",
                            fix="/api_url", retryable=True) from None
    status = answer.status
    if 200 <= status < 300:
        try:
            return json.loads(answer.body) if answer.body else None
        except ValueError:
            raise CrmCallFailed(f"{NAME} answered {status} with something other than JSON; "
                                "is the address HubSpot's API?", status=status,
                                fix="/api_url") from None
    said = store_excerpt(answer.body, hidden, 160)
    if status == 401:
        raise CrmCallFailed(f"{NAME} refused the access token (401): {said}", status=status,
                            fix="/credentials/access_token")
    if status == 403:
        raise CrmCallFailed(f"{NAME} answered 403: the private app lacks a scope it needs "
                            "(crm.objects.deals.read, crm.objects.line_items.read, "
                            "crm.objects.contacts.read, crm.objects.companies.read; "
                            "crm.objects.deals.write for notes)", status=status,
                            fix="/credentials/access_token")
    if status == 429 or status >= 500:
        raise CrmCallFailed(f"{NAME} answered {status}: {said}", status=status, retryable=True,
                            retry_after=retry_after(answer.headers.get("Retry-After")))
    raise CrmCallFailed(f"{NAME} answered {status}: {said}", status=status)


def connection(api_url: str, token: str) -> str:
    """What the CRM says when the address and token work (a deal read); else
    CrmCallFailed."""
    found = ask("GET", api_url, "/crm/v3/objects/deals?limit=1", token)
    deals = found.get("results") if isinstance(found, dict) else None
    if not isinstance(deals, list):
        raise CrmCallFailed(f"{NAME} answered without a list of deals; is the address "
                            "HubSpot's API?", fix="/api_url")
    return f"{NAME} answered; the token reads deals"


def _ids(deal: dict[str, Any], kind: str) -> list[str]:
    found = ((deal.get("associations") or {}).get(kind) or {}).get("results") or []
    return [str(item["id"]) for item in found if isinstance(item, dict) and "id" in item]


def _properties(found: Any) -> dict[str, Any]:
    properties = found.get("properties") if isinstance(found, dict) else None
    return properties if isinstance(properties, dict) else {}


@dataclass(frozen=True)
class WonDeal:
    """A deal as read from the CRM: its properties, lines, contact and company (each
    with the CRM's id), as the CRM holds them."""

    deal_id: str
    deal: dict[str, Any]
    lines: list[dict[str, Any]]
    contact: dict[str, Any] | None
    company: dict[str, Any] | None

    @property
    def stage(self) -> str | None:
        return self.deal.get(STAGE_PROPERTY)


def read_deal(api_url: str, token: str, deal_id: str) -> WonDeal:
    """The deal with its line items, first contact and first company."""
    path = (f"/crm/v3/objects/deals/{deal_id}?properties={','.join(DEAL_PROPERTIES)}"
            "&associations=line_items,contacts,companies")
    deal = ask("GET", api_url, path, token)
    if not isinstance(deal, dict):
        raise CrmCallFailed(f"{NAME} answered the deal {deal_id} with no deal")
    lines: list[dict[str, Any]] = []
    line_ids = _ids(deal, "line_items")
    by_id: dict[str, Any] = {}
    # A batch read takes at most BATCH_SIZE ids.
    for start in range(0, len(line_ids), BATCH_SIZE):
        found = ask("POST", api_url, "/crm/v3/objects/line_items/batch/read", token,
                    {"properties": list(LINE_PROPERTIES),
                     "inputs": [{"id": i} for i in line_ids[start:start + BATCH_SIZE]]})
        results = found.get("results") if isinstance(found, dict) else None
        by_id.update({str(r.get("id")): r for r in results or [] if isinstance(r, dict)})
    if line_ids:
        # The deal's own order of lines, not the batch answer's.
        lines = [{"id": i, **_properties(by_id[i])} for i in line_ids if i in by_id]
    contact = company = None
    contacts, companies = _ids(deal, "contacts"), _ids(deal, "companies")
    if contacts:
        contact = {"id": contacts[0], **_properties(ask(
            "GET", api_url, f"/crm/v3/objects/contacts/{contacts[0]}"
                            f"?properties={','.join(CONTACT_PROPERTIES)}", token))}
    if companies:
        company = {"id": companies[0], **_properties(ask(
            "GET", api_url, f"/crm/v3/objects/companies/{companies[0]}"
                            f"?properties={','.join(COMPANY_PROPERTIES)}", token))}
    return WonDeal(str(deal.get("id") or deal_id), _properties(deal), lines, contact, company)


def add_note(api_url: str, token: str, deal_id: str, text: str, at: datetime) -> str:
    """A note on the deal; answers the CRM's id of the note."""
    found = ask("POST", api_url, "/crm/v3/objects/notes", token, {
        "properties": {"hs_timestamp": at.isoformat().replace("+00:00", "Z"),
                       "hs_note_body": text},
        "associations": [{"to": {"id": deal_id},
                          "types": [{"associationCategory": "HUBSPOT_DEFINED",
                                     "associationTypeId": NOTE_TO_DEAL}]}]})
    note_id = found.get("id") if isinstance(found, dict) else None
    if note_id is None:
        raise CrmCallFailed(f"{NAME} answered the note with no id")
    return str(note_id)

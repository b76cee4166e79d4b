"""What the tracking services (快递100, 快递鸟) have in common: an account that follows
many carriers, a list mapping Orderloom's carriers to the service's company codes,
form-encoded POSTs answered with JSON, and times written in Beijing time.

Not a kind of its own (it declares no ``KIND``): ``kuaidi100.py`` and ``kdniao.py``
use it.
"""
from __future__ import annotations

import json
import urllib.parse
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

from orderloom.runtime import outbound
from orderloom.runtime.shipping.carriers import answers
from orderloom.runtime.shipping.carriers.base import (
    IN_TRANSIT,
    CarrierError,
    CarrierEvent,
    PayloadError,
)

TIMEOUT_SECONDS = 10
MAX_ANSWER_BYTES = 1_000_000
MAX_PUSH_BYTES = 1_000_000
BEIJING = timezone(timedelta(hours=8), "Asia/Shanghai")
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
FUTURE_LEEWAY = timedelta(days=2)
_URL = {"type": "string", "maxLength": 500, "pattern": "^https?://"}

COMPANIES_SCHEMA: dict[str, Any] = {
    "type": "array", "maxItems": 200,
    "description": "The carriers this account follows: Orderloom's carrier code, what "
                   "staff call it, and the service's company code for it",
    "items": {"type": "object", "required": ["carrier", "company"],
              "additionalProperties": False,
              "properties": {
                  "carrier": {"type": "string", "pattern": "^[a-z][a-z0-9_-]{0,39}$",
                              "description": "Orderloom's carrier code, e.g. sf"},
                  "name": {"type": "string", "minLength": 1, "maxLength": 100,
                           "description": "What staff and customers see, e.g. 顺丰速运"},
                  "company": {"type": "string", "pattern": "^[A-Za-z0-9_-]{1,40}$",
                              "description": "The service's code, e.g. shunfeng or SF"}}}}


def url_schema(description: str) -> dict[str, Any]:
    return {**_URL, "description": description}


def company_of(config: Mapping[str, Any], code: str) -> tuple[str, str]:
    """The service's company code and the staff's name of Orderloom carrier ``code``.
    Raises CarrierError when the account does not list it."""
    for entry in config.get("companies") or []:
        if entry.get("carrier") == code:
            return entry["company"], entry.get("name") or code
    raise CarrierError(f"carrier {code!r} is not in the tracking account's companies; "
                       "add it with the service's company code")


def post_form(service: str, url: str, fields: Mapping[str, str],
              hide: tuple[str, ...] = ()) -> Any:
    """POST ``fields`` form-encoded and answer the service's JSON. ``hide``: the secrets
    that must not reach a message even if the service quotes them."""
    content = urllib.parse.urlencode(dict(fields)).encode("ascii")
    try:
        answer = outbound.call("POST", url, content=content, timeout=TIMEOUT_SECONDS,
                               limit=MAX_ANSWER_BYTES, headers={
                                   "Content-Type": "application/x-www-form-urlencoded;"
                                                   "charset=UTF-8",
                                   "Accept": "application/json"})
    except outbound.Refused as refusal:
        raise CarrierError(f"{service}'s address was refused: {refusal}") from None
    except outbound.OutboundError as error:
        raise CarrierError(f"{service} could not be reached: {error}") from None
    if not 200 <= answer.status < 300:
        raise CarrierError(f"{service} answered HTTP {answer.status}"
                           + (f": {hidden(answer.excerpt(), hide)}" if answer.body else ""))
    if not answer.complete:
        raise CarrierError(f"{service} answered more than {MAX_ANSWER_BYTES} bytes")
    try:
        return json.loads(answer.body.decode("utf-8"), parse_float=Decimal)
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise CarrierError(f"{service} answered something that is not JSON: "
                           f"{hidden(answer.excerpt(), hide)}") from None


def hidden(text: str, secrets: tuple[str, ...]) -> str:
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return text


def form_fields(body: bytes, service: str) -> dict[str, str]:
    """A push's form fields (each given once); PayloadError when it is no such form."""
    if len(body) > MAX_PUSH_BYTES:
        raise PayloadError("", f"the push is larger than {MAX_PUSH_BYTES} bytes")
    try:
        pairs = urllib.parse.parse_qsl(body.decode("utf-8"), keep_blank_values=True,
                                       strict_parsing=False, max_num_fields=20)
    except (UnicodeDecodeError, ValueError):
        raise PayloadError("", f"the body is not the form {service} posts") from None
    return {name: value for name, value in pairs}


def json_field(fields: Mapping[str, str], name: str) -> Any:
    if name not in fields:
        raise PayloadError(f"/{name}", "is required")
    try:
        return json.loads(fields[name], parse_float=Decimal)
    except (ValueError, RecursionError):
        raise PayloadError(f"/{name}", "is not JSON") from None


def beijing_time(value: Any, where: str) -> datetime:
    """A service's ``2026-12-01 10:30:00`` (Beijing time) as an aware UTC moment."""
    if not isinstance(value, str) or not value.strip():
        raise PayloadError(where, "is required: when it happened")
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        raise PayloadError(where, f"{value[:40]!r} is not a time such as "
                                  "2026-12-01 10:30:00") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=BEIJING)
    moment = moment.astimezone(UTC)
    # A time far off would sort before or after every other event for good.
    if not EARLIEST <= moment <= datetime.now(UTC) + FUTURE_LEEWAY:
        raise PayloadError(where, f"{value[:40]!r} is not a time a parcel could have been "
                                  "on its way")
    return moment


def traces(items: Any, where: str, *, number: str, carrier: str, overall: str,
           time_of: str, text_of: str, code_of: str, status_of: Mapping[str, str],
           place_of: str, strict: bool) -> list[CarrierEvent]:
    """A service's list of traces as events. A trace carrying its own status code
    (``code_of``) has that status; one without has ``overall`` (the waybill's state)
    when it is the newest, else in transit. Strict (pushes): a bad trace refuses the
    push; lenient (queries): it is skipped."""
    if not isinstance(items, list):
        if strict:
            raise PayloadError(where, "must be a list of traces")
        return []
    read: list[tuple[datetime, int, dict[str, Any]]] = []
    for index, item in enumerate(items):
        try:
            if not isinstance(item, Mapping):
                raise PayloadError(f"{where}/{index}", "each trace must be an object")
            moment = beijing_time(item.get(time_of), f"{where}/{index}/{time_of}")
        except PayloadError:
            if strict:
                raise
            continue
        read.append((moment, index, dict(item)))
    read.sort(key=lambda entry: entry[0])
    events = []
    for position, (moment, _index, item) in enumerate(read):
        own = status_of.get(str(item.get(code_of) or ""))
        status = own or (overall if position == len(read) - 1 else IN_TRANSIT)
        events.append(CarrierEvent(
            tracking_number=number, status=status, occurred_at=moment,
            description=answers.text(item.get(text_of), answers.DESCRIPTION_LENGTH),
            location=answers.text(item.get(place_of), answers.LOCATION_LENGTH),
            raw=answers.kept_raw(item), carrier=carrier))
    return events

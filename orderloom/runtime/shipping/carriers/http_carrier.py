"""A generic HTTP carrier, configured rather than programmed.

Its configuration (a carrier row's ``config``) names the URLs, the auth header, where
the tracking number, label and events sit in the carrier's JSON, and how the
carrier's own status codes map to the normalised statuses. docs/logistics.md has
a worked example; ``CONFIG_SCHEMA`` is what the API checks it against.
"""
from __future__ import annotations

import json
import logging
import urllib.parse
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation
from typing import Any

from orderloom.runtime import outbound
from orderloom.runtime.shipping.carriers import answers
from orderloom.runtime.shipping.carriers.base import (
    BOOK,
    STATUSES,
    TRACK_BY_QUERY,
    Booking,
    CarrierError,
    CarrierEvent,
    CarrierKind,
    NumberNeeded,
    Parcel,
    PayloadError,
    Quote,
)
from orderloom.runtime.shipping.models import Carrier

log = logging.getLogger(__name__)

TIMEOUT_SECONDS = 10
MAX_ANSWER_BYTES = 1_000_000
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
FUTURE_LEEWAY = timedelta(days=2)  # carriers' clocks and zones that are a little off
_URL = {"type": "string", "maxLength": 500, "pattern": "^https?://"}
_PATH = {"type": "string", "maxLength": 100, "pattern": "^[A-Za-z0-9_]+(\\.[A-Za-z0-9_]+)*$",
         "description": "Where the value sits in the carrier's JSON, members joined by dots"}
FIELD_DEFAULTS = {
    "tracking_number": "tracking_number",
    "label": "label",
    "events": "events",
    "status": "status",
    "description": "description",
    "location": "location",
    "occurred_at": "occurred_at",
}
CONFIG_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "create_url": {**_URL, "description": "POSTed the parcel as JSON to book it"},
        "tracking_url": {**_URL, "description": "GET for a parcel's events; "
                                                "{tracking_number} is replaced"},
        "quote_url": {**_URL, "description": "POSTed the parcel, sender and recipient as "
                                             "JSON for a quote; answers {price, days, "
                                             "service}"},
        "tracking_link": {**_URL, "description": "The carrier's public page of a parcel, "
                                                 "for customers; {tracking_number} is "
                                                 "replaced"},
        "auth_header": {"type": "string", "pattern": "^[A-Za-z0-9-]{1,60}$"},
        "auth_value": {"type": "string", "maxLength": 500,
                       "description": "Sent in auth_header; never answered back"},
        "status_map": {"type": "object", "maxProperties": 500,
                       "additionalProperties": {"enum": list(STATUSES)},
                       "description": "The carrier's status code -> a normalised status"},
        "fields": {"type": "object", "additionalProperties": False,
                   "properties": {name: _PATH for name in FIELD_DEFAULTS}},
        "utc_offset": {"type": "string", "pattern": "^[+-](0\\d|1[0-4]):[0-5]\\d$",
                       "description": "The zone of times the carrier sends without one"},
    },
}
SECRET_MEMBERS = ("auth_value",)


def dig(document: Any, path: str) -> Any:
    """The value at a dotted path, or None when any step is missing."""
    for part in path.split("."):
        if isinstance(document, Mapping):
            document = document.get(part)
        elif isinstance(document, list) and part.isdigit() and int(part) < len(document):
            document = document[int(part)]
        else:
            return None
    return document


class HttpCarrier:
    books = True
    subscribes = False

    def __init__(self, carrier: Carrier, config: dict[str, Any] | None = None) -> None:
        self.code = carrier.code
        self.name = carrier.name
        # The row's config with its sealed auth_value opened (the registry's adapter_for).
        self.config = config if config is not None else (carrier.config or {})
        self.fields = {**FIELD_DEFAULTS, **self.config.get("fields", {})}
        self.status_map = self.config.get("status_map", {})
        offset = self.config.get("utc_offset", "+00:00")
        sign = -1 if offset.startswith("-") else 1
        hours, minutes = (int(p) for p in offset[1:].split(":"))
        self.zone = timezone(sign * timedelta(hours=hours, minutes=minutes))

    # --- calling the carrier ------------------------------------------------------------------

    def _call(self, method: str, url: str, payload: Any = None) -> Any:
        headers = {"Accept": "application/json"}
        data = None
        if payload is not None:
            data = json.dumps(payload, ensure_ascii=False, default=_plain).encode("utf-8")
            headers["Content-Type"] = "application/json"
        if self.config.get("auth_header") and self.config.get("auth_value"):
            headers[self.config["auth_header"]] = self.config["auth_value"]
        try:
            answer = outbound.call(method, url, headers=headers, content=data,
                                   timeout=TIMEOUT_SECONDS, limit=MAX_ANSWER_BYTES)
        except outbound.Refused as refusal:
            raise CarrierError(f"carrier {self.code}'s URL was refused: {refusal}") from None
        except outbound.OutboundError as error:
            # Only the reason: the URL or headers may carry the carrier's credentials.
            raise CarrierError(f"carrier {self.code} could not be reached: {error}") from None
        if not 200 <= answer.status < 300:
            said = answer.excerpt()
            if self.config.get("auth_value"):
                # A carrier refusing the key may quote it; staff and logs see the reason.
                said = said.replace(self.config["auth_value"], "***")
            raise CarrierError(f"carrier {self.code} answered {answer.status} to {method}"
                               + (f": {said}" if said else ""))
        if not answer.complete:
            raise CarrierError(f"carrier {self.code} answered more than "
                               f"{MAX_ANSWER_BYTES} bytes")
        body = answer.body
        try:
            return json.loads(body.decode("utf-8"), parse_float=Decimal)
        except (UnicodeDecodeError, ValueError):
            raise CarrierError(f"carrier {self.code} answered something that is not "
                               "JSON") from None

    def create_shipment(self, parcel: Parcel) -> Booking:
        url = self.config.get("create_url")
        if not url:
            raise NumberNeeded(f"carrier {self.code} has no create_url to book with; give "
                               "the tracking number")
        answer = self._call("POST", url, {
            "reference": parcel.reference, "order_number": parcel.order_number,
            "recipient": parcel.recipient, "warehouse": parcel.warehouse,
            "pieces": parcel.pieces})
        number = dig(answer, self.fields["tracking_number"])
        if number is None or number == "":
            raise CarrierError(f"carrier {self.code} answered no tracking number at "
                               f"{self.fields['tracking_number']!r}")
        try:
            number = answers.tracking_number(number)
        except answers.Unreadable as error:
            raise CarrierError(f"carrier {self.code}'s tracking number at "
                               f"{self.fields['tracking_number']!r} {error}") from None
        # Only a label that is an http(s) URL or a PDF (or ZPL) is kept.
        return Booking(number, answers.label(dig(answer, self.fields["label"])))

    def __getattr__(self, name: str) -> Any:
        # ``quote`` exists only when a quote_url is set up: rate shopping asks only the
        # carriers that have it (getattr(adapter, "quote", None)).
        if name == "quote" and self.config.get("quote_url"):
            return self._quote
        raise AttributeError(name)

    def _quote(self, parcel: Parcel, sender: Mapping[str, Any],
               recipient: Mapping[str, Any]) -> Quote:
        answer = self._call("POST", self.config["quote_url"], {
            "order_number": parcel.order_number, "weight_kg": parcel.weight_kg,
            "pieces": parcel.pieces, "sender": sender, "recipient": recipient})
        price, days = dig(answer, "price"), dig(answer, "days")
        try:
            price = Decimal(str(price))
        except (InvalidOperation, ValueError):
            price = Decimal("NaN")
        if not price.is_finite() or not Decimal(0) <= price < Decimal(1_000_000):
            raise CarrierError(f"carrier {self.code} quoted no price (a number at 'price')")
        if isinstance(days, bool) or not isinstance(days, int) or not 0 <= days <= 365:
            raise CarrierError(f"carrier {self.code} quoted no days in transit (a whole "
                               "number at 'days')")
        return Quote(self.code, price.quantize(Decimal("0.01")), days,
                     answers.text(dig(answer, "service"), 40))

    def fetch_events(self, tracking_number: str, phone: str = "") -> list[CarrierEvent]:
        url = self.config.get("tracking_url")
        if not url:
            raise CarrierError(f"carrier {self.code} has no tracking_url to poll")
        url = url.replace("{tracking_number}", urllib.parse.quote(tracking_number, safe=""))
        answer = self._call("GET", url)
        events, _skipped = self.read_events(answer, tracking_number, strict=False)
        return events

    def parse_webhook(self, body: bytes, headers: Mapping[str, str]) -> list[CarrierEvent]:
        try:
            document = json.loads(body.decode("utf-8"), parse_float=Decimal)
        except (UnicodeDecodeError, ValueError, RecursionError):
            raise PayloadError("", "the body is not UTF-8 JSON") from None
        events, _skipped = self.read_events(document, None, strict=True)
        return events

    # --- reading the carrier's JSON -----------------------------------------------------------

    def read_events(self, document: Any, tracking_number: str | None, *, strict: bool
                    ) -> tuple[list[CarrierEvent], list[str]]:
        """The events in ``document``: a list at the events path, or the document itself
        as one event. Strict (webhooks): a bad event refuses the whole body with a
        pointer. Lenient (polling): bad events are skipped and named."""
        path = self.fields["events"]
        listed = dig(document, path) if isinstance(document, Mapping) else None
        if isinstance(listed, list):
            items, base = listed, "/" + path.replace(".", "/")
        elif isinstance(document, list):
            items, base = document, ""
        else:
            items, base = [document], None
        default_number = tracking_number or (
            dig(document, self.fields["tracking_number"]) if isinstance(document, Mapping)
            else None)
        events: list[CarrierEvent] = []
        skipped: list[str] = []
        for index, item in enumerate(items):
            where = f"{base}/{index}" if base is not None else ""
            try:
                events.append(self._event(item, where, default_number))
            except PayloadError as error:
                if strict:
                    raise
                skipped.append(str(error))
                log.warning("carrier %s: skipped an event: %s", self.code, error)
        return events, skipped

    def _event(self, item: Any, where: str, default_number: Any) -> CarrierEvent:
        if not isinstance(item, Mapping):
            raise PayloadError(where, "each event must be an object")
        fields = self.fields

        def at(name: str) -> str:
            return f"{where}/{fields[name].replace('.', '/')}"

        number = dig(item, fields["tracking_number"]) or default_number
        if number is None or number == "":
            raise PayloadError(at("tracking_number"), "is required: the parcel's tracking "
                                                      "number")
        try:
            number = answers.tracking_number(number)
        except answers.Unreadable as error:
            raise PayloadError(at("tracking_number"), str(error)) from None
        code = dig(item, fields["status"])
        if not isinstance(code, str | int) or str(code) == "":
            raise PayloadError(at("status"), "is required: the carrier's status code")
        status = self.status_map.get(str(code))
        if status is None and str(code) in STATUSES:
            status = str(code)
        if status is None:
            raise PayloadError(at("status"), f"carrier status {str(code)[:40]!r} is not in the "
                                             f"status map of carrier {self.code!r}; add it "
                                             "there")
        moment = dig(item, fields["occurred_at"])
        occurred_at = self._moment(moment, at("occurred_at"))
        return CarrierEvent(
            tracking_number=number, status=status, occurred_at=occurred_at,
            description=answers.text(dig(item, fields["description"]),
                                     answers.DESCRIPTION_LENGTH),
            location=answers.text(dig(item, fields["location"]), answers.LOCATION_LENGTH),
            raw=answers.kept_raw(item))

    def _moment(self, value: Any, where: str) -> datetime:
        if not isinstance(value, str) or not value.strip():
            raise PayloadError(where, "is required: when it happened, as an ISO 8601 time")
        try:
            moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            raise PayloadError(where, f"{value[:40]!r} is not an ISO 8601 time such as "
                                      "2026-11-25T09:30:00+08:00") from None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=self.zone)
        moment = moment.astimezone(UTC)
        # A time far off would sort before or after every other event for good (the
        # newest event sets the shipment's status).
        if not EARLIEST <= moment <= datetime.now(UTC) + FUTURE_LEEWAY:
            raise PayloadError(where, f"{value[:40]!r} is not a time a parcel could have "
                                      "been on its way")
        return moment


KIND = CarrierKind(
    kind="http", label="Generic HTTP carrier", config_schema=CONFIG_SCHEMA,
    adapter=lambda carrier, config, code: HttpCarrier(carrier, config),
    secrets=SECRET_MEMBERS, abilities=frozenset({BOOK, TRACK_BY_QUERY}),
    url_members=("create_url", "tracking_url", "quote_url"), query_needs="tracking_url")


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON")

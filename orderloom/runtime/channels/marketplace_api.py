"""A marketplace's open-platform API as a channel reads it: one configurable client for
the platforms that do not push orders (Taobao/Tmall, JD, Pinduoduo, Douyin).

A **pull setting** (``SETTINGS_SCHEMA``) says everything that differs between them:
the action called, how the request is signed (request_signing.py), the names and
format of the modified-time window and the page parameters, and where in the answer
the orders, has-next, total and error code are (JSON Pointers). Presets for each
marketplace are in marketplace_api_presets.py; a custom setting is the same object.
The setting also says which of an order's own members and values mean it was
cancelled or is under a refund request (``statuses``, read by ``status_shown``).

``fetch_page`` asks for one page of the orders modified in one window. Every call
goes through runtime/outbound.py as one carrying secrets (https only, unless the
operator allows the host), to the API address's own host: ``path`` is a plain path,
and a URL that would reach another host is refused before anything is sent. Every
failure is a ``MarketplaceCallFailed`` that says what the merchant can act on, the
member to fix, and whether it was the marketplace's rate limit (then how long it
asked to wait); whatever of the marketplace's answer it quotes has the app key, app
secret, access token and the request's signature scrubbed out (stores.scrubbed).

The optional ``money`` member says where an order states its money (lines' price and
quantity, shipping, tax, what the buyer pays, when the buyer paid); ``order_money``
reads it into the order form's terms with marketplace_totals.py, as the file presets
do, so the order's total is what the buyer pays and a paid order gets its payment.
"""
from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode, urlsplit

from jsonschema import Draft202012Validator

from orderloom.runtime import outbound
from orderloom.runtime.channels import marketplace_totals, request_signing
from orderloom.runtime.channels.stores import (
    Event,
    amount,
    money,
    retry_after,
    scrubbed,
    store_excerpt,
)

# How times are written in window and timestamp parameters: "yyyy-MM-dd HH:mm:ss" in
# the setting's time zone, or seconds / milliseconds since 1970.
TIME_FORMATS = ("datetime", "unix", "unix_ms")
POINTER = {"type": "string", "maxLength": 300, "pattern": "^(/([^~]|~[01])*)*$"}
OPTIONAL_POINTER = {**POINTER, "type": ["string", "null"]}
NAME = {"type": "string", "minLength": 1, "maxLength": 64}
CODES = {"type": "array", "maxItems": 50, "items": {"type": "string", "maxLength": 64}}
# The longest window any setting may ask for; a preset's marketplace allows less.
LONGEST_MINUTES = 7 * 24 * 60
CREDENTIALS = ("app_key", "app_secret", "access_token")
# A plain path on the API's host: no scheme, host, user, query or fragment can hide in it.
PATH = {"type": "string", "maxLength": 200, "pattern": "^(/[A-Za-z0-9._~-]+)*/?$"}


def _object(properties: dict[str, Any], optional: tuple[str, ...] = ()) -> dict[str, Any]:
    return {"type": "object", "additionalProperties": False, "properties": properties,
            "required": [name for name in properties if name not in optional]}


SETTINGS_SCHEMA: dict[str, Any] = _object({
    # POST: every parameter form-encoded in the body; POST_JSON: the business JSON as
    # the body and the other parameters in the query (Douyin).
    "http_method": {"enum": ["GET", "POST", "POST_JSON"]},
    "path": PATH,
    "action": _object({"parameter": NAME, "value": {"type": "string", "minLength": 1,
                                                    "maxLength": 200}}),
    "app_key_parameter": NAME,
    "access_token_parameter": {**NAME, "type": ["string", "null"]},
    "timestamp": _object({"parameter": NAME, "format": {"enum": list(TIME_FORMATS)}}),
    "fixed_parameters": {"type": "object", "maxProperties": 30,
                         "additionalProperties": {"type": "string", "maxLength": 2000}},
    "business_json_parameter": {**NAME, "type": ["string", "null"]},
    "signing": request_signing.SCHEMA,
    "time_zone": {"type": "string", "pattern": "^[+-](0[0-9]|1[0-4]):[0-5][0-9]$"},
    "window": _object({
        "from_parameter": NAME, "to_parameter": NAME,
        "format": {"enum": list(TIME_FORMATS)},
        "longest_minutes": {"type": "integer", "minimum": 1, "maximum": LONGEST_MINUTES},
        "overlap_seconds": {"type": "integer", "minimum": 0, "maximum": 3600}}),
    "pages": _object({"number_parameter": NAME, "size_parameter": NAME,
                      "size": {"type": "integer", "minimum": 1, "maximum": 500},
                      "first": {"enum": [0, 1]}}),
    "answer": _object({"orders": POINTER, "has_next": OPTIONAL_POINTER,
                       "total": OPTIONAL_POINTER, "error_code": OPTIONAL_POINTER,
                       "error_message": OPTIONAL_POINTER, "success_codes": CODES,
                       "rate_limited_codes": CODES, "credential_codes": CODES}),
    "order": _object({"id": POINTER, "modified": POINTER}),
    # Where an order says it is cancelled or under a refund (after-sales) request: each
    # reading names a member of the order (``at``; with ``each``, ``at`` is a list and
    # ``each`` the member of every item, e.g. each line's refund status) and the values
    # that mean so. Left out, the preset's readings hold.
    "statuses": {"type": "array", "maxItems": 5, "items": _object({
        "at": POINTER, "each": OPTIONAL_POINTER, "cancelled": CODES,
        "refund_requested": CODES}, optional=("each",))},
    # Where an order states its money (pointers into the order; price and quantity
    # into each line); ``total`` is what the buyer pays, summed; amounts in fen when
    # ``in_fen``. Left out: the mapping alone reads the money.
    "money": _object({"lines": POINTER, "price": POINTER, "quantity": POINTER,
                      "shipping": POINTER, "tax": OPTIONAL_POINTER,
                      "total": {"type": "array", "minItems": 1, "maxItems": 5,
                                "items": POINTER},
                      "paid_at": OPTIONAL_POINTER, "in_fen": {"type": "boolean"}}),
    "poll_every_minutes": {"type": "integer", "minimum": 1, "maximum": 1440},
    "rate_limit_wait_seconds": {"type": "number", "minimum": 0, "maximum": 60},
    "first_pull_hours": {"type": "integer", "minimum": 1, "maximum": 720},
}, optional=("statuses", "money"))
_validator = Draft202012Validator(SETTINGS_SCHEMA)


def settings_problems(settings: Any, longest_allowed: int | None = None,
                      marketplace: str = "") -> list[dict[str, str]]:
    """Every way ``settings`` is not a pull setting, each with its JSON Pointer (from the
    setting's root). ``longest_allowed`` is the window the marketplace allows."""
    problems = []
    for error in sorted(_validator.iter_errors(settings), key=lambda e: list(e.absolute_path)):
        where = "".join(f"/{part}" for part in error.absolute_path)
        if error.validator == "pattern" and error.validator_value == PATH["pattern"]:
            detail = (f"{error.instance!r} is not a plain path: write it as /segment/segment "
                      "(letters, digits, . _ ~ -), with no host, @, query or fragment; "
                      "the host is the API address's")
        elif error.validator == "pattern" and "~" in str(error.validator_value):
            detail = (f"{error.instance!r} is not a JSON Pointer: write it as /member/member "
                      "from the root of the answer (e.g. /trades/0/tid), ~1 for / in a name")
        elif error.validator == "required":
            detail = error.message.replace("is a required property", "is required")
        elif error.validator == "additionalProperties":
            detail = f"{error.message}; see docs/channels.md#marketplace-apis-pull"
        else:
            detail = error.message
        problems.append({"pointer": where, "detail": detail})
    if problems or not isinstance(settings, dict):
        return problems
    window = settings["window"]
    if longest_allowed is not None and window["longest_minutes"] > longest_allowed:
        problems.append({"pointer": "/window/longest_minutes", "detail": (
            f"is {window['longest_minutes']} minutes, but {marketplace} answers windows "
            f"of at most {longest_allowed} minutes")})
    if window["overlap_seconds"] >= window["longest_minutes"] * 60:
        problems.append({"pointer": "/window/overlap_seconds", "detail":
                         "must be shorter than the longest window, or a poll never moves on"})
    if settings["http_method"] == "POST_JSON" and not settings["business_json_parameter"]:
        problems.append({"pointer": "/business_json_parameter", "detail": (
            "is needed with http_method POST_JSON: the JSON sent as the body")})
    if window["from_parameter"] == window["to_parameter"]:
        problems.append({"pointer": "/window/to_parameter",
                         "detail": "must differ from from_parameter"})
    names = [settings["action"]["parameter"], settings["app_key_parameter"],
             settings["timestamp"]["parameter"], settings["signing"]["parameter"]]
    if len(set(names)) < len(names):
        problems.append({"pointer": "/signing/parameter", "detail": (
            "the action, app key, timestamp and signature parameters need a name each")})
    for number, reading in enumerate(settings.get("statuses", [])):
        if not reading["cancelled"] and not reading["refund_requested"]:
            problems.append({"pointer": f"/statuses/{number}", "detail": (
                "names no value: list the values that mean cancelled or refund_requested")})
        both = sorted(set(reading["cancelled"]) & set(reading["refund_requested"]))
        if both:
            problems.append({"pointer": f"/statuses/{number}/refund_requested", "detail": (
                f"{', '.join(both)} cannot mean both cancelled and refund requested")})
    return problems


# --- reading answers ---------------------------------------------------------------------

MISSING = object()


def pointed(document: Any, pointer: str | None) -> Any:
    """The member of ``document`` at ``pointer`` (RFC 6901), or MISSING."""
    if pointer is None:
        return MISSING
    found = document
    for raw in pointer.split("/")[1:]:
        part = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(found, dict) and part in found:
            found = found[part]
        elif isinstance(found, list) and part.isdigit() and int(part) < len(found):
            found = found[int(part)]
        else:
            return MISSING
    return found


def as_text(value: Any) -> str | None:
    if value is MISSING or value is None or isinstance(value, dict | list | bool):
        return None
    text = str(value).strip()
    return text[:200] or None


@dataclass(frozen=True)
class Status:
    """What an order's own members say of it: cancelled or refund requested
    (``event``), and the value that said so (``value``, shown to staff)."""

    event: Event
    value: str


def status_shown(statuses: list[dict[str, Any]], order: Any) -> Status | None:
    """The cancellation or refund request the order shows by ``statuses`` (the
    setting's readings), or None for an ordinary order. A cancellation outweighs a
    refund request, since it stops the whole order."""
    found: Status | None = None
    for reading in statuses:
        if reading.get("each"):
            items = pointed(order, reading["at"])
            values = [pointed(item, reading["each"]) for item in items] \
                if isinstance(items, list) else []
        else:
            values = [pointed(order, reading["at"])]
        for value in (as_text(v) for v in values):
            if value is None:
                continue
            if value in reading["cancelled"]:
                return Status(Event.CANCELLED, value)
            if value in reading["refund_requested"] and found is None:
                found = Status(Event.REFUND_REQUESTED, value)
    return found


def read_time(value: Any, zone: str) -> datetime | None:
    """A marketplace's time in UTC: seconds (or milliseconds) since 1970, or
    "yyyy-MM-dd HH:mm:ss" in the setting's time zone (an ISO time with its own offset is
    read with it); None when it is no time (Douyin writes 0 for "not yet")."""
    if value is MISSING or value is None or isinstance(value, bool | dict | list):
        return None
    found = str(value).strip()
    if found.isdigit():
        seconds = int(found)
        if seconds == 0:
            return None
        return datetime.fromtimestamp(seconds / 1000 if seconds > 10**11 else seconds,
                                      UTC)
    try:
        moment = datetime.fromisoformat(found)
    except ValueError:
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=_zone(zone))).astimezone(
        UTC)


def _zone(zone: str) -> timezone:
    sign = -1 if zone.startswith("-") else 1
    hours, minutes = (int(part) for part in zone[1:].split(":"))
    return timezone(sign * timedelta(hours=hours, minutes=minutes))


def changed_at(settings: Mapping[str, Any], payload: Any) -> datetime | None:
    """When the marketplace last changed the order (the setting's ``order.modified``)."""
    return read_time(pointed(payload, settings["order"]["modified"]), settings["time_zone"])


def order_money(settings: Mapping[str, Any], payload: Any) -> dict[str, Any] | None:
    """The order's money in the order form's terms (marketplace_totals.totals): the
    discount is what makes the lines, shipping and tax come to what the buyer pays;
    ``paid`` and ``paid_at`` once the order says when the buyer paid. None when the
    setting has no ``money``; stores.UnreadableStoreOrder when an amount is not one."""
    where = settings.get("money")
    if not where or not isinstance(payload, dict):
        return None
    scale = Decimal(100) if where.get("in_fen") else Decimal(1)

    def read(document: Any, pointer: str | None) -> Decimal:
        found = pointed(document, pointer)
        return amount(None if found is MISSING else found) / scale

    lines = pointed(payload, where["lines"])
    items = Decimal(0)
    for line in lines if isinstance(lines, list) else []:
        # Each line at the price it is stored with, as the order form counts it.
        price = Decimal(money(read(line, where["price"]), marketplace_totals.CURRENCY))
        items += read(line, where["quantity"]) * scale * price
    paid_at = read_time(pointed(payload, where.get("paid_at")), settings["time_zone"])
    total = sum((read(payload, pointer) for pointer in where["total"]), Decimal(0))
    found = marketplace_totals.totals(items, read(payload, where["shipping"]),
                                      read(payload, where.get("tax")), total,
                                      paid_at is not None)
    return {**found, "paid_at": paid_at.isoformat() if paid_at else None}


# --- asking ------------------------------------------------------------------------------

class MarketplaceCallFailed(Exception):
    """The marketplace did not answer with orders. ``fix`` points at the channel's member
    to correct when the merchant can; ``rate_limited`` says the marketplace asked to
    slow down, ``wait`` for how many seconds (None: it did not say)."""

    def __init__(self, detail: str, *, fix: str | None = None, status: int | None = None,
                 rate_limited: bool = False, wait: float | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.fix = fix
        self.status = status
        self.rate_limited = rate_limited
        self.wait = wait


@dataclass(frozen=True)
class Page:
    orders: list[Any]
    more: bool
    total: int | None = None


def written_time(moment: datetime, form: str, zone: str) -> str | int:
    if form == "unix":
        return int(moment.timestamp())
    if form == "unix_ms":
        return int(moment.timestamp() * 1000)
    return moment.astimezone(_zone(zone)).strftime("%Y-%m-%d %H:%M:%S")


def request_parameters(settings: Mapping[str, Any], credentials: Mapping[str, str],
                       start: datetime, end: datetime, page: int,
                       now: datetime) -> dict[str, str]:
    """Every parameter of one page's request, signed."""
    window, pages, zone = settings["window"], settings["pages"], settings["time_zone"]
    business: dict[str, Any] = {
        window["from_parameter"]: written_time(start, window["format"], zone),
        window["to_parameter"]: written_time(end, window["format"], zone),
        pages["number_parameter"]: page,
        pages["size_parameter"]: pages["size"],
    }
    parameters = {**settings["fixed_parameters"],
                  settings["action"]["parameter"]: settings["action"]["value"],
                  settings["app_key_parameter"]: credentials.get("app_key", ""),
                  settings["timestamp"]["parameter"]:
                      str(written_time(now, settings["timestamp"]["format"], zone))}
    if settings.get("access_token_parameter") and credentials.get("access_token"):
        parameters[settings["access_token_parameter"]] = credentials["access_token"]
    if settings.get("business_json_parameter"):
        # Sorted and compact: the marketplace signs the exact text it receives.
        parameters[settings["business_json_parameter"]] = json.dumps(
            business, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    else:
        parameters.update({name: str(value) for name, value in business.items()})
    return request_signing.signed(settings["signing"], parameters,
                                  credentials.get("app_secret", ""))


def fetch_page(settings: Mapping[str, Any], address: str, credentials: Mapping[str, str],
               start: datetime, end: datetime, page: int, now: datetime,
               marketplace: str = "the marketplace") -> Page:
    """One page of the orders modified between ``start`` and ``end``."""
    parameters = request_parameters(settings, credentials, start, end, page, now)
    url = api_url(address, settings.get("path", ""))
    # What the marketplace may echo back: every credential and the signature made of them.
    hidden = [v for v in (*credentials.values(), parameters.get(settings["signing"]["parameter"]))
              if isinstance(v, str)]
    query = urlencode(parameters)
    try:
        if settings["http_method"] == "GET":
            answer = outbound.call("GET", f"{url}?{query}", secure=True,
                                   headers={"Accept": "application/json"})
        elif settings["http_method"] == "POST_JSON":
            body = parameters.pop(settings["business_json_parameter"])
            answer = outbound.call("POST", f"{url}?{urlencode(parameters)}", secure=True,
                                   content=body.encode("utf-8"), headers={
                                       "Accept": "application/json",
                                       "Content-Type": "application/json;charset=UTF-8"})
        else:
            answer = outbound.call("POST", url, content=query.encode("utf-8"), secure=True,
                                   headers={"Accept": "application/json",
                                            "Content-Type": "application/x-www-form-"
                                                            "urlencoded;charset=utf-8"})
    except outbound.Refused as refusal:
        raise MarketplaceCallFailed(f"the API address is refused: "
                                    f"{scrubbed(str(refusal), hidden)}",
                                    fix="/api_address") from None
    except outbound.OutboundError as error:
        raise MarketplaceCallFailed(f"{marketplace} did not answer: "
                                    f"{scrubbed(str(error), hidden)}",
                                    fix="/api_address") from None
    return read_answer(settings, answer, page, marketplace, hidden)


def api_url(address: str, path: str) -> str:
    """The address with the setting's path; MarketplaceCallFailed when the result would
    reach another host than the address's (the credentials go only there)."""
    url = address.rstrip("/") + path
    if (path and not path.startswith("/")) or urlsplit(url).netloc != urlsplit(address).netloc:
        raise MarketplaceCallFailed(f"the path {path!r} would take the call away from "
                                    f"{urlsplit(address).hostname}; give a plain path "
                                    "such as /router/rest", fix="/settings/path")
    return url


def read_answer(settings: Mapping[str, Any], answer: outbound.Answer, page: int,
                marketplace: str, hidden: list[str]) -> Page:
    status = answer.status
    if status == 429:
        raise MarketplaceCallFailed(f"{marketplace} answered 429 (too many requests)",
                                    status=status, rate_limited=True,
                                    wait=retry_after(answer.headers.get("Retry-After")))
    if not 200 <= status < 300:
        fix = "/credentials/app_secret" if status in (401, 403) else \
            "/api_address" if status == 404 else None
        raise MarketplaceCallFailed(f"{marketplace} answered {status}: "
                                    f"{store_excerpt(answer.body, hidden, 160)}",
                                    status=status, fix=fix)
    if not answer.complete:
        raise MarketplaceCallFailed(f"{marketplace} answered more than "
                                    f"{outbound.LIMIT_BYTES // 1_000_000} MB for one page; "
                                    "ask for smaller pages", status=status,
                                    fix="/settings/pages/size")
    try:
        data = json.loads(answer.body)
    except ValueError:
        raise MarketplaceCallFailed(f"{marketplace} answered something other than JSON "
                                    f"({store_excerpt(answer.body, hidden, 80)}); is the "
                                    "API address right?",
                                    status=status, fix="/api_address") from None
    shape = settings["answer"]
    code = as_text(pointed(data, shape.get("error_code")))
    if code is not None and code not in shape.get("success_codes", []):
        message = pointed(data, shape.get("error_message"))
        # Scrubbed before as_text cuts it, so no part of a secret is left at the cut.
        said = as_text(scrubbed(message, hidden) if isinstance(message, str) else message) \
            or "(no message)"
        detail = f"{marketplace} refused the request: error {code}: {said}"
        if code in shape.get("rate_limited_codes", []):
            raise MarketplaceCallFailed(detail, status=status, rate_limited=True,
                                        wait=settings.get("rate_limit_wait_seconds"))
        fix = "/credentials/app_secret" if code in shape.get("credential_codes", []) else None
        raise MarketplaceCallFailed(detail, status=status, fix=fix)
    orders = pointed(data, shape["orders"])
    if orders is MISSING or orders is None:
        orders = []  # the marketplaces leave the member out of an empty answer
    if not isinstance(orders, list):
        raise MarketplaceCallFailed(f"the answer's {shape['orders']} is not a list of "
                                    "orders", fix="/settings/answer/orders")
    total_found = pointed(data, shape.get("total"))
    total = int(total_found) if isinstance(total_found, int | str) and \
        str(total_found).isdigit() else None
    has_next = pointed(data, shape.get("has_next"))
    pages = settings["pages"]
    if has_next is not MISSING:
        more = has_next is True or str(has_next).lower() == "true"
    elif total is not None:
        more = (page - pages["first"] + 1) * pages["size"] < total
    else:
        more = len(orders) >= pages["size"]
    return Page([o for o in orders if isinstance(o, dict)], more and bool(orders), total)

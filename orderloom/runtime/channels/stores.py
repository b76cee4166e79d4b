"""What every web-shop platform's module gives: the common interface of channel kinds
that speak a store platform's own protocol (``shopify``, ``woocommerce``).

A platform module (one per platform, beside this one) knows its webhooks' headers and
signature, what each of its topics means for an order here (``Event``), and how its
order resource reads as a **store order**: one shape for every platform, with money
as exact text in the currency's places, region codes turned into names, and the
totals split so that the order form adds up to the store's own total. The store
order is put into the payload under ``orderloom`` before the mapping reads it, so
one mapping (``STORE_ORDER_MAPPING``) fits every platform, and a merchant who edits
it can still read any member of the platform's own payload.

The same modules are the store's Admin API client (``connection``, ``fulfil``,
``orders_page``): every call goes through runtime/outbound.py, and every failure is
a ``StoreCallFailed`` saying what the merchant can act on and whether trying again
later may help. The store order is how a pulled order is read too.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from enum import StrEnum
from typing import Any
from urllib.parse import quote, quote_plus

from orderloom.designer.form import line_column, with_meaning
from orderloom.designer.numbers import MONEY, NUMBER, OutOfBounds, money_unit, read_number
from orderloom.runtime import outbound

# Where the store order goes in the payload the mapping reads.
STORE_ORDER = "orderloom"


class Event(StrEnum):
    """What a platform's topic means for the order it is about."""

    CREATED = "created"  # a new order: create it here
    UPDATED = "updated"  # the store changed the order (address, lines, note ...)
    CANCELLED = "cancelled"  # the store cancelled or deleted it
    REFUND_REQUESTED = "refund_requested"  # the store refunded (some of) it


@dataclass(frozen=True)
class Delivery:
    """One webhook as the platform labelled it."""

    event: Event
    topic: str  # the platform's own name of the topic, as sent
    delivery_id: str | None  # the platform's id of this delivery; retries repeat it


class StoreCallFailed(outbound.CallFailed):
    """The store did not do what was asked; ``fix`` is a channel member such as
    ``/credentials/access_token`` or ``/store_url``."""


@dataclass(frozen=True)
class StoreAnswer:
    status: int
    data: Any
    headers: Any = field(default_factory=dict)


@dataclass(frozen=True)
class Shipped:
    """A shipment as the store is told of it."""

    carrier: str
    tracking_number: str
    tracking_url: str | None = None
    # The store's line item ids and the quantity of each this parcel carries; empty:
    # whatever the store has not yet seen shipped.
    lines: tuple[tuple[str, int], ...] = ()
    # With this parcel every line of the order has shipped.
    last: bool = True


@dataclass(frozen=True)
class OrderPage:
    """Orders the store changed since a moment, oldest change first, and the token of
    the next page (None on the last)."""

    orders: list[dict[str, Any]]
    next_page: str | None


class StorePlatform:
    """One store platform. Subclasses set the class attributes and read payloads."""

    kind: str
    name: str
    signature_header: str
    topic_header: str
    delivery_header: str
    topics: dict[str, Event]
    # Where to find a store's order id in each event's payload (a refund names its order).
    order_id_member: dict[Event, str] = {}
    # Credentials a later pull and write-back use: names the merchant copies from the
    # store's admin. Anything else in ``credentials`` is refused.
    credential_names: tuple[str, ...] = ()
    # Those the Admin API calls need.
    api_credentials: tuple[str, ...] = ()

    def signature_matches(self, secret: str, body: bytes, header: str | None) -> bool:
        """Both platforms sign the same way: base64 of HMAC-SHA256 of the raw body."""
        if not header or not secret:
            return False
        expected = base64_hmac(secret, body)
        # compare_digest takes as long whatever the first differing byte.
        return hmac.compare_digest(expected.encode("ascii"),
                                   header.strip().encode("ascii", "replace"))

    def is_ping(self, headers: Any, body: bytes) -> bool:
        """An unsigned check the platform sends when the webhook is saved."""
        return False

    def delivery(self, headers: Any) -> Delivery | None:
        """The delivery the headers describe, or None when its topic is not one this
        channel acts on (a topic the merchant subscribed by mistake)."""
        topic = (headers.get(self.topic_header) or "").strip()
        event = self.topics.get(topic)
        if event is None:
            return None
        delivery_id = (headers.get(self.delivery_header) or "").strip()[:200] or None
        return Delivery(event, topic, delivery_id)

    def order_id(self, event: Event, payload: Any) -> str | None:
        member = self.order_id_member.get(event, "id")
        found = payload.get(member) if isinstance(payload, dict) else None
        if found is None or isinstance(found, bool | dict | list) or found == "":
            return None
        return str(found)[:200]

    def store_order(self, payload: dict[str, Any]) -> dict[str, Any]:
        raise NotImplementedError

    # --- the store's Admin API --------------------------------------------------------------
    # The credential a 401 points at, and what a 403 means on this platform.
    rejected_credential: str = ""
    forbidden_hint: str = ""

    def connection(self, store_url: str, credentials: dict[str, str]) -> str:
        """The store's name when its address and credentials work; else StoreCallFailed."""
        raise NotImplementedError

    def fulfil(self, store_url: str, credentials: dict[str, str], order_id: str,
               shipped: Shipped) -> str:
        """Tell the store the parcel was shipped; answers the store's id of what it
        recorded. Reads first: a shipment the store already has is not written twice."""
        raise NotImplementedError

    def line_item_ids(self, payload: dict[str, Any]) -> dict[str, list[tuple[str, int]]]:
        """The store's id and quantity of each line of its order, by the SKU the store
        order gives the line (``store_order``'s ``lines[].sku``); a SKU may be on
        several lines, in the order's order."""
        raise NotImplementedError

    def created_day(self, payload: dict[str, Any]) -> date | None:
        """The calendar day the order was placed, in the store's own time zone when the
        payload says it; None when it does not."""
        raise NotImplementedError

    def orders_page(self, store_url: str, credentials: dict[str, str], since: datetime,
                    page: str | None) -> OrderPage:
        raise NotImplementedError

    # The member holding when the store last changed the order.
    changed_member: str = "updated_at"

    def changed_at(self, payload: Any) -> datetime | None:
        """When the store last changed the order (UTC), for the pull's cursor and for
        telling a stale update from a newer one; None when the payload does not say."""
        return moment(payload.get(self.changed_member)) if isinstance(payload, dict) else None

    def headers(self, credentials: dict[str, str]) -> dict[str, str]:
        raise NotImplementedError

    def ask(self, method: str, store_url: str, path: str, credentials: dict[str, str],
            body: Any = None) -> StoreAnswer:
        """One call of the store's API, its JSON answer read; StoreCallFailed for any
        answer but 2xx, with what the merchant can do about it. Never says a secret:
        whatever of the store's answer the failure quotes has the credentials scrubbed
        (a store may echo the token, the key or the URL it was called with), so neither
        the test-connection answer nor the write-back log shows them."""
        url = store_url.rstrip("/") + path
        headers = {"Accept": "application/json", **self.headers(credentials)}
        hidden = self.secrets_of(credentials)
        content = None
        if body is not None:
            content = json.dumps(body).encode("utf-8")
            headers["Content-Type"] = "application/json"
        try:
            # secure: the credentials go over https only (or to a host the operator
            # allows), also for an address saved before that was checked on saving.
            answer = outbound.call(method, url, headers=headers, content=content,
                                   secure=True)
        except outbound.Refused as refusal:
            raise StoreCallFailed(f"the store address is refused: "
                                  f"{scrubbed(str(refusal), hidden)}",
                                  fix="/store_url") from None
        except outbound.OutboundError as error:
            raise StoreCallFailed(f"the store did not answer: {scrubbed(str(error), hidden)}",
                                  fix="/store_url", retryable=True) from None
        status = answer.status
        if 200 <= status < 300:
            try:
                data = json.loads(answer.body) if answer.body else None
            except ValueError:
                raise StoreCallFailed(f"the store answered {status} with "
                                      f"something other than JSON "
                                      f"({store_excerpt(answer.body, hidden, 80)}); is "
                                      f"it a {self.name} store?", status=status,
                                      fix="/store_url") from None
            return StoreAnswer(status, data, answer.headers)
        said = store_excerpt(answer.body, hidden, 160)
        if status == 401:
            raise StoreCallFailed(f"{self.name} refused the credentials (401): check "
                                  f"{self.rejected_credential}", status=status,
                                  fix=f"/credentials/{self.rejected_credential}")
        if status == 403:
            raise StoreCallFailed(f"{self.name} answered 403: {self.forbidden_hint}",
                                  status=status,
                                  fix=f"/credentials/{self.rejected_credential}")
        if status == 429 or status >= 500:
            raise StoreCallFailed(f"{self.name} answered {status}: {said}", status=status,
                                  retryable=True,
                                  retry_after=retry_after(answer.headers.get("Retry-After")))
        fix = "/store_url" if status == 404 and method == "GET" else None
        raise StoreCallFailed(f"{self.name} answered {status}: {said}", status=status, fix=fix)

    def secrets_of(self, credentials: dict[str, str]) -> list[str]:
        """Each credential as it may come back in a store's answer: as given, and as it
        travelled (the authentication headers' values, the Basic pair)."""
        found: list[str] = [v for v in credentials.values() if isinstance(v, str)]
        for value in self.headers(credentials).values():
            found.append(value)
            scheme, _, rest = value.partition(" ")
            if rest and scheme.lower() in ("basic", "bearer"):
                found.append(rest)
        return found

    # --- what a payload itself shows ------------------------------------------------------
    # The topic header is not signed: a captured body can be sent again under another
    # topic. So the topic only labels a delivery; what is done follows from the body.

    def cancelled(self, payload: dict[str, Any]) -> bool:
        """Whether the order in the payload is cancelled (its own members say so)."""
        return False

    # --- the store's inventory API (channel stock sync, store_stock.py) ---------------------
    def stock_items(self, store_url: str, credentials: dict[str, str],
                    skus: list[str]) -> dict[str, str]:
        """The store's id of the stock of each of ``skus`` it sells (a SKU it does not
        sell is left out), for ``set_stock``."""
        raise NotImplementedError

    def set_stock(self, store_url: str, credentials: dict[str, str], item: str,
                  available: int, location: str | None) -> str | None:
        """Set the store's available stock of ``item`` (an id ``stock_items`` gave) to
        ``available``; answers the store location set, on platforms that have them."""
        raise NotImplementedError

    def locations(self, store_url: str, credentials: dict[str, str]) -> list[dict[str, Any]]:
        """The store's locations stock is kept at (``id``, ``name``, ``active``); [] on
        platforms with one stock per product."""
        return []

    def is_refund(self, payload: dict[str, Any]) -> bool:
        """Whether the payload is a refund of an order rather than an order: it names
        its order and lists no lines of its own (Shopify's ``Refund``: ``order_id``,
        ``refund_line_items``)."""
        return "order_id" in payload and "line_items" not in payload

    def is_deletion(self, payload: dict[str, Any]) -> bool:
        """Whether the payload is the notice that an order was deleted: its id alone
        (WooCommerce's ``order.deleted`` sends ``{"id": 727}``)."""
        return set(payload) == {"id"}

    def holds_whole_order(self, payload: dict[str, Any]) -> bool:
        """Whether the payload is a whole order (both platforms' order resources list
        ``line_items``), so that an order can be created from it."""
        return isinstance(payload.get("line_items"), list)

    def shown(self, event: Event, payload: dict[str, Any]) -> Event:
        """What the payload shows, whatever the topic (``event``) said: a refund, a
        cancellation or deletion, else the order as created or changed."""
        if self.is_refund(payload):
            return Event.REFUND_REQUESTED
        if self.cancelled(payload) or self.is_deletion(payload):
            return Event.CANCELLED
        return Event.CREATED if event is Event.CREATED else Event.UPDATED


# What a credential quoted in a store's answer is shown as.
HIDDEN = "***"
# Shorter values are no secret worth hiding, and hiding them would garble the text.
SHORTEST_SECRET = 6


def scrubbed(text: str, secrets: list[str]) -> str:
    """``text`` with every one of ``secrets`` in it replaced by ``***``: as given, and
    URL-encoded either way (a store echoing the URL it was called with)."""
    forms = {form for secret in secrets if len(secret) >= SHORTEST_SECRET
             for form in (secret, quote(secret, safe=""), quote_plus(secret))}
    if not forms:
        return text
    # Longest first, so a secret containing another is hidden whole.
    pattern = "|".join(re.escape(f) for f in sorted(forms, key=len, reverse=True))
    return re.sub(pattern, HIDDEN, text, flags=re.IGNORECASE)


def store_excerpt(body: bytes, secrets: list[str], length: int) -> str:
    """The one line of a store's answer a failure quotes, with no credential in it.
    Scrubbed before it is cut (so no part of a secret is left at the cut) and after
    (an entity such as ``&#115;`` is decoded into the excerpt)."""
    raw = scrubbed(body[:length * 20].decode("utf-8", "replace"), secrets)
    return scrubbed(outbound.plain_excerpt(raw, length), secrets)


def retry_after(header: str | None) -> float | None:
    """Retry-After in seconds (both platforms send seconds, Shopify as ``2.0``)."""
    try:
        seconds = float((header or "").strip())
    except ValueError:
        return None
    return max(seconds, 0.0) if seconds == seconds and seconds < 86400 else None


def base64_hmac(secret: str, body: bytes) -> str:
    digest = hmac.new(secret.encode("utf-8"), body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


class UnreadableStoreOrder(ValueError):
    """A payload with a good signature that is not a store order this platform sends:
    kept as a dead letter (or held, for news of an order here) with the reason."""


def prepared(platform: StorePlatform, payload: Any) -> Any:
    """``payload`` with the store order under ``orderloom``, for the mapping to read;
    UnreadableStoreOrder when the payload does not have the platform's order shape."""
    if not isinstance(payload, dict):
        return payload
    try:
        return {**payload, STORE_ORDER: platform.store_order(payload)}
    except UnreadableStoreOrder:
        raise
    except (ArithmeticError, TypeError, AttributeError, KeyError, ValueError) as error:
        # The platform modules read members as the platform documents them; a member of
        # another type (text where an object is documented) is not that platform's order.
        raise UnreadableStoreOrder(f"the payload is not a {platform.name} order as its "
                                   f"API documents it ({type(error).__name__})") from None


def currency_refusal(store_order: dict[str, Any], definition: dict[str, Any]) -> str | None:
    """Why an order in the store's currency cannot be one of this order type, or None.
    Amounts in another currency would be stored as if in the type's, so nothing is."""
    theirs = (store_order.get("currency") or "").upper()
    ours = (definition.get("currency") or "").upper()
    if theirs and ours and theirs != ours:
        return (f"the store's order is in {theirs} but this order type keeps {ours}; "
                "nothing was stored. Connect the store to an order type in its currency, "
                "or set the store's currency to " + ours)
    return None


# --- reading amounts ----------------------------------------------------------------------

def amount(value: Any) -> Decimal:
    """A store's amount (text or a JSON number) as a Decimal; nothing is 0. Junk, and a
    number larger than any order's number may be (designer/numbers.py, which refuses
    smaller excesses at their pointer), make the payload unreadable."""
    if value is None or isinstance(value, bool):
        return Decimal(0)
    if isinstance(value, dict | list):
        raise UnreadableStoreOrder(f"an amount is {type(value).__name__}, not a number")
    try:
        number = read_number(value)
    except (OutOfBounds, InvalidOperation) as error:
        raise UnreadableStoreOrder(f"{str(value)[:40]!r} is not an amount: {error}") from None
    if abs(number) > NUMBER.largest:
        raise UnreadableStoreOrder(f"{str(value)[:40]!r} is not an amount an order can hold")
    return number


def moment(value: Any) -> datetime | None:
    """A platform's timestamp in UTC: ISO 8601 with its own offset (Shopify's
    ``2026-12-06T11:00:00+08:00``); one without an offset is UTC, as WooCommerce's
    ``*_gmt`` members are written. None when it is not a timestamp."""
    if not isinstance(value, str):
        return None
    try:
        found = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return found.astimezone(UTC) if found.tzinfo else found.replace(tzinfo=UTC)


def record(value: Any) -> dict[str, Any]:
    """A member the platform documents as an object; anything else reads as empty."""
    return value if isinstance(value, dict) else {}


def money(value: Decimal, currency: str | None) -> str:
    """An amount as exact text in the currency's places: 199 becomes "199.00", and a
    unit price from a division (100 / 3) is rounded half up to 33.33; the caller counts
    the rounded amounts so the order's total stays the store's. An amount too large for
    any order is passed on as sent, for the order's checks to refuse at its pointer."""
    if not value.is_finite() or value.adjusted() >= MONEY.whole_digits:
        return str(value)
    return str(value.quantize(money_unit(currency), rounding=ROUND_HALF_UP))


def balanced(items: Decimal, shipping: Decimal, tax_added: Decimal,
             total: Decimal) -> tuple[Decimal, Decimal]:
    """The discount and shipping charge that make the order form's total
    (items + shipping + tax - discount) the store's own total. Whatever the store
    charged besides lines, shipping and tax (WooCommerce fees, Shopify duties or tips)
    is counted into the shipping charge, since it is not a discount."""
    discount = items + shipping + tax_added - total
    if discount < 0:
        return Decimal(0), shipping - discount
    return discount, shipping


def text(value: Any) -> str | None:
    if value is None or isinstance(value, dict | list):
        return None
    found = str(value).strip()
    return found or None


def whole(value: Any) -> int:
    """A line's quantity as a whole count; 0 when it is not one (that line then takes
    nothing of a parcel)."""
    if isinstance(value, bool):
        return 0
    try:
        found = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return 0
    return int(found) if found.is_finite() and found == found.to_integral_value() \
        and 0 <= found < 10**9 else 0


def joined(*parts: Any) -> str | None:
    return " ".join(p for p in (text(part) for part in parts) if p) or None


def without_empty(record: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in record.items() if v not in (None, "", {}, [])}


# What a store order holds, by what it is to an order form: a store connects to any order
# type with no mapping to write, each part going to the field that declares that meaning
# (designer/form.py ORDER_MEANINGS, LINE_MEANINGS) or is of the one type that holds it.
# The business names its fields; these are never looked up by name.
STORE_ORDER_MAPPING: dict[str, Any] = {
    "external_id": f"$.{STORE_ORDER}.order_id",
    # field meaning -> where the store order has it
    "meanings": {
        "order_number": f"$.{STORE_ORDER}.name",
        "recipient_name": f"$.{STORE_ORDER}.recipient.name",
        "recipient_phone": f"$.{STORE_ORDER}.recipient.phone",
        "shipping_fee": f"$.{STORE_ORDER}.shipping",
        "discount": f"$.{STORE_ORDER}.discount",
        "tax": f"$.{STORE_ORDER}.tax_added",
        "note": f"$.{STORE_ORDER}.note",
    },
    # members of the order type's customer field, and of its ship-to address
    "customer": {member: f"$.{STORE_ORDER}.customer.{member}"
                 for member in ("code", "name", "email", "phone")},
    "ship_to": {member: f"$.{STORE_ORDER}.ship_to.{member}"
                for member in ("country", "province", "city", "district", "street",
                               "postcode")},
    # recorded as the order's payment (runtime/payments/received.py), not as a field
    "payment": {member: f"$.{STORE_ORDER}.paid.{member}"
                for member in ("amount", "method", "reference", "currency", "received_at")},
    # each store line: its column meanings (and "product" for the product column)
    "lines": {"from": f"$.{STORE_ORDER}.lines[*]",
              "columns": {"product": "$.sku", "quantity": "$.qty", "unit_price": "$.price"}},
}

# What the merchant is told a store order part is, when the order type cannot hold it.
CARRIED = {
    "order_number": "the store's order number (a text field meaning order_number)",
    "recipient_name": "the recipient's name (a text field meaning recipient_name)",
    "recipient_phone": "the recipient's phone (a phone field meaning recipient_phone)",
    "shipping_fee": "the shipping charge (a money field meaning shipping_fee)",
    "discount": "the discount (a money field meaning discount)",
    "tax": "the tax added to the prices (a money field meaning tax)",
    "note": "the customer's note (a long text field meaning note)",
    "customer": "the customer (a customer field)",
    "ship_to": "the ship-to address (an address field, or one meaning ship_to among "
               "several)",
    "lines": "the ordered lines (line items with a product column)",
    "quantity": "each line's quantity (an integer column meaning quantity, or the only "
                "one)",
    "unit_price": "each line's price (a money column meaning unit_price, or the only one)",
}


@dataclass(frozen=True)
class FittedMapping:
    """The store order's mapping onto one order type, and what of a store's orders that
    order type has no field for (in the merchant's words, with the field that would
    hold it), so that the merchant is told when connecting rather than finding out."""

    mapping: dict[str, Any]
    not_carried: list[str]


def fitted_mapping(definition: dict[str, Any]) -> FittedMapping:
    """``STORE_ORDER_MAPPING`` onto the fields of ``definition`` that declare what they
    hold: by meaning, or by being the one field of the type that holds a part."""
    fields = definition.get("form", {}).get("fields", [])
    targets: dict[str, str] = {}
    missing: list[str] = []
    for meaning, source in STORE_ORDER_MAPPING["meanings"].items():
        field = with_meaning(fields, meaning)
        if field is None:
            missing.append(meaning)
        else:
            targets[field["key"]] = source
    for part in ("customer", "ship_to"):
        field = _record_field(fields, part)
        if field is None:
            missing.append(part)
            continue
        for member, source in STORE_ORDER_MAPPING[part].items():
            targets[f"{field['key']}.{member}"] = source
    # ``payment.*`` is the mapping's own target, the order's payment, unless a form
    # field has taken the key (runtime/channels/mapping.py reads it so too).
    if not any(f["key"] == "payment" for f in fields):
        targets.update({f"payment.{member}": source
                        for member, source in STORE_ORDER_MAPPING["payment"].items()})
    lines, left_out = _fitted_lines(fields)
    return FittedMapping({"external_id": STORE_ORDER_MAPPING["external_id"],
                          "fields": targets, "lines": lines},
                         [CARRIED[part] for part in (*missing, *left_out)])


def _record_field(fields: list[dict[str, Any]], part: str) -> dict[str, Any] | None:
    """The customer field, or the ship-to address: the field of that type, or among
    several addresses the one meaning ship_to (a returns form's sender's address is
    not where a store's parcel goes)."""
    kind = "customer" if part == "customer" else "address"
    declared = with_meaning(fields, "ship_to") if part == "ship_to" else None
    if declared is not None:
        return declared
    of_type = [f for f in fields if f["type"] == kind]
    return of_type[0] if len(of_type) == 1 else None


def _fitted_lines(fields: list[dict[str, Any]]) -> tuple[dict[str, Any], list[str]]:
    """The lines' mapping onto the first line items with a product column (a SKU is what
    makes a store line one of ours), and the parts of a line left out."""
    holder = next((f for f in fields if f["type"] == "line_items"
                   and any(c["type"] == "product" for c in f["fields"])), None)
    if holder is None:
        return {}, ["lines"]
    spec = STORE_ORDER_MAPPING["lines"]
    columns = holder["fields"]
    chosen = {"product": next(c for c in columns if c["type"] == "product"),
              "quantity": line_column(columns, "quantity"),
              "unit_price": line_column(columns, "unit_price")}
    mapped = {column["key"]: spec["columns"][part] for part, column in chosen.items()
              if column is not None}
    return ({holder["key"]: {"from": spec["from"], "fields": mapped}},
            [part for part, column in chosen.items() if column is None])

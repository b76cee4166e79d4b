"""What every carrier adapter does, the normalised tracking statuses, and what a
kind of carrier declares to the registry (``CarrierKind``, see ``__init__.py``).

An adapter books a parcel (answering the tracking number and label data), fetches
a parcel's tracking events, and reads the carrier's webhook bodies. Some also quote
a price and transit time (``quote``), for rate shopping. Whatever the
carrier calls its steps, an adapter answers them as one of ``STATUSES``, so the
definition's ``tracking`` map, the timeline and the public page speak one language.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, Protocol

LABEL_CREATED = "label_created"        # the carrier knows the parcel; not collected yet
PICKED_UP = "picked_up"                # collected from the warehouse
IN_TRANSIT = "in_transit"              # between the carrier's hubs
OUT_FOR_DELIVERY = "out_for_delivery"  # with the courier on the last leg
DELIVERED = "delivered"                # handed to the recipient
EXCEPTION = "exception"                # held up: wrong address, damage, refused, ...
RETURNED = "returned"                  # back with the sender
STATUSES = (LABEL_CREATED, PICKED_UP, IN_TRANSIT, OUT_FOR_DELIVERY, DELIVERED, EXCEPTION,
            RETURNED)
# The parcel has left the warehouse once any of these is reported.
UNDER_WAY = frozenset({PICKED_UP, IN_TRANSIT, OUT_FOR_DELIVERY, DELIVERED})
# Nothing more is expected: such shipments are no longer polled.
FINISHED = frozenset({DELIVERED, RETURNED})

STATUS_LABELS = {
    LABEL_CREATED: "Label created",
    PICKED_UP: "Picked up",
    IN_TRANSIT: "In transit",
    OUT_FOR_DELIVERY: "Out for delivery",
    DELIVERED: "Delivered",
    EXCEPTION: "Delivery problem",
    RETURNED: "Returned to sender",
}


# What a kind of carrier can do (``CarrierKind.abilities``).
TRACK_BY_QUERY = "track_by_query"  # asked for a waybill's news, on demand or on a schedule
SUBSCRIBE = "subscribe"            # told a waybill once, then pushes its news
BOOK = "book"                      # books a parcel and answers its waybill number
E_WAYBILL = "e_waybill"            # issues the electronic waybill (电子面单) to print
QUOTE = "quote"                    # answers a price for a parcel before booking
ABILITIES = (TRACK_BY_QUERY, SUBSCRIBE, BOOK, E_WAYBILL, QUOTE)


class CarrierError(Exception):
    """The carrier could not be reached or refused; nothing was booked or read."""


class ForgedPush(CarrierError):
    """A push whose signature is not the service's: nothing of it is read."""


class NumberNeeded(CarrierError):
    """The carrier cannot book parcels from here; its shipments need the number given."""


class PayloadError(Exception):
    """A carrier's body is not what its configuration says; ``pointer`` says where."""

    def __init__(self, pointer: str, message: str) -> None:
        super().__init__(f"{pointer or '/'}: {message}")
        self.pointer = pointer
        self.message = message


@dataclass(frozen=True)
class Parcel:
    """What a carrier needs to book a parcel for an order."""

    reference: str  # unique per booking attempt, so a carrier can refuse a repeat
    order_number: str
    recipient: dict[str, Any]  # name, phone, address {province, city, district, street, ...}
    warehouse: str | None = None
    pieces: int = 1
    # Who sends it: the warehouse's address (name, phone, province, city, district,
    # street); carriers that book by address (SF) need it, others ignore it.
    sender: dict[str, Any] = field(default_factory=dict)
    # What it carries, [{sku, name, qty}]: declared on the carrier's waybill.
    lines: tuple[dict[str, Any], ...] = ()
    weight_kg: Decimal = Decimal("1")  # what price quotes are asked for


@dataclass(frozen=True)
class Booking:
    tracking_number: str
    label: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Quote:
    """What a carrier asks to carry a parcel, and how long it takes."""

    carrier: str  # the carrier's code
    price: Decimal  # in the carrier's currency (CNY for the Chinese carriers)
    days: int  # promised days in transit, 0 for the same day
    service: str = ""  # the carrier's product, e.g. 顺丰标快
    promised: str = ""  # the carrier's promised delivery time as it wrote it


@dataclass(frozen=True)
class CarrierEvent:
    tracking_number: str
    status: str  # one of STATUSES
    occurred_at: datetime  # UTC aware
    description: str = ""
    location: str = ""
    raw: dict[str, Any] = field(default_factory=dict)
    # The Orderloom carrier the parcel travels with, when the news comes through a
    # tracking service that follows several carriers; empty: the reporting carrier.
    carrier: str = ""


@dataclass(frozen=True)
class CarrierKind:
    """One kind of carrier, declared as ``KIND`` by its module in this package.

    ``adapter`` makes the adapter of a carrier row from its config with the secrets
    opened, for the Orderloom carrier code it serves (the row's own code, or for a
    tracking service one of the carriers its ``companies`` list)."""

    kind: str  # stored in carriers.kind: at most 12 characters
    label: str
    config_schema: dict[str, Any]
    adapter: Callable[[Any, dict[str, Any], str], CarrierAdapter]
    # Config members sealed with the instance key and never answered back.
    secrets: tuple[str, ...] = ()
    abilities: frozenset[str] = frozenset()
    # Config members holding addresses Orderloom calls (checked like webhook targets).
    url_members: tuple[str, ...] = ()
    # Config members besides the addresses whose change means a kept secret must be
    # given again (SF: the environment, whose check word is another).
    secrets_bound_to: tuple[str, ...] = ()
    # A config member without which the carrier cannot be queried (http: tracking_url).
    query_needs: str | None = None
    # A tracking service following other carriers' parcels (its config's ``companies``).
    tracks_others: bool = False
    # Its pushes carry the service's own signature instead of Orderloom's HMAC header.
    signs_own_pushes: bool = False

    def queries(self, config: Mapping[str, Any]) -> bool:
        if TRACK_BY_QUERY not in self.abilities:
            return False
        return self.query_needs is None or bool(config.get(self.query_needs))


class CarrierAdapter(Protocol):
    code: str
    name: str
    # False: the carrier has no API to book with (the local courier); a shipment
    # then needs the tracking number given.
    books: bool
    # True: a recorded waybill is subscribed (``subscribe``) so the carrier pushes news.
    subscribes: bool

    def create_shipment(self, parcel: Parcel) -> Booking: ...

    # ``phone``: the recipient's, which some carriers (SF) want before they tell.
    def fetch_events(self, tracking_number: str, phone: str = "") -> list[CarrierEvent]: ...

    def parse_webhook(self, body: bytes, headers: Mapping[str, str]) -> list[CarrierEvent]: ...


# Optional: an adapter may also offer these (look them up with getattr):
#   book(parcel) -> Booking            the same as create_shipment, by the carrier's API
#   label(answer, number, parcel) -> dict
#                                      the label fields of the carrier's booking answer,
#                                      kept on the shipment for printing
#   quote(parcel, sender, recipient) -> Quote
#                                      price and days for a parcel; raises CarrierError
#   check() -> str                     one harmless call; a sentence of what it proved
OPTIONAL_METHODS = ("book", "label", "quote", "check")

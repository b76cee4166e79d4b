"""What every carrier adapter does, and the normalised tracking statuses.

An adapter books a parcel (answering the tracking number and label data), fetches
a parcel's tracking events, and reads the carrier's webhook bodies. Some also quote
a price and transit time (``quote``), for rate shopping. Whatever the
carrier calls its steps, an adapter answers them as one of ``STATUSES``, so the
definition's ``tracking`` map, the timeline and the public page speak one language.
"""
from __future__ import annotations

from collections.abc import Mapping
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


class CarrierError(Exception):
    """The carrier could not be reached or refused; nothing was booked or read."""


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


class CarrierAdapter(Protocol):
    code: str
    name: str
    # False: the carrier has no API to book with (the local courier); a shipment
    # then needs the tracking number given.
    books: bool

    def create_shipment(self, parcel: Parcel) -> Booking: ...

    def fetch_events(self, tracking_number: str) -> list[CarrierEvent]: ...

    def parse_webhook(self, body: bytes, headers: Mapping[str, str]) -> list[CarrierEvent]: ...


# Optional: an adapter may also offer these (look them up with getattr):
#   book(parcel) -> Booking            the same as create_shipment, by the carrier's API
#   label(answer, number, parcel) -> dict
#                                      the label fields of the carrier's booking answer,
#                                      kept on the shipment for printing
#   quote(parcel, sender, recipient) -> Quote
#                                      price and days for a parcel; raises CarrierError
#   test_connection() -> str           one harmless call; a sentence of what it proved
OPTIONAL_METHODS = ("book", "label", "quote", "test_connection")

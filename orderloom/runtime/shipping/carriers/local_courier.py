"""The built-in local courier: a company's own drivers or a courier without an API.

Tracking numbers are made here, and its events are entered by staff (the manual
tracking event endpoint), so it never calls out and sends no webhooks.
"""
from __future__ import annotations

import secrets
from collections.abc import Mapping

from orderloom.db import utcnow
from orderloom.runtime.shipping.carriers.base import Booking, CarrierEvent, Parcel, PayloadError
from orderloom.runtime.shipping.models import LOCAL

PREFIX = "LC"


class LocalCourier:
    code = LOCAL
    name = "Local courier"
    books = True
    subscribes = False

    def create_shipment(self, parcel: Parcel) -> Booking:
        # Date plus ten random digits: readable over the phone, and not guessable from
        # a neighbour's number (the public page opens by tracking number).
        number = f"{PREFIX}{utcnow():%y%m%d}{secrets.randbelow(10**10):010d}"
        return Booking(number, {"carrier": self.name, "reference": parcel.reference})

    def fetch_events(self, tracking_number: str, phone: str = "") -> list[CarrierEvent]:
        return []

    def parse_webhook(self, body: bytes, headers: Mapping[str, str]) -> list[CarrierEvent]:
        raise PayloadError("", "the local courier sends no webhooks; enter its events on "
                               "the shipment instead")

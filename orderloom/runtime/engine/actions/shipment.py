"""Book a shipment: a job books the parcel after commit (shipping.models.request_booking).
After a route in the same list, so the booking knows the warehouse."""
from __future__ import annotations

from typing import Any

from orderloom.designer.actions import shipment as spec
from orderloom.runtime.engine.actions import Behaviour, Stored
from orderloom.runtime.shipping import models as shipments


class CreateShipment(spec.CreateShipment, Behaviour):
    # A parcel is booked by a transition: each edit that turned the rule TRUE again
    # would book another one.
    on_edit = False

    def once_stored(self, action: dict[str, Any], stored: Stored) -> None:
        stored.done.setdefault("shipments", []).append(
            shipments.request_booking(stored.session, stored.order, action))

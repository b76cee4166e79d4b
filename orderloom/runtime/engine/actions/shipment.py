"""Book a shipment: a job books the parcel after commit (shipping.models.request_booking).
After a route in the same list, so the booking knows the warehouse. When parts of
the order left before, it books what is left, from where it is held."""
from __future__ import annotations

from typing import Any

from orderloom.designer.actions import shipment as spec
from orderloom.runtime import hooks
from orderloom.runtime.engine.actions import Behaviour, Stored
from orderloom.runtime.engine.actions.stock import held_at_start
from orderloom.runtime.shipping import models as shipments
from orderloom.runtime.stock import keeping as stock_keeping


class CreateShipment(spec.CreateShipment, Behaviour):
    # A parcel is booked by a transition: each edit that turned the rule TRUE again
    # would book another one.
    on_edit = False

    def once_stored(self, action: dict[str, Any], stored: Stored) -> None:
        elsewhere: list[str] = []
        hooks.PARCEL_WANTED(stored.session, stored.order, elsewhere)
        if elsewhere:
            # A merged or split order's parcel is booked from the order desk; another
            # booked here would send its units twice. The transition's entry says why.
            stored.done.setdefault("shipments", []).append({"skipped": "; ".join(elsewhere)})
            return
        booked = stored.done.setdefault("shipments", [])
        # Parts of an order reserved in several warehouses may have left on their own
        # (the warehouse floor ships each part): the move then books only what the
        # order still holds, from where it holds it, not the whole order again.
        parts = stock_keeping.parts_left(stored.session, stored.order.id,
                                         held_at_start(stored))
        if parts is None:
            booked.append(shipments.request_booking(stored.session, stored.order, action))
        for warehouse, lines in parts or ():
            booked.append(shipments.request_booking(stored.session, stored.order, action,
                                                    warehouse=warehouse, lines=lines))

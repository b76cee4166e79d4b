"""Rate shopping: ask every carrier that quotes what it wants for a parcel, and pick
the cheapest or the fastest.

A carrier quotes when its adapter has ``quote`` (a kind with the ``quote`` ability
such as SF Express; an HTTP carrier with a ``quote_url``). A carrier that cannot
quote now (unreachable, refusing) is left out and named, so a choice is made among
those that answered, and staff see why one is missing. Nothing here writes;
``tracking.run_book`` notes the choice on the timeline.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from orderloom.runtime.shipping.carriers import adapter_for, kind_of
from orderloom.runtime.shipping.carriers.base import QUOTE, CarrierError, Parcel, Quote
from orderloom.runtime.shipping.models import Carrier

CHEAPEST = "cheapest"
FASTEST = "fastest"
MODES = (CHEAPEST, FASTEST)
CHOSEN = "chosen"  # staff picked a carrier themselves after seeing the quotes


@dataclass
class Shopped:
    quotes: list[Quote] = field(default_factory=list)
    # carrier code -> why it gave no quote
    missing: dict[str, str] = field(default_factory=dict)

    def best(self, mode: str) -> Quote | None:
        """The cheapest (then fastest) or the fastest (then cheapest) quote; ties go
        to the carrier code first in the alphabet, so the same quotes choose alike."""
        if not self.quotes:
            return None
        if mode == FASTEST:
            return min(self.quotes, key=lambda q: (q.days, q.price, q.carrier))
        return min(self.quotes, key=lambda q: (q.price, q.days, q.carrier))

    def as_details(self) -> list[dict[str, Any]]:
        return [{"carrier": q.carrier, "price": str(q.price), "days": q.days,
                 "service": q.service} for q in self.quotes]


def shop(session: Session, parcel: Parcel, instance_key: str) -> Shopped:
    """The quotes of every active carrier that offers one, for ``parcel``."""
    shopped = Shopped()
    rows = session.execute(select(Carrier.code, Carrier.kind)
                           .where(Carrier.active.is_(True)).order_by(Carrier.code))
    for code, kind in rows:
        spec = kind_of(kind)
        if spec is None:
            continue
        try:
            adapter = adapter_for(session, code, instance_key)
        except CarrierError as error:
            # Its credentials cannot be opened: named only when it is a kind that quotes.
            if QUOTE in spec.abilities:
                shopped.missing[code] = str(error)
            continue
        quote = getattr(adapter, "quote", None)
        if quote is None:
            continue
        try:
            shopped.quotes.append(quote(parcel, parcel.sender, parcel.recipient))
        except CarrierError as error:
            shopped.missing[code] = str(error)
    return shopped


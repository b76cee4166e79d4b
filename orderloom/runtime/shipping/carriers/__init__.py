"""Carrier adapters: the built-in local courier and the configurable HTTP carrier."""
from __future__ import annotations

from sqlalchemy.orm import Session

from orderloom.runtime.shipping.carriers.base import CarrierAdapter, CarrierError
from orderloom.runtime.shipping.carriers.http_carrier import HttpCarrier
from orderloom.runtime.shipping.carriers.local_courier import LocalCourier
from orderloom.runtime.shipping.models import LOCAL, find_carrier

KINDS = ("http",)


class UnknownCarrier(CarrierError):
    pass


def adapter_for(session: Session, code: str) -> CarrierAdapter:
    """The adapter of carrier ``code``; raises UnknownCarrier for no such active carrier."""
    if code == LOCAL:
        return LocalCourier()
    carrier = find_carrier(session, code)
    if carrier is None:
        raise UnknownCarrier(f"there is no carrier {code!r}")
    if not carrier.active:
        raise UnknownCarrier(f"carrier {code!r} is switched off")
    return HttpCarrier(carrier)

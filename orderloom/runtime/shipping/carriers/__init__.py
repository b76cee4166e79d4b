"""Carrier adapters: the built-in local courier, the configurable HTTP carrier and SF
Express."""
from __future__ import annotations

from sqlalchemy.orm import Session

from orderloom.runtime.shipping.carriers.base import CarrierAdapter, CarrierError
from orderloom.runtime.shipping.carriers.http_carrier import HttpCarrier
from orderloom.runtime.shipping.carriers.local_courier import LocalCourier
from orderloom.runtime.shipping.carriers.sf_express import KIND as SF_EXPRESS
from orderloom.runtime.shipping.carriers.sf_express import SfExpress
from orderloom.runtime.shipping.models import LOCAL, find_carrier

KINDS = ("http", SF_EXPRESS)


class UnknownCarrier(CarrierError):
    pass


def adapter_for(session: Session, code: str, instance_key: str = "") -> CarrierAdapter:
    """The adapter of carrier ``code``; raises UnknownCarrier for no such active carrier.
    ``instance_key`` opens sealed credentials (ORDERLOOM_SECRET_KEY)."""
    if code == LOCAL:
        return LocalCourier()
    carrier = find_carrier(session, code)
    if carrier is None:
        raise UnknownCarrier(f"there is no carrier {code!r}")
    if not carrier.active:
        raise UnknownCarrier(f"carrier {code!r} is switched off")
    if carrier.kind == SF_EXPRESS:
        return SfExpress(carrier, instance_key)
    return HttpCarrier(carrier)

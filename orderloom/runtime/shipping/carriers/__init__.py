"""The carrier registry: the built-in local courier, and one module per kind of
carrier in this package, each declaring ``KIND`` (a ``base.CarrierKind``): its kind
name, the config schema of what the account gives, which config members are secrets
(sealed with the instance key), and what it can do. The registry is found by
importing the package's modules, so adding the next carrier is adding one module.

A carrier row of a kind that tracks others (a tracking service such as 快递100)
also serves the carriers its config's ``companies`` list: a shipment recorded under
``sf`` is followed through that account when no row ``sf`` of its own exists.
"""
from __future__ import annotations

import functools
import importlib
import pkgutil
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from orderloom.runtime import sealing
from orderloom.runtime.shipping.carriers.base import CarrierAdapter, CarrierError, CarrierKind
from orderloom.runtime.shipping.carriers.local_courier import LocalCourier
from orderloom.runtime.shipping.models import LOCAL, Carrier, find_carrier


class UnknownCarrier(CarrierError):
    pass


@functools.cache
def kinds() -> dict[str, CarrierKind]:
    """Every kind of carrier, by kind name: each module of this package with a ``KIND``."""
    found: dict[str, CarrierKind] = {}
    for module in pkgutil.iter_modules(__path__):
        loaded = importlib.import_module(f"{__name__}.{module.name}")
        declared = getattr(loaded, "KIND", None)
        if isinstance(declared, CarrierKind):
            found[declared.kind] = declared
    return dict(sorted(found.items()))


def kind_of(name: str) -> CarrierKind | None:
    return kinds().get(name)


def opened_config(carrier: Carrier, instance_key: str) -> dict[str, Any]:
    """The carrier's config with its sealed secrets opened: what its adapter works with.
    A secret kept in the config itself (set up before secrets were sealed) still
    counts. Raises CarrierError when this instance's key cannot open them."""
    try:
        secrets = sealing.unseal_json(instance_key, carrier.credentials)
    except (sealing.SealError, ValueError) as error:
        raise CarrierError(f"carrier {carrier.code!r}: {error}") from None
    return {**(carrier.config or {}), **secrets}


def companies(carrier: Carrier) -> dict[str, dict[str, str]]:
    """The carriers a tracking service's row follows: Orderloom carrier code ->
    {"company": the service's code for it, "name": what staff call it}."""
    spec = kind_of(carrier.kind)
    if spec is None or not spec.tracks_others:
        return {}
    return {entry["carrier"]: {"company": entry["company"],
                               "name": entry.get("name") or entry["carrier"]}
            for entry in (carrier.config or {}).get("companies", [])
            if isinstance(entry, dict) and entry.get("carrier") and entry.get("company")}


def tracker_of(session: Session, code: str) -> Carrier | None:
    """The active tracking-service row that follows carrier ``code``, if any."""
    services = [name for name, spec in kinds().items() if spec.tracks_others]
    rows = session.scalars(select(Carrier).where(Carrier.active.is_(True),
                                                 Carrier.kind.in_(services))
                           .order_by(Carrier.code))
    return next((row for row in rows if code in companies(row)), None)


def adapter_for(session: Session, code: str, instance_key: str = "") -> CarrierAdapter:
    """The adapter of carrier ``code``: its own row's, else that of the tracking service
    following it. Raises UnknownCarrier for no such active carrier, CarrierError when
    its credentials cannot be opened with ``instance_key``."""
    if code == LOCAL:
        return LocalCourier()
    carrier = find_carrier(session, code)
    if carrier is None:
        carrier = tracker_of(session, code)
        if carrier is None:
            raise UnknownCarrier(f"there is no carrier {code!r}")
    if not carrier.active:
        raise UnknownCarrier(f"carrier {code!r} is switched off")
    spec = kind_of(carrier.kind)
    if spec is None:
        raise UnknownCarrier(f"carrier {code!r} is of kind {carrier.kind!r}, which this "
                             "installation does not have")
    return spec.adapter(carrier, opened_config(carrier, instance_key), code)

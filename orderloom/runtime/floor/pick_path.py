"""The walk through the warehouse: a wave's stops in bin order, each SKU totalled
across the wave's orders.

Zones come first, in the order the warehouse lists them (``Warehouse.zone_order``;
zones it does not list follow, alphabetically), then bins in natural order ("A-2"
before "A-10"), so a picker never walks back.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from orderloom.runtime.documents.fulfilment import bin_of, natural
from orderloom.runtime.stock.catalog import Product, Warehouse

# The longest bin and zone a wave line keeps (models.WaveLine).
LONGEST = 64


def zone_of(product: Product) -> str:
    """``attributes["zone"]``, else the bin up to its first "-" ("A-03-2" is in zone A)."""
    attributes = product.attributes if isinstance(product.attributes, dict) else {}
    zone = attributes.get("zone")
    if zone:
        return str(zone)[:LONGEST]
    return bin_of(product).split("-", 1)[0][:LONGEST]


def zone_place(warehouse: Warehouse, zone: str) -> int:
    """The zone's place in the warehouse's zone order; zones it does not list after
    those it does."""
    listed = [str(z) for z in (warehouse.zone_order or [])]
    return listed.index(zone) if zone in listed else len(listed)


def walking_key(place: int, zone: str, bin_: str, sku: str) -> tuple:
    return (place, natural(zone), natural(bin_), sku)


@dataclass
class Stop:
    """One place on the walk: a SKU in a bin, with the wave's total of it."""

    bin: str
    zone: str
    sku: str
    place: int  # the zone's place on the walk (zone_place) when the wave was planned
    name: str
    barcode: str | None
    quantity: int = 0
    picked: int = 0
    short: bool = False
    orders: list[str] = field(default_factory=list)

    @property
    def done(self) -> bool:
        return self.short or self.picked >= self.quantity

    def as_json(self) -> dict[str, Any]:
        return {"bin": self.bin, "zone": self.zone, "sku": self.sku, "name": self.name,
                "barcode": self.barcode, "quantity": self.quantity, "picked": self.picked,
                "short": self.short, "orders": self.orders}

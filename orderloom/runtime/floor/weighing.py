"""Weighing a parcel at the packing bench (验货称重): what it should weigh is its wave
lines' catalogue weights (a product's ``weight_grams``) times their quantities, plus
the warehouse's packaging allowance; a weighing within the warehouse's tolerance
either way is accepted, one outside it is refused. Where a warehouse has a tolerance
every parcel is weighed: its last unit leaves it open for a weighing of the whole
parcel, and it closes on the first one within the tolerance.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from orderloom.runtime.floor.models import FloorSetup, WaveLine
from orderloom.runtime.stock.catalog import Product


@dataclass(frozen=True)
class Expected:
    grams: int | None  # None: some SKU has no weight in the catalogue
    unweighed: tuple[str, ...] = ()  # those SKUs


def expected(session: Session, lines: list[WaveLine], setup: FloorSetup) -> Expected:
    weights = {product_id: grams for product_id, grams in session.execute(
        select(Product.id, Product.weight_grams).where(
            Product.id.in_({line.product_id for line in lines})))}
    unweighed = tuple(sorted({line.sku for line in lines
                              if weights.get(line.product_id) is None}))
    if unweighed:
        return Expected(None, unweighed)
    return Expected(sum(weights[line.product_id] * line.quantity for line in lines)
                    + (setup.packaging_grams or 0))


def within(setup: FloorSetup, grams: int, expected_grams: int) -> bool:
    return abs(grams - expected_grams) <= (setup.tolerance_grams or 0)


def may_close(setup: FloorSetup | None, weighed_ok: bool | None) -> bool:
    """Whether a parcel whose every unit is verified closes now: where the warehouse
    has a tolerance, every parcel is weighed, so only after a weighing within it."""
    if setup is None or setup.tolerance_grams is None:
        return True
    return weighed_ok is True

"""The lowest unit price a line may be sold at, and whether an order's discount goes
beyond the limit: what raises a ``price`` exception.

A floor comes from the first of ``FLOOR_SOURCES`` that knows one for the line's SKU.
The products' floors staff set in the queue's settings are the one source today;
price lists plug in by adding a source, ``source(session, order, skus) -> {sku:
floor}``, that answers the price each SKU may not go below for this order (its
channel, its customer's tier), all SKUs in one read.
"""
from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy.orm import Session

from orderloom.designer.form import with_meaning
from orderloom.designer.problems import pointer
from orderloom.designer.published import blueprint_for
from orderloom.runtime.exception_queue import settings
from orderloom.runtime.orders.models import Order

FloorSource = Callable[[Session, Order, set[str]], dict[str, Decimal]]


def floor_from_settings(session: Session, order: Order, skus: set[str]) -> dict[str, Decimal]:
    floors = settings.current(session).floors
    return {sku: floors[sku] for sku in skus if sku in floors}


FLOOR_SOURCES: list[FloorSource] = [floor_from_settings]


def _amount(value: Any) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _lines(order: Order) -> list[tuple[str, str, Decimal, Decimal]]:
    """(pointer, SKU, quantity, unit price) of each priced product line: the columns
    are found by what they are (a product column, the quantity and unit price
    meanings), never by their keys."""
    found = []
    for field in blueprint_for(order.version).definition["form"]["fields"]:
        if field["type"] != "line_items":
            continue
        columns = field.get("fields", [])
        product = next((c["key"] for c in columns if c["type"] == "product"), None)
        quantity = with_meaning(columns, "quantity")
        price = with_meaning(columns, "unit_price")
        if product is None or price is None:
            continue
        for index, line in enumerate(order.data.get(field["key"]) or []):
            if not isinstance(line, dict) or not line.get(product):
                continue
            unit = _amount(line.get(price["key"]))
            qty = _amount(line.get(quantity["key"])) if quantity else Decimal(1)
            if unit is not None:
                found.append((pointer(field["key"], index), str(line[product]),
                              qty if qty is not None else Decimal(1), unit))
    return found


def quoted_fields(order: Order) -> list[list[str]]:
    """What a price exception quotes: each line-items field's unit price column and
    the discount field, as ``[key, column]`` and ``[key]``."""
    fields = blueprint_for(order.version).definition["form"]["fields"]
    quoted = []
    for field in fields:
        price = with_meaning(field.get("fields", []), "unit_price") \
            if field["type"] == "line_items" else None
        if price is not None:
            quoted.append([field["key"], price["key"]])
    discount = with_meaning(fields, "discount")
    return quoted + ([[discount["key"]]] if discount else [])


def below_floor(session: Session, order: Order) -> list[dict[str, str]]:
    """Each line priced below its floor: its pointer, SKU, price and floor."""
    lines = _lines(order)
    wanted = {sku for _w, sku, _q, _u in lines}
    floors: dict[str, Decimal] = {}
    for source in FLOOR_SOURCES:
        if wanted - set(floors):
            # An earlier source's floor stands: the first that knows one wins.
            floors = {**source(session, order, wanted - set(floors)), **floors}
    return [{"line": where, "sku": sku, "price": str(unit), "floor": str(floors[sku])}
            for where, sku, _qty, unit in lines if sku in floors and unit < floors[sku]]


def discount_beyond_limit(order: Order, limit: Decimal | None) -> dict[str, str] | None:
    """The order's discount and the ``limit`` it exceeds, as percentages of the lines'
    amount, when there is a limit and the form declares a discount field."""
    if limit is None:
        return None
    field = with_meaning(blueprint_for(order.version).definition["form"]["fields"], "discount")
    discount = _amount(order.data.get(field["key"])) if field else None
    lines = sum((qty * unit for _w, _s, qty, unit in _lines(order)), Decimal(0))
    if not discount or lines <= 0:
        return None
    share = (discount / lines * 100).quantize(Decimal("0.01"))
    return {"discount": str(share), "limit": str(limit)} if share > limit else None

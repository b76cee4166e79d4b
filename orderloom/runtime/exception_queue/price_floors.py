"""The lowest unit price a line may be sold at, and whether an order's discount goes
beyond the limit: what raises a ``price`` exception.

A floor comes from the first of ``FLOOR_SOURCES`` that knows one for the line. The
products' floors staff set in the queue's settings are the one source today; price
lists plug in by appending a source (``source(session, order, sku) -> Decimal | None``)
that answers the list price a line may not go below.
"""
from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy.orm import Session

from orderloom.designer.form import with_meaning
from orderloom.designer.published import blueprint_for
from orderloom.runtime.exception_queue import settings
from orderloom.runtime.orders.models import Order

FloorSource = Callable[[Session, Order, str], Decimal | None]


def floor_from_settings(session: Session, order: Order, sku: str) -> Decimal | None:
    return settings.current(session).floors.get(sku)


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
                found.append((f"/{field['key']}/{index}", str(line[product]),
                              qty if qty is not None else Decimal(1), unit))
    return found


def below_floor(session: Session, order: Order) -> list[dict[str, str]]:
    """Each line priced below its floor: its pointer, SKU, price and floor."""
    low = []
    for where, sku, _qty, unit in _lines(order):
        for source in FLOOR_SOURCES:
            floor = source(session, order, sku)
            if floor is not None:
                if unit < floor:
                    low.append({"line": where, "sku": sku, "price": str(unit),
                                "floor": str(floor)})
                break
    return low


def discount_beyond_limit(session: Session, order: Order) -> dict[str, str] | None:
    """The order's discount and the limit it exceeds, as percentages of the lines'
    amount, when the settings set a limit and the form declares a discount field."""
    limit = settings.current(session).discount_limit
    if limit is None:
        return None
    field = with_meaning(blueprint_for(order.version).definition["form"]["fields"], "discount")
    discount = _amount(order.data.get(field["key"])) if field else None
    lines = sum((qty * unit for _w, _s, qty, unit in _lines(order)), Decimal(0))
    if not discount or lines <= 0:
        return None
    share = (discount / lines * 100).quantize(Decimal("0.01"))
    return {"discount": str(share), "limit": str(limit)} if share > limit else None

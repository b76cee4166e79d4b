"""Choosing the warehouse(s) that ship an order.

The definition's routing rules come first, then its strategy orders the other
warehouses; the first that can ship every line wins. When none can, and the
definition allows splitting, lines are taken from several warehouses in that
same order. What still cannot be covered is a back-order, handled as the
definition says: refuse the order, or accept it with the missing part
back-ordered ("allow" reserves only lines that are complete, "split" also
reserves the part of a line that is there).
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from orderloom.designer.blueprint import Blueprint
from orderloom.runtime import business_calendar
from orderloom.runtime.stock.catalog import Product, Warehouse
from orderloom.runtime.stock.keeping import ANY_WAREHOUSE, Line, OutOfStock, StockError
from orderloom.runtime.stock.models import StockLevel

QUANTITY_COLUMNS = ("qty", "quantity")


@dataclass
class Allocation:
    lines: list[tuple[str, str, int]] = field(default_factory=list)  # sku, warehouse, qty
    backordered: list[tuple[str, int]] = field(default_factory=list)
    reason: str = ""

    def as_json(self) -> dict[str, Any]:
        return {"lines": [{"sku": s, "warehouse": w, "quantity": q} for s, w, q in self.lines],
                "backordered": [{"sku": s, "quantity": q} for s, q in self.backordered],
                "reason": self.reason}


def wanted(blueprint: Blueprint, data: dict[str, Any]) -> dict[str, int]:
    """SKU -> quantity over every line-items field that has a product column and a
    qty (or quantity) column."""
    totals: dict[str, int] = defaultdict(int)
    for f in blueprint.definition["form"]["fields"]:
        if f["type"] != "line_items":
            continue
        columns = {c["key"]: c for c in f["fields"]}
        sku_key = next((k for k, c in columns.items() if c["type"] == "product"), None)
        qty_key = next((k for k in QUANTITY_COLUMNS if k in columns), None)
        if sku_key is None or qty_key is None:
            continue
        for line in data.get(f["key"]) or []:
            sku, qty = line.get(sku_key), line.get(qty_key)
            if sku and qty:
                totals[str(sku)] += int(qty)
    return dict(totals)


def _available(session: Session, skus: list[str]) -> dict[str, dict[str, int]]:
    rows = session.execute(
        select(Warehouse.code, Product.sku, StockLevel.on_hand - StockLevel.reserved)
        .join(Product, Product.id == StockLevel.product_id)
        .join(Warehouse, Warehouse.id == StockLevel.warehouse_id)
        .where(Product.sku.in_(skus), Warehouse.active.is_(True)))
    stock: dict[str, dict[str, int]] = defaultdict(dict)
    for code, sku, available in rows:
        stock[code][sku] = available
    return stock


def _candidates(session: Session, blueprint: Blueprint, data: dict[str, Any],
                stock: dict[str, dict[str, int]], need: dict[str, int],
                preferred: str | None = None) -> list[str]:
    routing = blueprint.definition.get("routing") or {}
    warehouses = list(session.scalars(select(Warehouse).where(Warehouse.active.is_(True))
                                      .order_by(Warehouse.priority, Warehouse.code)))
    order: list[str] = [preferred] if preferred else []
    chosen = blueprint.route(data, calendar=business_calendar.formula_calendar(session))
    if chosen.get("warehouse") and chosen["by"].startswith("routing rule"):
        order.append(chosen["warehouse"])
    strategy = routing.get("strategy", "priority")
    if strategy == "region":
        order.extend(chosen.get("candidates", []))
        ship_to = data.get("ship_to") if isinstance(data.get("ship_to"), dict) else {}
        place = {ship_to.get("province"), ship_to.get("country")} - {None}
        order.extend(w.code for w in warehouses if place & set(w.regions or []))
    elif strategy in ("most_stock", "fewest_splits"):
        covered = {w.code: sum(min(stock.get(w.code, {}).get(s, 0), q)
                               for s, q in need.items()) for w in warehouses}
        order.extend(sorted(covered, key=lambda code: -covered[code]))
    order.extend(w.code for w in warehouses)
    known = {w.code for w in warehouses}
    return [code for code in dict.fromkeys(order) if code in known]


def allocate(session: Session, blueprint: Blueprint, data: dict[str, Any],
             preferred: str | None = None, kept_back: dict[str, int] | None = None
             ) -> Allocation:
    """``preferred`` (a warehouse a choose_warehouse action named) is tried first;
    ``kept_back`` (SKU -> units) are units of the lines reserved otherwise, left out."""
    need = wanted(blueprint, data)
    if kept_back:
        need = {sku: qty - kept_back.get(sku, 0) for sku, qty in need.items()
                if qty > kept_back.get(sku, 0)}
        if not need:
            return Allocation(reason="every unit is reserved otherwise")
    if not need:
        return Allocation(reason="the order has no product lines")
    routing = blueprint.definition.get("routing") or {}
    stock = _available(session, list(need))
    candidates = _candidates(session, blueprint, data, stock, need, preferred)
    for code in candidates:
        if all(stock.get(code, {}).get(sku, 0) >= qty for sku, qty in need.items()):
            return Allocation([(sku, code, qty) for sku, qty in sorted(need.items())],
                              reason=f"{code} can ship every line")
    allocation = Allocation()
    remaining = dict(need)
    if routing.get("allow_split"):
        for code in candidates:
            for sku in sorted(remaining):
                take = min(remaining[sku], max(0, stock.get(code, {}).get(sku, 0)))
                if take:
                    allocation.lines.append((sku, code, take))
                    remaining[sku] -= take
        allocation.reason = "split over " + ", ".join(
            dict.fromkeys(code for _s, code, _q in allocation.lines)) if allocation.lines \
            else "no warehouse has any of it"
    remaining = {sku: qty for sku, qty in remaining.items() if qty > 0}
    if not remaining:
        return allocation
    policy = routing.get("backorder", "refuse")
    if policy == "refuse":
        sku, qty = sorted(remaining.items())[0]
        best = max((stock.get(code, {}).get(sku, 0) for code in candidates), default=0)
        raise OutOfStock(sku, ANY_WAREHOUSE, need[sku], max(best, need[sku] - qty))
    if policy == "allow":
        short = set(remaining)
        allocation.lines = [line for line in allocation.lines if line[0] not in short]
        allocation.backordered = sorted((sku, need[sku]) for sku in short)
    else:
        allocation.backordered = sorted(remaining.items())
    allocation.reason = (allocation.reason or "no single warehouse can ship it") + \
        "; back-ordered: " + ", ".join(f"{q} x {s}" for s, q in allocation.backordered)
    return allocation


def reservation_lines(session: Session, allocation: Allocation) -> list[Line]:
    products = {p.sku: p.id for p in session.scalars(
        select(Product).where(Product.sku.in_({s for s, _w, _q in allocation.lines})))}
    warehouses = {w.code: w.id for w in session.scalars(
        select(Warehouse).where(Warehouse.code.in_({w for _s, w, _q in allocation.lines})))}
    lines = []
    for sku, code, qty in allocation.lines:
        if sku not in products:
            raise StockError(f"there is no product with SKU {sku!r}",
                             code="stock.no_product", sku=sku)
        lines.append(Line(products[sku], warehouses[code], qty))
    return lines

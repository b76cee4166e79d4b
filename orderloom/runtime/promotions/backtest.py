"""The backtest: what a draft rule would have given over the orders placed in a
period (days in the instance's time zone, both included), before anyone switches it
on. Nothing is written, no stock is touched.

It decides each order with the same ``matching.outcome`` as an arriving order, from
facts read in bulk: one query for the orders' columns and data, one for the tiers of
their customers, one for the definitions of their versions, one for the gifts'
prices and stock; so 10,000 orders answer well inside two seconds
(benchmarks/promotion_backtest_bench.py). Gift stock is not counted down as the
orders are walked: the answer says how many units the rule would have given, and how
many are available now beside it.
"""
from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, func, select, true
from sqlalchemy.orm import Session

from orderloom.designer.models import DefinitionVersion
from orderloom.designer.numbers import money_unit, stored
from orderloom.designer.published import blueprint_for
from orderloom.runtime import business_calendar
from orderloom.runtime.customers.records import Customer
from orderloom.runtime.orders.models import Order
from orderloom.runtime.prices.order_lines import kept_tier, priced_columns, typed_tier
from orderloom.runtime.promotions.matching import OrderFacts, Terms, outcome, read_lines
from orderloom.runtime.promotions.rules import PromotionError
from orderloom.runtime.stock import catalog
from orderloom.runtime.stock.catalog import Product
from orderloom.runtime.stock.models import StockLevel

LONGEST_PERIOD_DAYS = 400
SHOWN_ORDERS = 20  # the first orders hit, for staff to open and check


@dataclass(frozen=True)
class Period:
    first: dt.date
    last: dt.date

    @classmethod
    def checked(cls, first: dt.date, last: dt.date) -> Period:
        if last < first:
            raise PromotionError("/to", f"{last.isoformat()} is before from "
                                        f"{first.isoformat()}", "reversed_dates")
        if (last - first).days > LONGEST_PERIOD_DAYS:
            raise PromotionError("/to", f"a backtest covers at most {LONGEST_PERIOD_DAYS} "
                                        "days", "period_too_long", days=LONGEST_PERIOD_DAYS)
        return cls(first, last)


def run(session: Session, terms: Terms, period: Period,
        visible: ColumnElement[bool] | None = None) -> dict[str, Any]:
    """How many orders of ``period`` the rule hits, the gifts it gives (SKU, units, their
    value at the product's own price, available now) and what it costs, by currency.
    Only the orders ``visible`` lets through (those the person asking may see) count."""
    start = business_calendar.day_start(period.first)
    end = business_calendar.day_start(period.last + dt.timedelta(days=1))
    placed = (Order.created_at >= start, Order.created_at < end,
              visible if visible is not None else true())
    counted = session.scalar(select(func.count()).select_from(Order).where(*placed)) or 0
    # What the rule asks of the order's own columns is asked in SQL, so only the orders
    # that may qualify are read and their lines parsed; matching.outcome still decides.
    wanted = list(placed)
    if terms.starts_on is not None:
        wanted.append(Order.created_at >= business_calendar.day_start(terms.starts_on))
    if terms.ends_on is not None:
        wanted.append(Order.created_at
                      < business_calendar.day_start(terms.ends_on + dt.timedelta(days=1)))
    if terms.channels:
        wanted.append(Order.channel.in_(sorted(terms.channels)))
    if terms.min_amount is not None:
        wanted.append(Order.total >= terms.min_amount)
    rows = session.execute(
        select(Order.number, Order.created_at, Order.channel, Order.total, Order.currency,
               Order.data, Order.version_id, Order.customer_id)
        .where(*wanted).order_by(Order.created_at, Order.id)).all()
    versions = {row.version_id for row in rows}
    # The tiers as order_lines.tier_of reads them (a known customer's is on their
    # record, else the one typed), read in bulk rather than one customer at a time.
    blueprints = {version.id: blueprint_for(version) for version in session.scalars(
        select(DefinitionVersion).where(DefinitionVersion.id.in_(versions)))} \
        if versions else {}
    columns = {vid: priced_columns(blueprint.definition)
               for vid, blueprint in blueprints.items()}
    customer_ids = {row.customer_id for row in rows if row.customer_id is not None}
    tiers = {cid: kept_tier(attributes) for cid, attributes in session.execute(
        select(Customer.id, Customer.attributes).where(Customer.id.in_(customer_ids)))
        .tuples()} \
        if customer_ids else {}
    hits, units = 0, Counter()
    discounts: dict[str, Decimal] = defaultdict(Decimal)
    gift_count: dict[str, Counter] = defaultdict(Counter)
    first_hits: list[str] = []
    for row in rows:
        data = row.data if isinstance(row.data, dict) else {}
        tier = tiers.get(row.customer_id) if row.customer_id is not None \
            else typed_tier(blueprints[row.version_id], data)
        if terms.customer_tiers and tier not in terms.customer_tiers:
            continue  # as outcome would decide, without reading the lines
        facts = OrderFacts(channel=row.channel, tier=tier, total=stored(row.total),
                           currency=row.currency,
                           day=business_calendar.instance_date(row.created_at),
                           lines=read_lines(columns.get(row.version_id, []), data))
        given = outcome(terms, facts)
        if given is None:
            continue
        hits += 1
        if len(first_hits) < SHOWN_ORDERS:
            first_hits.append(row.number)
        currency = row.currency or ""
        if given.gift_sku and given.gift_quantity:
            units[given.gift_sku] += given.gift_quantity
            gift_count[currency][given.gift_sku] += given.gift_quantity
        if given.discount:
            discounts[currency] += given.discount
    gifts, gift_value = _gifts(session, units, gift_count)
    currencies = sorted(set(discounts) | set(gift_value))
    return {
        "from": period.first.isoformat(), "to": period.last.isoformat(),
        "orders": counted, "hits": hits, "orders_hit": first_hits,
        "gifts": gifts,
        "cost": [{"currency": c,
                  "discounts": _money(discounts.get(c, Decimal(0)), c),
                  "gifts": _money(gift_value.get(c, Decimal(0)), c),
                  "total": _money(discounts.get(c, Decimal(0))
                                  + gift_value.get(c, Decimal(0)), c)}
                 for c in currencies],
    }


def _money(amount: Decimal, currency: str) -> str:
    return str(amount.quantize(money_unit(currency or None)))


def _gifts(session: Session, units: Counter, by_currency: dict[str, Counter]
           ) -> tuple[list[dict[str, Any]], dict[str, Decimal]]:
    if not units:
        return [], {}
    products = {p.sku: p for p in session.scalars(
        select(Product).where(Product.sku.in_(set(units))))}
    available = dict(session.execute(
        select(Product.sku, func.sum(StockLevel.on_hand - StockLevel.reserved))
        .join(StockLevel, StockLevel.product_id == Product.id)
        .where(Product.sku.in_(set(units))).group_by(Product.sku)).tuples().all())
    prices = {sku: stored(catalog.price_of(product)) for sku, product in products.items()}
    value: dict[str, Decimal] = defaultdict(Decimal)
    for currency, counted in by_currency.items():
        for sku, count in counted.items():
            value[currency] += (prices.get(sku) or Decimal(0)) * count
    return [{"sku": sku, "name": products[sku].name if sku in products else None,
             "units": count, "unit_value": None if prices.get(sku) is None
             else str(prices[sku]), "available_now": int(available.get(sku) or 0)}
            for sku, count in sorted(units.items())], value

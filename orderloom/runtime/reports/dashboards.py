"""The numbers managers look at: each dashboard chart is one SQL aggregate.

Every function takes a session and a ``DashboardFilter`` and answers rows ready to
draw and to write as CSV. The database does the adding up (GROUP BY, SUM,
percentiles), never a Python loop over orders, so a chart over a million orders
costs one query. SQLite and PostgreSQL differ in date arithmetic, JSON line
expansion and percentiles; each difference is one small helper below.

Money: an order's ``total`` column in its ``currency``. Amounts of different
currencies are never added together: every money figure is for one currency (the
filter's, else the one most order types use) and orders in other currencies count
in the order numbers only.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Context, Decimal
from typing import Any, Literal

from sqlalchemy import (
    Float,
    Integer,
    Numeric,
    Select,
    String,
    and_,
    case,
    cast,
    column,
    func,
    literal,
    select,
    true,
)
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from orderloom.designer import numbers
from orderloom.designer.blueprint import money_unit
from orderloom.designer.models import DefinitionVersion
from orderloom.runtime import business_calendar
from orderloom.runtime.orders.categories import sold
from orderloom.runtime.orders.models import Order
from orderloom.runtime.reports import daily_totals
from orderloom.runtime.reports.daily_totals import on_summary
from orderloom.runtime.reports.models import DailyOrderTotal
from orderloom.runtime.shipping.models import Shipment, parcel_riders

Grain = Literal["day", "week", "month"]
GRAINS: tuple[str, ...] = ("day", "week", "month")
DEFAULT_SLA_HOURS = 48
LINE_KEYS = ("sku", "qty", "quantity", "price", "amount")
# With no dates given, dashboards cover the last 30 days including today.
DEFAULT_DAYS = 30


@dataclass
class DashboardFilter:
    created_from: datetime | None = None  # inclusive
    created_to: datetime | None = None    # exclusive
    channel: str | None = None
    order_type_id: int | None = None
    currency: str | None = None
    sla_hours: int = DEFAULT_SLA_HOURS
    # The reader's data permission (platform/row_access.py); every order when the
    # instance itself asks (the command line, a scheduled report).
    visible: ColumnElement[bool] = field(default_factory=true)
    # Versions whose total, or whose line prices and amounts, the reader may not see
    # (platform/field_sight.py): their orders are counted, their money is left out.
    total_unseen: set[int] = field(default_factory=set)
    lines_unseen: set[int] = field(default_factory=set)


def money(value: Any, currency: str | None) -> Decimal:
    """A sum as the Decimal a person reads, in the currency's decimal places (2500 yen,
    not 2500.00): SQLite adds NUMERIC as binary floats, so both databases' sums are
    rounded the same way."""
    unit = money_unit(currency)
    if value is None:
        return Decimal(0).quantize(unit)
    if not isinstance(value, Decimal):
        value = Decimal(repr(float(value)))
    if not value.is_finite():
        return Decimal(0).quantize(unit)
    # Sums of bounded amounts stay far inside 60 digits; the default 28 would fail on
    # a sum that a row changed by hand has made huge.
    return value.quantize(unit, rounding=ROUND_HALF_UP, context=SUMS)


SUMS = Context(prec=60)
# A plain decimal within a number's bounds (designer/numbers.py), as PostgreSQL's
# regular expressions write it.
PLAIN_NUMBER = rf"^[+-]?[0-9]{{1,{numbers.NUMBER.whole_digits}}}(\.[0-9]{{0,40}})?$"


def _hours(value: Any) -> Decimal | None:
    if value is None:
        return None
    return Decimal(repr(float(value))).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def _where(query: Select, spec: DashboardFilter) -> Select:
    query = query.where(spec.visible)
    if spec.created_from is not None:
        query = query.where(Order.created_at >= spec.created_from)
    if spec.created_to is not None:
        query = query.where(Order.created_at < spec.created_to)
    if spec.channel:
        query = query.where(Order.channel == spec.channel)
    if spec.order_type_id is not None:
        query = query.where(Order.order_type_id == spec.order_type_id)
    return query


def currency_of(session: Session, spec: DashboardFilter) -> str | None:
    """The currency money figures are in: the filter's, else the chosen order type's,
    else the one most order types' latest versions use (a handful of rows, not orders)."""
    if spec.currency:
        return spec.currency
    query = select(DefinitionVersion.order_type_id, DefinitionVersion.number,
                   DefinitionVersion.definition["currency"].as_string())
    if spec.order_type_id is not None:
        query = query.where(DefinitionVersion.order_type_id == spec.order_type_id)
    latest: dict[int, tuple[int, str | None]] = {}
    for type_id, number, currency in session.execute(query):
        if type_id not in latest or number > latest[type_id][0]:
            latest[type_id] = (number, currency)
    found = Counter(currency for _n, currency in latest.values() if currency)
    return found.most_common(1)[0][0] if found else None


def _in_currency(currency: str | None) -> ColumnElement[bool]:
    return Order.currency == currency if currency else true()


def _total_seen(spec: DashboardFilter) -> ColumnElement[bool]:
    return Order.version_id.not_in(spec.total_unseen) if spec.total_unseen else true()


def _sales(currency: str | None, spec: DashboardFilter) -> ColumnElement:
    """SUM of totals in the one currency, as part of a GROUP BY that counts every order;
    totals hidden from the reader are not added."""
    return func.sum(case((and_(_in_currency(currency), _total_seen(spec)), Order.total),
                         else_=None))


# --- the same figures from the daily summary (daily_totals.py) -----------------------------
# Where the filter can be said on the summary, the order-count and sales charts add up its
# rows (a few per day) instead of the orders; the conditions are the live ones above,
# said on its columns.

def _summary_in_currency(currency: str | None) -> ColumnElement[bool]:
    return DailyOrderTotal.currency == currency if currency else true()


def _summary_sales(currency: str | None, spec: DashboardFilter) -> ColumnElement:
    return func.sum(case((and_(_summary_in_currency(currency), on_summary(_total_seen(spec))),
                          DailyOrderTotal.total), else_=None))


def _summary_orders() -> ColumnElement:
    return func.sum(DailyOrderTotal.orders)


# --- sales over time ----------------------------------------------------------------------

def _period(session: Session, grain: Grain, spec: DashboardFilter) -> ColumnElement:
    """The first day of the order's day, week (Monday) or month, on the instance's
    clocks: an order placed at 23:30 in Shanghai counts on that day there."""
    if _dialect(session) == "postgresql":
        local = func.timezone(business_calendar.time_zone(), Order.created_at)
        return cast(func.date_trunc(grain, local), String)
    local = _sqlite_local_time(session, spec)
    if grain == "day":
        return func.strftime("%Y-%m-%d", local)
    if grain == "week":
        # 'weekday 1' moves forward to a Monday; six days back first makes it this week's.
        return func.date(local, "-6 days", "weekday 1")
    return func.strftime("%Y-%m-01", local)


def _sqlite_local_time(session: Session, spec: DashboardFilter) -> ColumnElement:
    """The order's time on the instance's clocks, for SQLite, which knows no time zones:
    shifted by the offset of the stretch of the filter's range it falls in."""
    start, end = spec.created_from, spec.created_to
    if start is None or end is None:
        first, last = session.execute(_where(
            select(func.min(Order.created_at), func.max(Order.created_at)), spec)).one()
        start, end = start or first, end or last
    if start is None or end is None:  # no orders
        return Order.created_at
    changes = business_calendar.clock_changes(start, end)

    def shifted(minutes: int) -> ColumnElement:
        if not minutes:  # UTC: the stored text as it is, as the index holds it
            return Order.created_at
        return func.datetime(Order.created_at, f"{minutes:+d} minutes")

    if len(changes) == 1:
        return shifted(changes[0][1])
    return case(*((Order.created_at < later, shifted(minutes))
                  for (_, minutes), (later, _) in zip(changes, changes[1:], strict=False)),
                else_=shifted(changes[-1][1]))


def sales_over_time(session: Session, spec: DashboardFilter,
                    grain: Grain = "day") -> list[dict[str, Any]]:
    """Per period: orders entered and their sales (the sum of totals), orders whose
    state is not a sale (cancelled, returned) left out. Periods without orders are not listed."""
    if grain not in GRAINS:
        raise ValueError(f"grain must be one of {', '.join(GRAINS)}")
    currency = currency_of(session, spec)
    summary = daily_totals.conditions(session, spec)
    if summary is not None:
        period = daily_totals.period(session, grain).label("period")
        query = (select(period, _summary_orders(), _summary_sales(currency, spec))
                 .where(on_summary(sold(session)), *summary)
                 .group_by(period).having(_summary_orders() > 0).order_by(period))
    else:
        period = _period(session, grain, spec).label("period")
        query = _where(select(period, func.count(Order.id), _sales(currency, spec))
                       .where(sold(session)).group_by(period).order_by(period), spec)
    return [{"period": date.fromisoformat(str(p)[:10]), "orders": n,
             "sales": money(s, currency), "currency": currency}
            for p, n, s in session.execute(query)]


# --- orders by state and by channel ----------------------------------------------------------

def _by(session: Session, spec: DashboardFilter, column, name: str) -> list[dict[str, Any]]:
    currency = currency_of(session, spec)
    summary = daily_totals.conditions(session, spec)
    if summary is not None:
        column = on_summary(column)
        query = (select(column, _summary_orders(), _summary_sales(currency, spec))
                 .where(*summary).group_by(column).having(_summary_orders() > 0)
                 .order_by(_summary_orders().desc(), column))
    else:
        query = _where(select(column, func.count(Order.id), _sales(currency, spec))
                       .group_by(column).order_by(func.count(Order.id).desc(), column), spec)
    return [{name: key, "orders": n, "value": money(s, currency), "currency": currency}
            for key, n, s in session.execute(query)]


def orders_by_state(session: Session, spec: DashboardFilter) -> list[dict[str, Any]]:
    """Orders per current state (every state, cancelled ones too) and their value."""
    return _by(session, spec, Order.state, "state")


def orders_by_channel(session: Session, spec: DashboardFilter) -> list[dict[str, Any]]:
    """Orders per channel they came in through, and their value."""
    return _by(session, spec, Order.channel, "channel")


# --- top products ------------------------------------------------------------------------

def _lines(session: Session):
    """The order's lines (``data.items``) as rows, with sku, quantity and amount columns.

    Every built-in order system keeps its lines in ``items`` with ``sku``, ``qty`` (or
    ``quantity``) and the computed ``amount``; a line without an amount counts
    qty x price.
    """
    if _dialect(session) == "postgresql":
        # jsonb_to_recordset reads each line once into typed columns, about twice as
        # fast as one ->> per key on jsonb_array_elements.
        line = (func.jsonb_to_recordset(Order.data["items"])
                .table_valued(*[column(key, String) for key in LINE_KEYS])
                .render_derived(name="line", with_types=True).lateral())

        def text(key: str):
            return line.c[key]

        def number(key: str):
            # Only a plain decimal within a number's bounds is cast: a line changed by
            # hand ("abc", "1e400", a formula's {"error": ...}) counts as empty rather
            # than failing the whole chart.
            return case((line.c[key].op("~")(PLAIN_NUMBER), cast(line.c[key], Numeric)))
    else:
        line = func.json_each(Order.data, "$.items").table_valued("value", "type")
        value = line.c.value

        def text(key: str):
            return func.json_extract(value, f"$.{key}")

        def number(key: str):
            # SQLite casts any text to a number (0 for "abc"); only the infinite or
            # too large ones must be left out.
            found = cast(func.json_extract(value, f"$.{key}"), Numeric)
            return case((func.abs(found) <= float(numbers.NUMBER.largest), found))

    quantity = func.coalesce(number("qty"), number("quantity"))
    amount = func.coalesce(number("amount"), quantity * number("price"))
    return line, text("sku"), quantity, amount


def top_products(session: Session, spec: DashboardFilter, limit: int = 10
                 ) -> list[dict[str, Any]]:
    """The products with the most sales (sum of line amounts), with units and the
    number of order lines they were on (an order normally has one line per product)."""
    currency = currency_of(session, spec)
    line, sku, quantity, amount = _lines(session)
    sku = sku.label("sku")
    # Lines whose price or amount is hidden from the reader count in units, not sales.
    seen = Order.version_id.not_in(spec.lines_unseen) if spec.lines_unseen else true()
    sales = func.sum(case((seen, amount)))
    query = _where(
        select(sku, func.sum(quantity), sales, func.count())
        .select_from(Order).join(line, true())
        .where(sold(session), _in_currency(currency), sku.is_not(None))
        .group_by(sku).order_by(func.coalesce(sales, 0).desc(), sku).limit(limit), spec)
    return [{"sku": s, "units": int(q or 0), "sales": money(a, currency), "lines": n,
             "currency": currency}
            for s, q, a, n in session.execute(query)]


# --- customer value ------------------------------------------------------------------------

NICE_STEPS = (1, 2, 2.5, 5)


def bucket_width(largest: Decimal, buckets: int = 10, unit: Decimal = Decimal("0.01")
                 ) -> Decimal:
    """A round bucket width (1, 2, 2.5 or 5 times a power of ten, and a whole number of
    the currency's ``unit``: no 2.5-yen buckets) so that ``buckets`` buckets cover
    0..largest."""
    if largest <= 0:
        return Decimal(1)
    raw = largest / buckets
    power = Decimal(10) ** (raw.adjusted())
    for step in NICE_STEPS + (10,):
        width = Decimal(str(step)) * power
        if width * buckets >= largest and width >= raw and width % unit == 0:
            return width.normalize()
    return max(power * 10, unit).normalize()


def customer_value(session: Session, spec: DashboardFilter, buckets: int = 10
                   ) -> list[dict[str, Any]]:
    """How many customers bought how much: a histogram of each customer's sales (the
    sum of their orders' totals in the filter's range), in round-width buckets."""
    currency = currency_of(session, spec)
    customer = _customer_key()
    per_customer = _where(
        select(customer.label("customer"), func.sum(Order.total).label("value"))
        .where(sold(session), _in_currency(currency), customer.is_not(None),
               Order.total.is_not(None), _total_seen(spec))
        .group_by(customer), spec).subquery()
    largest = session.scalar(select(func.max(per_customer.c.value)))
    if largest is None:
        return []
    width = bucket_width(money(largest, currency), buckets, money_unit(currency))
    if _dialect(session) == "postgresql":
        index = cast(func.floor(per_customer.c.value / width), Integer)
    else:  # CAST truncates on SQLite, the same as floor for sums that are not negative
        index = cast(per_customer.c.value / float(width), Integer)
    index = case((index >= buckets, buckets - 1), (index < 0, 0), else_=index).label("bucket")
    rows = {b: (n, v) for b, n, v in session.execute(
        select(index, func.count(), func.sum(per_customer.c.value))
        .group_by(index).order_by(index))}
    # Round widths can leave the top buckets empty: the histogram ends at the last
    # customer.
    return [{"from": money(width * b, currency), "to": money(width * (b + 1), currency),
             "customers": rows.get(b, (0, None))[0],
             "value": money(rows.get(b, (0, None))[1], currency),
             "currency": currency}
            for b in range(max(rows) + 1)]


def _customer_key() -> ColumnElement:
    """The customer an order belongs to: its customer record where it has one, else the
    customer code entered on the form."""
    customer_id = getattr(Order, "customer_id", None)
    code = Order.data["customer"]["code"].as_string()
    if customer_id is None:
        return code
    return func.coalesce(cast(customer_id, String), literal("code:") + code)


# --- fulfilment ------------------------------------------------------------------------------

def _elapsed_hours(session: Session, start, end) -> ColumnElement:
    if _dialect(session) == "postgresql":
        return func.extract("epoch", end - start) / 3600.0
    return (func.julianday(end) - func.julianday(start)) * 24.0


def _shipped_orders(session: Session, spec: DashboardFilter):
    """Per order in the filter that has shipped: when it was ordered, first shipped and
    (once every parcel carrying it is delivered) last delivered. Each order of a merge
    counts its merge's one parcel, booked under the first order, as its own."""
    riders = parcel_riders(session)
    delivered = case((func.count(Shipment.delivered_at) == func.count(Shipment.id),
                      func.max(Shipment.delivered_at)), else_=None)
    query = _where(
        select(Order.id.label("order_id"), Order.created_at.label("ordered_at"),
               func.min(Shipment.shipped_at).label("shipped_at"),
               delivered.label("delivered_at"))
        .join(riders, riders.c.order_id == Order.id)
        .join(Shipment, Shipment.id == riders.c.shipment_id)
        .group_by(Order.id, Order.created_at)
        .having(func.min(Shipment.shipped_at).is_not(None)), spec)
    return query.subquery()


def _percentiles(session: Session, hours: list[ColumnElement], source, shares=(0.5, 0.9)
                 ) -> list[tuple[int, list[Any]]]:
    """For each of ``hours``: how many rows of ``source`` know it, and its percentiles
    (linear interpolation between neighbours, as PostgreSQL's percentile_cont)."""
    if _dialect(session) == "postgresql":
        # One pass over the shipped orders for every stage.
        columns = []
        for value in hours:
            columns.append(func.count(value))
            columns.extend(func.percentile_cont(s).within_group(value) for s in shares)
        row = session.execute(select(*columns).select_from(source)).one()
        width = 1 + len(shares)
        return [(row[i], list(row[i + 1:i + width])) for i in range(0, len(row), width)]
    return [_sqlite_percentiles(session, value, source, shares) for value in hours]


def _sqlite_percentiles(session: Session, hours: ColumnElement, source, shares
                        ) -> tuple[int, list[Any]]:
    # SQLite has no percentile function: number the values in order and interpolate
    # between the two around position share x (n - 1), still in one query.
    ranked = (select(hours.label("h"),
                     (func.row_number().over(order_by=hours) - 1).label("i"),
                     func.count().over().label("n"))
              .select_from(source).where(hours.is_not(None)).subquery())
    columns = []
    for share in shares:
        position = share * (ranked.c.n - 1)
        low = cast(position, Integer)
        fraction = position - low
        columns.append(func.sum(case(
            (ranked.c.i == low, ranked.c.h * (1 - fraction)),
            (ranked.c.i == low + 1, ranked.c.h * fraction), else_=0.0)))
    row = session.execute(select(func.count(), *columns).select_from(ranked)).one()
    count = row[0]
    return count, [value if count else None for value in row[1:]]


STAGES = (("ordered_to_shipped", "ordered_at", "shipped_at"),
          ("shipped_to_delivered", "shipped_at", "delivered_at"),
          ("ordered_to_delivered", "ordered_at", "delivered_at"))


def fulfilment_time(session: Session, spec: DashboardFilter) -> list[dict[str, Any]]:
    """Hours from order to first shipment, shipment to delivery and order to delivery:
    median and 90th percentile over the orders in the filter."""
    shipped = _shipped_orders(session, spec)
    hours = [cast(_elapsed_hours(session, shipped.c[start], shipped.c[end]), Float)
             for _stage, start, end in STAGES]
    return [{"stage": stage, "orders": count, "median_hours": _hours(median),
             "p90_hours": _hours(p90)}
            for (stage, _s, _e), (count, (median, p90))
            in zip(STAGES, _percentiles(session, hours, shipped), strict=True)]


def shipped_within_sla(session: Session, spec: DashboardFilter) -> dict[str, Any]:
    """Of the orders in the filter that have shipped, how many shipped within
    ``spec.sla_hours`` of being ordered."""
    shipped = _shipped_orders(session, spec)
    hours = _elapsed_hours(session, shipped.c.ordered_at, shipped.c.shipped_at)
    total, within = session.execute(
        select(func.count(), func.coalesce(func.sum(case((hours <= spec.sla_hours, 1),
                                                         else_=0)), 0))
        .select_from(shipped)).one()
    share = (Decimal(within) / Decimal(total) * 100).quantize(Decimal("0.1")) if total else None
    return {"sla_hours": spec.sla_hours, "shipped": total, "within_sla": int(within),
            "late": total - int(within), "share_percent": share}


def headline(session: Session, spec: DashboardFilter, sla: dict[str, Any]) -> dict[str, Any]:
    """The figures a dashboard leads with for the filter: its sales and the orders that
    are sales (both in the one currency, so that their average is an order's value),
    the average order value, and from ``sla`` (``shipped_within_sla`` of the same
    filter) the shipments that left later than the SLA. Orders whose total is hidden
    from the reader count as orders, not in sales nor in the average."""
    currency = currency_of(session, spec)
    summary = daily_totals.conditions(session, spec)
    if summary is not None:
        query = (select(func.coalesce(_summary_orders(), 0),
                        func.coalesce(func.sum(case((on_summary(_total_seen(spec)),
                                                     DailyOrderTotal.orders))), 0),
                        _summary_sales(currency, spec))
                 .where(on_summary(sold(session)), _summary_in_currency(currency), *summary))
    else:
        query = _where(
            select(func.count(Order.id), func.count(case((_total_seen(spec), Order.id))),
                   _sales(currency, spec))
            .where(sold(session), _in_currency(currency)), spec)
    orders, priced, total = session.execute(query).one()
    sales = money(total, currency)
    average = money(sales / priced, currency) if priced else None
    return {"sales": sales, "orders": orders, "average_order_value": average,
            "currency": currency, "late_shipments": sla["late"]}


# Each chart's columns, in order: the CSV header, even when there are no rows.
COLUMNS: dict[str, tuple[str, ...]] = {
    "sales_over_time": ("period", "orders", "sales", "currency"),
    "orders_by_state": ("state", "orders", "value", "currency"),
    "orders_by_channel": ("channel", "orders", "value", "currency"),
    "top_products": ("sku", "units", "sales", "lines", "currency"),
    "fulfilment_time": ("stage", "orders", "median_hours", "p90_hours"),
    "shipped_within_sla": ("sla_hours", "shipped", "within_sla", "late", "share_percent"),
    "customer_value": ("from", "to", "customers", "value", "currency"),
}
CHARTS = ("sales_over_time", "orders_by_state", "orders_by_channel", "top_products",
          "fulfilment_time", "shipped_within_sla", "customer_value")


def chart(session: Session, name: str, spec: DashboardFilter, grain: Grain = "day"
          ) -> list[dict[str, Any]]:
    """One chart's rows by its name (the API's and the CSV's unit)."""
    if name == "sales_over_time":
        return sales_over_time(session, spec, grain)
    if name == "shipped_within_sla":
        return [shipped_within_sla(session, spec)]
    functions = {"orders_by_state": orders_by_state, "orders_by_channel": orders_by_channel,
                 "top_products": top_products, "fulfilment_time": fulfilment_time,
                 "customer_value": customer_value}
    if name not in functions:
        raise KeyError(name)
    return functions[name](session, spec)


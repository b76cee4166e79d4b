"""Finding orders: filters that work the same on SQLite and PostgreSQL.

Field values live in the order's JSON data; SQLAlchemy's JSON paths compile to
json_extract on SQLite and ->> on PostgreSQL, so one query serves both.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import ColumnElement, Select, String, and_, cast, func, or_, select

from orderloom.db import containing
from orderloom.runtime.customers.records import Customer
from orderloom.runtime.orders.models import Order


@dataclass
class OrderFilter:
    order_type_id: int | None = None
    states: list[str] = field(default_factory=list)
    channel: str | None = None
    created_from: datetime | None = None
    created_to: datetime | None = None
    customer: str | None = None
    tag: str | None = None
    text: str | None = None
    fields: dict[str, str] = field(default_factory=dict)
    before_id: int | None = None
    payment_statuses: list[str] = field(default_factory=list)
    # What the searcher may not see, by version id (only versions that hide something):
    # the keys whose values are hidden (a line-items field counts when any of its
    # columns is), and the keys left to search by text. A hidden value must not find
    # the order, or the match itself would tell it.
    unseen: dict[int, frozenset[str]] = field(default_factory=dict)
    seen: dict[int, tuple[str, ...]] = field(default_factory=dict)
    customer_unseen: list[int] = field(default_factory=list)  # versions hiding the customer


def order_query(spec: OrderFilter, *, visible: ColumnElement[bool]) -> Select:
    """Newest first, for keyset pages (``before_id`` is the last id of the previous page).
    ``visible`` is the reader's data permission (platform/row_access.py); it is not
    optional, so no list of orders can forget it."""
    # Newest by creation time, the id breaking ties: with an index on (state, created_at)
    # a filtered first page reads about a page of rows, where walking ids backwards
    # skipped every newer order first (0.7 s on a million orders, docs/benchmarks.md).
    query = select(Order).where(visible).order_by(Order.created_at.desc(), Order.id.desc())
    if spec.order_type_id is not None:
        query = query.where(Order.order_type_id == spec.order_type_id)
    if spec.states:
        query = query.where(Order.state.in_(spec.states))
    if spec.channel:
        query = query.where(Order.channel == spec.channel)
    if spec.payment_statuses:
        query = query.where(Order.payment_status.in_(spec.payment_statuses))
    if spec.created_from:
        query = query.where(Order.created_at >= spec.created_from)
    if spec.created_to:
        query = query.where(Order.created_at < spec.created_to)
    if spec.customer and spec.customer_unseen:
        # The customer is found through the order's customer field: not where it is hidden.
        query = query.where(Order.version_id.not_in(spec.customer_unseen))
    if spec.customer:
        # The customer by code (a merged duplicate's code finds its survivor's orders),
        # else the customer as the order's form holds it.
        known = (select(func.coalesce(Customer.merged_into_id, Customer.id))
                 .where(Customer.code == spec.customer).scalar_subquery())
        query = query.where(or_(
            Order.customer_id == known,
            Order.data["customer"]["code"].as_string() == spec.customer,
            func.lower(Order.data["customer"]["name"].as_string()).like(
                containing(spec.customer), escape="\\")))
    if spec.tag:
        # Tags are a JSON list of plain words; their quoted form is exact enough.
        query = query.where(cast(Order.tags, String).like(f'%"{spec.tag}"%'))
    if spec.text:
        query = query.where(or_(
            func.lower(Order.number).like(containing(spec.text), escape="\\"),
            *_text_in_data(spec)))
    for key, value in spec.fields.items():
        query = query.where(Order.data[key].as_string() == value)
        hiding = [v for v, keys in spec.unseen.items() if key in keys]
        if hiding:
            query = query.where(Order.version_id.not_in(hiding))
    if spec.before_id is not None:
        # After the last order shown, in the same (created_at, id) order; the plain
        # "created_at <=" bound lets the index range do the work.
        last = select(Order.created_at).where(Order.id == spec.before_id).scalar_subquery()
        query = query.where(Order.created_at <= last, or_(
            Order.created_at < last, and_(Order.created_at == last, Order.id < spec.before_id)))
    return query


def _text_in_data(spec: OrderFilter) -> list:
    """Conditions for ``spec.text`` in the order's values, only in what the searcher
    may see: the whole data where nothing is hidden, field by field elsewhere."""
    pattern = containing(spec.text or "")
    whole = func.lower(cast(Order.data, String)).like(pattern, escape="\\")
    if not spec.unseen:
        return [whole]
    found = [and_(Order.version_id.not_in(list(spec.unseen)), whole)]
    for version_id, keys in spec.seen.items():
        if keys:
            found.append(and_(Order.version_id == version_id, or_(*[
                func.lower(cast(Order.data[key], String)).like(pattern, escape="\\")
                for key in keys])))
    return found

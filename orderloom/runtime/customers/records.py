"""Customers: who orders, what they are worth, and how recently and often they buy.

An order's customer field (a record with code, name, email, phone, tier...) is
matched to a customer by code, then email, then phone, and a new customer is
made when none matches. A CRM keeps customers up to date through the API or a
file; duplicates are merged into one surviving customer, whose code the merged
ones keep pointing at.

Lifetime value and the RFM segment are computed in SQL from the customer's
orders, so they are always current and never drift from the orders themselves.
"""
from __future__ import annotations

import functools
import logging
import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    ColumnElement,
    ForeignKey,
    Integer,
    Select,
    String,
    and_,
    bindparam,
    case,
    cast,
    func,
    or_,
    select,
    text,
    type_coerce,
    update,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from orderloom.db import Base, JSONDocument, Money, UTCDateTime, containing, utcnow
from orderloom.designer.blueprint import Blueprint
from orderloom.runtime import audit
from orderloom.runtime.audit import Actor
from orderloom.runtime.errors import OrderError
from orderloom.runtime.orders.categories import sold
from orderloom.runtime.orders.models import Order

log = logging.getLogger(__name__)

CODE_LENGTH = 64
NAME_LENGTH = 200
TAG_LENGTH = 50
MAX_TAGS = 50
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE = re.compile(r"^\+?[0-9]{3,20}$")
_PHONE_SEPARATORS = re.compile(r"[\s\-().]")
# Members of an order's customer record that are the customer's identity, not attributes.
_IDENTITY = ("code", "name", "email", "phone", "tags")


class Customer(Base):
    __tablename__ = "customers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # The business's own customer code, or the CRM's id for the customer.
    code: Mapped[str] = mapped_column(String(CODE_LENGTH), unique=True)
    name: Mapped[str] = mapped_column(String(NAME_LENGTH))
    email: Mapped[str | None] = mapped_column(String(254), index=True)  # lower case
    phone: Mapped[str | None] = mapped_column(String(40), index=True)  # digits, maybe +
    tags: Mapped[list[str]] = mapped_column(JSONDocument, default=list)
    # Tier, credit limit and whatever else the business keeps; money as exact strings.
    attributes: Mapped[dict[str, Any]] = mapped_column(JSONDocument, default=dict)
    # Set on a duplicate merged away: always the final survivor, never a chain.
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"), index=True)
    revision: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    # Two people changing one customer at once: the second gets StaleDataError.
    __mapper_args__ = {"version_id_col": revision}


# --- errors ---------------------------------------------------------------------------------

class CustomerError(OrderError):
    """A refusal about customers; ``pointer`` names the input at fault, if one is."""

    def __init__(self, message: str, status: int = 422, pointer: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.pointer = pointer


class CustomerNotFound(CustomerError):
    def __init__(self, code: str) -> None:
        super().__init__(f"there is no customer {code!r}", 404)


class StaleCustomer(CustomerError):
    def __init__(self, customer: Customer) -> None:
        super().__init__(f"customer {customer.code} was changed by someone else; it is now at "
                         f"revision {customer.revision}. Reload it and try again.", 409)
        self.revision = customer.revision


# --- clean values ---------------------------------------------------------------------------

def clean_code(value: Any, where: str = "/code") -> str:
    code = str(value).strip() if value is not None else ""
    if not code:
        raise CustomerError("the customer code is empty", pointer=where)
    if len(code) > CODE_LENGTH:
        raise CustomerError(f"the customer code is longer than {CODE_LENGTH} characters",
                            pointer=where)
    return code


def clean_name(value: Any, where: str = "/name") -> str:
    name = str(value).strip() if value is not None else ""
    if not name:
        raise CustomerError("the name is empty", pointer=where)
    if len(name) > NAME_LENGTH:
        raise CustomerError(f"the name is longer than {NAME_LENGTH} characters", pointer=where)
    return name


def clean_email(value: Any, where: str = "/email") -> str | None:
    email = str(value).strip().lower() if value is not None else ""
    if not email:
        return None
    if len(email) > 254 or not _EMAIL.match(email):
        raise CustomerError(f"{email!r} is not an email address", pointer=where)
    return email


def clean_phone(value: Any, where: str = "/phone") -> str | None:
    raw = str(value).strip() if value is not None else ""
    if not raw:
        return None
    phone = _PHONE_SEPARATORS.sub("", raw)
    if not _PHONE.match(phone):
        raise CustomerError(f"{raw!r} is not a phone number (digits, maybe a leading +)",
                            pointer=where)
    return phone


def clean_tags(value: Any, where: str = "/tags") -> list[str]:
    if isinstance(value, str):  # from a file: "vip; wholesale" or "vip, wholesale"
        value = [t for t in re.split(r"[;,]", value)]
    if not isinstance(value, list):
        raise CustomerError("tags must be a list of words", pointer=where)
    tags: list[str] = []
    for i, tag in enumerate(value):
        word = str(tag).strip() if tag is not None else ""
        if not word:
            continue
        if len(word) > TAG_LENGTH:
            raise CustomerError(f"the tag {word[:20]!r}... is longer than {TAG_LENGTH} "
                                "characters", pointer=f"{where}/{i}")
        if word not in tags:
            tags.append(word)
    if len(tags) > MAX_TAGS:
        raise CustomerError(f"a customer may have at most {MAX_TAGS} tags", pointer=where)
    return tags


def _quiet(clean, value: Any) -> Any:
    """A value an order brought, or None when it is not usable for matching."""
    try:
        return clean(value)
    except CustomerError:
        return None


# --- finding and making customers -----------------------------------------------------------

@dataclass(frozen=True)
class Identity:
    code: str | None = None
    email: str | None = None
    phone: str | None = None

    def __bool__(self) -> bool:
        return bool(self.code or self.email or self.phone)


def find(session: Session, code: str) -> Customer:
    customer = session.scalar(select(Customer).where(Customer.code == code))
    if customer is None:
        raise CustomerNotFound(code)
    return customer


def match(session: Session, who: Identity) -> int | None:
    """The id of the customer ``who`` is: by code, else email, else phone; a merged
    duplicate answers with its survivor. One query."""
    given = {part: value for part, value in (("code", who.code), ("email", who.email),
                                             ("phone", who.phone)) if value}
    if not given:
        return None
    row = session.execute(_match_statement(tuple(given)), given).first()
    return row[0] if row else None


@functools.cache
def _match_statement(parts: tuple[str, ...]) -> Select:
    # One statement per combination of code, email and phone, built once: every order
    # with a customer runs it.
    columns = {"code": Customer.code, "email": Customer.email, "phone": Customer.phone}
    rank = {"code": 0, "email": 1, "phone": 2}
    matches = [(columns[part] == bindparam(part), rank[part]) for part in parts]
    return (select(func.coalesce(Customer.merged_into_id, Customer.id))
            .where(or_(*(condition for condition, _rank in matches)))
            .order_by(case(*matches, else_=3), Customer.merged_into_id.is_not(None),
                      Customer.id)
            .limit(1))


def _lock(session: Session, who: Identity) -> None:
    """On PostgreSQL, hold a transaction lock per identity, so two orders of one new
    customer arriving at once make one customer: the second waits, then finds the
    first's. SQLite needs none: its writers take turns already."""
    if session.get_bind().dialect.name != "postgresql":
        return
    keys = sorted(f"customer:{kind}:{value}" for kind, value in
                  (("code", who.code), ("email", who.email), ("phone", who.phone)) if value)
    if keys:  # sorted, so two transactions take shared keys in the same order
        locks = ", ".join(f"pg_advisory_xact_lock(hashtext(:k{i}))" for i in range(len(keys)))
        session.execute(text(f"SELECT {locks}"), {f"k{i}": k for i, k in enumerate(keys)})


def new_code() -> str:
    return "C-" + uuid.uuid4().hex[:10].upper()


def customer_field(blueprint: Blueprint) -> str | None:
    """The key of the order form's customer field (the first, if there are several)."""
    for item in blueprint.definition["form"]["fields"]:
        if item["type"] == "customer":
            return item["key"]
    return None


def customer_for_order(session: Session, actor: Actor, blueprint: Blueprint,
                       data: dict[str, Any]) -> int | None:
    """The id of the customer the order's customer field names, made now if new. A
    record with neither code, email nor phone names nobody for sure (a name alone is
    not enough to tell two people apart), and the order is left without a customer."""
    key = customer_field(blueprint)
    record = data.get(key) if key else None
    if not isinstance(record, dict):
        return None
    who = Identity(code=_quiet(clean_code, record.get("code")),
                   email=_quiet(clean_email, record.get("email")),
                   phone=_quiet(clean_phone, record.get("phone")))
    if not who:
        return None
    found = match(session, who)
    if found is not None:
        return found
    _lock(session, who)
    found = match(session, who)  # made by another order while this one waited
    if found is not None:
        return found
    customer = Customer(
        code=who.code or new_code(),
        name=_quiet(clean_name, record.get("name")) or who.code or who.email or who.phone,
        email=who.email, phone=who.phone,
        tags=_quiet(clean_tags, record.get("tags", [])) or [],
        attributes={k: v for k, v in record.items() if k not in _IDENTITY and v is not None},
        created_at=utcnow(), updated_at=utcnow())
    session.add(customer)
    session.flush()
    audit.record(session, actor, "customer.created", "customer", customer.code,
                 source="order", name=customer.name)
    return customer.id


def create(session: Session, actor: Actor, *, name: str, code: str | None = None,
           email: str | None = None, phone: str | None = None,
           tags: list[str] | None = None, attributes: dict[str, Any] | None = None,
           source: str = "api") -> Customer:
    """A new customer from checked values; a code taken already is a 409 at /code."""
    who = Identity(code=code, email=email, phone=phone)
    _lock(session, who)
    if code is not None and session.scalar(select(Customer.id).where(Customer.code == code)):
        raise CustomerError(f"a customer with code {code!r} exists already", 409, "/code")
    customer = Customer(code=code or new_code(), name=name, email=email, phone=phone,
                        tags=tags or [], attributes=attributes or {},
                        created_at=utcnow(), updated_at=utcnow())
    session.add(customer)
    session.flush()
    audit.record(session, actor, "customer.created", "customer", customer.code,
                 source=source, name=name)
    return customer


def change(session: Session, actor: Actor, customer: Customer, changes: dict[str, Any], *,
           expected_revision: int | None = None, source: str = "api") -> dict[str, list]:
    """Apply checked ``changes`` (name, email, phone, tags, code; ``attributes`` as a
    merge patch: a null removes a key). Answers what changed as [before, after]."""
    if expected_revision is not None and expected_revision != customer.revision:
        raise StaleCustomer(customer)
    if customer.merged_into_id is not None:
        raise CustomerError(f"customer {customer.code} was merged into another customer; "
                            "change that one", 409)
    done: dict[str, list] = {}
    for key in ("code", "name", "email", "phone", "tags"):
        if key in changes and changes[key] != getattr(customer, key):
            done[key] = [getattr(customer, key), changes[key]]
    if "code" in done and session.scalar(
            select(Customer.id).where(Customer.code == changes["code"])):
        raise CustomerError(f"a customer with code {changes['code']!r} exists already", 409,
                            "/code")
    if "attributes" in changes:
        merged = dict(customer.attributes)
        for key, value in changes["attributes"].items():
            if value is None:
                merged.pop(key, None)
            else:
                merged[key] = value
        if merged != customer.attributes:
            done["attributes"] = [customer.attributes, merged]
    if not done:
        return done
    for key, (_before, after) in done.items():
        setattr(customer, key, after)
    customer.updated_at = utcnow()
    session.flush()
    audit.record(session, actor, "customer.updated", "customer", customer.code,
                 source=source, changes=done)
    return done


def merge(session: Session, actor: Actor, survivor: Customer,
          duplicates: Iterable[Customer]) -> int:
    """Merge ``duplicates`` into ``survivor``: their orders move to it, their tags and
    the contact details and attributes it lacks are added to it, and each keeps its
    code pointing at it. Answers the number of orders moved."""
    if survivor.merged_into_id is not None:
        raise CustomerError(f"customer {survivor.code} was itself merged into another "
                            "customer; merge into that one", 409)
    dupes = list(duplicates)
    for i, dupe in enumerate(dupes):
        if dupe.id == survivor.id:
            raise CustomerError("a customer cannot be merged into itself", 422,
                                f"/duplicates/{i}")
        if dupe.merged_into_id is not None:
            raise CustomerError(f"customer {dupe.code} was merged already", 409,
                                f"/duplicates/{i}")
    if not dupes:
        raise CustomerError("name at least one duplicate to merge", 422, "/duplicates")
    ids = [d.id for d in dupes]
    moved = session.execute(
        update(Order).where(Order.customer_id.in_(ids)).values(customer_id=survivor.id)
        .execution_options(synchronize_session=False)).rowcount
    # Earlier merges into a duplicate now point at the survivor: never a chain.
    session.execute(update(Customer.__table__)
                    .where(Customer.__table__.c.merged_into_id.in_(ids))
                    .values(merged_into_id=survivor.id))
    tags = list(survivor.tags)
    attributes = dict(survivor.attributes)
    for dupe in dupes:
        tags += [t for t in dupe.tags if t not in tags]
        for key, value in dupe.attributes.items():
            attributes.setdefault(key, value)
        survivor.email = survivor.email or dupe.email
        survivor.phone = survivor.phone or dupe.phone
        dupe.merged_into_id = survivor.id
        dupe.updated_at = utcnow()
    survivor.tags = tags
    survivor.attributes = attributes
    survivor.updated_at = utcnow()
    session.flush()
    audit.record(session, actor, "customer.merged", "customer", survivor.code,
                 duplicates=[d.code for d in dupes], orders_moved=moved)
    return moved


def merge_codes(session: Session, actor: Actor, survivor: Customer,
                codes: Iterable[str]) -> int:
    """Merge the customers with these codes into ``survivor``: a code that names no
    customer refuses the whole merge (``/duplicates/<i>``). Answers the number of
    orders moved."""
    dupes = []
    for i, code in enumerate(codes):
        found = session.scalar(select(Customer).where(Customer.code == code))
        if found is None:
            raise CustomerError(f"there is no customer {code!r}", 422, f"/duplicates/{i}")
        dupes.append(found)
    return merge(session, actor, survivor, dupes)


# --- value and segment ----------------------------------------------------------------------

@dataclass(frozen=True)
class RfmRules:
    """The thresholds of the segments (docs/customers.md explains each)."""

    recent_days: int = 30
    active_days: int = 90
    lapsing_days: int = 180
    champion_orders: int = 5
    loyal_orders: int = 3
    high_value: Decimal = Decimal("10000")


RULES = RfmRules()
SEGMENTS: dict[str, str] = {
    "champions": "Bought in the last 30 days, and often (5+ orders) or for a lot (10,000+)",
    "loyal": "Buys again and again: 2+ orders in the last 30 days, or 3+ and one in 90",
    "new": "First and only order in the last 30 days",
    "promising": "Bought in the last 90 days, not yet often",
    "at_risk": "Bought often or for a lot, but not in the last 90 days",
    "hibernating": "One order, 3 to 6 months ago",
    "lost": "No order in the last 180 days",
    "prospect": "No counted order yet",
}


def order_stats(session: Session, customer_ids: list[int] | None = None,
                visible: ColumnElement[bool] | None = None):
    """Per customer: all orders, counted orders, value, first and last counted order.
    ``visible`` limits them to the orders the reader may see (their row rules), so a
    standing does not reveal how many orders, or how much, is hidden from them.

    Only orders that are sales count (orderloom/runtime/orders/categories.py): a
    cancelled or returned order stays in the customer's history but adds nothing to
    their value, frequency or recency."""
    counted = sold(session)
    query = (select(
        Order.customer_id.label("customer_id"),
        func.count(Order.id).label("all_orders"),
        func.sum(case((counted, 1), else_=0)).label("orders"),
        type_coerce(func.sum(case((counted, Order.total))), Money).label("value"),
        type_coerce(func.min(case((counted, Order.created_at))), UTCDateTime)
        .label("first_order_at"),
        type_coerce(func.max(case((counted, Order.created_at))), UTCDateTime)
        .label("last_order_at"))
        .where(Order.customer_id.is_not(None))
        .group_by(Order.customer_id))
    if customer_ids is not None:
        query = query.where(Order.customer_id.in_(customer_ids))
    if visible is not None:
        query = query.where(visible)
    return query.subquery("customer_stats")


def segment_of(stats, now: datetime, rules: RfmRules = RULES):
    """The SQL expression naming the segment from a row of ``order_stats``."""
    last, orders = stats.c.last_order_at, func.coalesce(stats.c.orders, 0)
    big = func.coalesce(stats.c.value, 0) >= rules.high_value
    recent = last >= now - timedelta(days=rules.recent_days)
    active = last >= now - timedelta(days=rules.active_days)
    lapsing = last >= now - timedelta(days=rules.lapsing_days)
    return case(
        (last.is_(None), "prospect"),
        (and_(recent, or_(orders >= rules.champion_orders, big)), "champions"),
        (and_(recent, orders == 1), "new"),
        (recent, "loyal"),
        (and_(active, or_(orders >= rules.loyal_orders, big)), "loyal"),
        (active, "promising"),
        (and_(lapsing, or_(orders >= 2, big)), "at_risk"),
        (lapsing, "hibernating"),
        else_="lost")


@dataclass(frozen=True)
class Standing:
    """What a customer is worth and how they buy, as of ``now``."""

    all_orders: int
    orders: int
    value: Decimal
    first_order_at: datetime | None
    last_order_at: datetime | None
    segment: str


NO_ORDERS = Standing(0, 0, Decimal("0.00"), None, None, "prospect")


def money_value(value: Any) -> Decimal:
    return Decimal(value or 0).quantize(Decimal("0.01"))


def standings(session: Session, customer_ids: list[int], now: datetime | None = None,
              visible: ColumnElement[bool] | None = None) -> dict[int, Standing]:
    """The standing of each customer in ``customer_ids`` (one query), of the orders
    ``visible`` lets through (all when None)."""
    if not customer_ids:
        return {}
    stats = order_stats(session, customer_ids, visible)
    rows = session.execute(select(stats, segment_of(stats, now or utcnow()).label("segment")))
    found = {row.customer_id: Standing(row.all_orders, row.orders or 0, money_value(row.value),
                                       row.first_order_at, row.last_order_at, row.segment)
             for row in rows}
    return {cid: found.get(cid, NO_ORDERS) for cid in customer_ids}


@dataclass
class CustomerFilter:
    text: str | None = None
    tag: str | None = None
    segment: str | None = None
    before_id: int | None = None
    include_merged: bool = False


def customer_page(session: Session, spec: CustomerFilter, limit: int,
                  now: datetime | None = None, visible: ColumnElement[bool] | None = None
                  ) -> tuple[list[tuple[Customer, Standing]], bool]:
    """Newest first, in keyset pages; answers the page and whether more follow. A
    segment filter joins every customer's order statistics; otherwise only the page's
    are read."""
    now = now or utcnow()
    query = select(Customer).order_by(Customer.id.desc())
    if not spec.include_merged:
        query = query.where(Customer.merged_into_id.is_(None))
    if spec.text:
        pattern = containing(spec.text)
        query = query.where(or_(*(func.lower(column).like(pattern, escape="\\") for column in
                                  (Customer.code, Customer.name, Customer.email,
                                   Customer.phone))))
    if spec.tag:
        # Tags are a JSON list of plain words; their quoted form is exact enough.
        query = query.where(cast(Customer.tags, String).like(f'%"{spec.tag}"%'))
    if spec.before_id is not None:
        query = query.where(Customer.id < spec.before_id)
    if spec.segment:
        stats = order_stats(session, visible=visible)
        query = (query.outerjoin(stats, stats.c.customer_id == Customer.id)
                 .where(segment_of(stats, now) == spec.segment))
    customers = list(session.scalars(query.limit(limit + 1)))
    page = customers[:limit]
    found = standings(session, [c.id for c in page], now, visible)
    return [(c, found[c.id]) for c in page], len(customers) > limit


def survivor_of(session: Session, customer: Customer) -> Customer | None:
    if customer.merged_into_id is None:
        return None
    return session.get(Customer, customer.merged_into_id)

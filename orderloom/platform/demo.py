"""A demo instance: the retail template, its people, and a few hundred orders placed over
the last 90 days, walked through the workflow so that every state has some.

Orders go through the same runtime as real ones (create_order, take_transition,
approvals), so the timeline, stock ledger, documents and jobs are what a real shop
would have; only the clock is moved back afterwards, so the dashboards show a history.
The data is drawn from a seeded random generator: the same seed gives the same demo.
"""
from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from orderloom.db import utcnow
from orderloom.designer.published import blueprint_for
from orderloom.designer.state_categories import Category, category_in
from orderloom.platform import accounts
from orderloom.platform.templates import import_template
from orderloom.runtime.audit import Actor
from orderloom.runtime.consolidation import settings as desk_settings
from orderloom.runtime.engine.approvals.decisions import decide
from orderloom.runtime.engine.approvals.tasks import OPEN, ApprovalTask
from orderloom.runtime.engine.lifecycle import create_order, take_transition
from orderloom.runtime.errors import OrderError
from orderloom.runtime.jobs.models import PENDING, Job
from orderloom.runtime.jobs.runner import JobRunner
from orderloom.runtime.orders.models import Order, OrderEvent
from orderloom.runtime.orders.timeline import TimelineKind
from orderloom.runtime.payments import received, refunds
from orderloom.runtime.shipping import tracking
from orderloom.runtime.shipping.carriers.base import (
    DELIVERED,
    IN_TRANSIT,
    OUT_FOR_DELIVERY,
    PICKED_UP,
    CarrierEvent,
)
from orderloom.runtime.shipping.models import TrackingEvent, parcels_carrying
from orderloom.runtime.stock import keeping as stock_keeping

TEMPLATE = "retail"
ORDER_TYPE = "retail_order"
DEMO_PASSWORD = "orderloom-demo"
# username, roles, display name
DEMO_USERS = (
    ("admin", ["admin"], "Administrator"),
    ("designer", ["designer"], "Dana Designer 设计师"),
    ("warehouse", ["staff", "warehouse"], "Wu Warehouse 仓库"),
    ("service", ["staff", "customer_service"], "Sun Service 客服"),
    ("manager", ["viewer"], "Ma Manager 经理"),
)
CHANNELS = (("tmall", 40), ("own_site", 30), ("store_pos", 15), ("manual", 15))
# Where an order ends, by how old it is: the path it takes through the retail workflow.
PATHS: dict[str, tuple[str, ...]] = {
    "review": (),  # held by the fraud rule, waiting for customer service
    "ready": (),
    "picking": ("route",),
    "packed": ("route", "pack"),
    "shipped": ("route", "pack", "ship"),
    "delivered": ("route", "pack", "ship", "deliver"),
    "completed": ("route", "pack", "ship", "deliver", "close"),
    "refund_pending": ("cancel",),
    "refunded_cancel": ("cancel", "refund"),
    "return_requested": ("route", "pack", "ship", "deliver", "request_return"),
    "return_received": ("route", "pack", "ship", "deliver", "request_return",
                        "approve_return", "receive_return"),
    "refunded_return": ("route", "pack", "ship", "deliver", "request_return",
                        "approve_return", "receive_return", "refund"),
}
RECENT = (("review", 8), ("ready", 20), ("picking", 18), ("packed", 14), ("shipped", 30),
          ("refund_pending", 4), ("delivered", 6))
OLDER = (("completed", 62), ("delivered", 10), ("shipped", 4), ("refunded_cancel", 7),
         ("return_requested", 4), ("return_received", 2), ("refunded_return", 9),
         ("refund_pending", 2))
ROLES_FOR = {"route": "warehouse", "pack": "warehouse", "ship": "warehouse",
             "deliver": "warehouse", "close": "service", "cancel": "service",
             "request_return": "service", "receive_return": "warehouse", "refund": "service"}
PROVINCES = (("Shanghai", "Shanghai"), ("Zhejiang", "Hangzhou"), ("Jiangsu", "Nanjing"),
             ("Guangdong", "Shenzhen"), ("Guangdong", "Guangzhou"), ("Fujian", "Xiamen"),
             ("Beijing", "Beijing"), ("Shandong", "Qingdao"), ("Anhui", "Hefei"),
             ("Tianjin", "Tianjin"))
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"
GIVEN = ("伟", "芳", "娜", "敏", "静", "磊", "洋", "艳", "勇", "杰", "军", "强", "婷", "涛")
OPENING_STOCK = 4000
# Paid at the door; every other method of the demo is paid online when the order is placed.
PAID_ON_DELIVERY = frozenset({"cod"})


@dataclass
class DemoReport:
    orders: int = 0
    states: Counter = field(default_factory=Counter)
    channels: Counter = field(default_factory=Counter)
    users: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    # A parcel on its way, for trying the public tracking page.
    tracking_code: str | None = None


def build_demo(sessions: sessionmaker[Session], *, orders: int = 300, seed: int = 7,
               now: datetime | None = None) -> DemoReport:
    """Fill an empty instance with the demo (commits as it goes, one order at a time)."""
    now = now or utcnow()
    rng = random.Random(seed)
    runner = JobRunner(sessions, name="orderloom demo")
    report = DemoReport()
    with sessions() as session:
        accounts.ensure_builtin_roles(session)
        import_template(session, "orderloom demo", TEMPLATE, via="demo")
        # The story's orders are placed one after the other now and dated back later:
        # merging by rule would merge orders the story places weeks apart.
        desk = desk_settings.current(session)
        desk_settings.store(session, Actor(None, "orderloom demo", "demo"),
                            replace(desk, merge_by_rule=False))
        session.flush()
        for username, roles, name in DEMO_USERS:
            accounts.create_user(session, Actor(None, "orderloom demo", "demo"), username,
                                 DEMO_PASSWORD, roles, name)
            report.users.append(username)
        _opening_stock(session)
        session.commit()
    products = _catalogue(sessions)
    customers = _customers(rng, 80)
    for index in range(orders):
        # A growing shop: a quarter of the orders came in the last week. The first few
        # take each path once, so that every desk has work whatever the seed.
        recent = dict(RECENT)
        if index < len(PATHS):
            outcome = list(PATHS)[index]
            days_ago = rng.uniform(0.05, 3.5) if outcome in recent else rng.uniform(7, 80)
        else:
            days_ago = rng.uniform(0.05, 7) if rng.random() < 0.25 else rng.uniform(7, 90)
            outcome = _pick(rng, RECENT if days_ago < 4 else OLDER)
        placed = now - timedelta(days=days_ago)
        channel = _pick(rng, CHANNELS)
        data = _order_data(rng, index, channel, customers, products)
        if outcome == "review":
            data["risk_score"] = rng.choice((65, 72, 80))  # the fraud_review rule holds it
        path = PATHS[outcome]
        # Up to the shipment, then the jobs it caused (booking the parcel with the
        # courier, notifications), then the parcel's journey as the courier reports it,
        # then what follows delivery.
        shipped = path.index("ship") + 1 if "ship" in path else len(path)
        with sessions() as session:
            try:
                order = create_order(session, _actor("service"), ORDER_TYPE, data,
                                     channel=channel)
                session.flush()
                if data["payment_method"] not in PAID_ON_DELIVERY:
                    _pay(session, order)  # the shopper paid online when placing it
                if outcome != "review":
                    _settle_review(session, order)
                for step in path[:shipped]:
                    _take(session, order, step, rng)
                session.commit()
            except OrderError as refused:
                session.rollback()
                report.skipped.append(f"order {index + 1}: {refused.message}")
                continue
            order_id = order.id
        _run_jobs(sessions, runner, order_id)
        with sessions() as session:
            order = session.get(Order, order_id)
            if "ship" in path:
                _parcel_journey(session, order, delivered="deliver" in path)
            if (data["payment_method"] in PAID_ON_DELIVERY
                    and _category(order) in (Category.FULFILLED, Category.RETURNED)):
                _pay(session, order)  # the courier collected the cash at the door
            for step in path[shipped:]:
                if step != "deliver":  # the courier's delivered event took it
                    _take(session, order, step, rng)
            if _category(order) is Category.RETURNED and refunds.refundable(order) > 0:
                refunds.issue_refund(session, _actor("service"), order,
                                     reason="returned to the shopper", source="staff")
            session.commit()
        _run_jobs(sessions, runner, order_id)
        with sessions() as session:
            order = session.get(Order, order_id)
            _backdate(session, order, placed, now, rng)
            session.commit()
            report.orders += 1
            report.states[order.state] += 1
            report.channels[channel] += 1
            if _category(order) is Category.SHIPPED:
                report.tracking_code = parcels_carrying(session, order.id)[0].public_token
    return report


def _category(order: Order) -> Category:
    return category_in(blueprint_for(order.version).definition, order.state)


def _pay(session: Session, order: Order) -> None:
    # Which orders are paid follows what their state means (a sale delivered has been
    # paid for, a returned one paid and refunded), never what a state is called.
    total = received.order_total(order)
    if total and total > 0:
        received.record_payment(session, _actor("service"), order, total,
                                method=order.data["payment_method"],
                                reference=f"DEMO-PAY-{order.number}", source="staff")
        session.flush()


def _run_jobs(sessions: sessionmaker[Session], runner: JobRunner, order_id: int) -> None:
    with sessions() as session:
        waiting = session.execute(select(Job.id).where(
            Job.order_id == order_id, Job.status == PENDING).order_by(Job.id)).scalars().all()
    for job_id in waiting:
        runner.run(job_id)


def _parcel_journey(session: Session, order: Order, delivered: bool) -> None:
    """What the carrier reports: picked up, in transit and, for orders that got
    there, out for delivery and delivered (which the template maps to ``deliver``)."""
    shipment = parcels_carrying(session, order.id)[0]
    journey = [(PICKED_UP, "Picked up at the warehouse"), (IN_TRANSIT, "At the sorting hub")]
    if delivered:
        journey += [(OUT_FOR_DELIVERY, "With the courier"),
                    (DELIVERED, "Delivered, signed by the recipient")]
    start = utcnow()
    tracking.record(session, shipment, [
        CarrierEvent(shipment.tracking_number, status, start + timedelta(seconds=n),
                     description, order.data.get("ship_to", {}).get("city", ""))
        for n, (status, description) in enumerate(journey)])
    session.flush()


def _actor(username: str) -> Actor:
    return Actor(None, username, "demo")


def _pick(rng: random.Random, weighted: tuple[tuple[str, int], ...]) -> str:
    names, weights = zip(*weighted, strict=True)
    return rng.choices(names, weights)[0]


def _opening_stock(session: Session) -> None:
    from orderloom.runtime.stock.catalog import Product, Warehouse

    for sku in session.execute(select(Product.sku)).scalars():
        for code in session.execute(select(Warehouse.code)).scalars():
            stock_keeping.receive(session, "orderloom demo", sku, code, OPENING_STOCK,
                                  reference="demo opening stock")


def _catalogue(sessions: sessionmaker[Session]) -> list[tuple[str, Decimal]]:
    from orderloom.runtime.stock.catalog import Product

    with sessions() as session:
        return [(sku, Decimal(str(price or "0")))
                for sku, price in session.execute(
                    select(Product.sku, Product.attributes["price"].as_string())
                    .order_by(Product.sku))]


def _customers(rng: random.Random, count: int) -> list[dict[str, Any]]:
    people = []
    for number in range(count):
        surname, given = rng.choice(SURNAMES), rng.choice(GIVEN) + rng.choice(("", *GIVEN))
        tier = _pick(rng, (("regular", 70), ("member", 20), ("vip", 10)))
        people.append({"code": f"D-{2001 + number}", "name": surname + given,
                       "phone": f"139{rng.randrange(10 ** 8):08d}",
                       "email": f"buyer{2001 + number}@example.com", "tier": tier})
    return people


def _order_data(rng: random.Random, index: int, channel: str,
                customers: list[dict[str, Any]], products: list[tuple[str, Decimal]]
                ) -> dict[str, Any]:
    # A few loyal customers buy often: the customer list and RFM have something to show.
    customer = customers[min(int(rng.paretovariate(1.2)) - 1, len(customers) - 1)] \
        if rng.random() < 0.6 else rng.choice(customers)
    province, city = rng.choice(PROVINCES)
    lines = []
    for sku, price in rng.sample(products, rng.choice((1, 1, 1, 2, 2, 3))):
        lines.append({"sku": sku, "qty": rng.choice((1, 1, 1, 2, 2, 3, 5)),
                      "price": str(price if price > 0 else Decimal("49.00"))})
    data: dict[str, Any] = {
        "channel_order_no": f"{channel.upper()}-{100000 + index}",
        "customer": customer,
        "payment_method": _pick(rng, (("alipay", 45), ("wechat", 35), ("card", 15),
                                      ("cod", 5))),
        "risk_score": rng.choice((5, 10, 12, 20, 30, 35)),
        "ship_to": {"country": "CN", "province": province, "city": city,
                    "street": f"{rng.randrange(1, 999)} 号 {rng.choice('东西南北中')}路"},
        "items": lines,
        "shipping_fee": rng.choice(("0.00", "0.00", "8.00", "12.00")),
    }
    if rng.random() < 0.1:
        data["is_gift"] = True
        data["gift_message"] = "生日快乐 Happy birthday"
    return data


def _settle_review(session: Session, order: Order) -> None:
    """Approve whatever the rules held for review, as customer service would."""
    for _ in range(3):
        tasks = session.execute(select(ApprovalTask).where(
            ApprovalTask.order_id == order.id, ApprovalTask.status == OPEN)).scalars().all()
        if not tasks:
            return
        decide(session, _actor("service"), tasks[0].id, True, "checked by phone",
               {"customer_service", "staff"})
        session.flush()


def _take(session: Session, order: Order, step: str, rng: random.Random) -> None:
    if step == "approve_return":
        _settle_review(session, order)
        return
    username = ROLES_FOR[step]
    roles = {"staff", "warehouse" if username == "warehouse" else "customer_service"}
    before = dict(order.data)
    if step == "ship":
        before["carrier"] = before.get("carrier") or rng.choice(("sf", "zto", "yto"))
        before["tracking_no"] = f"{before['carrier'].upper()}{rng.randrange(10 ** 11):011d}"
    elif step == "request_return":
        before["return_reason"] = rng.choice(("damaged", "wrong_item", "changed_mind"))
    elif step == "refund":
        before["refund_amount"] = before.get("total") or "0"
    if before != order.data:
        # What staff type into the order before the step (carrier and tracking number,
        # a return reason, the amount to refund).
        order.take_values(before, blueprint_for(order.version))
    take_transition(session, _actor(username), order, step, roles)
    session.flush()


def _backdate(session: Session, order: Order, placed: datetime, now: datetime,
              rng: random.Random) -> None:
    """Move the order's history back to when it was placed: each later step some hours
    after the one before, never past now."""
    events = session.execute(select(OrderEvent).where(OrderEvent.order_id == order.id)
                             .order_by(OrderEvent.id)).scalars().all()
    at = placed
    parcel: list[tuple[str, datetime]] = []  # the courier's statuses, when they happened
    for event in events:
        event.at = at
        if event.kind == TimelineKind.SHIPMENT:
            parcel.append(("label_created", at))
        elif event.kind == TimelineKind.TRACKING:
            parcel.append((event.details.get("status", ""), at))
        at = min(at + timedelta(hours=rng.uniform(0.2, 30)), now - timedelta(minutes=5))
    session.execute(update(ApprovalTask).where(ApprovalTask.order_id == order.id)
                    .values(created_at=placed))
    # Money moved when its timeline entry says, so the finance pages show the history.
    paid = [e.at for e in events if e.kind == TimelineKind.PAYMENT]
    given_back = [e.at for e in events if e.kind == TimelineKind.REFUND]
    for payment, at_time in zip(session.scalars(select(received.Payment).where(
            received.Payment.order_id == order.id).order_by(received.Payment.id)), paid,
                                strict=False):
        payment.received_at = payment.created_at = at_time
    for refund, at_time in zip(session.scalars(select(received.Refund).where(
            received.Refund.order_id == order.id).order_by(received.Refund.id)), given_back,
                               strict=False):
        refund.issued_at = at_time
    for shipment in parcels_carrying(session, order.id):
        times = dict(parcel)
        shipment.created_at = times.get("label_created", shipment.created_at)
        shipment.shipped_at = times.get(PICKED_UP, shipment.shipped_at)
        shipment.delivered_at = times.get(DELIVERED, shipment.delivered_at)
        for event in session.scalars(select(TrackingEvent).where(
                TrackingEvent.shipment_id == shipment.id)):
            event.occurred_at = event.received_at = times.get(event.status, event.occurred_at)
    order.created_at = placed
    order.updated_at = at

"""The demo shop: the retail template with a history of orders in every state."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from orderloom.db import utcnow
from orderloom.designer.published import blueprint_for
from orderloom.designer.state_categories import category_in
from orderloom.platform.demo import DEMO_PASSWORD, DEMO_USERS, TEMPLATE, build_demo
from orderloom.platform.templates import load
from orderloom.runtime.jobs.models import Job
from orderloom.runtime.orders.models import Order, OrderEvent
from orderloom.runtime.payments.received import Payment
from orderloom.runtime.shipping.models import Shipment
from orderloom.runtime.stock import keeping as stock_keeping
from orderloom.runtime.stock.models import StockLevel
from tests.conftest import csrf_from


def test_the_demo_has_orders_in_many_states_over_ninety_days(app, db):
    sessions = app.extensions["orderloom.db"].sessions
    report = build_demo(sessions, orders=80, seed=3)
    assert report.skipped == []
    assert report.orders == 80
    db.rollback()
    states = dict(db.execute(select(Order.state, func.count()).group_by(Order.state)).all())
    assert sum(states.values()) == 80
    # Staff find work at every desk, and managers a history.
    for state in ("review", "ready", "picking", "packed", "shipped", "delivered",
                  "completed", "refunded"):
        assert states.get(state, 0) > 0, (state, states)
    channels = set(db.execute(select(Order.channel).distinct()).scalars())
    assert channels == {"tmall", "own_site", "store_pos", "manual"}
    oldest, newest = db.execute(select(func.min(Order.created_at),
                                       func.max(Order.created_at))).one()
    now = utcnow()
    assert now - timedelta(days=91) < oldest.replace(tzinfo=now.tzinfo) < \
        now - timedelta(days=60)
    assert newest.replace(tzinfo=now.tzinfo) > now - timedelta(days=7)
    # Every step of an order's timeline comes after the one before, and after the order.
    times = db.execute(select(OrderEvent.order_id, OrderEvent.at)
                       .order_by(OrderEvent.order_id, OrderEvent.id)).all()
    created = dict(db.execute(select(Order.id, Order.created_at)).all())
    previous: dict[int, object] = {}
    for order_id, at in times:
        assert at >= previous.get(order_id, created[order_id])
        previous[order_id] = at
    # The stock ledger agrees with the levels, and nothing went negative.
    assert stock_keeping.verify(db) == []
    assert db.scalar(select(func.min(StockLevel.on_hand))) >= 0
    assert db.scalar(select(func.sum(Order.total))) > 0
    # Every order that left the warehouse has a parcel, and those that arrived were
    # delivered by the courier's event, after they were shipped.
    left = db.scalar(select(func.count()).select_from(Order).where(Order.state.in_(
        ("shipped", "delivered", "completed", "return_requested", "return_approved",
         "return_received"))))
    parcels = db.execute(select(Shipment.status, Shipment.shipped_at,
                                Shipment.delivered_at)).all()
    assert len(parcels) >= left > 0
    assert {status for status, _, _ in parcels} == {"in_transit", "delivered"}
    assert all(delivered is None or delivered >= shipped
               for _, shipped, delivered in parcels)
    delivered_by_courier = db.scalar(select(func.count()).select_from(OrderEvent).where(
        OrderEvent.actor_name == "system", OrderEvent.transition == "deliver"))
    assert delivered_by_courier == sum(1 for s, _, _ in parcels if s == "delivered")
    assert report.tracking_code is not None
    # Nothing was left waiting in the outbox.
    assert db.scalar(select(func.count()).select_from(Job).where(Job.status != "done")) == 0


def test_demo_orders_are_paid_where_their_state_means_a_sale_made(app, db):
    # Once all the demo's orders were unpaid, delivered and completed ones too.
    build_demo(app.extensions["orderloom.db"].sessions, orders=60, seed=5)
    db.rollback()
    statuses: dict[str, set[str]] = {}
    for order in db.scalars(select(Order)):
        category = category_in(blueprint_for(order.version).definition, order.state)
        cash = order.data["payment_method"] == "cod"
        statuses.setdefault(f"{category}{' cod' if cash else ''}", set()).add(
            order.payment_status)
    assert statuses["fulfilled"] == {"paid"}
    assert statuses["returned"] == {"refunded"}
    assert statuses["open"] == {"paid"}  # paid online when placed
    assert statuses.get("shipped cod", {"unpaid"}) == {"unpaid"}  # paid at the door
    assert statuses.get("fulfilled cod", {"paid"}) == {"paid"}
    # The money arrived when the timeline says, inside the demo's ninety days.
    first = db.scalar(select(func.min(Payment.received_at)))
    assert first.replace(tzinfo=utcnow().tzinfo) < utcnow() - timedelta(days=30)


def test_the_demo_people_can_log_in_and_see_what_their_roles_allow(app, client):
    build_demo(app.extensions["orderloom.db"].sessions, orders=5)
    prefix = load(TEMPLATE)["order_types"][0]["number_prefix"]
    for username, _, _ in DEMO_USERS:
        token = csrf_from(client.get("/login").get_data(as_text=True))
        response = client.post("/login", data={"csrf_token": token, "username": username,
                                               "password": DEMO_PASSWORD})
        assert response.status_code == 302, (username, response.get_data(as_text=True))
        orders = client.get("/orders")  # every demo role may read orders
        assert orders.status_code == 200, username
        assert prefix in orders.get_data(as_text=True), username
        token = csrf_from(client.get("/").get_data(as_text=True))
        assert client.post("/logout", data={"csrf_token": token}).status_code == 302

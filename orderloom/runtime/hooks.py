"""Hooks: how a domain tells the others that something happened to an order, a
payment, stock or a shipment, without importing them.

The domain where the change happens calls the hook (``hooks.ORDER_CREATED(session,
order)``); each domain that reacts subscribes a function in its own module
(``@hooks.ORDER_CREATED.subscribe``). Outbound webhooks, channel stock sync and the
engine's automatic moves after a payment are subscribers, so stock keeping does not
import webhooks and payments do not import the engine: the arrows between domains
point one way (docs/architecture.md), as Saleor's plugin manager fans out
``manager.order_created(order)``.

Subscribers run in the caller's transaction, in the order they subscribed, with the
caller's session; they add what they cause (outbox jobs, webhook deliveries, moves)
and never commit, so a change and its consequences are stored together or not at
all. A subscriber that raises stops the change, as a direct call did.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from orderloom import runtime

Subscriber = Callable[..., None]


class Hook:
    """One kind of happening, and the functions that react to it."""

    def __init__(self, name: str, signature: str) -> None:
        self.name = name
        self.signature = signature  # what subscribers are called with, for readers
        self.subscribers: list[Subscriber] = []

    def subscribe(self, subscriber: Subscriber) -> Subscriber:
        if subscriber not in self.subscribers:
            self.subscribers.append(subscriber)
        return subscriber

    def __call__(self, session: Any, *args: Any, **kwargs: Any) -> None:
        # A subscriber subscribes when its module is imported; a process that has not
        # imported every domain yet (a worker just started, a command) loads them now,
        # so no reaction is ever skipped for want of an import.
        runtime.load_domains()
        for subscriber in list(self.subscribers):
            subscriber(session, *args, **kwargs)

    def __repr__(self) -> str:
        return f"<hook {self.name}({self.signature})>"


# A new order is stored with the first entry of its timeline but not yet announced:
# a subscriber may still change it (promotions add gifts and discounts), so that
# ORDER_CREATED's subscribers (webhooks, the ERP) see the order as it stands.
ORDER_ARRIVED = Hook("order arrived", "session, order")
ORDER_CREATED = Hook("order created", "session, order")
ORDER_STATE_CHANGED = Hook("order state changed",
                           "session, order, from_state, *, transition, actor_name")
# The order's lines were just reserved by its workflow (reserve_stock), in the
# warehouse(s) routing chose: promotions move its gift there, so it ships with them.
ORDER_STOCK_RESERVED = Hook("order stock reserved", "session, order")
PAYMENT_RECEIVED = Hook("payment received", "session, order, payment")
REFUND_ISSUED = Hook("refund issued", "session, order, refund")
# The order's payment status moved (unpaid -> paid, paid -> refunded, ...) outside a
# change the engine is carrying out; ``before`` is the status it had.
PAYMENT_STATUS_CHANGED = Hook("payment status changed", "session, order, before, now")
# One SKU's availability in one warehouse changed by ``available_change`` units.
STOCK_CHANGED = Hook("stock changed",
                     "session, product_id, warehouse_id, available_change")
SHIPMENT_UPDATED = Hook("shipment updated", "session, shipment, order, previous_status")
# The order's workflow is about to reserve stock for it (a reserve_stock action):
# whatever held stock for the order before it (an exchange, runtime/after_sales/)
# hands it over, so the order never holds its lines twice.
STOCK_ABOUT_TO_BE_RESERVED = Hook("stock about to be reserved", "session, order, actor_name")
# The order's workflow gave its stock back (a release_stock action: cancelled, or
# cancelled on its way to a refund): a domain that holds other units for the order
# (pre-sale's expected receipts) gives them back too, whatever the state is called.
ORDER_STOCK_RELEASED = Hook("order stock released", "session, order, *, actor_name")
# A return of the order took a step (requested, approved, ..., closed): ``found`` is the
# return (runtime/after_sales/models.py), ``step`` the step's name.
RETURN_STEP = Hook("return step", "session, found, order, step")


# Editing a placed order (runtime/order_edits). ORDER_EDIT_STARTING is called before
# anything of the edit is written, with the keys of the fields the edit changes; a
# domain whose work on the order's goods has begun (the floor, once picking started)
# refuses by raising an OrderError. ORDER_LINES_EDITED is called once the edited lines
# are stored and before the held stock follows them; ``before`` is the line-items
# fields as they were. No domain subscribes yet. A subscriber may change the order's
# entered lines (a promotion adding a gift line); it leaves computed values alone: the
# edit works them out again, and the reservation moves to what the lines are, once
# every subscriber has run. Rules do not run again on what a subscriber changed.
ORDER_EDIT_STARTING = Hook("order edit starting", "session, order, fields")
ORDER_LINES_EDITED = Hook("order lines edited", "session, order, before, *, actor_name")

# Orders are about to be merged into one parcel, or a merge of them undone
# (runtime/consolidation/); a subscriber that finds a reason against it (the warehouse
# floor: picking has begun) raises, and nothing is changed.
ORDERS_MERGING = Hook("orders merging", "session, orders")
MERGE_UNDOING = Hook("merge undoing", "session, orders")
# The workflow's create_shipment action is about to book the order's parcel; a
# subscriber that knows the order travels in a parcel booked otherwise (its merge's,
# its split parts') appends why to ``elsewhere``, and the action books none.
PARCEL_WANTED = Hook("parcel wanted", "session, order, elsewhere")
# A parcel of the order is about to be booked (tracking.book); a subscriber that finds
# a reason against it (the order rides in another order's merged parcel) raises.
PARCEL_BOOKING = Hook("parcel booking", "session, order")
# The workflow is about to reserve the order's stock; a subscriber that knows units of
# it are reserved otherwise (a split order's held pre-sale lines, against expected
# receipts; units its parts hold already) adds them to ``kept`` (SKU -> units), and the
# reservation leaves them alone.
STOCK_KEPT_BACK = Hook("stock kept back", "session, order, kept")
# Which orders a parcel carries: its own order is in ``orders`` already; a subscriber
# that knows of others riding in it (the orders of a merge) appends them, so carrier
# news reaches each of them (tracking.record).
PARCEL_CARRIES = Hook("parcel carries", "session, shipment, orders")
# Which parcels carry an order, the other way round: its own are found by their order;
# a subscriber that knows the order rides in a parcel booked under another order (a
# merge's) appends that parcel's id to ``shipment_ids`` (shipping.models.parcels_carrying).
PARCELS_CARRYING = Hook("parcels carrying", "session, order_id, shipment_ids")
# The same of every order at once, for set queries (reports, reconciliation, the floor's
# waybill scan): a subscriber that knows of orders riding in parcels booked under
# another order appends a SELECT of (order_id, shipment_id) pairs to ``pairs``, leaving
# out the order each parcel is booked under (shipping.models.parcel_riders).
PARCEL_RIDERS = Hook("parcel riders", "session, pairs")
# An order is to be split (consolidation.splitting.split): a subscriber that cuts it by a
# basis of its own, beside the warehouse, stock, parcel and hand splitting knows, adds
# that basis to ``bases`` with what splits the order by it (a function of the actor);
# pre-sale's "pre_sale" holds the waiting pre-sale lines apart.
SPLIT_BASES = Hook("split bases", "session, order, bases")

ALL = (ORDER_ARRIVED, ORDER_CREATED, ORDER_STATE_CHANGED, ORDER_STOCK_RESERVED, PAYMENT_RECEIVED,
       REFUND_ISSUED, PAYMENT_STATUS_CHANGED, STOCK_CHANGED, SHIPMENT_UPDATED,
       ORDER_EDIT_STARTING, ORDER_LINES_EDITED, STOCK_ABOUT_TO_BE_RESERVED, ORDER_STOCK_RELEASED,
       RETURN_STEP,
       ORDERS_MERGING, MERGE_UNDOING, PARCEL_WANTED, PARCEL_BOOKING, PARCEL_CARRIES,
       PARCELS_CARRYING, PARCEL_RIDERS, STOCK_KEPT_BACK, SPLIT_BASES)

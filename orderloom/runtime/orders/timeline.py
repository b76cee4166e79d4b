"""The order timeline: every kind of entry, and one function that records each.

This module is the only place that writes ``OrderEvent`` rows, so what an entry of
a kind holds is decided here once, and the order page has one sentence to write
for each member of ``TimelineKind``. The kinds' values are the strings stored in
``order_events.kind``: rows written before the enum existed read the same.

Every function adds the entry to the caller's session and returns it; none
commits. ``at`` defaults to the present.
"""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from orderloom.db import utcnow
from orderloom.runtime.audit import SYSTEM
from orderloom.runtime.orders.models import Order, OrderEvent


class TimelineKind(StrEnum):
    """What a timeline entry says happened to the order."""

    CREATED = "created"  # the order arrived, by hand, API, import or channel
    TRANSITION = "transition"  # a person took a transition
    EDITED = "edited"  # a person changed the order's entered values
    VERSION_MOVED = "version_moved"  # moved to a newer version of its order type
    APPROVAL = "approval"  # requested, decided, given automatically, escalated, reminded
    APPROVAL_REQUIRED = "approval_required"  # a rule asked for an approval
    AUTOMATIC = "automatic"  # an automatic or timed move of the workflow
    AUTOMATIC_BLOCKED = "automatic_blocked"  # an automatic move could not be made
    AUTOMATIC_STOPPED = "automatic_stopped"  # too many automatic moves in a row
    STOCK_RELEASED = "stock_released"  # a finished order's held stock went back
    SLA_BREACHED = "sla_breached"  # the order waited in a state longer than promised
    COMMENT = "comment"  # a staff comment
    JOB = "job"  # a background job for the order finished or failed
    DOCUMENT = "document"  # a fulfilment document is ready (or why it is not)
    SHIPMENT = "shipment"  # a parcel was booked
    TRACKING = "tracking"  # the carrier reported news of a parcel
    CARRIER_CHOSEN = "carrier_chosen"  # rate shopping chose a parcel's carrier by its quote
    PAYMENT = "payment"  # money was received
    REFUND = "refund"  # money was given back
    HELD = "held"  # held where it is for staff, with the reason (engine/holds.py)
    # raised, assigned or resolved in the exception queue (runtime/exception_queue/)
    EXCEPTION = "exception"
    PRICE_BELOW_LIST = "price_below_list"  # lines priced below their list price (prices/)
    SCAN = "scan"  # the order was picked in full, short or packed on the warehouse floor
    # What an edit of a placed order changed per line, in held stock and in money owed
    # (runtime/order_edits)
    EDIT_DIFFERENCE = "edit_difference"
    # a step of a return of the order, or the return an exchange order was made for
    # (runtime/after_sales/)
    AFTER_SALES = "after_sales"
    # a promotion gave a gift, could not for want of its stock, or a discount (promotions/)
    PROMOTION = "promotion"
    PRE_SALE = "pre_sale"  # pre-sale lines wait for their release date, or were released
    # merged with other orders into one parcel, or that merge undone (consolidation/)
    MERGED = "merged"
    MERGE_UNDONE = "merge_undone"
    SPLIT = "split"  # cut into parts that ship apart (consolidation/)


def _add(session: Session, order_id: int, actor_name: str, kind: TimelineKind,
         details: dict[str, Any], at: datetime | None, *, transition: str | None = None,
         from_state: str | None = None, to_state: str | None = None) -> OrderEvent:
    entry = OrderEvent(order_id=order_id, actor_name=actor_name, kind=kind.value,
                       transition=transition, from_state=from_state, to_state=to_state,
                       details=details, at=at or utcnow())
    session.add(entry)
    return entry


# --- the lifecycle -----------------------------------------------------------------------------

def order_created_event(session: Session, order: Order, actor_name: str, *,
                        details: dict[str, Any], at: datetime | None = None) -> OrderEvent:
    """``details``: the version, the rules and decision tables run, actions and stock."""
    return _add(session, order.id, actor_name, TimelineKind.CREATED, details, at,
                to_state=order.state)


def transition_event(session: Session, order: Order, actor_name: str, *, transition: str,
                     from_state: str, to_state: str, details: dict[str, Any],
                     at: datetime | None = None) -> OrderEvent:
    return _add(session, order.id, actor_name, TimelineKind.TRANSITION, details, at,
                transition=transition, from_state=from_state, to_state=to_state)


def price_below_list_event(session: Session, order: Order, actor_name: str, *,
                           lines: list[dict[str, Any]], at: datetime | None = None
                           ) -> OrderEvent:
    """``lines``: each line priced below the price that applies, with its SKU, price,
    list price and the list it comes from (prices/order_lines.py BelowList)."""
    return _add(session, order.id, actor_name, TimelineKind.PRICE_BELOW_LIST,
                {"lines": lines, "currency": order.currency}, at, from_state=order.state)


# --- promotions and pre-sale (runtime/promotions/) ----------------------------------------

def gift_given_event(session: Session, order: Order, *, rule: str, name: str, sku: str,
                     quantity: int, warehouse: str, at: datetime | None = None) -> OrderEvent:
    """A promotion rule gave the order ``quantity`` x ``sku``, reserved in ``warehouse``."""
    return _add(session, order.id, SYSTEM.name, TimelineKind.PROMOTION,
                {"step": "gift", "rule": rule, "name": name, "sku": sku,
                 "quantity": quantity, "warehouse": warehouse}, at, from_state=order.state)


def gift_moved_event(session: Session, order: Order, *, rule: str, name: str, sku: str,
                     quantity: int, warehouse: str, at: datetime | None = None) -> OrderEvent:
    """The gift moved to ``warehouse``, where the order's lines were reserved, so it
    ships with them."""
    return _add(session, order.id, SYSTEM.name, TimelineKind.PROMOTION,
                {"step": "gift_moved", "rule": rule, "name": name, "sku": sku,
                 "quantity": quantity, "warehouse": warehouse}, at, from_state=order.state)


def gift_out_of_stock_event(session: Session, order: Order, *, rule: str, name: str,
                            sku: str, quantity: int, at: datetime | None = None
                            ) -> OrderEvent:
    """The order qualified for a gift no warehouse had ``quantity`` of any more."""
    return _add(session, order.id, SYSTEM.name, TimelineKind.PROMOTION,
                {"step": "gift_out_of_stock", "rule": rule, "name": name, "sku": sku,
                 "quantity": quantity}, at, from_state=order.state)


def discount_given_event(session: Session, order: Order, *, rule: str, name: str,
                         amount: str, total_before: str | None, total: str | None,
                         at: datetime | None = None) -> OrderEvent:
    """A promotion rule took ``amount`` off the order's total."""
    return _add(session, order.id, SYSTEM.name, TimelineKind.PROMOTION,
                {"step": "discount", "rule": rule, "name": name, "amount": amount,
                 "total_before": total_before, "total": total, "currency": order.currency},
                at, from_state=order.state)


def gift_taken_back_event(session: Session, order: Order, *, rule: str, name: str, sku: str,
                          quantity: int, warehouse: str, at: datetime | None = None
                          ) -> OrderEvent:
    """After an edit the order no longer qualifies for the gift: its units held in
    ``warehouse`` went back on the shelf."""
    return _add(session, order.id, SYSTEM.name, TimelineKind.PROMOTION,
                {"step": "gift_taken_back", "rule": rule, "name": name, "sku": sku,
                 "quantity": quantity, "warehouse": warehouse}, at, from_state=order.state)


def discount_changed_event(session: Session, order: Order, *, rule: str, name: str,
                           amount: str, total_before: str | None, total: str | None,
                           at: datetime | None = None) -> OrderEvent:
    """After an edit a promotion's discount was worked out again: ``amount`` now (0:
    the order no longer qualifies), the total before the edit and now."""
    return _add(session, order.id, SYSTEM.name, TimelineKind.PROMOTION,
                {"step": "discount_changed", "rule": rule, "name": name, "amount": amount,
                 "total_before": total_before, "total": total, "currency": order.currency},
                at, from_state=order.state)


def discount_not_given_event(session: Session, order: Order, *, rule: str, name: str,
                             amount: str, at: datetime | None = None) -> OrderEvent:
    """The order qualified for a discount its form has no discount field to carry."""
    return _add(session, order.id, SYSTEM.name, TimelineKind.PROMOTION,
                {"step": "discount_no_field", "rule": rule, "name": name, "amount": amount,
                 "currency": order.currency}, at, from_state=order.state)


def pre_sale_held_event(session: Session, order: Order, *, lines: list[dict[str, Any]],
                        release_on: str, at: datetime | None = None,
                        part: int | None = None, actor_name: str = SYSTEM.name
                        ) -> OrderEvent:
    """Pre-sale ``lines`` (SKU, quantity, the expected receipt reserved against or
    none) hold the order until ``release_on`` (YYYY-MM-DD, the instance's day); with
    ``part``, only that held part of it waits and the rest ships."""
    return _add(session, order.id, actor_name, TimelineKind.PRE_SALE,
                {"step": "held", "lines": lines, "release_on": release_on,
                 **({"part": part} if part is not None else {})}, at,
                from_state=order.state)


def pre_sale_released_event(session: Session, order: Order, *, release_on: str,
                            at: datetime | None = None, part: int | None = None,
                            warehouse: str | None = None) -> OrderEvent:
    """The release date came: the order's pre-sale lines no longer hold it; with
    ``part``, that held part was released and routed to ``warehouse`` (None: no
    warehouse has its stock yet, it waits back-ordered)."""
    return _add(session, order.id, SYSTEM.name, TimelineKind.PRE_SALE,
                {"step": "released", "release_on": release_on,
                 **({"part": part, "warehouse": warehouse} if part is not None else {})},
                at, from_state=order.state)


def has_event(session: Session, order: Order, kind: TimelineKind) -> bool:
    """Whether the order's timeline has an entry of ``kind``."""
    return session.scalar(select(OrderEvent.id).where(OrderEvent.order_id == order.id,
                                                      OrderEvent.kind == kind)
                          .limit(1)) is not None


def held_event(session: Session, order: Order, actor_name: str, *,
               details: dict[str, Any], at: datetime | None = None) -> OrderEvent:
    """``details`` lists the hold among its ``actions``, as a transition's entry does."""
    return _add(session, order.id, actor_name, TimelineKind.HELD, details, at,
                from_state=order.state)


def order_edited_event(session: Session, order: Order, actor_name: str, *,
                       changes: dict[str, list[Any]], at: datetime | None = None,
                       details: dict[str, Any] | None = None, holds: bool = False
                       ) -> OrderEvent:
    """``changes``: each changed field as [before, after]; ``details``: the rules and
    decision tables the edit made act, their actions and stock. ``holds``: a ``hold``
    action ran, so the entry names the state like a move does (a hold is read from
    the latest entry that names one, actions/hold.py)."""
    state = order.state if holds else None
    return _add(session, order.id, actor_name, TimelineKind.EDITED,
                {"changes": changes, **(details or {})}, at, from_state=state, to_state=state)


def version_moved_event(session: Session, order: Order, actor_name: str, *,
                        from_version: int, to_version: int, at: datetime | None = None
                        ) -> OrderEvent:
    return _add(session, order.id, actor_name, TimelineKind.VERSION_MOVED,
                {"from_version": from_version, "to_version": to_version}, at)


# --- approvals and automatic moves -------------------------------------------------------------
# approval_event and automatic_move_event share one signature: entering.move is handed
# either one to record the move it makes.

def approval_event(session: Session, order: Order, actor_name: str, *,
                   details: dict[str, Any], at: datetime | None = None,
                   transition: str | None = None, from_state: str | None = None,
                   to_state: str | None = None) -> OrderEvent:
    """``details["approval"]`` names the approval; ``outcome`` is requested, approved,
    rejected, escalated or reminded (none while other approvers still decide). The
    states are set when the outcome moved the order."""
    return _add(session, order.id, actor_name, TimelineKind.APPROVAL, details, at,
                transition=transition, from_state=from_state, to_state=to_state)


def automatic_move_event(session: Session, order: Order, actor_name: str, *,
                         details: dict[str, Any], at: datetime | None = None,
                         transition: str | None = None, from_state: str | None = None,
                         to_state: str | None = None) -> OrderEvent:
    """``details``: ``after_hours`` or ``when`` (why it moved), actions and stock."""
    return _add(session, order.id, actor_name, TimelineKind.AUTOMATIC, details, at,
                transition=transition, from_state=from_state, to_state=to_state)


def approval_required_event(session: Session, order: Order, *, approval: str,
                            at: datetime | None = None) -> OrderEvent:
    return _add(session, order.id, SYSTEM.name, TimelineKind.APPROVAL_REQUIRED,
                {"approval": approval}, at)


def approval_required_again_event(session: Session, order: Order, actor_name: str, *,
                                  details: dict[str, Any], at: datetime | None = None,
                                  transition: str | None = None,
                                  from_state: str | None = None,
                                  to_state: str | None = None) -> OrderEvent:
    """An edit made a rule ask for ``details["approval"]`` of a state the order had
    passed: it went back there (the signature of a move entry, see entering.move)."""
    return _add(session, order.id, actor_name, TimelineKind.APPROVAL_REQUIRED, details, at,
                transition=transition, from_state=from_state, to_state=to_state)


def automatic_move_blocked_event(session: Session, order: Order, *, transition: str,
                                 reason: str, at: datetime | None = None,
                                 code: str | None = None,
                                 values: dict[str, Any] | None = None) -> OrderEvent:
    """``reason`` is the refusal's English; its ``code`` and ``values``, when it has
    them, let a page say it in its reader's language."""
    details: dict[str, Any] = {"reason": reason}
    if code:
        details["code"] = code
        details["values"] = {k: v for k, v in (values or {}).items()
                             if v is None or isinstance(v, str | int | float | bool | dict)}
    return _add(session, order.id, SYSTEM.name, TimelineKind.AUTOMATIC_BLOCKED,
                details, at, transition=transition)


def automatic_moves_stopped_event(session: Session, order: Order, *, moves: int, reason: str,
                                  at: datetime | None = None) -> OrderEvent:
    return _add(session, order.id, SYSTEM.name, TimelineKind.AUTOMATIC_STOPPED,
                {"moves": moves, "reason": reason}, at)


def stock_released_event(session: Session, order: Order, *, units: int, state: str,
                         at: datetime | None = None) -> OrderEvent:
    return _add(session, order.id, SYSTEM.name, TimelineKind.STOCK_RELEASED,
                {"units": units, "state": state}, at)


def sla_breached_event(session: Session, order: Order, *, state: str, sla_hours: float,
                       notified_roles: list[str], notified_permission: str | None = None,
                       at: datetime | None = None,
                       time_counts: str | None = None) -> OrderEvent:
    """``notified_permission``: told instead of roles, everyone whose roles grant it.
    ``time_counts``: how the SLA counted (business hours or days), kept only when it
    was not every hour, so the sentence says "4 business hours" where it did."""
    details: dict[str, Any] = {"state": state, "sla_hours": sla_hours,
                               "notified_roles": notified_roles}
    if notified_permission is not None:
        details["notified_permission"] = notified_permission
    if time_counts not in (None, "all_hours"):
        details["time_counts"] = time_counts
    return _add(session, order.id, SYSTEM.name, TimelineKind.SLA_BREACHED, details, at)


# --- people and background work ----------------------------------------------------------------

def comment_event(session: Session, order: Order, actor_name: str, *, comment: int, body: str,
                  mentions: list[str], at: datetime | None = None) -> OrderEvent:
    """``mentions``: the users the comment notified."""
    return _add(session, order.id, actor_name, TimelineKind.COMMENT,
                {"comment": comment, "body": body, "mentions": mentions}, at)


def job_event(session: Session, order_id: int, *, job: int, job_kind: str, status: str,
              attempts: int, error: str | None = None, at: datetime | None = None,
              result: str | None = None, code: str | None = None,
              values: dict[str, Any] | None = None) -> OrderEvent:
    """``result`` is the job's own line about what it did ("written back to Shopify:
    fulfilment 1234"). ``code`` and ``values``: the refusal that failed it, when it
    has them, for a page to say the ``error`` in its reader's language."""
    details: dict[str, Any] = {"job": job, "job_kind": job_kind, "status": status,
                               "attempts": attempts}
    if error:
        details["error"] = error
    if error and code:
        details["code"], details["values"] = code, values or {}
    if result:
        details["result"] = result
    return _add(session, order_id, SYSTEM.name, TimelineKind.JOB, details, at)


def document_event(session: Session, order: Order, actor_name: str, *,
                   details: dict[str, Any], at: datetime | None = None) -> OrderEvent:
    """``details``: the ``document`` kind, its ``link``, whether it is ``ready``, and
    the ``template`` used or the ``error`` that stops it."""
    return _add(session, order.id, actor_name, TimelineKind.DOCUMENT, details, at)


# --- shipping and money ------------------------------------------------------------------------

def shipment_event(session: Session, order: Order, actor_name: str, *, shipment: int,
                   carrier: str, tracking_number: str, at: datetime | None = None
                   ) -> OrderEvent:
    return _add(session, order.id, actor_name, TimelineKind.SHIPMENT,
                {"shipment": shipment, "carrier": carrier, "tracking_number": tracking_number},
                at)


def carrier_chosen_event(session: Session, order: Order, actor_name: str, *, mode: str,
                         carrier: str, quotes: list[dict[str, Any]],
                         missing: dict[str, str], at: datetime | None = None) -> OrderEvent:
    """The carrier chosen for a parcel as the cheapest or fastest (``mode``), with every
    quote compared ({carrier, price, days, service}) and why a carrier gave none."""
    return _add(session, order.id, actor_name, TimelineKind.CARRIER_CHOSEN,
                {"mode": mode, "carrier": carrier, "quotes": quotes, "missing": missing}, at)


def tracking_event(session: Session, order: Order, *, carrier: str, details: dict[str, Any],
                   at: datetime | None = None) -> OrderEvent:
    """The carrier's news of a parcel, by the carrier. What the news then caused is
    added with ``tracking_outcome`` in the same transaction."""
    return _add(session, order.id, f"carrier:{carrier}", TimelineKind.TRACKING,
                dict(details), at)


def tracking_outcome(entry: OrderEvent, details: dict[str, Any]) -> None:
    """Note on a tracking entry, before its transaction ends, the transition the news
    took (``details["transition"]``) or why it was not taken. The entry is written
    first so that it stands before the transition's own entry on the timeline."""
    # A new dict: the entry may be flushed already, and JSON is not watched for
    # changes in place.
    entry.details = dict(details)
    entry.transition = details.get("transition")


def payment_event(session: Session, order: Order, actor_name: str, *, amount: str,
                  currency: str, method: str, reference: str, payment_status: list[str | None],
                  at: datetime | None = None) -> OrderEvent:
    """``payment_status``: the order's payment status before and after."""
    return _add(session, order.id, actor_name, TimelineKind.PAYMENT,
                {"amount": amount, "currency": currency, "method": method,
                 "reference": reference, "payment_status": payment_status}, at)


def refund_event(session: Session, order: Order, actor_name: str, *, amount: str,
                 currency: str, reason: str, source: str, payment_status: list[str | None],
                 at: datetime | None = None) -> OrderEvent:
    """``payment_status``: the order's payment status before and after."""
    return _add(session, order.id, actor_name, TimelineKind.REFUND,
                {"amount": amount, "currency": currency, "reason": reason, "source": source,
                 "payment_status": payment_status}, at)


def exception_event(session: Session, order: Order, actor_name: str, *,
                    details: dict[str, Any], at: datetime | None = None) -> OrderEvent:
    """``details``: the exception's id, its ``reason`` and ``label`` ({"en", "zh"}),
    the ``step`` (raised, assigned, resolved) and what the step says: the ``message``
    found, the ``assignee``, the ``resolution`` and a ``note``."""
    return _add(session, order.id, actor_name, TimelineKind.EXCEPTION, details, at,
                from_state=order.state)
# --- the warehouse floor -----------------------------------------------------------------------

def scan_event(session: Session, order: Order, actor_name: str, *, wave: str, step: str,
               outcome: str, values: dict[str, Any], at: datetime | None = None
               ) -> OrderEvent:
    """The order was picked in full, reported short or packed in ``wave`` (``outcome``:
    picked, short, packed), with what the floor said (``values``: the SKU missing, the
    move that shipped it or why none did). Single scans stay on the wave's log."""
    return _add(session, order.id, actor_name, TimelineKind.SCAN,
                {"wave": wave, "step": step, "outcome": outcome, "values": values}, at)


def edit_difference_event(session: Session, order: Order, actor_name: str, *,
                          lines: list[dict[str, Any]], stock: list[dict[str, Any]],
                          total: list[str | None], to_collect: str,
                          at: datetime | None = None) -> OrderEvent:
    """An edit of a placed order (runtime/order_edits): ``lines``: each changed line with
    its values before and after; ``stock``: each SKU's held units moved, per warehouse;
    ``total``: [before, after]; ``to_collect``: what the customer owes now (negative:
    what is to be given back)."""
    return _add(session, order.id, actor_name, TimelineKind.EDIT_DIFFERENCE,
                {"lines": lines, "stock": stock, "total": total, "to_collect": to_collect,
                 "currency": order.currency}, at)


# --- returns and exchanges ---------------------------------------------------------------------

def after_sales_event(session: Session, order: Order, actor_name: str, *,
                      details: dict[str, Any], at: datetime | None = None) -> OrderEvent:
    """``details``: the ``return``'s number, the ``step`` (requested, approved, refused,
    received, inspected, closed, replacement_for), the return's ``state`` after it and
    what the step says (lines, note, outcome, amount, the ``replacement`` order)."""
    return _add(session, order.id, actor_name, TimelineKind.AFTER_SALES, details, at)
# --- merging and splitting ---------------------------------------------------------------------

def merged_event(session: Session, order: Order, actor_name: str, *, merge: int,
                 orders: list[str], warehouse: str | None, by: str,
                 moved: list[dict[str, Any]], at: datetime | None = None) -> OrderEvent:
    """The order joined merge ``merge`` with ``orders`` (every number in it), to ship
    from ``warehouse``; ``by`` is staff or rule; ``moved``: this order's stock the
    merge moved to that warehouse ({sku, from, quantity})."""
    return _add(session, order.id, actor_name, TimelineKind.MERGED,
                {"merge": merge, "orders": orders, "warehouse": warehouse, "by": by,
                 "moved": moved}, at)


def merge_undone_event(session: Session, order: Order, actor_name: str, *, merge: int,
                       orders: list[str], at: datetime | None = None) -> OrderEvent:
    return _add(session, order.id, actor_name, TimelineKind.MERGE_UNDONE,
                {"merge": merge, "orders": orders}, at)


def split_event(session: Session, order: Order, actor_name: str, *, basis: str,
                parts: list[dict[str, Any]], at: datetime | None = None) -> OrderEvent:
    """``parts``: each part's position, status, warehouse and lines ({sku, qty})."""
    return _add(session, order.id, actor_name, TimelineKind.SPLIT,
                {"basis": basis, "parts": parts}, at)

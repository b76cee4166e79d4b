"""A store's news of an order already here: a change, a cancellation, a refund.

What happens depends on what the order's state means (its category, never its
name) and on the channel's ``store_update_policy``:

- A change (address, lines, note ...) of an open order with nothing reserved or
  shipped is made to the order under ``apply_until_picked``; otherwise the order is
  held where it is for staff, with what the store changed.
- A cancellation or refund before the goods left holds the order and tells staff
  (售后拦截: stop it before it ships).
- After the goods left it opens a return when the workflow has one from the
  order's state (a transition towards a ``returned`` state that does not move the
  goods on), else it holds the order saying there is no return path.

Nothing here commits.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from orderloom.designer.published import blueprint_for
from orderloom.designer.state_categories import GOODS_LEFT, Category, category_in
from orderloom.runtime import business_calendar
from orderloom.runtime.audit import Actor
from orderloom.runtime.channels.mapping import MappingError, apply_mapping
from orderloom.runtime.channels.models import APPLIED, HELD, HOLD_ALWAYS, UNCHANGED, Channel
from orderloom.runtime.channels.stores import (
    STORE_ORDER,
    Event,
    StorePlatform,
    UnreadableStoreOrder,
    currency_refusal,
    prepared,
)
from orderloom.runtime.engine import edits, holds, lifecycle
from orderloom.runtime.errors import OrderError, OrderInputError
from orderloom.runtime.exception_queue.raising import raise_exception
from orderloom.runtime.orders.models import Order
from orderloom.runtime.payments import received as payments

# How far the goods have gone, for telling a return from moving an order on.
PROGRESS = {Category.OPEN: 0, Category.SHIPPED: 1, Category.FULFILLED: 2}


class KeepNothing(Exception):
    """Rolls back a change that was only tried, to see what it would change."""


@dataclass
class Outcome:
    status: str
    detail: str | None = None


# --- changes ------------------------------------------------------------------------------

def apply_or_hold(session: Session, actor: Actor, order: Order, channel: Channel,
                  platform: StorePlatform, payload: Any) -> Outcome:
    definition = blueprint_for(order.version).definition
    try:
        shaped = prepared(platform, payload)
    except UnreadableStoreOrder as error:
        return _held(session, actor, order, {
            "en": f"the store changed this order, but the change cannot be read: {error}",
            "zh": "店铺修改了此订单，但无法读取修改内容"})
    refusal = currency_refusal(shaped.get(STORE_ORDER, {}), definition)
    if refusal:
        return _held(session, actor, order, {
            "en": f"the store changed this order, but {refusal}",
            "zh": "店铺修改了此订单，但币种与订单类型不一致，未作修改"})
    try:
        mapped = apply_mapping(channel.mapping, shaped, definition,
                               business_calendar.formula_calendar(session))
    except MappingError as error:
        return _held(session, actor, order, {
            "en": f"the store changed this order, but the change cannot be read: {error}",
            "zh": "店铺修改了此订单，但无法读取修改内容"})
    if mapped.payment and not order.amount_paid:
        try:
            with session.begin_nested():
                payments.record_reported(session, actor, order, mapped.payment, channel.key)
        except OrderError as error:
            session.refresh(order)
            return _held(session, actor, order, {
                "en": f"the store reports a payment that cannot be recorded: {error}",
                "zh": "店铺报告的付款无法记录，请人工核对"})
    why_held = _why_not_applied(session, order, channel, definition)
    try:
        with session.begin_nested():
            changes = edits.edit_order(session, actor, order, mapped.data,
                                       data_pointer="/order")
            if why_held:
                raise KeepNothing
    except KeepNothing:
        session.refresh(order)
        return _held(session, actor, order, {
            "en": f"the store changed {', '.join(sorted(changes))} ({why_held['en']}); "
                  "make the change here or tell the buyer",
            "zh": f"店铺修改了 {', '.join(sorted(changes))}（{why_held['zh']}），"
                  "请在此修改或联系买家"}, details={"store_changes": _shown(changes)}) \
            if changes else Outcome(UNCHANGED)
    except (OrderInputError, OrderError) as error:
        session.refresh(order)
        return _held(session, actor, order, {
            "en": f"the store changed this order, but the change cannot be made: "
                  f"{error}",
            "zh": "店铺修改了此订单，但无法在此应用该修改"})
    if not changes:
        return Outcome(UNCHANGED)
    return Outcome(APPLIED, f"changed {', '.join(sorted(changes))}")


def _why_not_applied(session: Session, order: Order, channel: Channel,
                     definition: dict[str, Any]) -> dict[str, str] | None:
    if channel.store_update_policy == HOLD_ALWAYS:
        return {"en": "this channel holds every change for staff",
                "zh": "此渠道的修改均需人工处理"}
    if category_in(definition, order.state) is not Category.OPEN:
        return {"en": f"the order is past {Category.OPEN.value} work",
                "zh": "订单已不在处理中"}
    if edits.stock_bound(session, order):
        return {"en": "its stock is already picked or reserved",
                "zh": "库存已预留或拣货"}
    return None


def _shown(changes: dict[str, list[Any]]) -> dict[str, Any]:
    return {key: after for key, (_before, after) in changes.items()}


# --- cancellations and refunds ------------------------------------------------------------

def stop_or_return(session: Session, actor: Actor, order: Order, channel: Channel,
                   platform: StorePlatform, event: Event, topic: str) -> Outcome:
    """Act on a cancellation or refund (``event``, as the payload shows it; ``topic``
    is the platform's label of the delivery, named in the note)."""
    definition = blueprint_for(order.version).definition
    category = category_in(definition, order.state) or Category.OPEN
    what = {"en": "refunded" if event is Event.REFUND_REQUESTED else "cancelled",
            "zh": "退款" if event is Event.REFUND_REQUESTED else "取消"}
    source = f"{platform.name} {topic}".strip()
    if category in (Category.CANCELLED, Category.RETURNED):
        return Outcome(UNCHANGED, f"the order is already {category.value}")
    if category not in GOODS_LEFT:
        reason = {
            "en": f"the store {what['en']} this order ({source}); stop it before it "
                  "ships, then cancel or refund it here",
            "zh": f"店铺已{what['zh']}此订单（{source}）：请在发货前拦截，并在此取消或退款"}
        # Staff decide in the exception queue: cancel it here, or release it when the
        # buyer withdrew the request.
        raise_exception(session, order, "refund_request", reason, actor_name=actor.name,
                        beside_hold=True)
        return _held(session, actor, order, reason)
    transition = return_transition(definition, order.state)
    if transition is None:
        return _held(session, actor, order, {
            "en": f"the store {what['en']} this order ({source}) after it shipped, and "
                  f"this order type has no return path from {order.state!r}; handle the "
                  "return by hand",
            "zh": f"订单发货后店铺已{what['zh']}（{source}），此订单类型在当前状态下"
                  "没有退货流程，请人工处理"})
    spec = blueprint_for(order.version).transitions[transition]
    try:
        with session.begin_nested():
            # The channel acts for the store: as one holding the roles the return names
            # (none named: it is open to everyone).
            lifecycle.take_transition(session, actor, order, transition, set(spec.roles))
    except OrderError as error:
        session.refresh(order)
        return _held(session, actor, order, {
            "en": f"the store {what['en']} this order ({source}) after it shipped; the "
                  f"return ({transition}) could not be opened: {error}",
            "zh": f"订单发货后店铺已{what['zh']}（{source}），无法自动发起退货，请人工处理"})
    holds.tell_staff(session, order, {
        "en": f"the store {what['en']} this order after it shipped; a return was opened "
              f"({transition})",
        "zh": f"订单发货后店铺已{what['zh']}，已发起退货"})
    return Outcome(APPLIED, f"a return was opened: {transition}")


def return_transition(definition: dict[str, Any], state: str) -> str | None:
    """The transition out of ``state`` that starts a return: one that leads to a
    ``returned`` state, directly or on, without moving the goods further on (a
    delivery also leads on to returns, but is not one). The nearest first."""
    workflow = definition.get("workflow", {})
    transitions = [t for t in workflow.get("transitions", []) if isinstance(t, dict)]
    here = PROGRESS.get(category_in(definition, state))
    reaching = _reaching_returned(definition, transitions)
    best: tuple[int, str] | None = None
    for t in transitions:
        if state not in t.get("from", []) or t.get("to") not in reaching:
            continue
        target = category_in(definition, t["to"])
        onward = PROGRESS.get(target)
        if here is not None and onward is not None and onward > here:
            continue
        rank = (reaching[t["to"]], t["key"])
        if best is None or rank < best:
            best = rank
    return best[1] if best else None


def _reaching_returned(definition: dict[str, Any],
                       transitions: list[dict[str, Any]]) -> dict[str, int]:
    """Each state from which a ``returned`` state can be reached, with how many steps."""
    states = [s.get("key") for s in definition.get("workflow", {}).get("states", [])
              if isinstance(s, dict)]
    steps = {s: 0 for s in states if category_in(definition, s) is Category.RETURNED}
    frontier = list(steps)
    while frontier:
        after = []
        for t in transitions:
            if t.get("to") in frontier:
                for source in t.get("from", []):
                    if source not in steps:
                        steps[source] = steps[t["to"]] + 1
                        after.append(source)
        frontier = after
    return steps


def _held(session: Session, actor: Actor, order: Order, reason: dict[str, str], *,
          details: dict[str, Any] | None = None) -> Outcome:
    holds.hold(session, actor, order, reason, details=details)
    return Outcome(HELD, reason["en"])

"""Assigning and resolving exceptions, and what each resolution does to the order:

- ``release``: the order flows on; its automatic moves are taken again unless
  another open exception (or a hold) still holds it;
- ``hold``: the order stays held for staff, with the exception's reason, until a
  person moves it on (engine/holds.py);
- ``cancel``: the order takes the transition out of its state into a state meaning
  cancelled, as the person resolving it (their roles must allow it);
- ``fix_sku``: each unknown SKU is replaced by a product of the catalog, then the
  order flows on as on release.

A resolution the reason does not allow, or one on an exception already resolved, is
refused with the place and the reason. Nothing here commits.
"""
from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from orderloom.db import utcnow
from orderloom.designer.problems import pointer
from orderloom.designer.published import blueprint_for
from orderloom.designer.state_categories import Category, category_in
from orderloom.runtime import business_calendar
from orderloom.runtime.audit import Actor
from orderloom.runtime.engine import edits, holds, lifecycle
from orderloom.runtime.errors import OrderError
from orderloom.runtime.exception_queue.models import OPEN, RESOLVED, OrderException
from orderloom.runtime.exception_queue.reasons import (
    CANCEL,
    FIX_SKU,
    HOLD,
    REASONS,
    RESOLUTION_LABELS,
    RESOLUTIONS,
)
from orderloom.runtime.orders import timeline
from orderloom.runtime.orders.models import Order
from orderloom.runtime.stock.catalog import Product

NOTE_LENGTH = 500


class ExceptionRefused(OrderError):
    """A step on an exception that cannot be taken: ``pointer`` names the part of the
    request at fault, ``status`` the HTTP status that says why. ``message`` is English
    (the API's language); ``zh`` the same for the Chinese pages."""

    def __init__(self, pointer: str, message: str, status: int = 422, *,
                 zh: str | None = None) -> None:
        super().__init__(message)
        self.pointer = pointer
        self.status = status
        self.texts = {"en": message, "zh": zh or message}


@dataclass(frozen=True)
class Resolution:
    kind: str
    note: str | None = None
    # fix_sku: the unknown SKU -> the catalog's SKU that replaces it
    fixes: dict[str, str] | None = None


def _label(found: OrderException) -> dict[str, str]:
    reason = REASONS.get(found.reason)
    return reason.label if reason else {"en": found.reason, "zh": found.reason}


def assign(session: Session, actor: Actor, found: OrderException, order: Order,
           assignee: str | None, now: datetime | None = None) -> None:
    """Give the exception to ``assignee`` (a username the caller checked), or to
    nobody with None."""
    if found.status != OPEN:
        raise ExceptionRefused("/assignee", f"exception {found.id} is resolved already; "
                               "there is nothing left to assign", 409,
                               zh=f"异常 {found.id} 已处理，无需再指派")
    found.assignee = assignee
    timeline.exception_event(session, order, actor.name, at=now, details={
        "exception": found.id, "reason": found.reason, "label": _label(found),
        "step": "assigned", "assignee": assignee or ""})


def check(found: OrderException, resolution: Resolution) -> None:
    if found.status != OPEN:
        done = RESOLUTION_LABELS.get(found.resolution or "", {}).get("zh", found.resolution)
        raise ExceptionRefused(
            "/resolution", f"exception {found.id} was resolved already ({found.resolution} "
            f"by {found.resolved_by}); it cannot be resolved twice", 409,
            zh=f"异常 {found.id} 已由 {found.resolved_by} 处理（{done}），不能重复处理")
    if resolution.kind not in RESOLUTIONS:
        raise ExceptionRefused("/resolution", f"there is no resolution {resolution.kind!r}; "
                               f"the resolutions are {', '.join(RESOLUTIONS)}",
                               zh=f"没有处理方式 {resolution.kind!r}")
    allowed = REASONS[found.reason].resolutions if found.reason in REASONS else ()
    if resolution.kind not in allowed:
        raise ExceptionRefused(
            "/resolution", f"an exception of reason {found.reason!r} cannot be resolved by "
            f"{resolution.kind!r}; it can be resolved by {', '.join(allowed)}",
            zh=f"「{_label(found)['zh']}」异常不能以「"
               f"{RESOLUTION_LABELS[resolution.kind]['zh']}」处理，可选："
               + "、".join(RESOLUTION_LABELS[k]["zh"] for k in allowed))
    if resolution.note is not None and len(resolution.note) > NOTE_LENGTH:
        raise ExceptionRefused("/note", f"at most {NOTE_LENGTH} characters",
                               zh=f"备注最多 {NOTE_LENGTH} 个字符")


def resolve(session: Session, actor: Actor, found: OrderException, order: Order,
            resolution: Resolution, roles: Collection[str],
            now: datetime | None = None) -> None:
    """Resolve ``found`` with ``resolution`` and do what it means to the order."""
    check(found, resolution)
    now = now or utcnow()
    # Claimed by a conditional UPDATE: of two people resolving at once, the second
    # one's UPDATE waits for the first one's transaction and then matches no row.
    claimed = session.execute(
        update(OrderException)
        .where(OrderException.id == found.id, OrderException.status == OPEN)
        .values(status=RESOLVED, resolution=resolution.kind, resolved_at=now,
                resolved_by=actor.name, note=resolution.note)
        .execution_options(synchronize_session=False))
    session.refresh(found)
    if claimed.rowcount != 1:
        check(found, resolution)  # resolved already: says how and by whom
        raise ExceptionRefused("/resolution", f"exception {found.id} was resolved "
                               "already; it cannot be resolved twice", 409)
    timeline.exception_event(session, order, actor.name, at=now, details={
        "exception": found.id, "reason": found.reason, "label": _label(found),
        "step": "resolved", "resolution": resolution.kind,
        "resolution_label": RESOLUTION_LABELS[resolution.kind],
        **({"note": resolution.note} if resolution.note else {})})
    if resolution.kind == FIX_SKU:
        _fix_skus(session, actor, found, order, resolution.fixes or {}, now)
    if resolution.kind == HOLD:
        label = _label(found)
        holds.hold(session, actor, order, {
            "en": f"held after the exception {label['en']}",
            "zh": f"处理异常「{label['zh']}」后暂停"})
    elif resolution.kind == CANCEL:
        _cancel(session, actor, order, roles, now)
    else:
        if (found.details or {}).get("beside_hold"):
            label = _label(found)
            # The hold beside it has the exception's message as its reason; a hold
            # a person chose since is theirs to lift.
            holds.lift(session, actor, order, {
                "en": f"the exception {label['en']} was resolved",
                "zh": f"异常「{label['zh']}」已处理"}, placed=found.message)
        lifecycle.resume(session, order, now)


def _fix_skus(session: Session, actor: Actor, found: OrderException, order: Order,
              fixes: dict[str, str], now: datetime) -> None:
    lines = (found.details or {}).get("lines", [])
    unknown = {line["sku"] for line in lines}
    for sku in sorted(unknown - set(fixes)):
        raise ExceptionRefused(pointer("fixes", sku), f"{sku!r} needs the SKU of a product "
                               "of the catalog that replaces it",
                               zh=f"请为 {sku} 填写商品目录中替换它的商品编码")
    for sku in sorted(set(fixes) - unknown):
        raise ExceptionRefused(pointer("fixes", sku), f"{sku!r} is not one of the unknown SKUs "
                               f"of this exception ({', '.join(sorted(unknown))})",
                               zh=f"{sku} 不是此异常中的未知商品编码"
                                  f"（{'、'.join(sorted(unknown))}）")
    wanted = set(fixes.values())
    known = set(session.scalars(select(Product.sku).where(Product.sku.in_(wanted))))
    for sku, new in sorted(fixes.items()):
        if new not in known:
            raise ExceptionRefused(pointer("fixes", sku), f"the catalog has no product {new!r}",
                                   zh=f"商品目录中没有商品 {new}")
    changed: dict[str, Any] = {}
    for line in lines:
        rows = changed.setdefault(line["field"], [dict(r) for r in order.data.get(
            line["field"]) or []])
        if line["index"] < len(rows) and rows[line["index"]].get(line["column"]) == line["sku"]:
            rows[line["index"]][line["column"]] = fixes[line["sku"]]
    try:
        edits.edit_order(session, actor, order, changed, now=now, data_pointer="/fixes")
    except OrderError as error:
        raise ExceptionRefused("/fixes", f"the order cannot take the new SKUs: "
                               f"{error.message}", 409,
                               zh=f"订单无法使用新的商品编码：{error.message}") from None


def _cancel(session: Session, actor: Actor, order: Order, roles: Collection[str],
            now: datetime) -> None:
    blueprint = blueprint_for(order.version)
    definition = blueprint.definition
    into_cancelled = [t for t in lifecycle.open_transitions(
        order, set(roles), now, calendar=business_calendar.formula_calendar(session))
        if category_in(definition, t["to"]) is Category.CANCELLED]
    # One the person may take now: their roles allow it and its condition holds.
    takeable = sorted(t["key"] for t in into_cancelled if "blocked" not in t)
    if not takeable:
        why = "; ".join(f"{t['key']}: {t['blocked']}" for t in into_cancelled)
        raise ExceptionRefused("/resolution", (
            f"you can take no transition from {order.state!r} into a cancelled state now "
            f"({why})" if why else
            f"the order's type has no transition from {order.state!r} into a cancelled "
            "state that your roles allow")
            + "; take the cancellation by hand or resolve by hold", 409,
            zh=f"当前状态下没有你可以执行的取消流转{f'（{why}）' if why else ''}；"
               "请手动取消或选择暂停")
    try:
        lifecycle.take_transition(session, actor, order, takeable[0], set(roles), now=now)
    except OrderError as error:
        raise ExceptionRefused("/resolution", f"the order cannot be cancelled: "
                               f"{error.message}", 409,
                               zh=f"订单无法取消：{error.message}") from None

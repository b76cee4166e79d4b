"""What the order page says about editing a placed order: why it cannot be edited
now, and the money an edit left to collect or to give back (runtime/order_edits)."""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import select

from orderloom.designer.published import blueprint_for
from orderloom.platform.auth import current_user
from orderloom.platform.database import db_session
from orderloom.platform.field_sight import access_to
from orderloom.platform.pages import pages
from orderloom.platform.pages.order_view import money, when
from orderloom.platform.refusals import refusal_text
from orderloom.runtime.order_edits import placed, refusals
from orderloom.runtime.orders.models import Order, OrderEvent
from orderloom.runtime.orders.timeline import TimelineKind


@pages.app_template_global()
def edit_refusal(order: Order) -> str | None:
    """Why the reader's "Edit order" is not offered (shipped, being picked), for someone
    who may edit orders."""
    user = current_user()
    if user is None or not user.can("orders.edit"):
        return None
    refused = refusals.refusal(db_session(), order, blueprint_for(order.version))
    if refused is None or refused.code == "order_edit.finished":
        return None  # a finished order's state says so already
    return refusal_text(refused)


@pages.app_template_global()
def edit_difference(order: Order) -> dict[str, Any] | None:
    """The latest edit that changed the lines or the total, and what the customer owes
    now; None when no edit did, or for someone who may not see money or the order's
    total field."""
    user = current_user()
    if user is None or not user.can("payments.view") or \
            access_to(order.version).hides_total(blueprint_for(order.version).definition):
        return None
    latest = db_session().scalar(
        select(OrderEvent).where(OrderEvent.order_id == order.id,
                                 OrderEvent.kind == TimelineKind.EDIT_DIFFERENCE)
        .order_by(OrderEvent.id.desc()).limit(1))
    if latest is None:
        return None
    details = latest.details or {}
    total = details.get("total") or [None, None]
    currency = order.currency or ""
    owed = placed.balance(order)
    change = (Decimal(total[1] or 0) - Decimal(total[0] or 0))
    # Before any money came in, what is owed is the whole order, not an edit's
    # difference: the payments box says it.
    paid = bool(order.amount_paid)
    return {"at": when(latest.at), "by": latest.actor_name,
            "was": money(total[0], currency) if total[0] is not None else "—",
            "now": money(total[1], currency) if total[1] is not None else "—",
            "change": ("+" if change > 0 else "") + money(change, currency),
            "paid": paid, "collect": money(owed, currency) if paid and owed > 0 else None,
            "give_back": money(-owed, currency) if owed < 0 else None,
            "amount": str(abs(owed)), "settled": paid and owed == Decimal(0)}

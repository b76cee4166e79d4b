"""Data permissions: which orders a user sees, as one SQL condition.

Every read of orders on behalf of a person (lists and their counts, search, one
order, exports, bulk actions, approvals inboxes, dashboards, the API) adds
``visible_orders(user)`` to its WHERE clause, so a hidden order is filtered by the
database with the same indexes as any other filter, never fetched and dropped.

A user sees the union of what their roles' row rules let through
(permissions.ROW_RULES); one role with ``all`` shows everything.
"""
from __future__ import annotations

from sqlalchemy import ColumnElement, false, or_, select, true

from orderloom.platform.models import User
from orderloom.platform.permissions import EVERY_ORDER
from orderloom.runtime.engine.approvals.tasks import ApprovalTask
from orderloom.runtime.orders.models import Order


def row_rules(user: User) -> set[str]:
    return {role.row_rule or EVERY_ORDER for role in user.roles}


def sees_every_order(user: User) -> bool:
    return EVERY_ORDER in row_rules(user)


def visible_orders(user: User) -> ColumnElement[bool]:
    """The orders ``user`` may see, for ``.where()`` on any query over orders."""
    rules = row_rules(user)
    if EVERY_ORDER in rules:
        return true()
    allowed: list[ColumnElement[bool]] = []
    if "my_channels" in rules and user.channels:
        allowed.append(Order.channel.in_(sorted(user.channels)))
    if "my_warehouses" in rules and user.warehouses:
        allowed.append(Order.warehouse.in_(sorted(user.warehouses)))
    if "mine" in rules:
        allowed.append(Order.created_by == user.username)
        allowed.append(Order.id.in_(select(ApprovalTask.order_id)
                                    .where(ApprovalTask.assignee_user_id == user.id)))
    if "my_team" in rules and user.team:
        allowed.append(Order.created_by.in_(select(User.username)
                                            .where(User.team == user.team)))
    # A rule with nothing to measure against (no channels given yet) shows nothing:
    # leaving a user's scope empty must not open every order to them.
    return or_(*allowed) if allowed else false()

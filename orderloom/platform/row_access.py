"""Data permissions: which orders a user sees, as one SQL condition.

Every read of orders on behalf of a person (lists and their counts, search, one
order, exports, bulk actions, approvals inboxes, dashboards, the API) adds
``visible_orders(user)`` to its WHERE clause, so a hidden order is filtered by the
database with the same indexes as any other filter, never fetched and dropped.

A user sees the union of what their roles' row rules let through
(permissions.ROW_RULES); one role with ``all`` shows everything. On top of that,
orders of a type whose definition does not let them see it (``access.see``,
designer/type_access.py) are left out whatever the row rule.
"""
from __future__ import annotations

from sqlalchemy import ColumnElement, and_, false, or_, select, true
from sqlalchemy.orm import Session

from orderloom.designer import type_access, versions
from orderloom.designer.models import OrderType
from orderloom.designer.published import blueprint_for
from orderloom.platform.models import User
from orderloom.platform.permissions import EVERY_ORDER
from orderloom.runtime.engine import type_rules
from orderloom.runtime.engine.approvals.tasks import ApprovalTask
from orderloom.runtime.orders.models import Order


def row_rules(user: User) -> set[str]:
    return {role.row_rule or EVERY_ORDER for role in user.roles}


def sees_every_order(user: User) -> bool:
    return EVERY_ORDER in row_rules(user)


def types_unseen(session: Session, user: User) -> list[int]:
    """Ids of the order types whose definitions do not let ``user`` see their orders."""
    return types_refusing(session, user, "see")


def types_refusing(session: Session, user: User, kind: type_access.Kind) -> list[int]:
    """Ids of the order types whose definitions do not let ``user`` ``kind`` their
    orders."""
    roles = frozenset(user.role_names)
    return sorted(type_id for type_id, blueprint
                  in type_rules.latest_blueprints(session).items()
                  if not type_access.allows(blueprint.definition, kind, roles, user.username))


def orders_to_act_on(user: User) -> ColumnElement[bool]:
    """The orders ``user`` sees and whose type's ``access.act`` lets them act on, for
    what offers work (the approvals inbox): a task there must be one they may decide."""
    session = Session.object_session(user)
    refused = types_refusing(session, user, "act") if session is not None else []
    by_rows = rows_visible(user)
    return and_(Order.order_type_id.not_in(refused), by_rows) if refused else by_rows


def sees_type(user: User | None, order_type: OrderType) -> bool:
    """Whether ``user`` may know of ``order_type`` at all: its latest published
    definition's ``access.see`` lets them. A type never published has no orders and
    hides nothing yet; the system (no user) sees every type."""
    latest = order_type.latest
    return (user is None or latest is None
            or type_access.allows(blueprint_for(latest).definition, "see", user.role_names,
                                  user.username))


def find_type(session: Session, user: User | None, key: str) -> OrderType | None:
    """The order type ``key`` as ``user`` may know it: None where there is none or where
    its access hides it from them, so that every place taking a type key answers a
    hidden type exactly as a missing one and its existence does not leak."""
    order_type = versions.find(session, key)
    return order_type if order_type is not None and sees_type(user, order_type) else None


def visible_orders(user: User) -> ColumnElement[bool]:
    """The orders ``user`` may see, for ``.where()`` on any query over orders."""
    session = Session.object_session(user)
    unseen = types_unseen(session, user) if session is not None else []
    by_rows = rows_visible(user)
    if not unseen:
        return by_rows
    return and_(Order.order_type_id.not_in(unseen), by_rows)


def rows_visible(user: User) -> ColumnElement[bool]:
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

"""The fields of an order the person making the request may see and change.

Every answer that shows an order's values (API, pages, exports, print documents,
timeline) asks here, so a field's ``access`` is honoured the same way everywhere.
The answer is kept for the request: a page of orders shares a few versions.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask import g
from sqlalchemy import select

from orderloom.designer.field_access import FieldAccess, field_access
from orderloom.designer.models import DefinitionVersion
from orderloom.designer.published import blueprint_for
from orderloom.platform.auth import current_user
from orderloom.platform.row_access import visible_orders
from orderloom.runtime.orders.models import Order
from orderloom.runtime.orders.saved_views import FIELD_PREFIX
from orderloom.runtime.orders.search import OrderFilter
from orderloom.runtime.reports.dashboards import DashboardFilter

NO_LIMITS = FieldAccess()

# The members of a return's step (on its log, or an after_sales timeline entry) that name
# another order: the one an exchange replaces for, or the exchange or re-shipment made.
LINKED_ORDERS = ("order", "replacement")


def roles_of_request() -> frozenset[str]:
    user = current_user()
    return frozenset(user.role_names) if user is not None else frozenset()


def access_to(version: Any) -> FieldAccess:
    """What the requesting person may not see or change on orders of ``version``."""
    known: dict[int, FieldAccess] = g.setdefault("field_access", {})
    found = known.get(version.id)
    if found is None:
        found = known[version.id] = field_access(blueprint_for(version).definition,
                                                 roles_of_request())
    return found


def seen_data(order: Any) -> dict[str, Any]:
    """The order's values without the fields the requesting person may not see."""
    return access_to(order.version).visible(order.data)


def seen_exception(session: Any, found: Any, order: Any
                   ) -> tuple[dict[str, str], dict[str, Any]]:
    """An exception's message and details as the requesting person may see them: both
    blank when they quote a field hidden from them (its ``reveals``), or name an
    earlier order their row rules hide."""
    details = found.details or {}
    if access_to(order.version).hides_any_path(details.get("reveals")):
        return {}, {}
    earlier = details.get("earlier")
    if earlier is not None and session.scalar(select(Order.id).where(
            Order.number == earlier, visible_orders(current_user()))) is None:
        return {}, {key: value for key, value in details.items() if key != "earlier"}
    return found.message, details


def hidden_numbers(session: Any, numbers: Iterable[Any]) -> frozenset[str]:
    """Those of ``numbers`` naming an order the requesting person's row rules hide."""
    wanted = {number for number in numbers if isinstance(number, str)}
    if not wanted:
        return frozenset()
    seen = set(session.scalars(select(Order.number).where(
        Order.number.in_(wanted), visible_orders(current_user()))))
    return frozenset(wanted - seen)


def seen_links(session: Any, details: list[Any]) -> list[Any]:
    """Return steps' details without the number of a linked order the requesting
    person's row rules hide, as an exception leaves out such an earlier order."""
    hidden = hidden_numbers(session, (d.get(key) for d in details if isinstance(d, dict)
                                      for key in LINKED_ORDERS))
    if not hidden:
        return details
    return [{key: value for key, value in d.items()
             if not (key in LINKED_ORDERS and value in hidden)} if isinstance(d, dict) else d
            for d in details]


def limit_search(session: Any, spec: OrderFilter) -> OrderFilter:
    """``spec`` told what the requesting person may not see, so that a search never
    finds an order by a value hidden from them."""
    for version in session.scalars(select(DefinitionVersion).where(
            DefinitionVersion.published_at.is_not(None))):
        access = access_to(version)
        unseen = access.hidden | set(access.hidden_columns)
        if not unseen:
            continue
        definition = blueprint_for(version).definition
        spec.unseen[version.id] = frozenset(unseen)
        spec.seen[version.id] = tuple(f["key"] for f in definition["form"]["fields"]
                                      if f["key"] not in unseen)
        if access.hides_any_of(definition, "customer"):
            spec.customer_unseen.append(version.id)
    return spec


def limit_dashboard(session: Any, spec: DashboardFilter) -> DashboardFilter:
    """``spec`` told whose money the requesting person may not see, so that a chart
    never adds up a total or a line amount hidden from them."""
    for version in session.scalars(select(DefinitionVersion).where(
            DefinitionVersion.published_at.is_not(None))):
        access = access_to(version)
        if not access.restricts:
            continue
        blueprint = blueprint_for(version)
        if blueprint.total_key in access.hidden:
            spec.total_unseen.add(version.id)
        if access.hides_line_money(blueprint.definition):
            spec.lines_unseen.add(version.id)
    return spec


def hides_line_money_anywhere(session: Any) -> bool:
    """Whether the requesting person may not see the lines' money on some published order
    type: what a line would cost is then theirs to see nowhere (the unit price a form
    asks for)."""
    return any(access_to(version).hides_line_money(blueprint_for(version).definition)
               for version in session.scalars(select(DefinitionVersion).where(
                   DefinitionVersion.published_at.is_not(None))))


def _hidden_keys(session: Any, order_type: Any) -> frozenset[str]:
    """Keys of fields hidden from the requesting person: on the type's latest version,
    or, for a view of every type, on any published version."""
    if order_type is not None:
        return access_to(order_type.latest).hidden if order_type.latest else frozenset()
    return frozenset().union(*(access_to(version).hidden for version in session.scalars(
        select(DefinitionVersion))))


def seen_view(session: Any, filters: dict[str, str], columns: list[str],
              order_type: Any) -> tuple[dict[str, str], list[str]]:
    """A saved view's filters and columns without those on fields hidden from the
    requesting person: a shared view must not show them a value it filters by."""
    hidden = _hidden_keys(session, order_type)
    if not hidden:
        return filters, columns
    return ({k: v for k, v in filters.items()
             if not (k.startswith("field.") and k.removeprefix("field.") in hidden)},
            [c for c in columns
             if not (c.startswith(FIELD_PREFIX) and c.removeprefix(FIELD_PREFIX) in hidden)])

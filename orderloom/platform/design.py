"""What the designer needs from the platform: the context definitions are checked
in (roles, warehouses and users that exist), and exports that carry the workspace's
custom roles. Designer errors become HTTP problems in refusals.py."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from orderloom.designer import exchange
from orderloom.designer.validation import Context
from orderloom.dsl.workdays import Calendar
from orderloom.platform.auth import current_user
from orderloom.platform.models import Role, User
from orderloom.platform.permissions import LOOKUP_PERMISSIONS
from orderloom.runtime import business_calendar
from orderloom.runtime.stock.catalog import Warehouse


def design_context(session: Session, publisher: frozenset[str] | None = None) -> Context:
    """``publisher``: the permissions of the person checking or publishing, so a
    definition whose actions do more than they may shows that as problems."""
    roles = frozenset(session.scalars(select(Role.name)))
    # Before any warehouse is set up, designs may name the ones to come.
    warehouses = frozenset(session.scalars(select(Warehouse.code))) or None
    # Approvers named one by one must be people who exist (active or not: a person
    # away may be made active again, and the runtime then finds them).
    people = {user.username: frozenset(user.role_names) for user in session.scalars(select(User))}
    return Context(roles=roles, warehouses=warehouses, users=frozenset(people),
                   roles_of_users=people, publisher=publisher)


def my_design_context(session: Session) -> Context:
    """The context of the logged-in person, whose permissions bound what they publish."""
    user = current_user()
    return design_context(session, user.permissions if user is not None else frozenset())


def export_package(session: Session, keys: list[str] | None = None,
                   use_draft: bool = False) -> dict[str, Any]:
    """Order types as a package file, with the workspace's custom roles in its ``roles``:
    workflows name them, and a package without them is refused by ``orderloom check``
    and by an instance that lacks them."""
    document = exchange.export_order_types(session, keys, use_draft)
    custom = session.scalars(select(Role).where(Role.builtin.is_(False)).order_by(Role.name))
    roles = [{"name": role.name, "description": role.description} for role in custom]
    if not roles:
        return document
    return exchange.package(document["order_types"], roles=roles)


def preview_calendar(session: Session) -> Calendar:
    """The calendar a preview evaluates formulas with for the person asking (simulating a
    definition, trying a channel mapping): PRODUCTINFO and CUSTOMERINFO read only the
    records their roles let them see, so a preview never shows more than the API would.
    A preview ends its read before evaluating: the look-ups read in sessions of their
    own, so the request's session (and on SQLite the write lock) is not taken again."""
    user = current_user()
    refused = {kind: f"you may not see {kind}s (it needs the permission {permission!r})"
               for kind, permission in LOOKUP_PERMISSIONS.items()
               if user is None or not user.can(permission)}
    return business_calendar.formula_calendar(session, refused=refused, short_lived=True)

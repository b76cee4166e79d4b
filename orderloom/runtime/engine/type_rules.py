"""The engine's side of an order type's ``access`` (designer/type_access.py): a
person enters, changes and acts on orders of a type only where its latest published
definition lets one of their roles, or them by name.

The system (channels, carriers, timers, the operator's command line) acts for the
instance and is not asked: ``actor.user_id`` is None for it.
"""
from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from orderloom.designer import type_access
from orderloom.designer.blueprint import Blueprint
from orderloom.designer.models import DefinitionVersion, OrderType
from orderloom.designer.published import blueprint_for, blueprint_of
from orderloom.runtime import remembered
from orderloom.runtime.audit import Actor
from orderloom.runtime.errors import OrderNotFound, TransitionRefused
from orderloom.runtime.orders.models import Order


class TypeAccessRefused(TransitionRefused):
    """The order type's access does not let the person do this (403)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, 403)


# The newest published version of every order type, whose access rules its orders:
# asked by nearly every request about an order (seeing it, acting on it).
LATEST_VERSIONS = remembered.Read("latest published versions", (OrderType, DefinitionVersion))


def latest_blueprints(session: Session) -> dict[int, Blueprint]:
    """The blueprint of each order type's latest published version, by type id; the
    definitions are read only for a version this process has not compiled yet."""
    def load() -> dict[int, tuple[int, datetime]]:
        newest = (select(DefinitionVersion.order_type_id,
                         func.max(DefinitionVersion.number).label("number"))
                  .group_by(DefinitionVersion.order_type_id).subquery())
        return {type_id: (version_id, published_at)
                for type_id, version_id, published_at in session.execute(
                    select(DefinitionVersion.order_type_id, DefinitionVersion.id,
                           DefinitionVersion.published_at)
                    .join(newest, and_(newest.c.order_type_id == DefinitionVersion.order_type_id,
                                       newest.c.number == DefinitionVersion.number)))}

    return {type_id: blueprint_of(session, version_id, published_at)
            for type_id, (version_id, published_at)
            in remembered.read(session, LATEST_VERSIONS, None, load).items()}


def check_order(order: Order, kind: type_access.Kind, actor: Actor,
                roles: Collection[str] | None) -> None:
    """Refuse ``kind`` on ``order`` unless the access of its type's latest published
    definition lets ``actor``."""
    if actor.user_id is None or roles is None:
        return
    session = Session.object_session(order)
    if session is not None:
        latest = latest_blueprints(session).get(order.order_type_id)
    else:
        version = order.order_type.latest
        latest = blueprint_for(version) if version is not None else None
    if latest is not None:
        check(latest.definition, order.order_type.key, kind, actor, roles)


def lets(order: Order, kind: type_access.Kind, actor: Actor,
         roles: Collection[str] | None) -> bool:
    """Whether check_order would let ``actor`` ``kind`` on ``order``: for what offers
    work (transitions, approvals), so that nothing is offered that would be refused."""
    try:
        check_order(order, kind, actor, roles)
    except (OrderNotFound, TypeAccessRefused):
        return False
    return True


def check(definition: dict[str, Any], order_type_key: str, kind: type_access.Kind,
          actor: Actor, roles: Collection[str] | None) -> None:
    """Refuse ``kind`` on orders of the type whose latest definition is ``definition``
    unless its access lets ``actor``. A person who may not even see the type is told it
    does not exist, as everywhere else, so that its existence does not leak."""
    if actor.user_id is None or roles is None or not type_access.restricts(definition):
        return
    if not type_access.allows(definition, "see", roles, actor.name):
        raise OrderNotFound(f"there is no order type {order_type_key!r}")
    if not type_access.allows(definition, kind, roles, actor.name):
        raise TypeAccessRefused(type_access.refusal(kind, order_type_key))

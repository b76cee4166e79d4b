"""Who may see, enter, change and act on the orders of one order type.

An order type's definition may declare

    "access": {"see":    {"roles": ["hr"], "users": ["li.na"]},
               "create": {"roles": ["hr"]},
               "edit":   {"roles": ["hr"]},
               "act":    {"roles": ["hr"]}}

A kind left out lets everyone whose permissions allow it (``orders.view``,
``orders.create``, ...); a definition without ``access`` behaves as if it had none.
Entering, changing and acting on an order also need seeing it: nobody works on
orders they cannot find. A person is let through by any one of their roles, or by
their username. Transitions keep their own roles on top of ``act``.

The rule of a type is read from its latest published version, so that publishing a
narrower rule closes the type's older orders too; the platform enforces ``see`` in
the SQL of every read (platform/row_access.py) and the engine enforces the others.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Literal

Kind = Literal["see", "create", "edit", "act"]
KINDS: tuple[Kind, ...] = ("see", "create", "edit", "act")


def _lets(rule: dict[str, Any] | None, roles: frozenset[str], username: str | None) -> bool:
    if rule is None:
        return True
    return (not roles.isdisjoint(rule.get("roles", []))
            or (username is not None and username in rule.get("users", [])))


def allows(definition: dict[str, Any], kind: Kind, roles: Iterable[str],
           username: str | None = None) -> bool:
    """Whether a person holding ``roles`` (and named ``username``) may ``kind`` orders
    of the type whose latest definition is ``definition``."""
    access = definition.get("access") or {}
    held = frozenset(roles)
    if not _lets(access.get("see"), held, username):
        return False
    return kind == "see" or _lets(access.get(kind), held, username)


def restricts(definition: dict[str, Any]) -> bool:
    """Whether the type limits any kind of access at all."""
    return any((definition.get("access") or {}).get(kind) is not None for kind in KINDS)


def named_in(definition: dict[str, Any]) -> tuple[set[str], set[str]]:
    """Every role and every username the type's access names (for the designer)."""
    roles: set[str] = set()
    users: set[str] = set()
    for rule in (definition.get("access") or {}).values():
        if isinstance(rule, dict):
            roles.update(rule.get("roles", []))
            users.update(rule.get("users", []))
    return roles, users


def refusal(kind: Kind, order_type_key: str) -> str:
    """Why a person is refused ``kind`` on the type's orders, for their error."""
    verbs = {"see": "see", "create": "enter", "edit": "change", "act": "act on"}
    return (f"order type {order_type_key!r} does not let you {verbs[kind]} its orders: "
            f"its access.{kind} names none of your roles, nor you")

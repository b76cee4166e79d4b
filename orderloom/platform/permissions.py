"""The permission table: every permission, and what each built-in role may do.

This is the one place that says who may do what. Endpoints and pages name the
permission they need (``@requires("users.manage")``); tests walk every route
against this table.
"""
from __future__ import annotations

PERMISSIONS: dict[str, str] = {
    "users.manage": "Create and deactivate users, assign roles, define custom roles",
    "audit.view": "Read the audit trail",
    "definitions.view": "See order types, workflows and rules",
    "definitions.edit": "Change draft definitions",
    "definitions.publish": "Publish a definition version",
    "orders.view": "See orders and their history",
    "orders.create": "Enter new orders",
    "orders.act": "Take transitions, approve and reject",
    "inventory.view": "See stock levels",
    "inventory.manage": "Receive and adjust stock, manage warehouses",
    "reports.view": "See dashboards and export reports",
    "tokens.own": "Create and revoke one's own API tokens",
    "jobs.manage": "See background jobs and run failed ones again",
    "channels.manage": "Set up sales channels and their mappings, see and retry dead letters",
}

BUILTIN_ROLES: dict[str, tuple[str, frozenset[str]]] = {
    "admin": ("Administrator: everything", frozenset(PERMISSIONS)),
    "designer": (
        "Builds the order system: forms, workflows, rules",
        frozenset({"definitions.view", "definitions.edit", "definitions.publish",
                   "orders.view", "reports.view", "tokens.own"}),
    ),
    "staff": (
        "Runs orders: enters, approves, picks, ships",
        frozenset({"definitions.view", "orders.view", "orders.create", "orders.act",
                   "inventory.view", "tokens.own"}),
    ),
    "viewer": (
        "Reads orders and reports, changes nothing",
        frozenset({"definitions.view", "orders.view", "inventory.view", "reports.view"}),
    ),
}


def permissions_of(role_name: str, custom_permissions: list[str] | None = None) -> frozenset[str]:
    """What a role may do: the table's set for a built-in role, the stored list for a
    custom one (unknown names in a stored list grant nothing)."""
    if role_name in BUILTIN_ROLES:
        return BUILTIN_ROLES[role_name][1]
    return frozenset(p for p in (custom_permissions or []) if p in PERMISSIONS)

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
    "orders.edit": "Change the entered values of open orders",
    "orders.act": "Take transitions, approve and reject",
    "views.share": "Share saved views of the order list with everyone",
    "inventory.view": "See stock levels",
    "inventory.manage": "Receive and adjust stock, manage warehouses",
    "reports.view": "See dashboards and export reports",
    "tokens.own": "Create and revoke one's own API tokens",
    "jobs.manage": "See background jobs and run failed ones again",
    "templates.import": "Import a built-in template: roles, warehouses, products, stock, "
                        "customers and order types",
    "channels.manage": "Set up sales channels and their mappings, see and retry dead letters",
    "webhooks.manage": "Subscribe other systems to events, read the delivery log, re-send",
    "erp.manage": "Connect ERPs, map orders to their documents, read the attempt log, send "
                  "again, reconcile",
    "carriers.manage": "Set up carriers: their URLs, credentials, status codes and webhook secrets",
    "customers.view": "See customers, their order history, value and segment",
    "customers.manage": "Add, change, merge, import and export customers",
    "payments.view": "See payments, refunds, reconciliation and the finance summary",
    "calendar.manage": "Set the business calendar: weekend days, public holidays and make-up "
                       "working days",
    "payments.manage": "Record payments, issue refunds, import statements, resolve mismatches",
}

BUILTIN_ROLES: dict[str, tuple[str, frozenset[str]]] = {
    "admin": ("Administrator: everything", frozenset(PERMISSIONS)),
    "designer": (
        "Builds the order system: forms, workflows, rules",
        frozenset({"definitions.view", "definitions.edit", "definitions.publish",
                   "orders.view", "reports.view", "tokens.own", "customers.view"}),
    ),
    "staff": (
        "Runs orders: enters, approves, picks, ships",
        frozenset({"definitions.view", "orders.view", "orders.create", "orders.edit",
                   "orders.act",
                   "inventory.view", "tokens.own", "customers.view", "customers.manage",
                   "payments.view", "payments.manage"}),
    ),
    "viewer": (
        "Reads orders and reports, changes nothing",
        frozenset({"definitions.view", "orders.view", "inventory.view", "reports.view",
                   "customers.view", "payments.view"}),
    ),
}


# Routes anyone may reach without logging in (Flask endpoint -> why). Every other
# route needs a logged-in user or API token (``@requires``), and the permission it
# names; tests/platform/test_permissions.py walks every route against this.
PUBLIC_ENDPOINTS: dict[str, str] = {
    "static": "stylesheets, scripts and images of the pages",
    "system.healthz": "health check for load balancers and monitoring",
    "system.readyz": "readiness for load balancers: the checks say nothing secret",
    "system.openapi_document": "the API description, for integrators' tools",
    "api.definition_schema": "definition JSON Schemas, for editors",
    "pages.login": "the login form",
    "pages.logout": "logging out; a logged-in session must send its CSRF token",
    "pages.track_form": "customers look up their delivery",
    "pages.track": "customers see their delivery by the unguessable token of its link",
}

# Routes that other systems call with a signature of the body instead of a login
# (endpoint -> who signs). Unsigned, they answer 401, or 404 when no such sender exists.
SIGNED_ENDPOINTS: dict[str, str] = {
    "api.carrier_webhook": "a carrier, with its webhook secret",
    "api.channel_orders": "a webhook channel, with its secret (other channels: a token "
                          "with orders.create)",
    "api.crm_deal_webhook": "a CRM channel's CRM, with its signature over the request and "
                            "a timestamp (HubSpot's v3, or the channel's secret)",
}


def permissions_of(role_name: str, custom_permissions: list[str] | None = None) -> frozenset[str]:
    """What a role may do: the table's set for a built-in role, the stored list for a
    custom one (unknown names in a stored list grant nothing)."""
    if role_name in BUILTIN_ROLES:
        return BUILTIN_ROLES[role_name][1]
    return frozenset(p for p in (custom_permissions or []) if p in PERMISSIONS)

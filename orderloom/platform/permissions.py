"""The permission table: every permission, and what each built-in role may do.

This is the one place that says who may do what. Endpoints and pages name the
permission they need (``@requires("users.manage")``); tests walk every route
against this table.
"""
from __future__ import annotations

from flask_babel import LazyString, lazy_gettext

# The descriptions are read on the roles page, in the reader's language.
PERMISSIONS: dict[str, LazyString] = {
    "users.manage": lazy_gettext(
        "Create and deactivate users, assign roles, define custom roles"),
    "audit.view": lazy_gettext("Read the audit trail"),
    "definitions.view": lazy_gettext("See order types, workflows and rules"),
    "definitions.edit": lazy_gettext("Change draft definitions"),
    "definitions.publish": lazy_gettext("Publish a definition version"),
    "orders.view": lazy_gettext("See orders and their history"),
    "orders.create": lazy_gettext("Enter new orders"),
    "orders.edit": lazy_gettext("Change the entered values of open orders"),
    "orders.act": lazy_gettext("Take transitions, approve and reject"),
    "orders.override": lazy_gettext(
        "Take any transition, decide approvals nobody was found for and record any payment "
        "or refund, whatever roles the workflow names"),
    "views.share": lazy_gettext("Share saved views of the order list with everyone"),
    "inventory.view": lazy_gettext("See stock levels"),
    "inventory.manage": lazy_gettext("Receive and adjust stock, manage warehouses"),
    "floor.work": lazy_gettext(
        "Plan waves, and pick and pack them by scanning on the warehouse floor"),
    "reports.view": lazy_gettext("See dashboards and export reports"),
    "tokens.own": lazy_gettext("Create and revoke one's own API tokens"),
    "jobs.manage": lazy_gettext("See background jobs and run failed ones again"),
    "templates.import": lazy_gettext(
        "Import a built-in template: roles, warehouses, products, stock, customers and "
        "order types"),
    "channels.manage": lazy_gettext(
        "Set up sales channels and their mappings, see and retry dead letters"),
    "webhooks.manage": lazy_gettext(
        "Subscribe other systems to events, read the delivery log, re-send"),
    "erp.manage": lazy_gettext(
        "Connect ERPs, map orders to their documents, read the attempt log, send again, "
        "reconcile"),
    "carriers.manage": lazy_gettext(
        "Set up carriers: their URLs, credentials, status codes and webhook secrets"),
    "customers.view": lazy_gettext("See customers, their order history, value and segment"),
    "customers.manage": lazy_gettext("Add, change, merge, import and export customers"),
    "payments.view": lazy_gettext(
        "See payments, refunds, reconciliation and the finance summary"),
    "exceptions.manage": lazy_gettext(
        "Set the exception queue: time limits per reason, discount limit, price floors, "
        "duplicate window"),
    "calendar.manage": lazy_gettext(
        "Set the business calendar: weekend days, public holidays and make-up working days"),
    "payments.manage": lazy_gettext(
        "Record payments, issue refunds, import statements, resolve mismatches"),
    "after_sales.manage": lazy_gettext(
        "Handle returns and exchanges: open, approve, receive, inspect, restock, refund, "
        "exchange and re-ship; set the returns' time limit"),
    "consolidation.manage": lazy_gettext(
        "Set merging and splitting: the merge window, merging by rule, parcel limits"),
    "prices.manage": lazy_gettext(
        "Set up price lists: prices per channel, customer tier or customer, quantity "
        "breaks and validity dates"),
    "promotions.manage": lazy_gettext(
        "Set up promotions: gift and discount rules, and their backtest over past orders"),
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
                   "inventory.view", "floor.work", "tokens.own", "customers.view",
                   "customers.manage", "payments.view", "payments.manage",
                   "after_sales.manage"}),
    ),
    "viewer": (
        "Reads orders and reports, changes nothing",
        frozenset({"definitions.view", "orders.view", "inventory.view", "reports.view",
                   "customers.view", "payments.view"}),
    ),
}


# Which orders a role sees (data permissions), as a role stores it in ``row_rule``.
# A user sees the orders any of their roles' rules lets through; one role with ``all``
# shows everything. platform/row_access.py turns these into one SQL condition.
# The meanings are shown on the Users page, so they are translated.
ROW_RULES: dict[str, str] = {
    "all": lazy_gettext("Every order"),
    "my_channels": lazy_gettext("Orders that came in through one of the user's channels"),
    "my_warehouses": lazy_gettext("Orders shipped from one of the user's warehouses"),
    "mine": lazy_gettext("Orders the user entered, or on which an approval is assigned "
                         "to them"),
    "my_team": lazy_gettext("Orders entered by anyone of the user's team"),
}
EVERY_ORDER = "all"


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
    "system.metrics": "a Prometheus scraper, with ORDERLOOM_METRICS_TOKEN as its bearer "
                      "token (404 when no token is set)",
    "api.crm_deal_webhook": "a CRM channel's CRM, with its signature over the request and "
                            "a timestamp (HubSpot's v3, or the channel's secret)",
}


def permissions_of(role_name: str, custom_permissions: list[str] | None = None) -> frozenset[str]:
    """What a role may do: the table's set for a built-in role, the stored list for a
    custom one (unknown names in a stored list grant nothing)."""
    if role_name in BUILTIN_ROLES:
        return BUILTIN_ROLES[role_name][1]
    return frozenset(p for p in (custom_permissions or []) if p in PERMISSIONS)


# What a person needs to see the records formulas look up (PRODUCTINFO, CUSTOMERINFO)
# when a preview evaluates formulas for them: the permission that shows those records
# over the API too (GET /products, GET /customers).
LOOKUP_PERMISSIONS: dict[str, str] = {"product": "inventory.view",
                                      "customer": "customers.view"}

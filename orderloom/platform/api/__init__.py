"""The REST API under /api/v1: JSON in, JSON out, problem+json on every error."""
from __future__ import annotations

from flask import Blueprint

api = Blueprint("api", __name__, url_prefix="/api/v1")

# Route modules register themselves on the blueprint when imported.
from orderloom.platform.api import (  # noqa: E402, F401
    accounts,
    approvals,
    business_calendar,
    carrier_services,
    channel_stock,
    channels,
    consolidation,
    conversation,
    crm_channels,
    customers,
    dashboards,
    definitions,
    designer_preview,
    documents,
    draft_replay,
    erp,
    exceptions,
    inventory,
    jobs,
    marketplace_channels,
    orders,
    payments,
    price_lists,
    promotions,
    returns,
    saved_views,
    shipments,
    store_channels,
    store_days,
    system,
    templates,
    waves,
    webhooks,
)

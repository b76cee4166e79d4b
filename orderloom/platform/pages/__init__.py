"""Server-rendered pages for people."""
from __future__ import annotations

from flask import Blueprint

pages = Blueprint("pages", __name__)

from orderloom.platform.pages import (  # noqa: E402, F401
    account,
    admin,
    approvals,
    business_calendar,
    carriers,
    channels,
    customers,
    dashboards,
    designer,
    erp,
    exceptions,
    finance,
    floor,
    floor_setup,
    home,
    imports,
    jobs,
    order_desk,
    order_form,
    orders,
    pick_lists,
    placed_edits,
    pre_sale,
    price_lists,
    promotions,
    returns,
    roles,
    saved_views,
    sf_express,
    stock,
    store_sync,
    template_gallery,
    tracking,
    webhooks,
)

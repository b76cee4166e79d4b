"""The dashboard page: every chart drawn from figures the server computed, each with
its numbers in a table beside it and a CSV download of the same rows.

Filters are a GET form, so a dashboard view can be bookmarked and shared; a bad
filter is a message on the page and the charts show everything instead.
"""
from __future__ import annotations

from typing import Any

from flask import render_template, request, url_for
from flask_babel import gettext, lazy_gettext
from sqlalchemy import select

from orderloom.designer.models import OrderType
from orderloom.designer.published import blueprint_for
from orderloom.platform.api.dashboards import FILTERS, dashboard_filter, period, plain
from orderloom.platform.auth import current_user, requires
from orderloom.platform.database import db_session
from orderloom.platform.pages import pages
from orderloom.platform.pages.order_view import Labels, label, language, money
from orderloom.platform.pages.orders import channel_labels
from orderloom.platform.query_args import ParameterError
from orderloom.platform.row_access import sees_type, visible_orders
from orderloom.runtime.exception_queue import queue
from orderloom.runtime.exception_queue.reasons import REASONS
from orderloom.runtime.reports import dashboards
from orderloom.runtime.reports.dashboards import CHARTS

TITLES = {
    "sales_over_time": lazy_gettext("Sales over time"),
    "orders_by_state": lazy_gettext("Orders by state"),
    "orders_by_channel": lazy_gettext("Orders by channel"),
    "top_products": lazy_gettext("Top products"),
    "fulfilment_time": lazy_gettext("Fulfilment time (hours)"),
    "shipped_within_sla": lazy_gettext("Shipped within SLA"),
    "customer_value": lazy_gettext("Customer value"),
}
STAGES = {"ordered_to_shipped": lazy_gettext("Ordered → shipped"),
          "shipped_to_delivered": lazy_gettext("Shipped → delivered"),
          "ordered_to_delivered": lazy_gettext("Ordered → delivered")}


def _types(session) -> list[tuple[OrderType, Labels]]:
    lang = language()
    return [(t, Labels(blueprint_for(t.latest), lang))
            for t in session.scalars(select(OrderType).order_by(OrderType.key))
            if t.latest is not None and sees_type(current_user(), t)]


def exception_counts(session) -> list[dict[str, Any]]:
    """The exception queue's open and overdue exceptions per reason, of the orders the
    person may see, as the queue page counts them."""
    counts = queue.counts(session, visible_orders(current_user()))
    return [{"key": key, "label": label(reason.label, language()), **counts[key]}
            for key, reason in REASONS.items()]


@pages.get("/dashboards")
@requires("reports.view")
def dashboards_page():
    session = db_session()
    types = _types(session)
    errors: list[str] = []
    try:
        spec, grain = dashboard_filter(session, request.args)
    except ParameterError as error:
        errors.append(gettext("%(problem)s Showing the last %(days)s days instead.",
                              problem=error.page_message, days=dashboards.DEFAULT_DAYS))
        spec, grain = dashboard_filter(session, {})
    kept = {name: request.args[name] for name in FILTERS
            if request.args.get(name) and not errors}
    found = {name: dashboards.chart(session, name, spec, grain) for name in CHARTS}
    figures = dashboards.headline(session, spec, found["shipped_within_sla"][0])
    charts: dict[str, list[dict[str, Any]]] = {
        name: [{k: plain(v) for k, v in row.items()} for row in rows]
        for name, rows in found.items()}
    currency = dashboards.currency_of(session, spec) or ""
    channels = channel_labels(session, {row["channel"] for row in charts["orders_by_channel"]})
    exceptions = exception_counts(session)
    session.rollback()
    state_names: dict[str, str] = {}
    for _type, names in types:
        for key, name in names.states.items():
            state_names.setdefault(key, name)
    return render_template(
        "dashboards/index.html", charts=charts, titles=TITLES, stages=STAGES,
        state_names=state_names, types=types, args=kept, errors=errors, grain=grain,
        sla_hours=spec.sla_hours, currency=currency, period=period(spec), figures=figures,
        money=money, channel_labels=channels, exceptions=exceptions,
        csv={name: url_for("api.dashboard_chart_csv", chart=name, **kept) for name in CHARTS})

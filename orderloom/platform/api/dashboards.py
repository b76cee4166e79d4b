"""Dashboards over the API: each chart's rows as JSON, and the same rows as CSV."""
from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from flask import Response, request, url_for

from orderloom.platform import query_args
from orderloom.platform.api import api
from orderloom.platform.auth import current_user, requires
from orderloom.platform.database import db_session
from orderloom.platform.field_sight import limit_dashboard
from orderloom.platform.openapi import documented
from orderloom.platform.problems import Problem
from orderloom.platform.query_args import ParameterError
from orderloom.platform.row_access import find_type, visible_orders
from orderloom.runtime import business_calendar
from orderloom.runtime.reports import dashboards
from orderloom.runtime.reports.dashboards import CHARTS, GRAINS, DashboardFilter
from orderloom.runtime.spreadsheets import formulas as spreadsheet_formulas

FILTERS = ("created_from", "created_to", "channel", "order_type", "currency", "sla_hours",
           "grain")
MAX_SLA_HOURS = 24 * 365
CHART = {"type": "object", "properties": {
    "chart": {"type": "string", "enum": list(CHARTS)},
    "filter": {"type": "object"},
    "period": {"type": "object", "description": "The days covered, both included"},
    "rows": {"type": "array", "items": {"type": "object"}},
    "csv": {"type": "string"}}}
FILTER_HELP = ("Filters: created_from and created_to (ISO dates, both days included; "
               f"without either, the last {dashboards.DEFAULT_DAYS} days), "
               "channel, order_type (key), currency (money figures are in one currency: "
               "this one, else the one most order types use), sla_hours (default "
               f"{dashboards.DEFAULT_SLA_HOURS}), grain (day, week or month, for "
               "sales_over_time)")


def dashboard_filter(session, args) -> tuple[DashboardFilter, str]:
    """The filter and grain from query parameters, every bad one a ParameterError
    naming it."""
    spec = limit_dashboard(session, DashboardFilter(visible=visible_orders(current_user())))
    start, end = query_args.day(args, "created_from"), query_args.day(args, "created_to")
    if start and end and end < start:
        raise ParameterError("created_to", "must not be before created_from")
    if not start and not end:
        start = business_calendar.today() - timedelta(days=dashboards.DEFAULT_DAYS - 1)
    # Days on the instance's clocks, as the people who read the charts count them.
    if start:
        spec.created_from = business_calendar.day_range(start)[0]
    if end:  # the whole day it names
        spec.created_to = business_calendar.day_range(end)[1]
    spec.channel = args.get("channel", "").strip() or None
    if args.get("order_type", "").strip():
        order_type = find_type(session, current_user(), args["order_type"].strip())
        if order_type is None:
            raise ParameterError("order_type",
                                 f"there is no order type “{args['order_type']}”")
        spec.order_type_id = order_type.id
    currency = args.get("currency", "").strip().upper()
    if currency:
        if len(currency) != 3 or not currency.isalpha():
            raise ParameterError("currency", "must be a three-letter currency code such as CNY")
        spec.currency = currency
    spec.sla_hours = query_args.whole(args, "sla_hours", spec.sla_hours, low=1,
                                      high=MAX_SLA_HOURS)
    grain = args.get("grain", "").strip() or "day"
    if grain not in GRAINS:
        raise ParameterError("grain", f"must be one of {', '.join(GRAINS)}")
    return spec, grain


def plain(value: Any) -> Any:
    """JSON and CSV cells: money as exact decimal strings, days in ISO form."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def csv_text(chart: str, rows: list[dict[str, Any]]) -> str:
    buffer = io.StringIO()
    buffer.write("\ufeff")  # so Excel opens UTF-8 text correctly
    writer = csv.writer(buffer)
    columns = dashboards.COLUMNS[chart]
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_cell(plain(row[name])) for name in columns])
    return buffer.getvalue()


def _cell(value: Any) -> Any:
    return "" if value is None else spreadsheet_formulas.as_text(value)


def period(spec: DashboardFilter) -> dict[str, str | None]:
    """The days a chart covers, both included."""
    return {"from": business_calendar.instance_date(spec.created_from).isoformat()
            if spec.created_from else None,
            "to": (business_calendar.instance_date(spec.created_to) - timedelta(days=1)
                   ).isoformat() if spec.created_to else None}


def _chart_rows(chart: str) -> tuple[list[dict[str, Any]], dict[str, str], DashboardFilter]:
    if chart not in CHARTS:
        raise Problem(404, f"there is no dashboard chart {chart!r}; the charts are "
                           f"{', '.join(CHARTS)}")
    session = db_session()
    spec, grain = dashboard_filter(session, request.args)
    rows = dashboards.chart(session, chart, spec, grain)
    session.rollback()
    kept = {name: request.args[name] for name in FILTERS if request.args.get(name)}
    return rows, kept, spec


@api.get("/dashboards")
@requires("reports.view")
@documented("The dashboard charts, each with the address of its data and its CSV",
            tags=("dashboards",), responses={200: ("The charts", {"type": "object"})})
def list_dashboard_charts():
    return {"charts": [{"chart": name,
                        "data": url_for("api.dashboard_chart", chart=name),
                        "csv": url_for("api.dashboard_chart_csv", chart=name)}
                       for name in CHARTS]}


@api.get("/dashboards/<chart>")
@requires("reports.view")
@documented("One dashboard chart's rows, computed in the database. " + FILTER_HELP,
            tags=("dashboards",), responses={200: ("The chart's rows", CHART)})
def dashboard_chart(chart: str):
    rows, kept, spec = _chart_rows(chart)
    return {"chart": chart, "filter": kept, "period": period(spec),
            "rows": [{k: plain(v) for k, v in row.items()} for row in rows],
            "csv": url_for("api.dashboard_chart_csv", chart=chart, **kept)}


@api.get("/dashboards/<chart>.csv")
@requires("reports.view")
@documented("One dashboard chart's rows as a CSV file, a header row first. " + FILTER_HELP,
            tags=("dashboards",), responses={200: ("text/csv", None)})
def dashboard_chart_csv(chart: str):
    rows, _kept, _spec = _chart_rows(chart)
    return Response(csv_text(chart, rows), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="{chart}.csv"'})

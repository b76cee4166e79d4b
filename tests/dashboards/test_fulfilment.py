"""Fulfilment time percentiles and the share shipped within the SLA, from shipments."""
from __future__ import annotations

import uuid
from decimal import Decimal

from sqlalchemy import select

from orderloom.runtime.orders.models import Order
from orderloom.runtime.reports import dashboards
from orderloom.runtime.reports.dashboards import DashboardFilter
from orderloom.runtime.shipping.models import Shipment
from tests.dashboards.conftest import at


def ship(db, number: str, shipped: str | None, delivered: str | None = None) -> None:
    order = db.scalar(select(Order).where(Order.number == number))
    db.add(Shipment(order_id=order.id, carrier="local",
                    tracking_number=uuid.uuid4().hex[:12], public_token=uuid.uuid4().hex,
                    status="delivered" if delivered else "in_transit" if shipped else "created",
                    label={}, created_at=order.created_at,
                    shipped_at=at(shipped) if shipped else None,
                    delivered_at=at(delivered) if delivered else None))


def shipped(db):
    """T-0001 24 h to ship, 48 h to deliver; T-0002 72 h to ship, not delivered yet;
    T-0004 shipped in two parcels, the first after 12 h, the last delivered 48 h
    after the order; T-0005 has a parcel booked but not handed over."""
    ship(db, "T-0001", "2026-03-03T10:00:00", "2026-03-05T10:00:00")
    ship(db, "T-0002", "2026-03-06T09:00:00")
    ship(db, "T-0004", "2026-04-01T20:00:00", "2026-04-02T08:00:00")
    ship(db, "T-0004", "2026-04-02T08:00:00", "2026-04-03T08:00:00")
    ship(db, "T-0005", None)
    db.commit()


def figures(rows):
    return {r["stage"]: (r["orders"], r["median_hours"], r["p90_hours"]) for r in rows}


def test_median_and_90th_percentile_of_each_stage(planted, db):
    shipped(db)
    assert figures(dashboards.fulfilment_time(db, DashboardFilter())) == {
        # 12, 24, 72 hours: the 90th percentile lies 80% of the way from 24 to 72.
        "ordered_to_shipped": (3, Decimal("24.0"), Decimal("62.4")),
        # Only fully delivered orders; T-0004 is delivered when its last parcel is.
        "shipped_to_delivered": (2, Decimal("42.0"), Decimal("46.8")),
        "ordered_to_delivered": (2, Decimal("60.0"), Decimal("69.6")),
    }


def test_filters_choose_the_orders_measured(planted, db):
    shipped(db)
    manual = figures(dashboards.fulfilment_time(db, DashboardFilter(channel="manual")))
    assert manual["ordered_to_shipped"] == (1, Decimal("72.0"), Decimal("72.0"))
    assert manual["shipped_to_delivered"] == (0, None, None)


def test_no_shipments_gives_no_figures_rather_than_zero(planted, db):
    assert figures(dashboards.fulfilment_time(db, DashboardFilter())) == {
        "ordered_to_shipped": (0, None, None), "shipped_to_delivered": (0, None, None),
        "ordered_to_delivered": (0, None, None)}
    assert dashboards.shipped_within_sla(db, DashboardFilter()) == {
        "sla_hours": 48, "shipped": 0, "within_sla": 0, "late": 0, "share_percent": None}


def test_share_shipped_within_the_sla(planted, db):
    shipped(db)
    assert dashboards.shipped_within_sla(db, DashboardFilter()) == {
        "sla_hours": 48, "shipped": 3, "within_sla": 2, "late": 1,
        "share_percent": Decimal("66.7")}
    # Exactly on the limit counts as within it.
    assert dashboards.shipped_within_sla(db, DashboardFilter(sla_hours=12))["within_sla"] == 1
    assert dashboards.shipped_within_sla(db, DashboardFilter(sla_hours=72))[
        "share_percent"] == Decimal("100.0")

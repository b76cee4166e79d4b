"""The order list's pages, newest first by creation time, since the list is read
through the (state, created_at) index (docs/benchmarks.md)."""
from __future__ import annotations

from sqlalchemy import true

from orderloom.runtime.orders.search import OrderFilter, order_query
from tests.dashboards.conftest import at


def test_pages_follow_creation_time_even_when_ids_do_not(plant, db):
    # Ids 1..6 in this order; an order imported late (id 4) was placed first, and
    # two orders share a second.
    moments = ["2026-03-02T10:00:00", "2026-03-03T10:00:00", "2026-03-03T10:00:00",
               "2026-03-01T08:00:00", "2026-03-04T09:00:00", "2026-03-03T11:00:00"]
    orders = [plant.order(m, "confirmed", "web", "C1", [("A", 1, "1.00")]) for m in moments]
    db.commit()
    expected = [o.number for o in sorted(orders, key=lambda o: (o.created_at, o.id),
                                         reverse=True)]
    seen, before = [], None
    while True:
        page = list(db.scalars(order_query(OrderFilter(before_id=before), visible=true()).limit(2)))
        if not page:
            break
        seen += [o.number for o in page]
        before = page[-1].id
    assert seen == expected == ["T-0005", "T-0006", "T-0003", "T-0002", "T-0001", "T-0004"]


def test_a_state_and_date_filter_pages_within_them(plant, db):
    for day in range(1, 8):
        plant.order(f"2026-03-0{day}T10:00:00", "shipped" if day % 2 else "confirmed",
                    "web", "C1", [("A", 1, "1.00")])
    db.commit()
    spec = OrderFilter(states=["shipped"], created_from=at("2026-03-02T00:00:00"),
                       created_to=at("2026-03-07T00:00:00"))
    first = list(db.scalars(order_query(spec, visible=true()).limit(1)))
    spec.before_id = first[-1].id
    rest = list(db.scalars(order_query(spec, visible=true()).limit(10)))
    assert [o.number for o in first + rest] == ["T-0005", "T-0003"]

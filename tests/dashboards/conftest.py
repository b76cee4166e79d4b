"""Planted orders with known answers for the dashboard tests.

Orders are written straight to the database with the creation times, states and
channels each test needs; the charts read nothing else.
"""
from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy import select

from orderloom.designer.models import DefinitionVersion, OrderType
from orderloom.runtime.orders.models import Order


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


class Planter:
    def __init__(self, db) -> None:
        self.db = db
        self.order_type = db.scalar(select(OrderType).where(OrderType.key == "retail_order"))
        self.version = db.scalar(select(DefinitionVersion)
                                 .where(DefinitionVersion.order_type_id == self.order_type.id))
        self.count = 0

    def order(self, created: str, state: str, channel: str, customer: str,
              lines: list[tuple[str, int, str]], currency: str = "CNY") -> Order:
        """``lines`` are (sku, qty, amount); the total is their sum."""
        self.count += 1
        items = [{"sku": sku, "qty": qty, "price": str(Decimal(amount) / qty),
                  "amount": amount} for sku, qty, amount in lines]
        total = sum((Decimal(amount) for _s, _q, amount in lines), Decimal(0))
        order = Order(number=f"T-{self.count:04d}", order_type_id=self.order_type.id,
                      version_id=self.version.id, state=state, channel=channel,
                      data={"customer": {"code": customer, "name": customer},
                            "items": items, "total": str(total)},
                      tags=[], revision=1, created_at=at(created), updated_at=at(created),
                      created_by="test")
        order.total, order.currency = total, currency
        self.db.add(order)
        self.db.flush()
        return order


@pytest.fixture
def plant(published, db) -> Planter:
    return Planter(db)


@pytest.fixture
def planted(plant, db) -> Planter:
    """Five orders over March and April 2026:

    1. Mon 2 March, shipped, web, C1: A x2 = 20.00, B x1 = 5.50 (25.50)
    2. Tue 3 March, confirmed, manual, C1: A x1 = 10.00
    3. Mon 9 March, cancelled, web, C2: B x10 = 55.00 (not a sale)
    4. Wed 1 April, delivered, web, C2: C x3 = 300.00
    5. Wed 1 April late, draft, web, C3, in USD: A x5 = 50.00
    """
    plant.order("2026-03-02T10:00:00", "shipped", "web", "C1",
                [("A", 2, "20.00"), ("B", 1, "5.50")])
    plant.order("2026-03-03T09:00:00", "confirmed", "manual", "C1", [("A", 1, "10.00")])
    plant.order("2026-03-09T12:00:00", "cancelled", "web", "C2", [("B", 10, "55.00")])
    plant.order("2026-04-01T08:00:00", "delivered", "web", "C2", [("C", 3, "300.00")])
    plant.order("2026-04-01T23:59:00", "draft", "web", "C3", [("A", 5, "50.00")],
                currency="USD")
    db.commit()
    return plant

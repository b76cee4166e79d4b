"""Tokens for the customer tests, beside the published retail order type of
tests/conftest.py, and helpers to plant orders of customers."""
from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import update

from orderloom.runtime.orders.models import Order
from tests.platform.test_api_tokens import bearer
from tests.runtime.support import SAMPLE


@pytest.fixture
def staff(client, token_for, published):
    return bearer(token_for("staff"))


@pytest.fixture
def viewer(token_for):
    return bearer(token_for("viewer"))


def order_for(client, headers, customer: dict, items=None) -> dict:
    """Create a retail order for ``customer``; answers the order's JSON."""
    data = {**SAMPLE, "customer": customer, **({"items": items} if items else {})}
    response = client.post("/api/v1/orders", headers=headers,
                           json={"order_type": "retail_order", "data": data})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


NO_TOTAL = object()


def plant(db, number: str, *, at: datetime | None = None, state: str | None = None,
          total=None) -> None:
    """Move an order back in time, or into a state, as if months had passed; ``total``
    NO_TOTAL makes it an order of a type without a total."""
    values: dict = {"total": None} if total is NO_TOTAL else {}
    if at is not None:
        values["created_at"] = at
    if state is not None:
        values["state"] = state
    db.execute(update(Order).where(Order.number == number).values(**values)
               .execution_options(synchronize_session=False))
    db.commit()

"""Orders of one new customer arriving at the same moment, on PostgreSQL, where
requests really run in parallel."""
from __future__ import annotations

import pytest

from tests.customers.conftest import order_for
from tests.runtime.test_concurrency import run_together

ON_POSTGRESQL = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)


@ON_POSTGRESQL
@pytest.mark.parametrize("who", [{"code": "NEW-1", "name": "Li Wei"},
                                 {"name": "Li Wei", "email": "lw@example.com"}],
                         ids=["by_code", "by_email"])
def test_two_orders_of_a_new_customer_at_once_make_one_customer(app, published, staff, who):
    clients = [app.test_client() for _ in range(4)]
    orders = run_together(4, lambda i: order_for(clients[i], staff, who))
    assert len({o["number"] for o in orders}) == 4
    listed = clients[0].get("/api/v1/customers", headers=staff).get_json()["customers"]
    assert len(listed) == 1
    assert listed[0]["orders"]["all"] == 4

"""Lifetime value and RFM segments on planted orders: what a manager reads on a profile."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select

from orderloom.db import utcnow
from orderloom.runtime.customers import records as customers
from orderloom.runtime.customers.records import Customer
from tests.customers.conftest import NO_TOTAL, order_for, plant

API = "/api/v1/customers"
BIG = [{"sku": "SOFA-1", "qty": 1, "price": "12000.00"}]


def _orders(client, staff, db, code, ages_in_days, **extra):
    numbers = []
    for age in ages_in_days:
        number = order_for(client, staff, {"code": code, "name": code}, **extra)["number"]
        plant(db, number, at=utcnow() - timedelta(days=age))
        numbers.append(number)
    return numbers


def test_segments_follow_recency_frequency_and_value(client, staff, db):
    _orders(client, staff, db, "champion", [1, 2, 3, 5, 8])
    _orders(client, staff, db, "big", [10], items=BIG)
    _orders(client, staff, db, "regular", [3, 20])
    _orders(client, staff, db, "newcomer", [4])
    _orders(client, staff, db, "warming", [60])
    _orders(client, staff, db, "slipping", [100, 120, 130])
    _orders(client, staff, db, "dozing", [150])
    _orders(client, staff, db, "gone", [200, 400])
    client.post(API, headers=staff, json={"code": "lead", "name": "No orders yet"})
    expected = {"champion": "champions", "big": "champions", "regular": "loyal",
                "newcomer": "new", "warming": "promising", "slipping": "at_risk",
                "dozing": "hibernating", "gone": "lost", "lead": "prospect"}
    seen = {c["code"]: c["segment"]
            for c in client.get(f"{API}?limit=200", headers=staff).get_json()["customers"]}
    assert seen == expected
    for code, segment in expected.items():
        listed = client.get(f"{API}?segment={segment}", headers=staff).get_json()["customers"]
        assert code in [c["code"] for c in listed], segment
    at_risk = client.get(f"{API}?segment=at_risk", headers=staff).get_json()["customers"]
    assert [c["code"] for c in at_risk] == ["slipping"]


def test_lifetime_value_leaves_out_orders_in_a_cancelled_state(client, staff, db):
    kept, delivered, cancelled, untotalled = _orders(client, staff, db, "C1", [1, 2, 3, 4])
    plant(db, delivered, state="delivered")
    plant(db, cancelled, state="cancelled")
    plant(db, untotalled, total=NO_TOTAL)
    customer = client.get(f"{API}/C1", headers=staff).get_json()
    # The open and the delivered order; the cancelled one counts in the history only,
    # and one without a total adds nothing.
    assert customer["lifetime_value"] == "5121.40"
    assert customer["orders"] == {**customer["orders"], "all": 4, "counted": 3}


def test_standings_answer_in_one_query_for_a_page(client, staff, db):
    _orders(client, staff, db, "A", [1, 2])
    _orders(client, staff, db, "B", [45])
    ids = dict(db.execute(select(Customer.code, Customer.id)).all())
    now = utcnow()
    found = customers.standings(db, [ids["A"], ids["B"]], now)
    assert found[ids["A"]].value == Decimal("5121.40")
    assert found[ids["A"]].orders == 2 and found[ids["A"]].segment == "loyal"
    assert found[ids["B"]].segment == "promising"
    # The same orders, seen 200 days later, are lost.
    later = customers.standings(db, [ids["A"]], now + timedelta(days=200))
    assert later[ids["A"]].segment == "lost"

"""Two refunds issued at the same moment for the last paid amount: exactly one is
given, on PostgreSQL where the two requests really run in parallel."""
from __future__ import annotations

import pytest

from tests.payments.conftest import new_order, pay, refund
from tests.runtime.test_concurrency import ON_POSTGRESQL, run_together


@ON_POSTGRESQL
@pytest.mark.parametrize("amounts", [("100.00", "100.00"), (None, None), ("100.00", None)])
def test_two_refunds_of_the_last_paid_amount_only_one_succeeds(app, staff, amounts):
    client = app.test_client()
    number = new_order(client, staff)
    assert pay(client, staff, number, "100.00").status_code == 201
    clients = [app.test_client() for _ in range(2)]
    answers = run_together(2, lambda i: refund(clients[i], staff, number, amounts[i]))
    statuses = sorted(a.status_code for a in answers)
    assert statuses[0] == 201 and statuses[1] in (409, 422), [a.get_json() for a in answers]
    loser = next(a for a in answers if a.status_code != 201).get_json()
    assert "refund" in loser["detail"] and "100.00" in loser["detail"]
    money = client.get(f"/api/v1/orders/{number}/payments", headers=staff).get_json()
    assert (money["refunded"], len(money["refunds"]), money["payment_status"]) == (
        "100.00", 1, "refunded")


@ON_POSTGRESQL
def test_many_parallel_partial_refunds_never_exceed_what_was_paid(app, staff):
    client = app.test_client()
    number = new_order(client, staff)
    pay(client, staff, number, "100.00")
    clients = [app.test_client() for _ in range(6)]
    answers = run_together(6, lambda i: refund(clients[i], staff, number, "30.00"))
    assert sorted(a.status_code for a in answers) == [201, 201, 201, 422, 422, 422]
    money = client.get(f"/api/v1/orders/{number}/payments", headers=staff).get_json()
    assert (money["refunded"], money["refundable"]) == ("90.00", "10.00")

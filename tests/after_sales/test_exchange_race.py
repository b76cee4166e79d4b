"""Two exchanges racing for the last unit of a replacement, on PostgreSQL where the
two requests really run at once: one wins, the other is refused saying what was
short, and nothing of the loser's close is stored."""
from __future__ import annotations

from tests.after_sales.test_returns import inspected, levels, shipped_order
from tests.runtime.test_concurrency import ON_POSTGRESQL, run_together


@ON_POSTGRESQL
def test_two_exchanges_for_the_last_unit_one_wins(app, shop, staff):
    client = app.test_client()
    admin = shop
    # MUG-03 has 4 in HZ: leave one.
    client.post("/api/v1/stock/adjustments", headers=admin, json={
        "sku": "MUG-03", "warehouse": "HZ", "change": -3, "reference": "count"})
    assert levels(client, admin)[("MUG-03", "HZ")] == (1, 0)
    returns = []
    for _ in range(2):
        order = shipped_order(client, staff, paid=False)
        returns.append(inspected(client, staff, order, [{"sku": "CUP-02", "quantity": 1}],
                                 {"CUP-02": {"disposition": "write_off"}}))
    orders_before = len(client.get("/api/v1/orders", headers=staff).get_json()["orders"])
    clients = [app.test_client() for _ in range(2)]
    answers = run_together(2, lambda i: clients[i].post(
        f"/api/v1/returns/{returns[i]}/close", headers=staff,
        json={"outcome": "exchange", "lines": [{"sku": "MUG-03", "quantity": 1}]}))
    assert sorted(a.status_code for a in answers) == [200, 409]
    lost = next(a for a in answers if a.status_code == 409).get_json()
    assert lost["errors"][0]["pointer"] == "/lines/0/quantity"
    assert "only 0 of MUG-03 available in HZ, 1 wanted" in lost["detail"]
    states = sorted(client.get(f"/api/v1/returns/{number}", headers=staff).get_json()["state"]
                    for number in returns)
    assert states == ["closed", "inspected"]
    assert levels(client, admin)[("MUG-03", "HZ")] == (1, 1)
    orders_after = client.get("/api/v1/orders", headers=staff).get_json()["orders"]
    assert len(orders_after) == orders_before + 1  # the loser's order was not kept


@ON_POSTGRESQL
def test_two_returns_for_the_last_returnable_unit_one_is_refused(app, shop, staff):
    client = app.test_client()
    order = shipped_order(client, staff, paid=False)
    clients = [app.test_client() for _ in range(2)]
    answers = run_together(2, lambda i: clients[i].post("/api/v1/returns", headers=staff, json={
        "order": order, "reason": "changed_mind", "lines": [{"sku": "TEA-01", "quantity": 2}]}))
    assert sorted(a.status_code for a in answers) == [201, 422]
    refused = next(a for a in answers if a.status_code == 422).get_json()
    assert "can return 0 of TEA-01" in refused["detail"]
    assert len(client.get(f"/api/v1/returns?order={order}",
                          headers=staff).get_json()["returns"]) == 1


@ON_POSTGRESQL
def test_two_people_restocking_one_return_at_once_restock_it_once(app, shop, staff):
    client = app.test_client()
    order = shipped_order(client, staff, paid=False)
    number = client.post("/api/v1/returns", headers=staff, json={
        "order": order, "reason": "damaged", "lines": [{"sku": "CUP-02", "quantity": 2}]}
    ).get_json()["number"]
    for step in ("approve", "receive"):
        client.post(f"/api/v1/returns/{number}/{step}", headers=staff, json={})
    clients = [app.test_client() for _ in range(2)]
    answers = run_together(2, lambda i: clients[i].post(
        f"/api/v1/returns/{number}/inspect", headers=staff,
        json={"lines": {"CUP-02": {"disposition": "restock", "warehouse": "HZ"}}}))
    assert sorted(a.status_code for a in answers) == [200, 409]
    assert "is inspected; it cannot be inspected now" in next(
        a for a in answers if a.status_code == 409).get_json()["detail"]
    assert levels(client, shop)[("CUP-02", "HZ")] == (9, 0)  # 7 left after shipping, +2

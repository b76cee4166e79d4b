"""Orders on hold (a store's cancellation, a short pick) stay where they are for staff:
no wave plans them and packing never ships them."""
from __future__ import annotations

from orderloom.runtime.audit import Actor
from orderloom.runtime.engine import holds
from orderloom.runtime.orders.models import Order
from tests.floor.conftest import item, place
from tests.floor.test_waves_api import scan, stock

CANCELLED = {"en": "the store cancelled the order", "zh": "店铺已取消订单"}


def hold(db, number: str) -> None:
    order = db.query(Order).filter_by(number=number).one()
    holds.hold(db, Actor(None, "store", "job"), order, CANCELLED)
    db.commit()


def test_an_order_on_hold_is_planned_into_no_wave(client, db, staff):
    held = place(client, staff, [item("CUP-02", 1)])
    free = place(client, staff, [item("CUP-02", 1)])
    hold(db, held)
    by_hand = client.post("/api/v1/waves", headers=staff,
                          json={"warehouse": "HZ", "orders": [free, held]})
    assert by_hand.status_code == 422, by_hand.get_json()
    assert by_hand.get_json()["errors"][0]["pointer"] == "/orders/1"
    assert "the store cancelled the order" in by_hand.get_json()["detail"]
    planned = client.post("/api/v1/waves/plan", headers=staff, json={"warehouse": "HZ"})
    assert planned.status_code == 201, planned.get_json()
    assert [[o["number"] for o in w["orders"]] for w in planned.get_json()] == [[free]]


def test_an_order_held_after_planning_is_refused_at_the_packing_bench(client, db, staff):
    first = place(client, staff, [item("CUP-02", 1)])
    second = place(client, staff, [item("CUP-02", 1)])
    wave = client.post("/api/v1/waves", headers=staff,
                       json={"warehouse": "HZ", "orders": [first, second]}).get_json()["number"]
    for code in ("A-2", "6901002", "6901002"):
        assert scan(client, staff, wave, code)["accepted"]
    hold(db, first)
    refused = scan(client, staff, wave, first, "pack")
    assert (refused["accepted"], refused["refusal"]) == (False, "order_held")
    assert "the store cancelled the order" in refused["message"]
    # On the bench before the hold: the last unit does not ship it either.
    assert scan(client, staff, wave, second, "pack")["done"] == "order_on_bench"
    hold(db, second)
    last = scan(client, staff, wave, "6901002", "pack", second)
    assert (last["accepted"], last["refusal"], last["shipped_by"]) == \
        (False, "order_held", None)
    for number in (first, second):
        assert client.get(f"/api/v1/orders/{number}", headers=staff).get_json()["state"] == \
            "confirmed"
    assert stock(client, staff, "CUP-02") == (50, 2)


def test_a_short_picked_order_is_not_planned_again(client, staff):
    lacking = place(client, staff, [item("POT-03", 2)])
    wave = client.post("/api/v1/waves", headers=staff,
                       json={"warehouse": "HZ", "orders": [lacking]}).get_json()["number"]
    scan(client, staff, wave, "A-10")
    scan(client, staff, wave, "6901003")
    assert client.post(f"/api/v1/waves/{wave}/short", headers=staff).status_code == 200
    again = client.post("/api/v1/waves/plan", headers=staff, json={"warehouse": "HZ"})
    assert again.status_code == 422
    assert "no order waits to be picked in HZ" in again.get_json()["detail"]
    by_hand = client.post("/api/v1/waves", headers=staff,
                          json={"warehouse": "HZ", "orders": [lacking]})
    assert by_hand.status_code == 422
    assert "short pick in wave" in by_hand.get_json()["detail"]

"""A wave is planned from what its orders hold then; what happens to an order later
(it is cancelled, it holds other stock) is checked again, so packing never ships more
or other than was verified."""
from __future__ import annotations

from orderloom.runtime.orders.models import Order
from orderloom.runtime.stock import keeping
from orderloom.runtime.stock.catalog import Product, Warehouse
from tests.floor.conftest import item, place
from tests.floor.test_waves_api import scan, stock


def test_an_order_cancelled_while_in_a_wave_leaves_it(client, staff):
    cancelled = place(client, staff, [item("CUP-02", 2)])
    kept = place(client, staff, [item("CUP-02", 1)])
    wave = client.post("/api/v1/waves", headers=staff,
                       json={"warehouse": "HZ", "orders": [cancelled, kept]}).get_json()
    assert wave["pick_list"][0]["quantity"] == 3
    moved = client.post(f"/api/v1/orders/{cancelled}/transitions/cancel", headers=staff)
    assert moved.status_code == 200, moved.get_json()
    now = client.get(f"/api/v1/waves/{wave['number']}", headers=staff).get_json()
    assert [(s["sku"], s["quantity"], s["orders"]) for s in now["pick_list"]] == \
        [("CUP-02", 1, [kept])]
    assert {o["number"]: o["status"] for o in now["orders"]}[cancelled] == "gone"
    for code in ("A-2", "6901002"):
        assert scan(client, staff, wave["number"], code)["accepted"]
    refused = scan(client, staff, wave["number"], cancelled, "pack")
    assert refused["refusal"] == "order_gone"
    scan(client, staff, wave["number"], kept, "pack")
    done = scan(client, staff, wave["number"], "6901002", "pack", kept)
    assert (done["done"], done["wave"]["status"]) == ("shipped", "done")
    assert stock(client, staff, "CUP-02") == (49, 0)


def test_an_order_holding_more_than_its_wave_does_not_ship_from_the_bench(client, db,
                                                                          staff):
    number = place(client, staff, [item("CUP-02", 1)])
    wave = client.post("/api/v1/waves", headers=staff,
                       json={"warehouse": "HZ", "orders": [number]}).get_json()["number"]
    # After planning the order comes to hold one unit more (an edit added it).
    order = db.query(Order).filter_by(number=number).one()
    cup = db.query(Product).filter_by(sku="CUP-02").one()
    hangzhou = db.query(Warehouse).filter_by(code="HZ").one()
    keeping.reserve(db, "test", order.id, [keeping.Line(cup.id, hangzhou.id, 1)])
    db.commit()
    for code in ("A-2", "6901002"):
        scan(client, staff, wave, code)
    scan(client, staff, wave, number, "pack")
    refused = scan(client, staff, wave, "6901002", "pack", number)
    assert (refused["accepted"], refused["refusal"], refused["shipped_by"]) == \
        (False, "stock_changed", None)
    assert client.get(f"/api/v1/orders/{number}", headers=staff).get_json()["state"] == \
        "confirmed"
    assert stock(client, staff, "CUP-02") == (50, 2)  # nothing deducted


def test_a_wave_under_way_keeps_its_walk_when_the_zone_order_changes(client, staff, admin):
    # The walk was sorted by the warehouse's zone order as it is now: changing it sent
    # a picker halfway through a wave back to a zone already walked.
    number = place(client, staff, [item("CUP-02", 1), item("MAT-04", 1)])
    wave = client.post("/api/v1/waves", headers=staff,
                       json={"warehouse": "HZ", "orders": [number]}).get_json()
    assert [s["bin"] for s in wave["pick_list"]] == ["B-3", "A-2"]
    changed = client.put("/api/v1/warehouses/HZ/zone-order", headers=admin,
                         json={"zone_order": ["A", "B"]})
    assert changed.status_code == 200
    now = client.get(f"/api/v1/waves/{wave['number']}", headers=staff).get_json()
    assert [s["bin"] for s in now["pick_list"]] == ["B-3", "A-2"]


def test_a_new_warehouse_listing_a_zone_twice_is_refused_where(client, admin):
    refused = client.post("/api/v1/warehouses", headers=admin, json={
        "code": "GZ", "name": "Guangzhou", "zone_order": ["A", "B", "A"]})
    assert refused.status_code == 422, refused.get_json()
    assert refused.get_json()["errors"][0]["pointer"] == "/zone_order/2"
    assert all(w["code"] != "GZ" for w in
               client.get("/api/v1/warehouses", headers=admin).get_json())

"""A promotion's gift, held when the order arrives wherever there was one, moves to the
warehouse routing reserves the order's lines in, so the order is picked in one wave and
ships as one parcel."""
from __future__ import annotations

from tests.floor.conftest import item, place
from tests.floor.test_waves_api import scan
from tests.runtime.support import SAMPLE


def gift_stock(client, headers, warehouse: str) -> tuple[int, int]:
    level = client.get(f"/api/v1/stock?sku=GIFT-FAN&warehouse={warehouse}",
                       headers=headers).get_json()
    return (level[0]["on_hand"], level[0]["reserved"]) if level else (0, 0)


def test_a_gift_held_in_another_warehouse_ships_in_the_orders_parcel(client, floor_shop,
                                                                     staff):
    """The gift was held in the warehouse first found with one, the order's lines where
    routing put them: the order held stock in two warehouses, no wave of either would
    take it, and the order's lines could not be edited before it was submitted."""
    assert client.post("/api/v1/products", headers=floor_shop, json={
        "sku": "GIFT-FAN", "name": "Paper fan", "barcode": "6909999",
        "attributes": {"bin": "A-1"}}).status_code == 201
    client.post("/api/v1/stock/receipts", headers=floor_shop,
                json={"sku": "GIFT-FAN", "warehouse": "SH", "quantity": 5})
    assert client.post("/api/v1/promotions", headers=floor_shop, json={
        "code": "fan-for-tea", "name": "A fan with tea", "active": True, "skus": ["TEA-01"],
        "gift_sku": "GIFT-FAN", "gift_quantity": 1}).status_code == 201
    created = client.post("/api/v1/orders", headers=staff, json={
        "order_type": "retail_order", "data": {
            **SAMPLE,
            "items": [item("TEA-01", 2)]}})
    number = created.get_json()["number"]
    assert gift_stock(client, staff, "SH") == (5, 1)
    # Held for a gift, not for its lines: the draft's lines can still be changed.
    edited = client.patch(f"/api/v1/orders/{number}", headers=staff,
                          json={"data": {"items": [item("TEA-01", 3)]}})
    assert edited.status_code == 200, edited.get_json()
    # Hangzhou gets fans too, then the order is submitted and reserved there.
    client.post("/api/v1/stock/receipts", headers=floor_shop,
                json={"sku": "GIFT-FAN", "warehouse": "HZ", "quantity": 5})
    assert client.post(f"/api/v1/orders/{number}/transitions/submit",
                       headers=staff).status_code == 200
    assert gift_stock(client, staff, "SH") == (5, 0)
    assert gift_stock(client, staff, "HZ") == (5, 1)
    timeline = client.get(f"/api/v1/orders/{number}/timeline", headers=staff).get_json()
    assert [(e["details"]["step"], e["details"]["warehouse"]) for e in timeline
            if e["kind"] == "promotion"] == [("gift", "SH"), ("gift_moved", "HZ")]

    planned = client.post("/api/v1/waves", headers=staff,
                          json={"warehouse": "HZ", "orders": [number]})
    assert planned.status_code == 201, planned.get_json()
    wave = planned.get_json()
    assert [(s["bin"], s["sku"], s["quantity"]) for s in wave["pick_list"]] == [
        ("B-10", "TEA-01", 3), ("A-1", "GIFT-FAN", 1)]
    for bin_, code, times in (("B-10", "6901001", 3), ("A-1", "6909999", 1)):
        scan(client, staff, wave["number"], bin_)
        for _ in range(times):
            scan(client, staff, wave["number"], code)
    scan(client, staff, wave["number"], number, "pack")
    for code in ("6901001", "6901001", "6901001"):
        scan(client, staff, wave["number"], code, "pack", number)
    shipped = scan(client, staff, wave["number"], "6909999", "pack", number)
    assert shipped["done"] == "shipped"
    assert gift_stock(client, staff, "HZ") == (4, 0)
    assert gift_stock(client, staff, "SH") == (5, 0)


def test_a_gift_the_orders_warehouse_lacks_goes_back_and_the_timeline_says_so(
        client, floor_shop, staff):
    assert client.post("/api/v1/products", headers=floor_shop, json={
        "sku": "GIFT-FAN", "name": "Paper fan"}).status_code == 201
    client.post("/api/v1/stock/receipts", headers=floor_shop,
                json={"sku": "GIFT-FAN", "warehouse": "SH", "quantity": 5})
    client.post("/api/v1/promotions", headers=floor_shop, json={
        "code": "fan-for-tea", "name": "A fan with tea", "active": True, "skus": ["TEA-01"],
        "gift_sku": "GIFT-FAN", "gift_quantity": 1})
    number = place(client, staff, [item("TEA-01", 1)])  # reserved in HZ, which has no fan
    assert gift_stock(client, staff, "SH") == (5, 0)
    timeline = client.get(f"/api/v1/orders/{number}/timeline", headers=staff).get_json()
    assert [e["details"]["step"] for e in timeline if e["kind"] == "promotion"] == [
        "gift", "gift_out_of_stock"]
    planned = client.post("/api/v1/waves", headers=staff,
                          json={"warehouse": "HZ", "orders": [number]})
    assert planned.status_code == 201, planned.get_json()

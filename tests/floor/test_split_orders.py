"""An order reserved in two warehouses: each warehouse's wave picks and packs its own
lines, each part ships as its own parcel with its own tracking number, and the order
ships (moves on) only with its last part."""
from __future__ import annotations

import io

from pypdf import PdfReader

from orderloom.runtime.orders.models import Order
from orderloom.runtime.shipping.models import Shipment
from orderloom.runtime.stock import keeping
from orderloom.runtime.stock.catalog import Product, Warehouse
from tests.floor.conftest import floor_definition, item, place
from tests.floor.test_waves_api import scan


def level(client, headers, sku, warehouse):
    found = client.get(f"/api/v1/stock?sku={sku}&warehouse={warehouse}",
                       headers=headers).get_json()[0]
    return found["on_hand"], found["reserved"]


def split_order(client, db, staff, admin) -> str:
    """An order of a cup (held in Hangzhou) and two packs of tea (held in Shanghai)."""
    client.post("/api/v1/stock/receipts", headers=admin,
                json={"sku": "TEA-01", "warehouse": "SH", "quantity": 5})
    number = place(client, staff, [item("CUP-02", 1), item("TEA-01", 2)])
    order = db.query(Order).filter_by(number=number).one()
    product = {p.sku: p.id for p in db.query(Product)}
    warehouse = {w.code: w.id for w in db.query(Warehouse)}
    keeping.release(db, "test", order.id)
    keeping.reserve(db, "test", order.id, [
        keeping.Line(product["CUP-02"], warehouse["HZ"], 1),
        keeping.Line(product["TEA-01"], warehouse["SH"], 2)])
    db.commit()
    return number


def test_each_warehouse_picks_packs_and_ships_its_own_part_of_an_order(
        client, db, staff, admin):
    definition = floor_definition()
    ship = next(t for t in definition["workflow"]["transitions"] if t["key"] == "ship")
    ship["actions"].append({"type": "create_shipment", "carrier": "local"})
    imported = client.post("/api/v1/import?on_conflict=replace", headers=admin, json={
        "format": "orderloom-package/1", "order_types": [definition]})
    assert imported.status_code == 201, imported.get_json()
    number = split_order(client, db, staff, admin)

    hangzhou = client.post("/api/v1/waves", headers=staff,
                           json={"warehouse": "HZ", "orders": [number]})
    assert hangzhou.status_code == 201, hangzhou.get_json()
    assert [s["sku"] for s in hangzhou.get_json()["pick_list"]] == ["CUP-02"]
    # Shanghai's wave, planned by its rules, takes the same order for its own line.
    shanghai = client.post("/api/v1/waves/plan", headers=staff, json={"warehouse": "SH"})
    assert shanghai.status_code == 201, shanghai.get_json()
    assert [o["number"] for o in shanghai.get_json()[0]["orders"]] == [number]
    assert [(s["sku"], s["quantity"]) for s in shanghai.get_json()[0]["pick_list"]] == [
        ("TEA-01", 2)]
    again = client.post("/api/v1/waves", headers=staff,
                        json={"warehouse": "HZ", "orders": [number]})
    assert again.status_code == 409

    first = hangzhou.get_json()["number"]
    assert scan(client, staff, first, "A-2")["accepted"]
    assert scan(client, staff, first, "6901002")["accepted"]
    assert scan(client, staff, first, number, "pack")["accepted"]
    packed = scan(client, staff, first, "6901002", "pack", number)
    assert packed["done"] == "shipped_part", packed
    assert packed["values"]["warehouse"] == "HZ"
    order = client.get(f"/api/v1/orders/{number}", headers=staff).get_json()
    assert order["state"] == "confirmed"  # not shipped while Shanghai's part waits
    assert level(client, staff, "CUP-02", "HZ") == (49, 0)
    assert level(client, staff, "TEA-01", "SH") == (5, 2)

    second = shanghai.get_json()[0]["number"]
    assert scan(client, staff, second, "B-10")["accepted"]
    for _unit in range(2):
        assert scan(client, staff, second, "6901001")["accepted"]
    assert scan(client, staff, second, number, "pack")["accepted"]
    assert scan(client, staff, second, "6901001", "pack", number)["done"] == "packed"
    last = scan(client, staff, second, "6901001", "pack", number)
    assert last["done"] == "shipped", last
    order = client.get(f"/api/v1/orders/{number}", headers=staff).get_json()
    assert order["state"] == "shipped"
    assert level(client, staff, "TEA-01", "SH") == (3, 0)
    assert level(client, staff, "CUP-02", "HZ") == (49, 0)

    timeline = client.get(f"/api/v1/orders/{number}/timeline", headers=staff).get_json()
    packs = [e for e in timeline if e.get("kind") == "scan"
             and (e.get("details") or {}).get("outcome") == "packed"]
    assert len(packs) == 2
    db.rollback()  # read what the requests committed
    parcels = db.query(Shipment).join(Order).filter(Order.number == number) \
        .order_by(Shipment.id).all()
    assert [(p.warehouse, p.label["lines"]) for p in parcels] == [
        ("HZ", [{"sku": "CUP-02", "qty": 1}]), ("SH", [{"sku": "TEA-01", "qty": 2}])]
    assert len({p.tracking_number for p in parcels}) == 2
    db.rollback()


def test_each_warehouses_wave_prints_the_slip_and_label_of_its_own_part(
        client, db, staff, admin):
    number = split_order(client, db, staff, admin)
    wave = client.post("/api/v1/waves", headers=staff, json={
        "warehouse": "SH", "orders": [number]}).get_json()["number"]
    printed = client.post(f"/api/v1/waves/{wave}/prints", headers=staff)
    assert printed.status_code == 200
    slip, label = [p.extract_text() for p in PdfReader(io.BytesIO(printed.data)).pages]
    assert "TEA-01" in slip and "CUP-02" not in slip
    assert "From 发货仓: SH" in label and "Pieces 件数: 2" in label


def _with_ship(client, admin, **changes):
    """The floor's order type whose ship move books a local parcel, changed by
    ``changes``."""
    definition = floor_definition()
    ship = next(t for t in definition["workflow"]["transitions"] if t["key"] == "ship")
    ship["actions"].append({"type": "create_shipment", "carrier": "local"})
    ship.update(changes)
    imported = client.post("/api/v1/import?on_conflict=replace", headers=admin, json={
        "format": "orderloom-package/1", "order_types": [definition]})
    assert imported.status_code == 201, imported.get_json()


def test_a_part_does_not_ship_when_the_packers_role_may_not_take_the_shipping_move(
        client, db, staff, admin):
    """Once a part left Hangzhou though the ship move was admin's only: its stock was
    deducted and a parcel booked that the packer could never have shipped whole."""
    _with_ship(client, admin, roles=["admin"])
    number = split_order(client, db, staff, admin)
    wave = client.post("/api/v1/waves", headers=staff,
                       json={"warehouse": "HZ", "orders": [number]}).get_json()["number"]
    assert scan(client, staff, wave, "A-2")["accepted"]
    assert scan(client, staff, wave, "6901002")["accepted"]
    assert scan(client, staff, wave, number, "pack")["accepted"]
    packed = scan(client, staff, wave, "6901002", "pack", number)
    assert packed["done"] == "packed_in_full", packed
    assert "admin" in packed["values"]["why"]
    assert level(client, staff, "CUP-02", "HZ") == (50, 1)  # still held, not deducted
    db.rollback()
    assert db.query(Shipment).join(Order).filter(Order.number == number).count() == 0
    db.rollback()


def test_one_sku_split_between_warehouses_prints_on_each_slip_what_leaves_from_there(
        client, db, staff, admin):
    """Once 5 tea split 3 from Hangzhou and 2 from Shanghai printed 5 on both slips and
    labels: each part showed the whole order line."""
    client.post("/api/v1/stock/receipts", headers=admin,
                json={"sku": "TEA-01", "warehouse": "SH", "quantity": 5})
    number = place(client, staff, [item("TEA-01", 5)])
    order = db.query(Order).filter_by(number=number).one()
    product = db.query(Product).filter_by(sku="TEA-01").one().id
    warehouse = {w.code: w.id for w in db.query(Warehouse)}
    keeping.release(db, "test", order.id)
    keeping.reserve(db, "test", order.id, [keeping.Line(product, warehouse["HZ"], 3),
                                           keeping.Line(product, warehouse["SH"], 2)])
    db.commit()
    for code, units in (("HZ", 3), ("SH", 2)):
        wave = client.post("/api/v1/waves", headers=staff, json={
            "warehouse": code, "orders": [number]}).get_json()["number"]
        printed = client.post(f"/api/v1/waves/{wave}/prints", headers=staff)
        assert printed.status_code == 200
        slip, label = [p.extract_text() for p in PdfReader(io.BytesIO(printed.data)).pages]
        assert f"Pieces 件数: {units}" in label, label
        assert f"Longjing tea {units}" in slip or f"Longjing tea\n{units}" in slip, slip


def _ship_hangzhous_part(client, staff, number) -> None:
    wave = client.post("/api/v1/waves", headers=staff,
                       json={"warehouse": "HZ", "orders": [number]}).get_json()["number"]
    assert scan(client, staff, wave, "A-2")["accepted"]
    assert scan(client, staff, wave, "6901002")["accepted"]
    assert scan(client, staff, wave, number, "pack")["accepted"]
    assert scan(client, staff, wave, "6901002", "pack", number)["done"] == "shipped_part"


def test_moving_a_part_shipped_order_on_by_hand_books_only_what_it_still_holds(
        client, db, staff, admin):
    """Once the order whose Hangzhou part had left was moved on by hand, and its move
    booked the whole order again from the order's warehouse: the cup twice."""
    _with_ship(client, admin)
    number = split_order(client, db, staff, admin)
    _ship_hangzhous_part(client, staff, number)
    moved = client.post(f"/api/v1/orders/{number}/transitions/ship", headers=staff)
    assert moved.status_code == 200, moved.get_json()
    db.rollback()
    parcels = db.query(Shipment).join(Order).filter(Order.number == number) \
        .order_by(Shipment.id).all()
    assert [(p.warehouse, p.label["lines"]) for p in parcels] == [
        ("HZ", [{"sku": "CUP-02", "qty": 1}]), ("SH", [{"sku": "TEA-01", "qty": 2}])]
    db.rollback()
    assert level(client, staff, "TEA-01", "SH") == (3, 0)


def test_the_last_part_leaves_other_waiting_bookings_of_the_order_as_they_were(
        client, db, staff, admin):
    """Once the last part's move rewrote every waiting booking of the order to its own
    parcel, a booking staff had asked for the whole order too."""
    from datetime import timedelta

    from orderloom.db import utcnow
    from orderloom.runtime.jobs.models import Job
    from orderloom.runtime.jobs.outbox import enqueue
    from orderloom.runtime.shipping import models as shipments

    _with_ship(client, admin)
    number = split_order(client, db, staff, admin)
    _ship_hangzhous_part(client, staff, number)
    order = db.query(Order).filter_by(number=number).one()
    # Staff's booking of the whole order, waiting for its carrier's next try.
    waiting = enqueue(db, shipments.BOOK_JOB, {"order_id": order.id, "carrier": "local",
                                               "reference": f"{number}-staff"},
                      order_id=order.id, run_after=utcnow() + timedelta(hours=1))
    db.commit()
    waiting = waiting.id
    assert db.get(Job, waiting).status in shipments.WAITING
    db.rollback()
    planned = client.post("/api/v1/waves", headers=staff,
                          json={"warehouse": "SH", "orders": [number]})
    assert planned.status_code == 201, planned.get_json()
    wave = planned.get_json()["number"]
    assert scan(client, staff, wave, "B-10")["accepted"]
    for _unit in range(2):
        assert scan(client, staff, wave, "6901001")["accepted"]
    assert scan(client, staff, wave, number, "pack")["accepted"]
    assert scan(client, staff, wave, "6901001", "pack", number)["done"] == "packed"
    assert scan(client, staff, wave, "6901001", "pack", number)["done"] == "shipped"
    db.rollback()
    assert "lines" not in db.get(Job, waiting).payload
    db.rollback()


def test_a_part_shipped_from_the_floor_names_its_booking_on_the_orders_timeline(
        client, db, staff, admin):
    """Once a part's parcel was booked with the carrier and the order's timeline said
    nothing of it: staff could not tell which carrier took the part."""
    _with_ship(client, admin)
    number = split_order(client, db, staff, admin)
    _ship_hangzhous_part(client, staff, number)
    timeline = client.get(f"/api/v1/orders/{number}/timeline", headers=staff).get_json()
    packed = next(e for e in timeline if e.get("kind") == "scan"
                  and (e.get("details") or {}).get("outcome") == "packed")
    values = packed["details"]["values"]
    assert values["part"] == "HZ"
    assert [s["carrier"] for s in values["shipments"]] == ["local"]
    assert all(isinstance(s["job"], int) for s in values["shipments"])

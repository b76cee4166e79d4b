"""Splitting an order into parts that ship apart, as staff do it on the order desk: by
warehouse, by stock, by parcel limits and by hand; each part's own parcel, and the
order shown partly shipped until every part has left."""
from __future__ import annotations

from sqlalchemy import select

from orderloom.runtime.audit import Actor
from orderloom.runtime.consolidation import held_lines
from orderloom.runtime.orders.models import Order
from tests.consolidation.conftest import buyer, item, kinds, level, place_for
from tests.consolidation.test_merging import said


def split(client, headers, number, basis, parts=None):
    body = {"basis": basis, **({"parts": parts} if parts is not None else {})}
    return client.post(f"/api/v1/orders/{number}/split", headers=headers, json=body)


def ship(client, headers, number, position, tracking):
    return client.post(f"/api/v1/orders/{number}/parts/{position}/shipment", headers=headers,
                       json={"carrier": "sf", "tracking_number": tracking})


def ready(client, headers, number, position):
    return client.post(f"/api/v1/orders/{number}/parts/{position}/ready", headers=headers)


def shape(parts):
    return [(p["status"], p["warehouse"], {ln["sku"]: ln["qty"] for ln in p["lines"]})
            for p in parts["parts"]]


def test_by_warehouse_each_warehouse_ships_its_part(client, staff, admin):
    routed(client, admin, allow_split=True)
    client.post("/api/v1/stock/receipts", headers=admin,
                json={"sku": "CUP-02", "warehouse": "SH", "quantity": 50})
    place_for(client, staff, buyer(code="C9"), [item("CUP-02", 49)])
    number = place_for(client, staff, buyer(), [item("CUP-02", 3), item("TEA-01", 1)])
    response = split(client, staff, number, "warehouse")
    assert response.status_code == 201, response.get_json()
    assert shape(response.get_json()) == [
        ("to_ship", "HZ", {"CUP-02": 1, "TEA-01": 1}), ("to_ship", "SH", {"CUP-02": 2})]
    assert response.get_json()["progress"] == "not_shipped"
    assert kinds(client, staff, number)[-1] == "split"
    assert level(client, staff, "CUP-02", "SH") == (50, 2)
    assert ship(client, staff, number, 1, "SF800000001").status_code == 201
    assert level(client, staff, "CUP-02", "HZ") == (49, 49)  # C9 holds 49 of them
    assert level(client, staff, "TEA-01", "HZ") == (49, 0)
    assert level(client, staff, "CUP-02", "SH") == (50, 2)
    last = ship(client, staff, number, 2, "SF800000002")
    assert last.status_code == 201 and last.get_json()["progress"] == "shipped"
    assert level(client, staff, "CUP-02", "SH") == (48, 0)


def test_by_stock_ships_what_is_there_and_back_orders_the_rest(client, staff, admin):
    # An order type that accepts what it cannot hold, back-ordered.
    place_for(client, staff, buyer(code="C9"), [item("CUP-02", 48)])
    number = backordered_order(client, staff, admin)
    response = split(client, staff, number, "stock")
    assert response.status_code == 201, response.get_json()
    assert shape(response.get_json()) == [
        ("to_ship", "HZ", {"CUP-02": 2, "TEA-01": 1}), ("backordered", None, {"CUP-02": 3})]
    shipped = ship(client, staff, number, 1, "SF900000001")
    assert shipped.status_code == 201, shipped.get_json()
    assert shipped.get_json()["progress"] == "partly_shipped"
    assert level(client, staff, "CUP-02", "HZ") == (48, 48)
    refused = ship(client, staff, number, 2, "SF900000002")
    assert refused.status_code == 409
    assert said(refused) == f"part 2 of order {number} is backordered, not ready to ship"
    # The back-ordered units come in: the part holds them and ships after all.
    short = ready(client, staff, number, 2)
    assert short.status_code == 409 and "no warehouse has every unit" in said(short)
    client.post("/api/v1/stock/receipts", headers=admin,
                json={"sku": "CUP-02", "warehouse": "HZ", "quantity": 3})
    readied = ready(client, staff, number, 2)
    assert readied.status_code == 200, readied.get_json()
    assert shape(readied.get_json())[1] == ("to_ship", "HZ", {"CUP-02": 3})
    last = ship(client, staff, number, 2, "SF900000002")
    assert last.status_code == 201, last.get_json()
    assert last.get_json()["progress"] == "shipped"
    assert level(client, staff, "CUP-02", "HZ") == (48, 48)


def routed(client, admin, **routing) -> None:
    """The shop's order type, routing as ``routing`` says (split over warehouses,
    back-order what none has)."""
    from tests.floor.conftest import floor_definition

    definition = floor_definition()
    definition["routing"] = {**(definition.get("routing") or {}), **routing}
    imported = client.post("/api/v1/import?on_conflict=replace", headers=admin, json={
        "format": "orderloom-package/1", "order_types": [definition]})
    assert imported.status_code in (200, 201), imported.get_json()


def backordered_order(client, headers, admin) -> str:
    routed(client, admin, backorder="split")
    return place_for(client, headers, buyer(), [item("CUP-02", 5), item("TEA-01", 1)])


def test_each_part_has_its_own_parcel_and_the_order_shows_how_far(client, staff, db):
    number = place_for(client, staff, buyer(), [item("CUP-02", 3), item("TEA-01", 1)])
    response = split(client, staff, number, "hand", [[{"sku": "CUP-02", "qty": 1}]])
    assert response.status_code == 201, response.get_json()
    assert shape(response.get_json()) == [
        ("to_ship", "HZ", {"CUP-02": 1}), ("to_ship", "HZ", {"CUP-02": 2, "TEA-01": 1})]
    first = ship(client, staff, number, 1, "SF1")
    assert first.get_json()["progress"] == "partly_shipped"
    assert level(client, staff, "CUP-02", "HZ") == (49, 2)
    second = ship(client, staff, number, 2, "SF2")
    assert second.get_json()["progress"] == "shipped"
    assert [p["tracking_number"] for p in second.get_json()["parts"]] == ["SF1", "SF2"]
    assert level(client, staff, "CUP-02", "HZ") == (47, 0)
    entries = client.get(f"/api/v1/orders/{number}/timeline", headers=staff).get_json()
    assert [e["details"]["tracking_number"] for e in entries if e["kind"] == "shipment"] == \
        ["SF1", "SF2"]
    again = split(client, staff, number, "hand", [[{"sku": "CUP-02", "qty": 1}]])
    assert again.status_code == 409
    assert said(again) == f"every part of order {number} has shipped"


def test_what_has_not_shipped_can_be_split_again_and_shipped_parts_stay(client, staff):
    number = place_for(client, staff, buyer(), [item("CUP-02", 3), item("TEA-01", 1)])
    split(client, staff, number, "hand", [[{"sku": "CUP-02", "qty": 1}]])
    assert ship(client, staff, number, 1, "SF11").status_code == 201
    again = split(client, staff, number, "hand", [[{"sku": "TEA-01", "qty": 1}]])
    assert again.status_code == 201, again.get_json()
    parts = again.get_json()["parts"]
    assert [(p["position"], p["status"], p["tracking_number"]) for p in parts] == [
        (1, "shipped", "SF11"), (2, "to_ship", None), (3, "to_ship", None)]
    assert shape(again.get_json())[1:] == [("to_ship", "HZ", {"TEA-01": 1}),
                                           ("to_ship", "HZ", {"CUP-02": 2})]


def test_by_parcel_limits_no_parcel_carries_more_than_allowed(client, staff, admin):
    number = place_for(client, staff, buyer(), [item("CUP-02", 5)])
    refused = split(client, staff, number, "parcel")
    assert refused.status_code == 422 and "no parcel limit is set" in said(refused)
    assert client.put("/api/v1/consolidation-settings", headers=admin,
                      json={"parcel_units": 2}).status_code == 200
    response = split(client, staff, number, "parcel")
    assert response.status_code == 201, response.get_json()
    assert [sum(p.values()) for _s, _w, p in shape(response.get_json())] == [2, 2, 1]


def test_hand_parts_that_ask_for_more_than_the_order_has_are_refused_at_the_line(
        client, staff):
    number = place_for(client, staff, buyer(), [item("CUP-02", 3)])
    too_many = split(client, staff, number, "hand", [[{"sku": "CUP-02", "qty": 2}],
                                                     [{"sku": "CUP-02", "qty": 2}]])
    assert too_many.status_code == 422
    assert too_many.get_json()["errors"][0] == {
        "pointer": "/parts/1/0/qty", "detail": "the parts take 4 of CUP-02; the order has 3"}
    unknown = split(client, staff, number, "hand", [[{"sku": "MUG", "qty": 1}]])
    assert unknown.get_json()["errors"][0]["pointer"] == "/parts/0/0/sku"
    whole = split(client, staff, number, "hand", [[{"sku": "CUP-02", "qty": 3}]])
    assert said(whole) == "a split needs at least two parts"
    basis = split(client, staff, number, "colour")
    assert basis.get_json()["errors"][0]["pointer"] == "/basis"
    assert client.get(f"/api/v1/orders/{number}/parts", headers=staff).get_json() == {
        "progress": None, "parts": []}


def test_a_merged_order_is_not_split(client, staff):
    first = place_for(client, staff, buyer(), [item("CUP-02", 2)])
    second = place_for(client, staff, buyer(), [item("CUP-02", 1)])
    client.post("/api/v1/merges", headers=staff, json={"orders": [first, second]})
    refused = split(client, staff, first, "hand", [[{"sku": "CUP-02", "qty": 1}]])
    assert refused.status_code == 409 and "undo the merge first" in said(refused)


def test_a_held_line_is_split_off_until_it_is_released(client, staff, db):
    # The seam pre-sale uses: a line kept back becomes a held part of its own.
    number = place_for(client, staff, buyer(), [item("CUP-02", 2), item("TEA-01", 1)])
    order = db.scalar(select(Order).where(Order.number == number))
    held_lines.hold(db, Actor(None, "promotions"), order,
                    [({"TEA-01": 1}, "pre-sale until May")])
    db.commit()
    parts = client.get(f"/api/v1/orders/{number}/parts", headers=staff).get_json()
    assert shape(parts) == [("to_ship", "HZ", {"CUP-02": 2}), ("held", None, {"TEA-01": 1})]
    assert ship(client, staff, number, 2, "SF3").status_code == 409
    held_lines.release(db, Actor(None, "promotions"), order, 2)
    db.commit()
    parts = client.get(f"/api/v1/orders/{number}/parts", headers=staff).get_json()
    assert parts["parts"][1]["status"] == "backordered"
    # Released, it ships with the unit the order held for it all along.
    readied = ready(client, staff, number, 2)
    assert readied.status_code == 200, readied.get_json()
    assert shape(readied.get_json())[1] == ("to_ship", "HZ", {"TEA-01": 1})
    assert ship(client, staff, number, 1, "SF4").status_code == 201
    last = ship(client, staff, number, 2, "SF3")
    assert last.status_code == 201 and last.get_json()["progress"] == "shipped"


def test_a_split_order_is_not_merged_nor_suggested(client, staff):
    # A split order could be merged, and its parts then shipped beside the merged parcel.
    first = place_for(client, staff, buyer(), [item("CUP-02", 2)])
    second = place_for(client, staff, buyer(), [item("TEA-01", 1)])
    assert split(client, staff, first, "hand",
                 [[{"sku": "CUP-02", "qty": 1}]]).status_code == 201
    refused = client.post("/api/v1/merges", headers=staff, json={"orders": [first, second]})
    assert refused.status_code == 409
    assert said(refused) == f"order {first} is split into parts; it ships in those"
    found = client.get(f"/api/v1/orders/{second}/merge-candidates", headers=staff)
    assert found.get_json()["candidates"] == []


def test_a_part_of_a_merged_order_does_not_ship_on_its_own(client, staff, db):
    from orderloom.runtime.consolidation.models import OrderPart

    first = place_for(client, staff, buyer(), [item("CUP-02", 2)])
    second = place_for(client, staff, buyer(), [item("TEA-01", 1)])
    assert client.post("/api/v1/merges", headers=staff,
                       json={"orders": [first, second]}).status_code == 201
    # A part left from before the merge (as two clicks racing could leave one).
    order = db.scalar(select(Order).where(Order.number == first))
    db.add(OrderPart(order_id=order.id, position=1, basis="hand", status="to_ship",
                     warehouse="HZ", lines=[{"sku": "CUP-02", "qty": 2}], created_by="t"))
    db.commit()
    refused = ship(client, staff, first, 1, "SF5")
    assert refused.status_code == 409
    assert said(refused) == (f"order {first} is merged with other orders; it ships in the "
                             "merge's parcel")

"""Merging orders of one buyer to one address into one parcel, as staff do it on the
order desk: suggestions, the merge, its refusals, the parcel every order hears of,
and undoing it."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import update

from orderloom.runtime.orders.models import Order
from tests.consolidation.conftest import buyer, item, kinds, level, place_for, shop_clerk


def said(response) -> str:
    """What a refusal says, without the pointer it names."""
    problem = response.get_json()
    return problem["errors"][0]["detail"] if problem.get("errors") else problem["detail"]


def merge(client, headers, *numbers):
    return client.post("/api/v1/merges", headers=headers, json={"orders": list(numbers)})


def test_staff_see_the_buyers_other_open_orders_as_candidates(client, staff):
    first = place_for(client, staff, buyer(), [item("CUP-02", 1)])
    second = place_for(client, staff, buyer(), [item("TEA-01", 1)])
    place_for(client, staff, buyer(code="C2", name="Wang Fang"), [item("CUP-02", 1)])
    place_for(client, staff, buyer(city="Ningbo"), [item("CUP-02", 1)])
    found = client.get(f"/api/v1/orders/{first}/merge-candidates", headers=staff).get_json()
    assert found["merge"] is None
    assert [c["number"] for c in found["candidates"]] == [second]


def test_a_merge_keeps_each_order_and_puts_it_on_every_timeline(client, staff):
    first = place_for(client, staff, buyer(), [item("CUP-02", 1)])
    second = place_for(client, staff, buyer(), [item("TEA-01", 2)], channel="manual")
    response = merge(client, staff, second, first)
    assert response.status_code == 201, response.get_json()
    merged = response.get_json()
    assert (merged["orders"], merged["warehouse"], merged["status"]) == (
        [first, second], "HZ", "merged")
    for number in (first, second):
        assert "merged" in kinds(client, staff, number)
        assert client.get(f"/api/v1/orders/{number}", headers=staff).status_code == 200
    again = client.get(f"/api/v1/orders/{first}/merge-candidates", headers=staff).get_json()
    assert again["merge"]["id"] == merged["id"] and again["candidates"] == []


def test_the_merged_parcel_reaches_every_order(client, staff):
    first = place_for(client, staff, buyer(), [item("CUP-02", 1)])
    second = place_for(client, staff, buyer(), [item("TEA-01", 1)])
    merged = merge(client, staff, first, second).get_json()
    shipped = client.post(f"/api/v1/merges/{merged['id']}/shipment", headers=staff,
                          json={"carrier": "sf", "tracking_number": "SF100200300"})
    assert shipped.status_code == 201, shipped.get_json()
    assert shipped.get_json()["tracking_number"] == "SF100200300"
    for number in (first, second):
        entries = client.get(f"/api/v1/orders/{number}/timeline", headers=staff).get_json()
        parcels = [e["details"]["tracking_number"] for e in entries if e["kind"] == "shipment"]
        assert parcels == ["SF100200300"], number
    undo = client.post(f"/api/v1/merges/{merged['id']}/undo", headers=staff)
    assert undo.status_code == 409
    assert "booked" in said(undo)


def test_stock_held_elsewhere_moves_to_the_parcels_warehouse(client, staff, two_warehouses):
    # HZ has 50 cups; the first order takes 50, so the second's cup is held in SH.
    first = place_for(client, staff, buyer(), [item("CUP-02", 50)])
    second = place_for(client, staff, buyer(), [item("CUP-02", 1)])
    assert level(client, staff, "CUP-02", "SH") == (50, 1)
    client.post("/api/v1/stock/receipts", headers=two_warehouses,
                json={"sku": "CUP-02", "warehouse": "HZ", "quantity": 1})
    merged = merge(client, staff, first, second)
    assert merged.status_code == 201, merged.get_json()
    assert merged.get_json()["warehouse"] == "HZ"
    assert level(client, staff, "CUP-02", "HZ") == (51, 51)
    assert level(client, staff, "CUP-02", "SH") == (50, 0)


def test_a_merge_that_cannot_hold_its_stock_changes_nothing(client, staff, two_warehouses):
    first = place_for(client, staff, buyer(), [item("CUP-02", 50)])
    second = place_for(client, staff, buyer(), [item("CUP-02", 1)])
    refused = merge(client, staff, first, second)
    assert refused.status_code == 409
    problem = refused.get_json()
    assert problem["errors"][0]["pointer"] == "/orders"
    assert "cannot hold every unit in HZ" in said(refused)
    assert "CUP-02" in said(refused)
    assert level(client, staff, "CUP-02", "SH") == (50, 1)
    assert "merged" not in kinds(client, staff, first)
    assert client.get(f"/api/v1/orders/{first}/merge-candidates",
                      headers=staff).get_json()["merge"] is None


def test_orders_of_two_buyers_or_addresses_are_refused_with_the_reason(client, staff):
    first = place_for(client, staff, buyer(), [item("CUP-02", 1)])
    other_buyer = place_for(client, staff, buyer(code="C2", name="Wang Fang"),
                            [item("CUP-02", 1)])
    other_city = place_for(client, staff, buyer(city="Ningbo"), [item("CUP-02", 1)])
    refused = merge(client, staff, first, other_buyer)
    assert refused.status_code == 409
    assert said(refused) == \
        f"order {other_buyer} is of another buyer than {first}"
    assert "another address" in said(merge(client, staff, first, other_city))
    alone = merge(client, staff, first)
    assert said(alone) == "a merge needs at least two orders"
    unknown = merge(client, staff, first, "SO-999999")
    assert unknown.status_code == 422
    assert unknown.get_json()["errors"][0]["pointer"] == "/orders/1"


def test_an_order_joins_one_merge_at_most(client, staff):
    numbers = [place_for(client, staff, buyer(), [item("CUP-02", 1)]) for _ in range(3)]
    assert merge(client, staff, numbers[0], numbers[1]).status_code == 201
    again = merge(client, staff, numbers[1], numbers[2])
    assert again.status_code == 409
    assert said(again) == f"order {numbers[1]} is in another merge already"


def test_orders_outside_the_merge_window_are_refused(client, staff, admin, db):
    first = place_for(client, staff, buyer(), [item("CUP-02", 1)])
    second = place_for(client, staff, buyer(), [item("CUP-02", 1)])
    db.execute(update(Order).where(Order.number == first)
               .values(created_at=datetime.now(UTC) - timedelta(hours=3)))
    db.commit()
    assert merge(client, staff, first, second).status_code == 201  # within 24 h
    client.post(f"/api/v1/merges/{merge_id(client, staff, first)}/undo", headers=staff)
    set_window = client.put("/api/v1/consolidation-settings", headers=admin,
                            json={"merge_window_hours": 0})
    assert set_window.status_code == 422
    assert set_window.get_json()["errors"][0]["pointer"] == "/merge_window_hours"
    assert client.put("/api/v1/consolidation-settings", headers=staff,
                      json={"merge_window_hours": 2}).status_code == 403
    assert client.put("/api/v1/consolidation-settings", headers=admin,
                      json={"merge_window_hours": 2}).status_code == 200
    refused = merge(client, staff, first, second)
    assert refused.status_code == 409
    assert said(refused) == "the orders were placed more than 2 h apart, the merge window"
    assert client.get(f"/api/v1/orders/{second}/merge-candidates",
                      headers=staff).get_json()["candidates"] == []


def merge_id(client, headers, number):
    return client.get(f"/api/v1/orders/{number}/merge-candidates",
                      headers=headers).get_json()["merge"]["id"]


def test_undo_lets_each_order_ship_on_its_own(client, staff):
    first = place_for(client, staff, buyer(), [item("CUP-02", 1)])
    second = place_for(client, staff, buyer(), [item("TEA-01", 1)])
    merged = merge(client, staff, first, second).get_json()
    undone = client.post(f"/api/v1/merges/{merged['id']}/undo", headers=staff)
    assert undone.status_code == 200, undone.get_json()
    assert undone.get_json()["status"] == "undone"
    for number in (first, second):
        assert kinds(client, staff, number)[-1] == "merge_undone"
    twice = client.post(f"/api/v1/merges/{merged['id']}/undo", headers=staff)
    assert twice.status_code == 409 and "undone already" in said(twice)
    assert merge(client, staff, first, second).status_code == 201


def test_orders_on_a_wave_do_not_merge_and_a_picked_merge_is_not_undone(client, staff):
    first = place_for(client, staff, buyer(), [item("CUP-02", 1)])
    second = place_for(client, staff, buyer(), [item("CUP-02", 1)])
    merged = merge(client, staff, first, second).get_json()
    wave = client.post("/api/v1/waves", headers=staff,
                       json={"warehouse": "HZ", "orders": [first, second]})
    assert wave.status_code == 201, wave.get_json()
    number = wave.get_json()["number"]
    for code in ("A-2", "6901002"):
        client.post(f"/api/v1/waves/{number}/pick-scans", headers=staff, json={"code": code})
    refused = client.post(f"/api/v1/merges/{merged['id']}/undo", headers=staff)
    assert refused.status_code == 409
    assert said(refused) == \
        f"1 units of order {first} are picked: the merge can no longer be undone"
    third = place_for(client, staff, buyer(), [item("CUP-02", 1)])
    fourth = place_for(client, staff, buyer(), [item("CUP-02", 1)])
    client.post("/api/v1/waves", headers=staff, json={"warehouse": "HZ", "orders": [third]})
    on_wave = merge(client, staff, third, fourth)
    assert on_wave.status_code == 409
    assert "on wave" in said(on_wave)


def test_merging_by_rule_merges_an_arriving_order(client, staff, admin):
    assert client.put("/api/v1/consolidation-settings", headers=admin,
                      json={"merge_by_rule": True}).status_code == 200
    first = place_for(client, staff, buyer(), [item("CUP-02", 1)])
    second = place_for(client, staff, buyer(), [item("TEA-01", 1)])
    found = client.get(f"/api/v1/orders/{second}/merge-candidates", headers=staff).get_json()
    assert found["merge"]["orders"] == [first, second]
    assert found["merge"]["by"] == "rule"


def test_an_order_the_rule_cannot_merge_arrives_as_usual(client, staff, admin):
    assert client.put("/api/v1/consolidation-settings", headers=admin,
                      json={"merge_by_rule": True}).status_code == 200
    first = place_for(client, staff, buyer(), [item("CUP-02", 1)])
    # Picking has begun on the first order: the floor refuses a merge with it.
    wave = client.post("/api/v1/waves", headers=staff, json={"warehouse": "HZ",
                                                             "orders": [first]})
    assert wave.status_code == 201, wave.get_json()
    second = place_for(client, staff, buyer(), [item("TEA-01", 1)])
    found = client.get(f"/api/v1/orders/{second}/merge-candidates", headers=staff).get_json()
    assert found["merge"] is None
    assert "merged" not in kinds(client, staff, second)
    assert client.get(f"/api/v1/orders/{second}", headers=staff).get_json()["state"] == \
        "confirmed"
    assert level(client, staff, "TEA-01", "HZ") == (50, 1)


def shipping_books_a_parcel(client, admin) -> None:
    """The shop's ship move books a parcel with the local courier as well."""
    from tests.floor.conftest import floor_definition

    definition = floor_definition()
    ship = next(t for t in definition["workflow"]["transitions"] if t["key"] == "ship")
    ship["actions"] = [{"type": "deduct_stock"},
                       {"type": "create_shipment", "carrier": "local"}]
    imported = client.post("/api/v1/import?on_conflict=replace", headers=admin, json={
        "format": "orderloom-package/1", "order_types": [definition]})
    assert imported.status_code in (200, 201), imported.get_json()


def test_a_recorded_merged_parcel_takes_every_orders_units_and_ship_books_no_other(
        client, staff, admin):
    # Once the merged parcel was recorded nothing left the shelf and Ship booked one
    # more parcel per order.
    shipping_books_a_parcel(client, admin)
    first = place_for(client, staff, buyer(), [item("CUP-02", 2)])
    second = place_for(client, staff, buyer(), [item("TEA-01", 1)])
    merged = merge(client, staff, first, second).get_json()
    shipped = client.post(f"/api/v1/merges/{merged['id']}/shipment", headers=staff,
                          json={"carrier": "sf", "tracking_number": "SF100200301"})
    assert shipped.status_code == 201, shipped.get_json()
    assert level(client, staff, "CUP-02", "HZ") == (48, 0)
    assert level(client, staff, "TEA-01", "HZ") == (49, 0)
    for number in (first, second):
        moved = client.post(f"/api/v1/orders/{number}/transitions/ship", headers=staff)
        assert moved.status_code == 200, moved.get_json()
    assert level(client, staff, "CUP-02", "HZ") == (48, 0)
    assert level(client, staff, "TEA-01", "HZ") == (49, 0)
    # Each order lists the one parcel as its own, and no other.
    parcels = [s["tracking_number"] for number in (first, second) for s in client.get(
        f"/api/v1/orders/{number}/shipments", headers=staff).get_json()["shipments"]]
    assert parcels == ["SF100200301", "SF100200301"]


def test_a_merged_order_other_than_the_first_is_not_booked_on_its_own(client, staff):
    first = place_for(client, staff, buyer(), [item("CUP-02", 1)])
    second = place_for(client, staff, buyer(), [item("TEA-01", 1)])
    assert merge(client, staff, first, second).status_code == 201
    refused = client.post(f"/api/v1/orders/{second}/shipments", headers=staff,
                          json={"carrier": "sf", "tracking_number": "SF100200302"})
    assert refused.status_code == 409
    assert f"ships in the parcel of {first}" in said(refused)


def test_a_carrier_with_sealed_credentials_records_merged_and_part_parcels(client, staff,
                                                                           admin):
    # Both gave a 500: the desk did not pass the key that opens the credentials.
    created = client.post("/api/v1/carriers", headers=admin, json={
        "code": "sfx", "name": "SF Express", "kind": "sf_express",
        "config": {"partner_id": "P1", "check_word": "secret-word",
                   "monthly_account": "7551234567", "environment": "sandbox"}})
    assert created.status_code == 201, created.get_json()
    first = place_for(client, staff, buyer(), [item("CUP-02", 1)])
    second = place_for(client, staff, buyer(), [item("TEA-01", 1)])
    merged = merge(client, staff, first, second).get_json()
    shipped = client.post(f"/api/v1/merges/{merged['id']}/shipment", headers=staff,
                          json={"carrier": "sfx", "tracking_number": "SF100200303"})
    assert shipped.status_code == 201, shipped.get_json()
    third = place_for(client, staff, buyer(code="C7"), [item("CUP-02", 2)])
    client.post(f"/api/v1/orders/{third}/split", headers=staff,
                json={"basis": "hand", "parts": [[{"sku": "CUP-02", "qty": 1}]]})
    part = client.post(f"/api/v1/orders/{third}/parts/1/shipment", headers=staff,
                       json={"carrier": "sfx", "tracking_number": "SF100200304"})
    assert part.status_code == 201, part.get_json()


def test_a_reader_who_may_not_see_totals_or_lines_sees_neither_on_the_desk_api(
        client, staff, admin):
    # The candidates listed their totals and the parts their SKUs to anyone.
    from tests.floor.conftest import floor_definition

    definition = floor_definition()
    for f in definition["form"]["fields"]:
        if f["type"] == "line_items" or f["key"] == "total":
            f["access"] = {"see": ["admin"]}
    imported = client.post("/api/v1/import?on_conflict=replace", headers=admin, json={
        "format": "orderloom-package/1", "order_types": [definition]})
    assert imported.status_code in (200, 201), imported.get_json()
    first = place_for(client, admin, buyer(), [item("CUP-02", 2)])
    second = place_for(client, admin, buyer(), [item("TEA-01", 1)])
    seen = client.get(f"/api/v1/orders/{first}/merge-candidates", headers=admin).get_json()
    assert seen["candidates"][0]["total"] is not None
    found = client.get(f"/api/v1/orders/{first}/merge-candidates", headers=staff).get_json()
    assert [(c["number"], c["total"]) for c in found["candidates"]] == [(second, None)]
    assert client.post(f"/api/v1/orders/{first}/split", headers=admin, json={
        "basis": "hand", "parts": [[{"sku": "CUP-02", "qty": 1}]]}).status_code == 201
    parts = client.get(f"/api/v1/orders/{first}/parts", headers=staff).get_json()["parts"]
    assert [p["lines"] for p in parts] == [[], []]
    parts = client.get(f"/api/v1/orders/{first}/parts", headers=admin).get_json()["parts"]
    assert [p["lines"] for p in parts] == [[{"sku": "CUP-02", "qty": 1}],
                                           [{"sku": "CUP-02", "qty": 1}]]


def test_a_clerk_of_one_channel_neither_sees_nor_acts_on_a_merge_with_hidden_orders(
        client, staff, admin, db, make_user):
    # Only the first order's row rules were asked: undo and the parcel went through, and
    # every merged order's number was listed.
    first = place_for(client, staff, buyer(), [item("CUP-02", 1)])
    second = place_for(client, staff, buyer(), [item("TEA-01", 1)])
    merged = merge(client, staff, first, second).get_json()
    db.execute(update(Order).where(Order.number == first).values(channel="shop"))
    db.execute(update(Order).where(Order.number == second).values(channel="pos"))
    db.commit()
    headers = shop_clerk(client, admin, db, make_user)
    seen = client.get(f"/api/v1/merges/{merged['id']}", headers=headers).get_json()
    assert seen["orders"] == [first]
    found = client.get(f"/api/v1/orders/{first}/merge-candidates", headers=headers)
    assert found.get_json()["merge"]["orders"] == [first]
    undo = client.post(f"/api/v1/merges/{merged['id']}/undo", headers=headers)
    assert undo.status_code == 404
    parcel = client.post(f"/api/v1/merges/{merged['id']}/shipment", headers=headers,
                         json={"carrier": "sf", "tracking_number": "SF100200305"})
    assert parcel.status_code == 404
    assert client.get(f"/api/v1/merges/{merged['id']}", headers=staff).get_json()[
        "status"] == "merged"


def test_suggested_candidates_fit_one_merge_window_and_merge_as_ticked(client, staff, db):
    # Orders 20 h before and 20 h after were both suggested, ticked, and then refused
    # as placed more than 24 h apart.
    earlier = place_for(client, staff, buyer(), [item("CUP-02", 1)])
    middle = place_for(client, staff, buyer(), [item("TEA-01", 1)])
    later = place_for(client, staff, buyer(), [item("POT-03", 1)])
    now = datetime.now(UTC)
    for number, hours in ((earlier, -20), (middle, 0), (later, 20)):
        db.execute(update(Order).where(Order.number == number)
                   .values(created_at=now + timedelta(hours=hours)))
    db.commit()
    found = client.get(f"/api/v1/orders/{middle}/merge-candidates", headers=staff).get_json()
    suggested = [c["number"] for c in found["candidates"]]
    assert suggested == [earlier]
    assert merge(client, staff, middle, *suggested).status_code == 201

"""floor.work plans, picks and packs; moving an order on (shipping it from the bench,
holding it by a short pick) also needs orders.act, as it does anywhere else."""
from __future__ import annotations

from tests.floor.conftest import floor_definition, item, place
from tests.floor.test_waves_api import custom_token, scan, stock


def test_floor_work_alone_neither_ships_nor_holds_an_order(client, db, staff, admin,
                                                           make_user):
    definition = floor_definition()
    for transition in definition["workflow"]["transitions"]:
        transition.pop("roles", None)  # any role may take every move
    imported = client.post("/api/v1/import?on_conflict=replace", headers=admin, json={
        "format": "orderloom-package/1", "order_types": [definition]})
    assert imported.status_code == 201, imported.get_json()
    number = place(client, staff, [item("CUP-02", 1)])
    lacking = place(client, staff, [item("POT-03", 1)])
    packer = custom_token(client, db, admin, make_user, "packers", ["floor.work"])
    wave = client.post("/api/v1/waves", headers=packer,
                       json={"warehouse": "HZ", "orders": [number, lacking]}).get_json()
    for code in ("A-2", "6901002"):
        scan(client, packer, wave["number"], code)
    short = client.post(f"/api/v1/waves/{wave['number']}/short", headers=packer)
    assert short.status_code == 403, short.get_json()
    assert "orders.act" in short.get_json()["detail"]
    history = client.get(f"/api/v1/orders/{lacking}/timeline", headers=staff).get_json()
    assert not [e for e in history if e["kind"] == "held"]

    scan(client, packer, wave["number"], number, "pack")
    answer = scan(client, packer, wave["number"], "6901002", "pack", number)
    assert (answer["accepted"], answer["done"], answer["shipped_by"]) == \
        (True, "packed_in_full", None)
    assert "orders.act" in answer["message"]
    assert client.get(f"/api/v1/orders/{number}", headers=staff).get_json()["state"] == \
        "confirmed"
    assert stock(client, staff, "CUP-02") == (50, 1)


def test_the_bench_takes_the_shipping_move_that_is_the_packers(client, staff, admin):
    # Once the first move into a shipped state in the workflow was taken, whoever it
    # was for: a workflow listing the managers' express move first never shipped
    # from a staff packer's bench.
    definition = floor_definition()
    transitions = definition["workflow"]["transitions"]
    ship = next(t for t in transitions if t["key"] == "ship")
    express = {**ship, "key": "ship_express", "label": {"en": "Ship express"},
               "roles": ["admin"],
               "actions": [*ship["actions"], {"type": "create_shipment", "carrier": "sf"}]}
    ship["actions"] = [*ship["actions"], {"type": "create_shipment", "carrier": "local"}]
    transitions.insert(transitions.index(ship), express)
    imported = client.post("/api/v1/import?on_conflict=replace", headers=admin, json={
        "format": "orderloom-package/1", "order_types": [definition]})
    assert imported.status_code == 201, imported.get_json()
    number = place(client, staff, [item("CUP-02", 1)])
    wave = client.post("/api/v1/waves/plan", headers=staff,
                       json={"warehouse": "HZ", "same_carrier": True}).get_json()[0]["number"]
    for code in ("A-2", "6901002"):
        scan(client, staff, wave, code)
    scan(client, staff, wave, number, "pack")
    answer = scan(client, staff, wave, "6901002", "pack", number)
    assert (answer["done"], answer["shipped_by"]) == ("shipped", "ship"), answer
    shipments = client.get(f"/api/v1/orders/{number}/shipments",
                           headers=staff).get_json()["shipments"]
    assert [s["carrier"] for s in shipments] == ["local"]

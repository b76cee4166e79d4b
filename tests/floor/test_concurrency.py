"""Two pickers, packers or planners on one wave at once, on PostgreSQL, where requests
really run in parallel: no unit is counted twice and no order joins two waves."""
from __future__ import annotations

from tests.conftest import Actions
from tests.floor.conftest import item, place
from tests.runtime.test_concurrency import ON_POSTGRESQL, run_together


@ON_POSTGRESQL
def test_two_scans_of_the_last_unit_at_once_pick_it_once(app, client, staff):
    number = place(client, staff, [item("CUP-02", 1)])
    wave = client.post("/api/v1/waves", headers=staff,
                       json={"warehouse": "HZ", "orders": [number]}).get_json()["number"]
    client.post(f"/api/v1/waves/{wave}/pick-scans", headers=staff, json={"code": "A-2"})
    clients = [app.test_client() for _ in range(4)]
    answers = run_together(4, lambda i: clients[i].post(
        f"/api/v1/waves/{wave}/pick-scans", headers=staff,
        json={"code": "6901002"}).get_json())
    assert sorted(a["accepted"] for a in answers) == [False, False, False, True]
    assert {a["refusal"] for a in answers if not a["accepted"]} == {"too_many"}
    lines = client.get(f"/api/v1/waves/{wave}", headers=staff).get_json()["orders"][0]["lines"]
    assert lines[0]["picked"] == 1


@ON_POSTGRESQL
def test_two_planners_of_different_orders_at_once_both_get_a_wave(app, client, staff):
    # The wave number was once the highest id plus one, read before inserting: two
    # planners at the same moment took the same number and one was refused.
    numbers = [place(client, staff, [item("CUP-02", 1)]) for _ in range(2)]
    clients = [app.test_client() for _ in range(2)]
    responses = run_together(2, lambda i: clients[i].post(
        "/api/v1/waves", headers=staff, json={"warehouse": "HZ", "orders": [numbers[i]]}))
    assert [r.status_code for r in responses] == [201, 201], [r.get_json() for r in responses]
    assert len({r.get_json()["number"] for r in responses}) == 2


@ON_POSTGRESQL
def test_two_planners_at_once_put_each_order_in_one_wave(app, client, staff):
    numbers = [place(client, staff, [item("CUP-02", 1)]) for _ in range(3)]
    clients = [app.test_client() for _ in range(2)]
    responses = run_together(2, lambda i: clients[i].post(
        "/api/v1/waves/plan", headers=staff, json={"warehouse": "HZ"}))
    statuses = sorted(r.status_code for r in responses)
    planned = [o["number"] for r in responses if r.status_code == 201
               for w in r.get_json() for o in w["orders"]]
    assert sorted(planned) == sorted(numbers)
    # The planner that waited found nothing left to plan.
    assert statuses == [201, 422]


@ON_POSTGRESQL
def test_two_packers_scanning_the_last_unit_ship_the_order_once(app, client, staff):
    number = place(client, staff, [item("CUP-02", 1)])
    wave = client.post("/api/v1/waves", headers=staff,
                       json={"warehouse": "HZ", "orders": [number]}).get_json()["number"]
    for code in ("A-2", "6901002"):
        client.post(f"/api/v1/waves/{wave}/pick-scans", headers=staff, json={"code": code})
    clients = [app.test_client() for _ in range(2)]
    answers = run_together(2, lambda i: clients[i].post(
        f"/api/v1/waves/{wave}/pack-scans", headers=staff,
        json={"code": "6901002", "order": number}).get_json())
    assert sorted(a["done"] or a["refusal"] for a in answers) in (
        ["scan_order_first", "shipped"], ["shipped", "too_many"])
    level = client.get("/api/v1/stock?sku=CUP-02&warehouse=HZ", headers=staff).get_json()[0]
    assert (level["on_hand"], level["reserved"]) == (49, 0)


@ON_POSTGRESQL
def test_two_warehouses_closing_the_last_parts_of_an_order_at_once_ship_it(
        app, client, db, staff, admin):
    # Each bench asks whether the order still holds stock elsewhere: asked at the same
    # moment, both could see the other's part still held, ship theirs as a part, and
    # leave the order unshipped with nothing held. The order is locked first.
    from tests.floor.test_split_orders import split_order

    number = split_order(client, db, staff, admin)
    waves = {}
    for warehouse, codes in (("HZ", ["A-2", "6901002"]), ("SH", ["B-10", "6901001",
                                                                 "6901001"])):
        waves[warehouse] = client.post("/api/v1/waves", headers=staff, json={
            "warehouse": warehouse, "orders": [number]}).get_json()["number"]
        for code in codes:
            client.post(f"/api/v1/waves/{waves[warehouse]}/pick-scans", headers=staff,
                        json={"code": code})
        client.post(f"/api/v1/waves/{waves[warehouse]}/pack-scans", headers=staff,
                    json={"code": number})
    client.post(f"/api/v1/waves/{waves['SH']}/pack-scans", headers=staff,
                json={"code": "6901001", "order": number})
    last = [("HZ", "6901002"), ("SH", "6901001")]
    clients = [app.test_client() for _ in range(2)]
    answers = run_together(2, lambda i: clients[i].post(
        f"/api/v1/waves/{waves[last[i][0]]}/pack-scans", headers=staff,
        json={"code": last[i][1], "order": number}).get_json())
    assert sorted(a["done"] for a in answers) == ["shipped", "shipped_part"], answers
    assert client.get(f"/api/v1/orders/{number}", headers=staff).get_json()["state"] == \
        "shipped"
def test_a_double_tap_on_reprint_logs_print_1_and_print_2(app, client, staff, actions,
                                                          make_user):
    # The count of prints was read without the wave's lock: both taps logged "print 1".
    number = place(client, staff, [item("CUP-02", 1)])
    wave = client.post("/api/v1/waves", headers=staff,
                       json={"warehouse": "HZ", "orders": [number]}).get_json()["number"]
    for code, step, order in (("A-2", "pick", None), ("6901002", "pick", None),
                              (number, "pack", None), ("6901002", "pack", number)):
        client.post(f"/api/v1/waves/{wave}/{step}-scans", headers=staff,
                    json={"code": code, **({"order": order} if order else {})})
    packer = make_user("staff")
    taps = []
    for _ in range(2):
        tapping = Actions(app.test_client(), make_user)
        assert tapping.login(packer.username).status_code == 302
        taps.append((tapping.client, tapping.csrf(f"/floor/waves/{wave}/pack")))
    answers = run_together(2, lambda i: taps[i][0].post(
        f"/floor/waves/{wave}/orders/{number}/label-prints",
        headers={"X-CSRF-Token": taps[i][1]}).get_json())
    assert sorted(a["print"] for a in answers) == [1, 2]

"""Waves over the API: planned by hand and by rules, their pick list walking the zones
and bins in order, scanned to pick and to pack, and a short pick holding its order."""
from __future__ import annotations

from orderloom.platform import accounts
from orderloom.runtime.audit import Actor
from tests.floor.conftest import item, place
from tests.platform.test_api_tokens import bearer
from tests.runtime.support import SAMPLE


def stock(client, headers, sku):
    level = client.get(f"/api/v1/stock?sku={sku}&warehouse=HZ", headers=headers).get_json()[0]
    return level["on_hand"], level["reserved"]


def scan(client, headers, wave, code, step="pick", order=None):
    body = {"code": code} if step == "pick" else {"code": code, "order": order}
    response = client.post(f"/api/v1/waves/{wave}/{step}-scans", headers=headers, json=body)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_a_wave_planned_by_hand_walks_zones_in_order_and_totals_each_sku(client, staff):
    first = place(client, staff, [item("TEA-01", 2), item("CUP-02", 1)])
    second = place(client, staff, [item("TEA-01", 1), item("MAT-04", 3), item("POT-03", 1)])
    response = client.post("/api/v1/waves", headers=staff,
                           json={"warehouse": "HZ", "orders": [first, second]})
    assert response.status_code == 201, response.get_json()
    wave = response.get_json()
    # Zone B is walked before zone A (the warehouse says so), bins in natural order.
    assert [(s["bin"], s["sku"], s["quantity"], s["orders"]) for s in wave["pick_list"]] == [
        ("B-3", "MAT-04", 3, [second]), ("B-10", "TEA-01", 3, [first, second]),
        ("A-2", "CUP-02", 1, [first]), ("A-10", "POT-03", 1, [second])]
    assert wave["total_units"] == 8
    assert wave["next_stop"]["bin"] == "B-3"
    again = client.post("/api/v1/waves", headers=staff,
                        json={"warehouse": "HZ", "orders": [second]})
    assert again.status_code == 409
    assert again.get_json()["errors"][0]["pointer"] == "/orders/0"
    assert "unfinished wave" in again.get_json()["detail"]


def test_planning_refuses_what_cannot_be_picked_and_says_where(client, staff):
    number = place(client, staff)
    draft = client.post("/api/v1/orders", headers=staff, json={
        "order_type": "retail_order", "data": SAMPLE}).get_json()
    cases = [({"warehouse": "XX", "orders": [number]}, "/warehouse", "no warehouse 'XX'"),
             ({"warehouse": "HZ", "orders": [number, "SO-999999"]}, "/orders/1",
              "no order SO-999999"),
             ({"warehouse": "HZ", "orders": [draft["number"]]}, "/orders/0",
              "holds no stock in HZ"),
             ({"warehouse": "HZ", "orders": [number, number]}, "/orders/1", "named twice"),
             ({"warehouse": "HZ", "orders": []}, "/orders", "")]
    for body, pointer, words in cases:
        response = client.post("/api/v1/waves", headers=staff, json=body)
        assert response.status_code == 422, (body, response.get_json())
        problem = response.get_json()
        assert problem["errors"][0]["pointer"] == pointer, problem
        assert words in problem["detail"], problem
    assert client.get("/api/v1/waves", headers=staff).get_json() == []
    rules = client.post("/api/v1/waves/plan", headers=staff,
                        json={"warehouse": "HZ", "max_orders": 0})
    assert rules.status_code == 422
    assert rules.get_json()["errors"][0]["pointer"] == "/max_orders"


def test_waves_planned_by_rules_put_single_item_orders_together(client, staff):
    singles = [place(client, staff, [item("CUP-02", 1)]) for _ in range(3)]
    multi = [place(client, staff, [item("TEA-01", 2)]),
             place(client, staff, [item("POT-03", 1), item("CUP-02", 1)])]
    response = client.post("/api/v1/waves/plan", headers=staff, json={
        "warehouse": "HZ", "single_item": True, "max_orders": 2})
    assert response.status_code == 201, response.get_json()
    waves = [[o["number"] for o in w["orders"]] for w in response.get_json()]
    assert sorted(waves) == sorted([multi, singles[:2], singles[2:]])
    assert all(w["planned_by"]["single_item"] for w in response.get_json())
    nothing = client.post("/api/v1/waves/plan", headers=staff, json={"warehouse": "HZ"})
    assert nothing.status_code == 422
    assert "no order waits to be picked in HZ" in nothing.get_json()["detail"]


def test_waves_planned_by_rules_keep_to_the_most_lines(client, staff):
    numbers = [place(client, staff, [item("CUP-02", 1), item("POT-03", 1)]) for _ in range(3)]
    response = client.post("/api/v1/waves/plan", headers=staff, json={
        "warehouse": "HZ", "max_lines": 4})
    assert [[o["number"] for o in w["orders"]] for w in response.get_json()] == \
        [numbers[:2], numbers[2:]]


def test_scanning_picks_and_packs_a_wave_and_stock_moves_only_when_packed(client, staff):
    first = place(client, staff, [item("TEA-01", 2)])
    second = place(client, staff, [item("TEA-01", 1), item("CUP-02", 1)])
    wave = client.post("/api/v1/waves", headers=staff,
                       json={"warehouse": "HZ", "orders": [first, second]}).get_json()["number"]
    assert stock(client, staff, "TEA-01") == (50, 3)

    item_first = scan(client, staff, wave, "6901001")
    assert (item_first["accepted"], item_first["refusal"]) == (False, "scan_bin_first")
    wrong_bin = scan(client, staff, wave, "A-2")
    assert (wrong_bin["refusal"], wrong_bin["message"]) == ("wrong_bin", "wrong bin: go to B-10")
    assert scan(client, staff, wave, "B-10")["done"] == "at_bin"
    assert scan(client, staff, wave, "6901002")["refusal"] == "wrong_item"
    assert scan(client, staff, wave, "6901001")["order"] == first
    too_few = scan(client, staff, wave, "A-2")
    assert too_few["refusal"] == "too_few"
    assert too_few["message"].startswith("too few: 1 of 3 × TEA-01")
    assert scan(client, staff, wave, "TEA-01")["order"] == first  # the SKU scans too
    last = scan(client, staff, wave, "6901001")
    assert (last["order"], last["done"]) == (second, "stop_done")
    assert scan(client, staff, wave, "6901001")["refusal"] == "too_many"
    assert scan(client, staff, wave, "A-2")["accepted"]
    picked = scan(client, staff, wave, "6901002")
    assert picked["wave"]["next_stop"] is None
    assert {o["number"]: o["status"] for o in picked["wave"]["orders"]} == {
        first: "picked", second: "picked"}
    assert stock(client, staff, "TEA-01") == (50, 3)  # picking moves nothing yet

    assert scan(client, staff, wave, "6901001", "pack")["refusal"] == "scan_order_first"
    assert scan(client, staff, wave, second, "pack")["done"] == "order_on_bench"
    assert scan(client, staff, wave, "6901003", "pack", second)["refusal"] == "not_in_order"
    assert scan(client, staff, wave, "6901001", "pack", second)["done"] == "packed"
    assert scan(client, staff, wave, "6901001", "pack", second)["refusal"] == "too_many"
    open_parcel = scan(client, staff, wave, first, "pack", second)
    assert open_parcel["refusal"] == "parcel_open"
    assert client.get(f"/api/v1/orders/{second}", headers=staff).get_json()["state"] == \
        "confirmed"
    shipped = scan(client, staff, wave, "6901002", "pack", second)
    assert (shipped["done"], shipped["shipped_by"]) == ("shipped", "ship")
    assert client.get(f"/api/v1/orders/{second}", headers=staff).get_json()["state"] == \
        "shipped"
    assert stock(client, staff, "TEA-01") == (49, 2)  # only the packed order's unit left

    assert scan(client, staff, wave, first, "pack")["accepted"]
    scan(client, staff, wave, "6901001", "pack", first)
    done = scan(client, staff, wave, "6901001", "pack", first)
    assert done["done"] == "shipped"
    assert done["wave"]["status"] == "done"
    assert stock(client, staff, "TEA-01") == (47, 0)

    log = client.get(f"/api/v1/waves/{wave}/log", headers=staff).get_json()
    assert len(log) == 21
    assert sum(not s["accepted"] for s in log) == 9
    assert log[0]["outcome"] == "shipped" and log[0]["order"] == first
    # Each order's timeline: picked in full, then packed; single scans are on the log.
    for number in (first, second):
        history = client.get(f"/api/v1/orders/{number}/timeline", headers=staff).get_json()
        assert [(e["details"]["step"], e["details"]["outcome"]) for e in history
                if e["kind"] == "scan"] == [("pick", "picked"), ("pack", "packed")]


def test_a_short_pick_holds_the_order_and_moves_no_stock(client, staff):
    lacking = place(client, staff, [item("POT-03", 2), item("CUP-02", 1)])
    fine = place(client, staff, [item("CUP-02", 1)])
    wave = client.post("/api/v1/waves", headers=staff,
                       json={"warehouse": "HZ", "orders": [lacking, fine]}).get_json()["number"]
    scan(client, staff, wave, "A-2")
    scan(client, staff, wave, "6901002")
    scan(client, staff, wave, "6901002")
    scan(client, staff, wave, "A-10")
    scan(client, staff, wave, "6901003")  # one of two pots found
    short = client.post(f"/api/v1/waves/{wave}/short", headers=staff)
    assert short.status_code == 200, short.get_json()
    answer = short.get_json()
    assert (answer["done"], answer["order"]) == ("short", lacking)
    assert {o["number"]: o["status"] for o in answer["wave"]["orders"]} == {
        lacking: "short", fine: "picked"}
    history = client.get(f"/api/v1/orders/{lacking}/timeline", headers=staff).get_json()
    held = [e for e in history if e["kind"] == "held"][-1]
    assert held["details"]["short_pick"] == {"wave": wave, "missing": {"POT-03": 1}}
    assert "1 × POT-03 not found" in held["details"]["actions"][0]["reason"]["en"]
    assert stock(client, staff, "POT-03") == (50, 2)  # still held for the order
    assert scan(client, staff, wave, lacking, "pack")["refusal"] == "order_short"
    scan(client, staff, wave, fine, "pack")
    assert scan(client, staff, wave, "6901002", "pack", fine)["wave"]["status"] == "done"


def test_scans_that_are_not_scans_get_a_pointer(client, staff, token_for):
    number = place(client, staff)
    wave = client.post("/api/v1/waves", headers=staff,
                       json={"warehouse": "HZ", "orders": [number]}).get_json()["number"]
    for body in ({"code": ""}, {"code": "x" * 101}, {}):
        response = client.post(f"/api/v1/waves/{wave}/pick-scans", headers=staff, json=body)
        assert response.status_code == 422, body
        assert response.get_json()["errors"][0]["pointer"] == "/code", body
    missing = client.post("/api/v1/waves/W-999999/pick-scans", headers=staff,
                          json={"code": "A-2"})
    assert missing.status_code == 404
    viewer = bearer(token_for("viewer"))  # may read orders, not work the floor
    assert client.get(f"/api/v1/waves/{wave}", headers=viewer).status_code == 403
    assert client.post(f"/api/v1/waves/{wave}/pick-scans", headers=viewer,
                       json={"code": "A-2"}).status_code == 403


def test_a_warehouse_set_up_before_gets_its_zone_order_and_new_waves_follow_it(client, staff,
                                                                               admin):
    first = place(client, staff, [item("CUP-02", 1), item("MAT-04", 1)])
    changed = client.put("/api/v1/warehouses/HZ/zone-order", headers=admin,
                         json={"zone_order": ["A", "B"]})
    assert changed.status_code == 200, changed.get_json()
    assert changed.get_json()["zone_order"] == ["A", "B"]
    wave = client.post("/api/v1/waves", headers=staff,
                       json={"warehouse": "HZ", "orders": [first]}).get_json()
    assert [s["bin"] for s in wave["pick_list"]] == ["A-2", "B-3"]
    twice = client.put("/api/v1/warehouses/HZ/zone-order", headers=admin,
                       json={"zone_order": ["A", "B", "A"]})
    assert twice.status_code == 422
    assert twice.get_json()["errors"][0]["pointer"] == "/zone_order/2"
    assert client.put("/api/v1/warehouses/XX/zone-order", headers=admin,
                      json={"zone_order": []}).status_code == 404
    assert client.put("/api/v1/warehouses/HZ/zone-order", headers=staff,
                      json={"zone_order": []}).status_code == 403


def test_a_wave_with_orders_someone_may_not_see_is_not_theirs_to_see_or_scan(
        client, db, staff, admin, make_user):
    number = place(client, staff, [item("CUP-02", 1)])
    wave = client.post("/api/v1/waves", headers=staff,
                       json={"warehouse": "HZ", "orders": [number]}).get_json()["number"]
    role = client.post("/api/v1/roles", headers=admin, json={
        "name": "sh_packers", "permissions": ["floor.work", "orders.view", "tokens.own"],
        "row_rule": "my_warehouses"})
    assert role.status_code == 201, role.get_json()
    packer = make_user("sh_packers", username="packer.sh")
    assert client.patch(f"/api/v1/users/{packer.id}", headers=admin,
                        json={"warehouses": ["SH"]}).status_code == 200
    _token, secret = accounts.issue_token(db, Actor(packer.id, packer.username, "cli"),
                                          packer, "test")
    db.commit()
    theirs = {"Authorization": f"Bearer {secret}"}
    assert client.get("/api/v1/waves", headers=theirs).get_json() == []
    assert client.get(f"/api/v1/waves/{wave}", headers=theirs).status_code == 404
    refused = client.post(f"/api/v1/waves/{wave}/pick-scans", headers=theirs,
                          json={"code": "A-2"})
    assert refused.status_code == 404
    planned = client.post("/api/v1/waves", headers=theirs,
                          json={"warehouse": "HZ", "orders": [number]})
    assert planned.status_code == 422
    assert f"there is no order {number}" in planned.get_json()["detail"]
    log = client.get(f"/api/v1/waves/{wave}/log", headers=staff).get_json()
    assert log == []  # the refused scan was never made


def custom_token(client, db, admin, make_user, role: str, permissions: list[str]) -> dict:
    created = client.post("/api/v1/roles", headers=admin, json={
        "name": role, "permissions": permissions, "row_rule": "all"})
    assert created.status_code == 201, created.get_json()
    user = make_user(role, username=f"{role}.one")
    _token, secret = accounts.issue_token(db, Actor(user.id, user.username, "cli"), user,
                                          "test")
    db.commit()
    return {"Authorization": f"Bearer {secret}"}


def test_a_packer_who_may_not_ship_leaves_the_order_verified_and_unshipped(
        client, db, staff, admin, make_user):
    number = place(client, staff, [item("CUP-02", 1)])
    packer = custom_token(client, db, admin, make_user, "packers",
                          ["floor.work", "orders.act"])
    wave = client.post("/api/v1/waves", headers=packer,
                       json={"warehouse": "HZ", "orders": [number]}).get_json()["number"]
    for code in ("A-2", "6901002"):
        scan(client, packer, wave, code)
    scan(client, packer, wave, number, "pack")
    answer = scan(client, packer, wave, "6901002", "pack", number)
    # The workflow's "ship" is for the staff role; the parcel stays verified.
    assert (answer["accepted"], answer["done"], answer["shipped_by"]) == \
        (True, "packed_in_full", None)
    assert "is for the roles staff" in answer["message"]
    assert client.get(f"/api/v1/orders/{number}", headers=staff).get_json()["state"] == \
        "confirmed"
    assert stock(client, staff, "CUP-02") == (50, 1)


def test_a_waves_slips_and_labels_print_as_one_pdf_in_tote_order_and_reprints_are_logged(
        client, staff):
    import io

    from pypdf import PdfReader

    first = place(client, staff, [item("CUP-02", 1)])
    second = place(client, staff, [item("TEA-01", 1)])
    wave = client.post("/api/v1/waves", headers=staff,
                       json={"warehouse": "HZ", "orders": [second, first]}).get_json()["number"]
    printed = client.post(f"/api/v1/waves/{wave}/prints", headers=staff)
    assert printed.status_code == 200, printed.get_data(as_text=True)[:300]
    assert printed.content_type == "application/pdf"
    pages = [p.extract_text() for p in PdfReader(io.BytesIO(printed.data)).pages]
    # Each order's packing slip, then its label, in the wave's order.
    firsts = [next(i for i, text in enumerate(pages) if n in text) for n in (second, first)]
    assert firsts[0] < firsts[1]
    assert len(pages) >= 4
    labels = client.post(f"/api/v1/waves/{wave}/prints", headers=staff,
                         json={"documents": ["shipping_label"]})
    assert len(PdfReader(io.BytesIO(labels.data)).pages) == len(pages) // 2
    wrong = client.post(f"/api/v1/waves/{wave}/prints", headers=staff,
                        json={"documents": ["invoice"]})
    assert wrong.status_code == 422
    assert wrong.get_json()["errors"][0]["pointer"] == "/documents/0"
    log = client.get(f"/api/v1/waves/{wave}/log", headers=staff).get_json()
    assert [entry["outcome"] for entry in log] == [
        "reprinted (print 2 of this wave): 2 documents (shipping_label)",
        "printed: 4 documents (packing_slip, shipping_label)"]


def test_waves_planned_by_rules_keep_one_carrier_each(client, staff, admin):
    from tests.floor.conftest import floor_definition

    definition = floor_definition()
    definition["form"]["fields"].append(
        {"key": "courier", "type": "choice", "label": {"en": "Courier"},
         "options": [{"value": "sf", "label": {"en": "SF Express"}},
                     {"value": "zto", "label": {"en": "ZTO"}}]})
    ship = next(t for t in definition["workflow"]["transitions"] if t["key"] == "ship")
    ship["actions"].append({"type": "create_shipment", "carrier": "local",
                            "carrier_field": "courier"})
    imported = client.post("/api/v1/import?on_conflict=replace", headers=admin, json={
        "format": "orderloom-package/1", "order_types": [definition]})
    assert imported.status_code == 201, imported.get_json()

    def with_courier(courier):
        data = {**SAMPLE, "items": [item("CUP-02", 1)],
                **({"courier": courier} if courier else {})}
        number = client.post("/api/v1/orders", headers=staff, json={
            "order_type": "retail_order", "data": data}).get_json()["number"]
        client.post(f"/api/v1/orders/{number}/transitions/submit", headers=staff)
        return number

    sf = [with_courier("sf"), with_courier("sf")]
    zto = with_courier("zto")
    local = with_courier(None)  # the action's own carrier
    response = client.post("/api/v1/waves/plan", headers=staff,
                           json={"warehouse": "HZ", "same_carrier": True})
    assert response.status_code == 201, response.get_json()
    assert sorted([o["number"] for o in w["orders"]] for w in response.get_json()) == \
        sorted([sf, [zto], [local]])

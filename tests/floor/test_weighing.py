"""Weighing at the packing bench (验货称重), on the pages: an administrator sets a
warehouse's tolerance and packaging allowance; a parcel out of tolerance is refused,
on the order's timeline, and does not close until it is weighed again within it; one
within it closes and ships. Refused settings are said beside their box."""
from __future__ import annotations

from orderloom.runtime.orders.models import Order
from orderloom.runtime.stock import keeping
from orderloom.runtime.stock.catalog import Product, Warehouse
from tests.conftest import csrf_from
from tests.floor.conftest import item, place
from tests.floor.test_held_orders import hold
from tests.floor.test_waves_api import scan, stock

WEIGHTS = {"TEA-01": 250, "CUP-02": 180, "POT-03": 900}


def weigh_products(db) -> None:
    for product in db.query(Product).all():
        product.weight_grams = WEIGHTS.get(product.sku)
    db.commit()


def set_weighing(client, actions, **form) -> object:
    page = client.get("/floor/warehouses/HZ").get_data(as_text=True)
    return client.post("/floor/warehouses/HZ/weighing",
                       data={"csrf_token": csrf_from(page), **form})


def picked_wave(client, staff, items) -> tuple[str, str]:
    number = place(client, staff, items)
    wave = client.post("/api/v1/waves", headers=staff,
                       json={"warehouse": "HZ", "orders": [number]}).get_json()["number"]
    walk = client.get(f"/api/v1/waves/{wave}", headers=staff).get_json()["pick_list"]
    for stop in walk:
        scan(client, staff, wave, stop["bin"])
        for _unit in range(stop["quantity"]):
            scan(client, staff, wave, stop["sku"])
    return number, wave


def test_a_parcel_out_of_tolerance_is_refused_and_closes_when_weighed_again(
        client, db, staff, actions):
    weigh_products(db)
    actions.login_as("admin")
    assert set_weighing(client, actions, tolerance_grams="30", packaging_grams="120",
                        weigh_every_parcel="1").status_code == 302
    number, wave = picked_wave(client, staff, [item("TEA-01", 2), item("CUP-02", 1)])
    expected = 2 * 250 + 180 + 120
    page = client.get(f"/floor/waves/{wave}/pack").get_data(as_text=True)
    assert 'id="weight"' in page
    headers = {"X-CSRF-Token": csrf_from(page)}

    def send(path, body):
        response = client.post(f"/floor/waves/{wave}/{path}", headers=headers, json=body)
        assert response.status_code == 200, response.get_data(as_text=True)
        return response.get_json()

    send("pack-scans", {"code": number})
    for code in ("6901001", "6901001"):
        send("pack-scans", {"code": code, "order": number})
    last = send("pack-scans", {"code": "6901002", "order": number})
    # Every unit verified, but every parcel is weighed here: it waits for its weight.
    assert (last["accepted"], last["done"]) == (True, "weigh_parcel")
    assert last["bench"]["number"] == number and "label_print" not in last
    heavy = send("weighings", {"order": number, "grams": expected + 31})
    assert (heavy["accepted"], heavy["refusal"]) == (False, "weight_off")
    assert heavy["words"] == (f"Weight out of tolerance: the parcel of {number} weighs "
                              f"{expected + 31} g, expected {expected} g ± 30 g; check it "
                              "and weigh it again")
    assert heavy["bench"]["number"] == number
    assert client.get(f"/api/v1/orders/{number}", headers=staff).get_json()["state"] == \
        "confirmed"
    assert stock(client, staff, "TEA-01") == (50, 2)  # nothing left the shelf yet
    right = send("weighings", {"order": number, "grams": str(expected - 30)})
    assert (right["accepted"], right["done"]) == (True, "shipped")
    assert right["label_print"] == f"/floor/waves/{wave}/orders/{number}/label-prints"
    assert client.get(f"/api/v1/orders/{number}", headers=staff).get_json()["state"] == \
        "shipped"
    assert stock(client, staff, "TEA-01") == (48, 0)
    history = client.get(f"/api/v1/orders/{number}/timeline", headers=staff).get_json()
    weighed = [(e["details"]["outcome"], e["details"]["values"]["grams"]) for e in history
               if e["kind"] == "scan" and e["details"]["step"] == "weigh"]
    assert weighed == [("weight_off", expected + 31), ("weight_ok", expected - 30)]
    sentences = client.get(f"/orders/{number}").get_data(as_text=True)
    assert f"weighed the parcel at {expected + 31} g in wave {wave}" in sentences


def bench(client, actions, wave):
    """A send to the pack screen's routes, as its script sends."""
    headers = {"X-CSRF-Token": actions.csrf(f"/floor/waves/{wave}/pack")}

    def send(path, body):
        response = client.post(f"/floor/waves/{wave}/{path}", headers=headers, json=body)
        assert response.status_code == 200, response.get_data(as_text=True)
        return response.get_json()
    return send


def test_with_a_tolerance_every_parcel_is_weighed(client, db, staff, actions):
    """Weighing was once optional, but the last unit closed the parcel at once, so only
    an unfinished parcel could be weighed: a tolerance now means every parcel."""
    weigh_products(db)
    actions.login_as("admin")
    assert set_weighing(client, actions, tolerance_grams="50",
                        packaging_grams="0").status_code == 302
    assert 'name="weigh_every_parcel"' not in client.get("/floor/warehouses/HZ").get_data(
        as_text=True)
    number, wave = picked_wave(client, staff, [item("CUP-02", 1)])
    send = bench(client, actions, wave)
    send("pack-scans", {"code": number})
    last = send("pack-scans", {"code": "6901002", "order": number})
    assert (last["accepted"], last["done"]) == (True, "weigh_parcel")
    assert send("weighings", {"order": number, "grams": 180})["done"] == "shipped"


def test_a_parcel_weighed_unfinished_does_not_close_on_its_last_unit(
        client, db, staff, actions):
    """A weighing while units were missing was kept, and the last unit then closed the
    parcel on it, unweighed."""
    weigh_products(db)
    actions.login_as("admin")
    set_weighing(client, actions, tolerance_grams="200", packaging_grams="0")
    number, wave = picked_wave(client, staff, [item("TEA-01", 2)])
    send = bench(client, actions, wave)
    send("pack-scans", {"code": number})
    send("pack-scans", {"code": "6901001", "order": number})
    early = send("weighings", {"order": number, "grams": 500})
    assert (early["accepted"], early["refusal"]) == (False, "parcel_open")
    assert early["bench"]["number"] == number
    last = send("pack-scans", {"code": "6901001", "order": number})
    assert (last["accepted"], last["done"]) == (True, "weigh_parcel")
    assert client.get(f"/api/v1/orders/{number}", headers=staff).get_json()["state"] == \
        "confirmed"
    assert send("weighings", {"order": number, "grams": 500})["done"] == "shipped"


def test_an_order_held_while_its_parcel_waits_for_its_weight_does_not_ship(
        client, db, staff, actions):
    """weigh_scan closed the parcel without the checks of the last unit: an order held
    (or whose stock changed) after its last unit shipped on its weighing."""
    weigh_products(db)
    actions.login_as("admin")
    set_weighing(client, actions, tolerance_grams="50", packaging_grams="0")
    number, wave = picked_wave(client, staff, [item("CUP-02", 1)])
    send = bench(client, actions, wave)
    send("pack-scans", {"code": number})
    assert send("pack-scans", {"code": "6901002", "order": number})["done"] == \
        "weigh_parcel"
    hold(db, number)
    weighed = send("weighings", {"order": number, "grams": 180})
    assert (weighed["accepted"], weighed["refusal"]) == (False, "order_held")
    assert "label_print" not in weighed and weighed["bench"]["number"] == number
    assert client.get(f"/api/v1/orders/{number}", headers=staff).get_json()["state"] == \
        "confirmed"
    assert stock(client, staff, "CUP-02") == (50, 1)


def test_an_order_whose_stock_changed_while_its_parcel_waits_does_not_ship(
        client, db, staff, actions):
    weigh_products(db)
    actions.login_as("admin")
    set_weighing(client, actions, tolerance_grams="50", packaging_grams="0")
    number, wave = picked_wave(client, staff, [item("CUP-02", 1)])
    send = bench(client, actions, wave)
    send("pack-scans", {"code": number})
    send("pack-scans", {"code": "6901002", "order": number})
    # Meanwhile the order comes to hold one unit more (an edit added it).
    order = db.query(Order).filter_by(number=number).one()
    cup = db.query(Product).filter_by(sku="CUP-02").one()
    hangzhou = db.query(Warehouse).filter_by(code="HZ").one()
    keeping.reserve(db, "test", order.id, [keeping.Line(cup.id, hangzhou.id, 1)])
    db.commit()
    weighed = send("weighings", {"order": number, "grams": 180})
    assert (weighed["accepted"], weighed["refusal"]) == (False, "stock_changed")
    assert client.get(f"/api/v1/orders/{number}", headers=staff).get_json()["state"] == \
        "confirmed"


def test_a_weight_that_cannot_be_checked_is_said_so(client, staff, actions):
    actions.login_as("admin")  # the products have no weight in the catalogue
    set_weighing(client, actions, tolerance_grams="50", weigh_every_parcel="1")
    number, wave = picked_wave(client, staff, [item("CUP-02", 1)])
    headers = {"X-CSRF-Token": actions.csrf(f"/floor/waves/{wave}/pack"),
               "Accept": "application/json"}  # as the pack screen asks
    client.post(f"/floor/waves/{wave}/pack-scans", headers=headers, json={"code": number})
    answer = client.post(f"/floor/waves/{wave}/weighings", headers=headers,
                         json={"order": number, "grams": 200}).get_json()
    assert (answer["accepted"], answer["refusal"]) == (False, "weight_unknown")
    assert "CUP-02" in answer["words"]
    # "²" passes str.isdigit() and a 5000-digit number int(): both once gave a 500.
    for grams in ("0", "heavy", 2_000_000, None, "²", "9" * 5000):
        bad = client.post(f"/floor/waves/{wave}/weighings", headers=headers,
                          json={"order": number, "grams": grams}).get_json()
        assert (bad["accepted"], bad["refusal"]) == (False, "bad_weight"), grams
        assert bad["words"] == "Type the parcel's weight in whole grams, from 1 to 1000000"
        assert bad["bench"]["number"] == number
    # A weighing that could never pass does not keep the parcel on the bench.
    shipped = client.post(f"/floor/waves/{wave}/pack-scans", headers=headers,
                          json={"code": "6901002", "order": number}).get_json()
    assert shipped["done"] == "shipped"


def test_refused_weighing_settings_are_said_beside_their_box(client, staff, actions):
    actions.login_as("admin")
    for form, field in (({"tolerance_grams": "-3"}, "tolerance_grams"),
                        ({"tolerance_grams": "10", "packaging_grams": "1.5"},
                         "packaging_grams"),
                        ({"tolerance_grams": "²"}, "tolerance_grams"),
                        ({"tolerance_grams": "10", "packaging_grams": "9" * 5000},
                         "packaging_grams")):
        refused = set_weighing(client, actions, **form)
        assert refused.status_code == 422, form
        assert f'id="error-{field}"' in refused.get_data(as_text=True), form
    client.post("/logout", data={"csrf_token": actions.csrf("/floor")})
    actions.login_as("staff")  # works the floor, does not set it up
    assert client.get("/floor/warehouses/HZ").status_code == 403


def test_the_api_weighs_a_parcel_too(client, db, staff, actions):
    weigh_products(db)
    actions.login_as("admin")
    set_weighing(client, actions, tolerance_grams="10")
    number, wave = picked_wave(client, staff, [item("POT-03", 1)])
    scan(client, staff, wave, number, "pack")
    assert scan(client, staff, wave, "6901003", "pack", number)["done"] == "weigh_parcel"
    off = client.post(f"/api/v1/waves/{wave}/weighings", headers=staff,
                      json={"order": number, "grams": 800})
    assert off.status_code == 200
    assert off.get_json()["refusal"] == "weight_off"
    assert off.get_json()["message"] == (f"order {number}'s parcel weighs 800 g, expected "
                                         "900 g ± 10 g; check the parcel and weigh it again")
    bad = client.post(f"/api/v1/waves/{wave}/weighings", headers=staff,
                      json={"order": number, "grams": 0})
    assert bad.status_code == 422
    assert bad.get_json()["errors"][0]["pointer"] == "/grams"

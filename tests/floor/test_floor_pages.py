"""The floor's pages: waves planned from the page by hand and by rules, refusals beside
the input at fault, and the scan routes answering in the reader's language."""
from __future__ import annotations

import re

from orderloom.platform.pages import floor_setup
from tests.conftest import csrf_from
from tests.floor.conftest import item, place

CHINESE = {"Accept-Language": "zh-CN,zh;q=0.9"}


def test_a_wave_planned_by_hand_from_the_page_shows_its_pick_list(client, staff, actions):
    first = place(client, staff, [item("CUP-02", 2)])
    second = place(client, staff, [item("TEA-01", 1)])
    actions.login_as("staff")
    page = client.get("/floor?warehouse=HZ").get_data(as_text=True)
    assert f'value="{first}"' in page and f'value="{second}"' in page
    response = client.post("/floor/waves", data={
        "csrf_token": csrf_from(page), "warehouse": "HZ", "orders": [first, second]})
    assert response.status_code == 302
    wave = client.get(response.location).get_data(as_text=True)
    assert re.findall(r'<li data-bin="([^"]*)" data-sku="([^"]*)"', wave) == [
        ("B-10", "TEA-01"), ("A-2", "CUP-02")]
    assert 'id="start-picking"' in wave
    after = client.get("/floor?warehouse=HZ").get_data(as_text=True)
    assert 'id="nothing-waiting"' in after  # both are in the wave now


def test_planning_by_rules_on_the_page_says_what_is_wrong_where(client, staff, actions):
    place(client, staff, [item("CUP-02", 1)])
    actions.login_as("staff")
    token = actions.csrf("/floor")
    for bad in ("0", "²", "9" * 5000):  # the last two once gave a 500
        refused = client.post("/floor/waves/plan", data={
            "csrf_token": token, "warehouse": "HZ", "max_orders": bad})
        assert refused.status_code == 422, bad
        assert 'id="error-max_orders"' in refused.get_data(as_text=True)
    kept = client.post("/floor/waves/plan", data={
        "csrf_token": token, "warehouse": "HZ", "max_orders": "0", "single_item": "1"})
    # The refused rules come back as sent, the tick too.
    assert 'name="single_item" value="1" checked' in kept.get_data(as_text=True)
    nothing = client.post("/floor/waves", data={"csrf_token": token, "warehouse": "HZ"})
    assert nothing.status_code == 422
    assert "name at least one order" in nothing.get_data(as_text=True)
    planned = client.post("/floor/waves/plan", data={
        "csrf_token": token, "warehouse": "HZ", "single_item": "1", "max_orders": "10"},
        follow_redirects=True)
    assert "Planned 1 wave: W-000001." in planned.get_data(as_text=True)


def test_the_scan_routes_answer_in_the_readers_language(client, staff, actions):
    number = place(client, staff, [item("CUP-02", 1)])
    wave = client.post("/api/v1/waves", headers=staff,
                       json={"warehouse": "HZ", "orders": [number]}).get_json()["number"]
    actions.login_as("staff")
    token = actions.csrf(f"/floor/waves/{wave}/pick")
    headers = {"X-CSRF-Token": token, **CHINESE}
    wrong = client.post(f"/floor/waves/{wave}/pick-scans", headers=headers,
                        json={"code": "B-10"}).get_json()
    assert (wrong["accepted"], wrong["words"]) == (False, "库位错误：请去 A-2")
    at_bin = client.post(f"/floor/waves/{wave}/pick-scans", headers=headers,
                         json={"code": "A-2"}).get_json()
    assert at_bin["instruction"] == "请扫描 CUP-02 · Tea cup：已拣 0 / 1。"
    done = client.post(f"/floor/waves/{wave}/pick-scans", headers={"X-CSRF-Token": token},
                       json={"code": "6901002"}).get_json()
    assert done["instruction"] == "Everything is picked: take the wave to packing."
    assert done["progress"] == {"done": 1, "total": 1}
    on_bench = client.post(f"/floor/waves/{wave}/pack-scans", headers=headers,
                           json={"code": number}).get_json()
    assert on_bench["bench"]["lines"] == [
        {"sku": "CUP-02", "bin": "A-2", "quantity": 1, "picked": 1, "packed": 0}]
    shipped = client.post(f"/floor/waves/{wave}/pack-scans", headers=headers,
                          json={"code": "6901002", "order": number}).get_json()
    assert shipped["words"] == f"商品已全部验货：订单 {number} 发货"
    assert shipped["wave_done"] is True
    chinese = client.get(f"/floor/waves/{wave}", headers=CHINESE).get_data(as_text=True)
    assert "拣货单" in chinese
    # The wave's log is worded for its reader, whoever scanned.
    assert "库位错误：请去 A-2" in chinese
    assert "wrong bin" not in chinese


def test_planning_refusals_on_the_page_are_in_the_readers_language(client, staff, actions):
    actions.login_as("staff")
    token = actions.csrf("/floor")
    nothing = client.post("/floor/waves/plan", headers=CHINESE,
                          data={"csrf_token": token, "warehouse": "HZ"})
    assert nothing.status_code == 422
    page = nothing.get_data(as_text=True)
    assert "HZ 没有等待拣货的订单" in page
    assert "no order waits" not in page


def test_the_wave_page_prints_its_labels_and_says_why_when_there_is_nothing(
        client, staff, actions):
    number = place(client, staff, [item("POT-03", 1)])
    wave = client.post("/api/v1/waves", headers=staff,
                       json={"warehouse": "HZ", "orders": [number]}).get_json()["number"]
    actions.login_as("staff")
    token = actions.csrf(f"/floor/waves/{wave}")
    labels = client.post(f"/floor/waves/{wave}/prints",
                         data={"csrf_token": token, "documents": ["shipping_label"]})
    assert labels.content_type == "application/pdf"
    assert f"wave-{wave}-shipping_label.pdf" in labels.headers["Content-Disposition"]
    client.post(f"/api/v1/waves/{wave}/short", headers=staff)
    nothing = client.post(f"/floor/waves/{wave}/prints", data={"csrf_token": token},
                          follow_redirects=True)
    assert "every order of wave W-000001 has left it (short picked, or moved on)" in \
        nothing.get_data(as_text=True)
    chinese = client.post(f"/floor/waves/{wave}/prints", data={"csrf_token": token},
                          headers=CHINESE, follow_redirects=True).get_data(as_text=True)
    assert "波次 W-000001 的订单都已离开" in chinese


def test_a_long_walk_preview_shows_the_start_of_the_walk_and_says_it_is_cut(
        client, staff, actions, monkeypatch):
    """The preview took its bins before sorting them: a long catalogue showed bins
    from anywhere on the walk, as if they were its start, and said nothing."""
    monkeypatch.setattr(floor_setup, "MOST_BINS", 2)
    actions.login_as("admin")
    page = client.get("/floor/warehouses/HZ").get_data(as_text=True)  # walks B, then A
    assert re.findall(r'data-bin="([^"]*)"', page) == ["B-3", "B-10"]
    assert "The first 2 of the walk's 4 bins." in page


def test_a_label_printed_with_the_wave_counts_when_the_bench_prints_it(
        client, staff, actions):
    """The bench counted only its own prints: a label printed with the wave's labels
    was logged again as 'print 1', not as the reprint it is."""
    number = place(client, staff, [item("CUP-02", 1)])
    wave = client.post("/api/v1/waves", headers=staff,
                       json={"warehouse": "HZ", "orders": [number]}).get_json()["number"]
    actions.login_as("staff")
    token = actions.csrf(f"/floor/waves/{wave}")
    for documents in (["packing_slip"], ["shipping_label"]):
        client.post(f"/floor/waves/{wave}/prints",
                    data={"csrf_token": token, "documents": documents})
    for code, step, order in (("A-2", "pick", None), ("6901002", "pick", None),
                              (number, "pack", None), ("6901002", "pack", number)):
        client.post(f"/api/v1/waves/{wave}/{step}-scans", headers=staff,
                    json={"code": code, **({"order": order} if order else {})})
    printed = client.post(f"/floor/waves/{wave}/orders/{number}/label-prints",
                          headers={"X-CSRF-Token": token}).get_json()
    assert (printed["print"], printed["reprint"]) == (2, True)

"""Every scan of an order is on its timeline and on the wave's log, and stock moves only
for what was verified: the order's picked and packed entries list its scans, refused
ones marked, and nothing leaves the shelf before the parcel's last unit is verified."""
from __future__ import annotations

from tests.floor.conftest import item, place
from tests.floor.test_waves_api import scan, stock


def test_the_orders_scans_are_on_its_timeline_and_stock_waits_for_the_last_unit(
        client, staff, actions):
    number = place(client, staff, [item("TEA-01", 2), item("CUP-02", 1)])
    wave = client.post("/api/v1/waves", headers=staff,
                       json={"warehouse": "HZ", "orders": [number]}).get_json()["number"]
    for code in ("B-10", "6901001", "6901001", "A-2", "6901002"):
        assert scan(client, staff, wave, code)["accepted"], code
    scan(client, staff, wave, number, "pack")
    scan(client, staff, wave, "6901001", "pack", number)
    assert not scan(client, staff, wave, "6901004", "pack", number)["accepted"]  # a mat
    scan(client, staff, wave, "6901001", "pack", number)
    # Two of three units verified: nothing has left the shelf.
    assert stock(client, staff, "TEA-01") == (50, 2)
    assert stock(client, staff, "CUP-02") == (50, 1)
    assert scan(client, staff, wave, "6901002", "pack", number)["done"] == "shipped"
    assert stock(client, staff, "TEA-01") == (48, 0)
    assert stock(client, staff, "CUP-02") == (49, 0)

    history = client.get(f"/api/v1/orders/{number}/timeline", headers=staff).get_json()
    entries = {e["details"]["outcome"]: e["details"]["values"]["scans"] for e in history
               if e["kind"] == "scan"}
    assert [(s["code"], s["accepted"]) for s in entries["picked"]] == [
        ("6901001", True), ("6901001", True), ("6901002", True)]
    assert [(s["code"], s["accepted"]) for s in entries["packed"]] == [
        (number, True), ("6901001", True), ("6901004", False), ("6901001", True),
        ("6901002", True)]
    log = client.get(f"/api/v1/waves/{wave}/log", headers=staff).get_json()
    on_log = [(e["code"], e["accepted"]) for e in reversed(log) if e["order"] == number]
    assert on_log == [(s["code"], s["accepted"])
                      for s in entries["picked"] + entries["packed"]]
    actions.login_as("staff")
    page = client.get(f"/orders/{number}").get_data(as_text=True)
    assert f"5 scans: {number}, 6901001, 6901004 ✗, 6901001, 6901002" in page

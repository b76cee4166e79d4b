"""An order's timeline says what the floor did to it (picked in full, short, packed) in
one entry each, with its values and the order's scans listed in it; a refusal about a
stop stays on the wave's log, not pinned on some order of it."""
from __future__ import annotations

from tests.floor.conftest import item, place
from tests.floor.test_waves_api import scan

CHINESE = {"Accept-Language": "zh-CN,zh;q=0.9"}


def test_picking_leaves_one_entry_per_order_and_refusals_on_the_wave_log(client, staff,
                                                                          actions):
    # Once every unit and every refusal went on the timeline of the first order still
    # lacking the SKU: three units gave three entries, a wrong bin blamed that order.
    many = place(client, staff, [item("CUP-02", 3)])
    short = place(client, staff, [item("POT-03", 2)])
    wave = client.post("/api/v1/waves", headers=staff,
                       json={"warehouse": "HZ", "orders": [many, short]}).get_json()["number"]
    assert scan(client, staff, wave, "B-10")["refusal"] == "wrong_bin"
    for code in ("A-2", "6901002", "6901002", "6901002", "A-10", "6901003"):
        assert scan(client, staff, wave, code)["accepted"], code
    assert client.post(f"/api/v1/waves/{wave}/short", headers=staff).status_code == 200

    def scans(number):
        history = client.get(f"/api/v1/orders/{number}/timeline", headers=staff).get_json()
        return [(e["details"]["outcome"],
                 {k: v for k, v in e["details"]["values"].items() if k != "scans"},
                 [s["code"] for s in e["details"]["values"]["scans"]])
                for e in history if e["kind"] == "scan"]

    assert scans(many) == [("picked", {}, ["6901002"] * 3)]
    assert scans(short) == [("short", {"sku": "POT-03", "missing": 1}, ["6901003"])]
    log = client.get(f"/api/v1/waves/{wave}/log", headers=staff).get_json()
    refused = next(s for s in log if not s["accepted"])
    assert (refused["code"], refused["order"]) == ("B-10", None)

    actions.login_as("staff")
    page = client.get(f"/orders/{short}", headers=CHINESE).get_data(as_text=True)
    assert "POT-03" in page
    english = client.get(f"/orders/{short}").get_data(as_text=True)
    assert f"reported 1 × POT-03 of the order not on the shelf in wave {wave}" in english

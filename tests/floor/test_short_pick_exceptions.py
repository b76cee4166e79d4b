"""A short pick sends each order lacking the stop's units to the exception queue with the
reason short_pick: counted on the queue and the dashboard, held out of waves and off the
packing bench until staff resolve it; released once restocked, it is planned again."""
from __future__ import annotations

from tests.floor.conftest import item, place
from tests.floor.test_waves_api import scan


def short_pick(client, staff, skus_in_bins, items) -> tuple[str, str]:
    lacking = place(client, staff, items)
    wave = client.post("/api/v1/waves", headers=staff,
                       json={"warehouse": "HZ", "orders": [lacking]}).get_json()["number"]
    for code in skus_in_bins:
        assert scan(client, staff, wave, code)["accepted"], code
    assert client.post(f"/api/v1/waves/{wave}/short", headers=staff).status_code == 200
    return lacking, wave


def test_a_short_pick_opens_a_short_pick_exception_counted_in_the_queue(client, staff):
    lacking, wave = short_pick(client, staff, ["A-10", "6901003"], [item("POT-03", 2)])
    listed = client.get("/api/v1/exceptions?reason=short_pick", headers=staff).get_json()
    [found] = listed["exceptions"] if isinstance(listed, dict) else listed
    assert found["order"] == lacking
    assert found["reason"] == "short_pick"
    assert found["status"] == "open"
    assert found["message"]["en"] == \
        f"short pick in wave {wave}: 1 × POT-03 not found on the shelf"
    counts = client.get("/api/v1/exceptions/counts", headers=staff).get_json()
    assert counts["short_pick"] == {"open": 1, "overdue": 0}
    order = client.get(f"/api/v1/orders/{lacking}", headers=staff).get_json()
    assert order["state"] == "confirmed"
    # Held beside the exception: no wave plans it while it is open.
    again = client.post("/api/v1/waves", headers=staff,
                        json={"warehouse": "HZ", "orders": [lacking]})
    assert again.status_code == 422


def test_the_dashboard_counts_short_picks(client, staff, actions):
    short_pick(client, staff, ["A-10"], [item("POT-03", 1)])
    actions.login_as("admin")
    page = client.get("/dashboards").get_data(as_text=True)
    assert '<li data-reason="short_pick">' in page
    listed = page.split('<li data-reason="short_pick">', 1)[1].split("</li>", 1)[0]
    assert ">Short pick</a>: 1" in listed


def test_a_short_pick_released_after_restock_is_planned_into_a_new_wave(client, staff):
    lacking, _wave = short_pick(client, staff, ["A-10", "6901003"], [item("POT-03", 2)])
    listed = client.get("/api/v1/exceptions?reason=short_pick", headers=staff).get_json()
    [found] = listed["exceptions"] if isinstance(listed, dict) else listed
    split = client.post(f"/api/v1/exceptions/{found['id']}/resolve", headers=staff,
                        json={"resolution": "fix_sku"})
    assert split.status_code == 422
    assert split.get_json()["errors"][0]["pointer"] == "/resolution"
    released = client.post(f"/api/v1/exceptions/{found['id']}/resolve", headers=staff,
                           json={"resolution": "release", "note": "shelf A-10 restocked"})
    assert released.status_code == 200, released.get_json()
    again = client.post("/api/v1/waves", headers=staff,
                        json={"warehouse": "HZ", "orders": [lacking]})
    assert again.status_code == 201, again.get_json()
    assert [(s["sku"], s["quantity"]) for s in again.get_json()["pick_list"]] == [("POT-03", 2)]


def test_a_short_pick_resolved_by_cancel_cancels_the_order_and_frees_its_stock(client, staff):
    lacking, _wave = short_pick(client, staff, ["A-10"], [item("POT-03", 1)])
    found = client.get("/api/v1/exceptions?reason=short_pick", headers=staff).get_json()
    found = (found["exceptions"] if isinstance(found, dict) else found)[0]
    cancelled = client.post(f"/api/v1/exceptions/{found['id']}/resolve", headers=staff,
                            json={"resolution": "cancel"})
    assert cancelled.status_code == 200, cancelled.get_json()
    assert client.get(f"/api/v1/orders/{lacking}", headers=staff).get_json()["state"] == \
        "cancelled"
    level = client.get("/api/v1/stock?sku=POT-03&warehouse=HZ", headers=staff).get_json()[0]
    assert (level["on_hand"], level["reserved"]) == (50, 0)

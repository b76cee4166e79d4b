"""An order in a wave may be edited until its first unit is picked; from then on the
edit is refused with the wave named, on the API and on the order page."""
from __future__ import annotations

from tests.floor.conftest import item, place
from tests.platform.test_api_tokens import assert_problem


def test_an_order_is_edited_in_a_wave_until_picking_starts(client, staff, actions):
    number = place(client, staff, [item("CUP-02", 2)])
    wave = client.post("/api/v1/waves", headers=staff,
                       json={"warehouse": "HZ", "orders": [number]}).get_json()["number"]
    # Planned, nothing picked yet: the edit goes ahead.
    raised = client.patch(f"/api/v1/orders/{number}", headers=staff,
                          json={"data": {"items": [item("CUP-02", 3)]}})
    assert raised.status_code == 200, raised.get_json()

    client.post(f"/api/v1/waves/{wave}/pick-scans", headers=staff, json={"code": "A-2"})
    picked = client.post(f"/api/v1/waves/{wave}/pick-scans", headers=staff,
                         json={"code": "6901002"}).get_json()
    assert picked["accepted"], picked
    body = assert_problem(client.patch(f"/api/v1/orders/{number}", headers=staff, json={
        "data": {"items": [item("CUP-02", 1)], "note": "one is enough"}}), 409)
    reason = (f"picking of order {number} has started in wave {wave}; it can no longer "
              "be changed")
    assert body["errors"] == [{"pointer": "/data/items", "detail": reason},
                              {"pointer": "/data/note", "detail": reason}]
    assert client.get(f"/api/v1/orders/{number}", headers=staff).get_json()[
        "data"]["items"][0]["qty"] == 3

    actions.login_as("staff")
    page = client.get(f"/orders/{number}").get_data(as_text=True)
    assert 'id="edit-order"' not in page
    assert f"This order can no longer be edited: {reason}." in page
    chinese = client.get(f"/orders/{number}", headers={"Accept-Language": "zh"}
                         ).get_data(as_text=True)
    assert f"此订单已不能修改：订单 {number} 已在波次 {wave} 中开始拣货，不能再修改。" in chinese
    edit_page = client.get(f"/orders/{number}/edit")
    assert edit_page.status_code == 302

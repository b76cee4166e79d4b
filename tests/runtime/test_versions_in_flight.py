"""Orders keep the version they were created with; moving them is explicit."""
from __future__ import annotations

import copy

from tests.designer.samples import retail
from tests.runtime.support import SAMPLE, create


def publish_changed(client, designer, change):
    definition = copy.deepcopy(retail())
    change(definition)
    saved = client.put("/api/v1/order-types/retail_order/draft", headers=designer,
                       json=definition)
    assert saved.get_json()["errors"] == [], saved.get_json()
    response = client.post("/api/v1/order-types/retail_order/publish", headers=designer)
    assert response.status_code == 201, response.get_json()
    return response.get_json()["number"]


def version_2(definition):
    # v2: no discount, and cancelling needs a much smaller total
    definition["form"]["fields"][5]["formula"] = "0"
    definition["workflow"]["transitions"][3]["condition"] = "total < 10"


def test_an_order_on_version_1_keeps_behaving_as_version_1(client, published, staff):
    old = create(client, staff).get_json()
    assert publish_changed(client, published, version_2) == 2
    new = create(client, staff).get_json()
    assert (old["version"], new["version"]) == (1, 2)
    assert new["data"]["discount"] == "0.00"
    assert old["data"]["discount"] == "128.04"
    reread = client.get(f"/api/v1/orders/{old['number']}", headers=staff).get_json()
    assert reread["version"] == 1
    assert reread["data"]["discount"] == "128.04"
    # v1's condition (total < 100000) still governs the old order; v2's governs the new one
    assert client.post(f"/api/v1/orders/{old['number']}/transitions/cancel",
                       headers=staff).status_code == 200
    refused = client.post(f"/api/v1/orders/{new['number']}/transitions/cancel", headers=staff)
    assert refused.status_code == 422
    assert "total < 10" in refused.get_json()["detail"]


def test_moving_open_orders_is_explicit_with_a_dry_run(client, published, staff):
    stays_in_draft = create(client, staff).get_json()["number"]
    # over the 5000 of manager_review's `when`, so it waits in review
    in_review = create(client, staff, {**SAMPLE, "items": [
        {"sku": "TEA-01", "qty": 5, "price": "1250.50"}]}).get_json()["number"]
    client.post(f"/api/v1/orders/{in_review}/transitions/submit", headers=staff)
    finished = create(client, staff).get_json()["number"]
    client.post(f"/api/v1/orders/{finished}/transitions/cancel", headers=staff)

    def version_2_without_review(definition):
        wf = definition["workflow"]
        wf["states"] = [s for s in wf["states"] if s["key"] != "review"]
        wf["transitions"][0]["to"] = "confirmed"
        wf["transitions"][3]["from"] = ["draft", "confirmed"]
        wf["approvals"] = []
        definition["rules"] = definition["rules"][:1]
        definition["form"]["fields"][5]["formula"] = "0"

    publish_changed(client, published, version_2_without_review)
    plan = client.post("/api/v1/order-types/retail_order/versions/2/move-orders?dry_run=1",
                       headers=published).get_json()
    assert plan == {"target_version": 2, "dry_run": True, "movable": [stays_in_draft],
                    "blocked": [{"number": in_review,
                                 "reason": "its state 'review' does not exist in version 2"}]}
    assert client.get(f"/api/v1/orders/{stays_in_draft}",
                      headers=staff).get_json()["version"] == 1
    done = client.post("/api/v1/order-types/retail_order/versions/2/move-orders",
                       headers=published).get_json()
    assert done["dry_run"] is False
    moved = client.get(f"/api/v1/orders/{stays_in_draft}", headers=staff).get_json()
    assert moved["version"] == 2
    assert moved["data"]["discount"] == "0.00"
    assert client.get(f"/api/v1/orders/{finished}", headers=staff).get_json()["version"] == 1
    timeline = client.get(f"/api/v1/orders/{stays_in_draft}/timeline", headers=staff).get_json()
    assert timeline[-1]["kind"] == "version_moved"
    assert timeline[-1]["details"] == {"from_version": 1, "to_version": 2}


def test_staff_cannot_move_orders(client, published, staff):
    response = client.post("/api/v1/order-types/retail_order/versions/1/move-orders",
                           headers=staff)
    assert response.status_code == 403

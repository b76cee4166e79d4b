"""On the built-in retail template a cancelled order waits in refund pending (a state
still open) until its money is refunded: a pre-sale order cancelled there gives the
units it reserved against expected receipts back at once, for the next buyer, not
when the refund is made."""
from __future__ import annotations

import datetime as dt

from orderloom.db import utcnow
from orderloom.runtime import business_calendar
from tests.platform.test_api_tokens import bearer
from tests.templates.samples import sample

RELEASE = business_calendar.instance_date(utcnow()) + dt.timedelta(days=10)


def test_a_pre_sale_order_cancelled_for_a_refund_gives_its_units_back(client, token_for):
    # They stayed reserved until the refund was made, though the order was cancelled.
    admin = bearer(token_for("admin"))
    assert client.post("/api/v1/templates/retail/import", headers=admin,
                       json={}).status_code == 201
    taken = sample("retail")
    sku = taken["data"]["items"][0]["sku"]
    assert client.put(f"/api/v1/pre-sales/{sku}", headers=admin, json={
        "release_on": RELEASE.isoformat()}).status_code == 200
    warehouse = client.get("/api/v1/warehouses", headers=admin).get_json()[0]["code"]
    assert client.put("/api/v1/expected-receipts", headers=admin, json={
        "sku": sku, "warehouse": warehouse, "expected_on": RELEASE.isoformat(),
        "quantity": 2}).status_code == 200
    data = {**taken["data"], "items": [{**taken["data"]["items"][0], "qty": 2}]}

    def place():
        made = client.post("/api/v1/orders", headers=admin,
                           json={"order_type": taken["order_type"], "data": data})
        assert made.status_code == 201, made.get_json()
        return made.get_json()["number"]

    def reserved():
        return client.get("/api/v1/expected-receipts", headers=admin).get_json()[0][
            "reserved"]

    number = place()
    assert reserved() == 2
    cancelled = client.post(f"/api/v1/orders/{number}/transitions/cancel", headers=admin)
    assert cancelled.status_code == 200, cancelled.get_json()
    assert cancelled.get_json()["state"] == "refund_pending"
    assert reserved() == 0
    # The next buyer gets the expected units.
    second = place()
    assert reserved() == 2
    lines = [e["details"]["lines"] for e in client.get(
        f"/api/v1/orders/{second}/timeline", headers=admin).get_json()
        if e["kind"] == "pre_sale"]
    assert lines[0][0]["receipt"] is not None
    # The refund later gives nothing back twice.
    total = client.get(f"/api/v1/orders/{number}", headers=admin).get_json()["total"]
    typed = client.patch(f"/api/v1/orders/{number}", headers=admin,
                         json={"data": {"refund_amount": total}})
    assert typed.status_code == 200, typed.get_json()
    refunded = client.post(f"/api/v1/orders/{number}/transitions/refund", headers=admin)
    assert refunded.status_code == 200, refunded.get_json()
    assert reserved() == 2

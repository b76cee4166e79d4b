"""A SKU falling below its low-stock threshold alerts the admins once per crossing."""
from __future__ import annotations

from tests.documents.conftest import place


def alerts(client, headers):
    return [n for n in client.get("/api/v1/notifications", headers=headers).get_json()
            if n["title"].startswith("Low stock")]


def adjust(client, headers, change):
    response = client.post("/api/v1/stock/adjustments", headers=headers, json={
        "sku": "TEA-01", "warehouse": "HZ", "change": change, "reference": "count"})
    assert response.status_code == 201, response.get_json()


def test_low_stock_alerts_once_per_crossing(client, shop, staff):
    # TEA-01 in HZ: 20 on hand, threshold 5.
    adjust(client, shop, -14)  # 6 left: not below
    assert alerts(client, shop) == []
    place(client, staff)  # reserves 2 x TEA-01: 4 available, below 5
    [alert] = alerts(client, shop)
    assert alert["title"] == "Low stock: TEA-01 in HZ"
    # To whoever receives and adjusts stock, whatever their role is called.
    assert "4 available" in alert["body"] and alert["to_permission"] == "inventory.manage"
    assert alert["to_role"] is None
    adjust(client, shop, -1)  # still below: no second alert
    assert len(alerts(client, shop)) == 1
    adjust(client, shop, 5)  # back at 8: re-armed
    adjust(client, shop, -4)  # 4 again: a new crossing
    assert len(alerts(client, shop)) == 2

"""Sample order data and a helper to create orders through the API."""
from __future__ import annotations

SAMPLE = {
    "customer": {"code": "C1", "name": "Li Wei", "tier": "gold"},
    "ship_to": {"country": "CN", "province": "Zhejiang", "city": "Hangzhou"},
    "items": [{"sku": "TEA-01", "qty": 2, "price": 1250.5},
              {"sku": "CUP-02", "qty": 3, "price": "19.90"}],
}


def create(client, headers, data=None, **extra):
    return client.post("/api/v1/orders", headers=headers,
                       json={"order_type": "retail_order", "data": data or SAMPLE, **extra})

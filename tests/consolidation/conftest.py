"""The floor's shop (products, HZ and SH, a retail type whose submit holds stock), a
second warehouse with stock, and helpers to place, merge and split orders."""
from __future__ import annotations

import pytest

from tests.floor.conftest import admin, floor_shop, item, place, staff  # noqa: F401
from tests.runtime.support import SAMPLE


@pytest.fixture
def two_warehouses(client, floor_shop):  # noqa: F811
    """SH stocks what HZ does, 50 each."""
    for sku in ("TEA-01", "CUP-02", "POT-03", "MAT-04"):
        client.post("/api/v1/stock/receipts", headers=floor_shop,
                    json={"sku": sku, "warehouse": "SH", "quantity": 50})
    return floor_shop


def buyer(code="C1", name="Li Wei", city="Hangzhou"):
    return {"customer": {"code": code, "name": name, "tier": "gold"},
            "ship_to": {"country": "CN", "province": "Zhejiang", "city": city,
                        "street": "1 West Lake Road"}}


def place_for(client, headers, who, items, channel=None) -> str:
    data = {**SAMPLE, **who, "items": items}
    body = {"order_type": "retail_order", "data": data}
    if channel:
        body["channel"] = channel
    response = client.post("/api/v1/orders", headers=headers, json=body)
    assert response.status_code == 201, response.get_json()
    number = response.get_json()["number"]
    moved = client.post(f"/api/v1/orders/{number}/transitions/submit", headers=headers)
    assert moved.status_code == 200, moved.get_json()
    return number


def level(client, headers, sku, warehouse):
    found = client.get(f"/api/v1/stock?sku={sku}&warehouse={warehouse}",
                       headers=headers).get_json()
    return (found[0]["on_hand"], found[0]["reserved"]) if found else (0, 0)


def kinds(client, headers, number):
    return [e["kind"] for e in client.get(f"/api/v1/orders/{number}/timeline",
                                          headers=headers).get_json()]


__all__ = ["admin", "floor_shop", "item", "place", "staff"]


def shop_clerk(client, admin, db, make_user) -> dict:
    """The headers of a clerk whose row rule shows only the "shop" channel's orders."""
    from tests.channels.support import create_channel
    from tests.security.test_data_permissions import add_role, headers_of, scope

    create_channel(client, admin)
    add_role(client, admin, "shop_desk", "my_channels")
    clerk = make_user("shop_desk", username="shop.clerk")
    scope(client, admin, clerk, channels=["shop"])
    return headers_of(db, clerk)

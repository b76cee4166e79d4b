"""Fixtures of the logistics tests: a carrier server, the carrier set up in Orderloom,
an order type that books with it, and a staff token."""
from __future__ import annotations

from dataclasses import dataclass

import pytest

from tests.logistics.support import SAMPLE, FakeCarrier, carrier_config, parcel_order
from tests.platform.test_api_tokens import bearer


@pytest.fixture
def carrier_server():
    with FakeCarrier() as server:
        yield server


@dataclass
class Setup:
    admin: dict
    staff: dict
    secret: str
    server: FakeCarrier

    def order(self, client, data=None) -> str:
        response = client.post("/api/v1/orders", headers=self.staff, json={
            "order_type": "parcel_order", "data": data or SAMPLE})
        assert response.status_code == 201, response.get_json()
        return response.get_json()["number"]

    def ship(self, client, number: str) -> dict:
        response = client.post(f"/api/v1/orders/{number}/transitions/ship", headers=self.staff)
        assert response.status_code == 200, response.get_json()
        shipments = client.get(f"/api/v1/orders/{number}/shipments",
                               headers=self.staff).get_json()["shipments"]
        assert len(shipments) == 1, shipments
        return shipments[0]


@pytest.fixture
def setup(client, token_for, carrier_server) -> Setup:
    """Carrier ``sf`` (the fake server, webhooks and polling every 60 s), and the parcel
    order type published by a designer."""
    admin = bearer(token_for("admin"))
    created = client.post("/api/v1/carriers", headers=admin, json={
        "code": "sf", "name": "SF Express", "config": carrier_config(carrier_server.url),
        "poll_interval_seconds": 60})
    assert created.status_code == 201, created.get_json()
    designer = bearer(token_for("designer"))
    imported = client.post("/api/v1/import", headers=designer, json={
        "format": "orderloom-package/1", "order_types": [parcel_order()]})
    assert imported.status_code == 201, imported.get_json()
    return Setup(admin=admin, staff=bearer(token_for("staff")),
                 secret=created.get_json()["webhook_secret"], server=carrier_server)


@pytest.fixture(autouse=True)
def carriers_on_loopback(outbound_to_loopback):
    """The carriers of these tests listen on 127.0.0.1."""

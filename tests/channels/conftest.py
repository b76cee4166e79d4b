"""An administrator who sets up channels, beside the published retail order type of
tests/conftest.py; or the built-in retail template as a merchant imports it, with
the merchant's Shopify or WooCommerce store on a local fake."""
from __future__ import annotations

import pytest

from tests.channels.fake_stores import FakeStore
from tests.platform.test_api_tokens import bearer


@pytest.fixture
def admin(client, token_for, published):
    return bearer(token_for("admin"))


@pytest.fixture(autouse=True)
def shops_on_loopback(outbound_to_loopback):
    """The shops that take stock pushes in these tests listen on 127.0.0.1."""


@pytest.fixture
def retail(client, token_for):
    """The built-in retail template, imported by an administrator; answers the
    administrator's API headers."""
    merchant = bearer(token_for("admin"))
    response = client.post("/api/v1/templates/retail/import", headers=merchant)
    assert response.status_code == 201, response.get_json()
    return merchant


@pytest.fixture
def shopify():
    store = FakeStore("shopify")
    yield store
    store.close()


@pytest.fixture
def woo():
    store = FakeStore("woocommerce")
    yield store
    store.close()

"""An administrator who sets up channels, beside the published retail order type of
tests/conftest.py."""
from __future__ import annotations

import pytest

from tests.platform.test_api_tokens import bearer


@pytest.fixture
def admin(client, token_for, published):
    return bearer(token_for("admin"))


@pytest.fixture(autouse=True)
def shops_on_loopback(outbound_to_loopback):
    """The shops that take stock pushes in these tests listen on 127.0.0.1."""

"""A published retail order type and an administrator who sets up channels."""
from __future__ import annotations

import pytest

from tests.designer.samples import retail
from tests.platform.test_api_tokens import bearer


@pytest.fixture
def published(client, token_for):
    designer = bearer(token_for("designer"))
    response = client.post("/api/v1/import", headers=designer, json={
        "format": "orderloom-package/1", "order_types": [retail()]})
    assert response.status_code == 201, response.get_json()
    return designer


@pytest.fixture
def admin(client, token_for, published):
    return bearer(token_for("admin"))

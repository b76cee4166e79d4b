"""A staff token for the runtime tests, beside the published retail order type of
tests/conftest.py."""
from __future__ import annotations

import pytest

from tests.platform.test_api_tokens import bearer


@pytest.fixture
def staff(client, token_for, published):
    return bearer(token_for("staff"))

"""Short but real retry waits for the webhook tests."""
from __future__ import annotations

import pytest

FIRST_WAIT = 0.2  # seconds before the 2nd attempt; 0.4 before the 3rd, then 0.5 (the cap)
LONGEST_WAIT = 0.5


@pytest.fixture(autouse=True)
def short_backoff(monkeypatch):
    monkeypatch.setenv("ORDERLOOM_WEBHOOK_RETRY_FIRST_SECONDS", str(FIRST_WAIT))
    monkeypatch.setenv("ORDERLOOM_WEBHOOK_RETRY_LONGEST_SECONDS", str(LONGEST_WAIT))
    monkeypatch.setenv("ORDERLOOM_WEBHOOK_ATTEMPTS", "5")
    monkeypatch.setenv("ORDERLOOM_WEBHOOK_TIMEOUT_SECONDS", "5")


@pytest.fixture(autouse=True)
def receivers_on_loopback(outbound_to_loopback):
    """The receivers of these tests listen on 127.0.0.1."""

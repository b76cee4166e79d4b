"""The access line of each request, as the app writes it: a line per request with its
id, and no key that an address carries."""
from __future__ import annotations

import logging

from orderloom.platform.logs import ACCESS_LOGGER

CODE = "q7Hc2LxVbN4mWk9RtY3sPz8aDf6gJe5u"  # the shape of a parcel's public token


def test_the_public_tracking_token_never_reaches_the_log(client, caplog):
    with caplog.at_level(logging.INFO):
        client.get(f"/track/{CODE}")
        client.get(f"/track?code={CODE}", follow_redirects=True)
        client.get("/healthz")
    access = [r for r in caplog.records if r.name == ACCESS_LOGGER]
    assert [r.path for r in access] == ["/track/<code>", "/track", "/track/<code>",
                                        "/healthz"]
    assert all(r.request_id for r in access)
    assert not [r.getMessage() for r in caplog.records if CODE in r.getMessage()]

"""An order's channel is stamped by the channel that received it: the plain orders API
takes only the channels people enter orders for by hand."""
from __future__ import annotations

import pytest

from tests.channels.support import create_channel
from tests.platform.test_api_tokens import assert_problem, bearer
from tests.runtime.support import SAMPLE


def post_order(client, headers, **extra):
    return client.post("/api/v1/orders", headers=headers,
                       json={"order_type": "retail_order", "data": SAMPLE, **extra})


@pytest.mark.parametrize("channel", ["tmall", "made_up"])
def test_regression_staff_stamped_an_order_with_any_channel(client, published, token_for,
                                                            channel):
    """Once: a staff token created orders "from" tmall, or from a channel that does not
    exist, and they counted in that channel's sales."""
    admin = bearer(token_for("admin"))
    create_channel(client, admin, key="tmall", kind="webhook")
    staff = bearer(token_for("staff"))
    body = assert_problem(post_order(client, staff, channel=channel), 422)
    assert body["errors"][0]["pointer"] == "/channel"
    assert channel in body["detail"]
    assert _orders(client, staff) == []


def test_a_receiving_channel_is_refused_even_to_an_administrator(client, published,
                                                                 token_for):
    admin = bearer(token_for("admin"))
    create_channel(client, admin, key="own_site", kind="rest")
    body = assert_problem(post_order(client, admin, channel="own_site"), 422)
    assert "receives its orders itself" in body["detail"]


def test_manual_and_hand_kind_channels_are_stamped(client, published, token_for):
    admin = bearer(token_for("admin"))
    create_channel(client, admin, key="phone", kind="manual")
    staff = bearer(token_for("staff"))
    default = post_order(client, staff)
    assert default.status_code == 201 and default.get_json()["channel"] == "manual"
    phoned = post_order(client, staff, channel="phone")
    assert phoned.status_code == 201, phoned.get_json()
    assert phoned.get_json()["channel"] == "phone"


def test_a_hand_channel_switched_off_is_refused(
        client, published, token_for):
    admin = bearer(token_for("admin"))
    create_channel(client, admin, key="counter", kind="manual")
    client.patch("/api/v1/channels/counter", headers=admin, json={"active": False})
    staff = bearer(token_for("staff"))
    body = assert_problem(post_order(client, staff, channel="counter"), 422)
    assert "switched off" in body["detail"]


def _orders(client, headers):
    answer = client.get("/api/v1/orders", headers=headers).get_json()
    return answer if isinstance(answer, list) else answer.get("orders", [])

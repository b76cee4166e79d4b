"""An ERP or CRM subscribed to return.changed hears each step of a return, in order,
from a real local HTTP server."""
from __future__ import annotations

import json

import pytest

from tests.after_sales.test_returns import inspected, shipped_order, step
from tests.webhooks.support import Receiver, wait_for
from tests.webhooks.test_delivery import subscribe

pytestmark = pytest.mark.usefixtures("outbound_to_loopback")


def test_each_step_of_a_return_reaches_the_subscriber(client, shop, staff):
    with Receiver() as erp:
        erp.secret = subscribe(client, shop, erp.url, ["return.changed"])["secret"]
        order = shipped_order(client, staff, paid=False)
        number = inspected(client, staff, order, [{"sku": "CUP-02", "quantity": 1}],
                           {"CUP-02": {"disposition": "restock", "warehouse": "HZ"}})
        closed = step(client, staff, number, "close", {"outcome": "reship"})
        wait_for(lambda: len(erp.processed) == 5)
    events = sorted((json.loads(r["body"]) for r in erp.requests),
                    key=lambda e: e["created_at"])
    assert {e["type"] for e in events} == {"return.changed"}
    assert [e["data"]["step"] for e in events] == [
        "requested", "approved", "received", "inspected", "closed"]
    last = events[-1]["data"]
    assert (last["return"], last["order"], last["outcome"], last["replacement_order"]) == (
        number, order, "reship", closed["replacement_order"])
    assert last["lines"] == [{"sku": "CUP-02", "quantity": 1, "received": 1,
                              "disposition": "restock", "warehouse": "HZ"}]

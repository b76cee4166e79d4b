"""An order the workflow cancelled, whose stock went back, ships nothing: it is no merge
candidate, whether its state still counts as open (the retail template's "Refund
pending") or not."""
from __future__ import annotations

from orderloom.designer.workflow import stock_given_back
from tests.platform.test_api_tokens import bearer
from tests.templates.samples import sample


def test_a_cancelled_order_waiting_for_its_refund_is_not_merged_with_the_next(
        client, token_for):
    # Merging by rule once merged an order in refund pending with the buyer's next one.
    admin = bearer(token_for("admin"))
    assert client.post("/api/v1/templates/retail/import", headers=admin,
                       json={}).status_code == 201
    taken = sample("retail")

    def place() -> str:
        made = client.post("/api/v1/orders", headers=admin,
                           json={"order_type": taken["order_type"], "data": taken["data"]})
        assert made.status_code == 201, made.get_json()
        return made.get_json()["number"]

    first = place()
    cancelled = client.post(f"/api/v1/orders/{first}/transitions/cancel", headers=admin)
    assert cancelled.status_code == 200, cancelled.get_json()
    assert cancelled.get_json()["state"] == "refund_pending"
    second = place()
    kinds = [e["kind"] for n in (first, second) for e in client.get(
        f"/api/v1/orders/{n}/timeline", headers=admin).get_json()]
    assert "merged" not in kinds
    for number in (first, second):
        found = client.get(f"/api/v1/orders/{number}/merge-candidates",
                           headers=admin).get_json()
        assert (found["merge"], found["candidates"]) == (None, []), number
    refused = client.post("/api/v1/merges", headers=admin, json={"orders": [first, second]})
    assert refused.status_code == 409, refused.get_json()
    assert f"order {first} gave its stock back in refund_pending" in \
        refused.get_json()["detail"]
    # The buyer's next order still merges with the one that is going ahead.
    third = place()
    merged = client.get(f"/api/v1/orders/{third}/merge-candidates", headers=admin).get_json()
    assert merged["merge"] is not None and first not in merged["merge"]["orders"]
    assert sorted(merged["merge"]["orders"]) == sorted([second, third])


def workflow(*transitions):
    return {"states": [], "transitions": [
        {"key": key, "from": sources, "to": to, "actions": [{"type": a} for a in actions]}
        for key, sources, to, actions in transitions]}


def test_a_state_that_gives_stock_back_on_the_way_to_reserving_again_is_not_cancelled():
    # Giving the picked stock back to route again is no cancellation; the order ships.
    drawn = workflow(("route", ["ready"], "picking", ["route", "reserve_stock"]),
                     ("unpick", ["picking"], "ready", ["release_stock"]),
                     ("cancel", ["ready", "picking"], "void", ["release_stock"]),
                     ("ship", ["picking"], "shipped", ["deduct_stock"]))
    assert stock_given_back(drawn) == {"void"}

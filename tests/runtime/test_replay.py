"""Replaying the newest real orders against a draft shows what the draft would change
per order, compared with the published version, and writes nothing."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from orderloom.db import Base
from tests.designer.samples import retail
from tests.platform.test_api_tokens import assert_problem, bearer
from tests.runtime.support import SAMPLE, create

REPLAY = "/api/v1/order-types/retail_order/replay"


def draft_that_sends_orders_to_review():
    """The published retail type, changed: new orders go to review at once (where the
    manager's approval waits for totals over 5000), orders over 2000 are tagged
    "vip", and gold customers get 10% off instead of 5%."""
    definition = retail()
    definition["workflow"]["automatic"].append(
        {"key": "to_review", "from": "draft", "to": "review", "when": "total > 0"})
    definition["rules"].append({"key": "vip", "when": "total > 2000",
                                "then": [{"type": "add_tag", "tag": "vip"}]})
    discount = next(f for f in definition["form"]["fields"] if f["key"] == "discount")
    discount["formula"] = "IF(customer.tier = \"gold\", ROUND(total * 0.10, 2), 0)"
    return definition


def row_counts(db) -> dict[str, int]:
    counts = {table.name: db.scalar(select(func.count()).select_from(table))
              for table in Base.metadata.sorted_tables}
    db.rollback()  # end the read, so that SQLite lets the request write its own rows
    return counts


@pytest.fixture
def orders(client, staff):
    """Three orders, oldest first: a small one of a silver customer, a big one, a
    gold one of 2560.70."""
    numbers = []
    for data in ({**SAMPLE, "customer": {"code": "C2", "name": "Wang Fang", "tier": "silver"},
                  "items": [{"sku": "TEA-01", "qty": 1, "price": "100.00"}]},
                 {**SAMPLE, "items": [{"sku": "TEA-01", "qty": 10, "price": "900.00"}]},
                 SAMPLE):
        response = create(client, staff, data)
        assert response.status_code == 201, response.get_json()
        numbers.append(response.get_json()["number"])
    return numbers


def test_the_replay_says_what_the_draft_changes_per_order_and_writes_nothing(
        client, published, orders, db):
    before = row_counts(db)
    response = client.post(REPLAY, headers=published,
                           json={"count": 10, "definition": draft_that_sends_orders_to_review()})
    assert response.status_code == 200, response.get_json()
    result = response.get_json()
    assert row_counts(db) == before
    assert result["version"] == 1
    assert result["summary"] == {"orders": 3, "changed": 3, "by_aspect": {
        "state": 3, "tags": 2, "computed": 2, "approvals": 1, "refused": 0}}
    small, big, gold = (next(o for o in result["orders"] if o["number"] == n) for n in orders)
    assert [o["number"] for o in result["orders"]] == orders[::-1]  # newest first
    # Under 5000 the approval is waived: the order goes on to confirmed.
    assert small["published"]["state"] == "draft" and small["draft"]["state"] == "confirmed"
    assert small["changes"] == ["state"]
    # 9000: it waits in review for the manager.
    # The decision table tags it as before; the draft's rule adds its own tag first.
    assert big["draft"] == {**big["draft"], "state": "review",
                            "tags": ["vip", "free_shipping"], "approvals": ["manager_review"]}
    assert big["published"]["approvals"] == []
    assert big["published"]["tags"] == ["free_shipping"]
    assert big["published"]["computed"]["discount"] == "450.00"
    assert big["draft"]["computed"]["discount"] == "900.00"
    assert set(big["changes"]) == {"state", "tags", "computed", "approvals"}
    assert gold["draft"]["computed"] == {"total": "2560.70", "discount": "256.07"}
    assert gold["published"]["computed"] == {"total": "2560.70", "discount": "128.04"}


def test_the_newest_orders_up_to_the_number_asked_and_the_saved_draft_by_default(
        client, published, orders):
    result = client.post(REPLAY, headers=published, json={"count": 2}).get_json()
    assert [o["number"] for o in result["orders"]] == orders[:0:-1]
    # The saved draft is the published version: nothing changes.
    assert result["summary"]["changed"] == 0
    assert all(o["changes"] == [] and o["draft"] == o["published"] for o in result["orders"])


def test_an_order_the_draft_would_refuse_says_why(client, published, orders):
    definition = retail()
    items = next(f for f in definition["form"]["fields"] if f["key"] == "items")
    next(c for c in items["fields"] if c["key"] == "qty")["max"] = 5
    result = client.post(REPLAY, headers=published,
                         json={"count": 3, "definition": definition}).get_json()
    big = next(o for o in result["orders"] if o["number"] == orders[1])
    assert big["changes"] == ["state", "tags", "computed", "refused"]
    assert big["draft"]["refused"] == ["/items/0/qty: must be at most 5"]
    assert big["draft"]["state"] is None
    assert result["summary"]["by_aspect"]["refused"] == 1


def test_a_field_the_draft_removed_is_left_out_not_refused(client, published, orders):
    definition = retail()
    fields = definition["form"]["fields"]
    fields[:] = [f for f in fields if f["key"] != "priority"]
    definition["form"]["layout"][1]["fields"].remove("priority")
    del next(f for f in fields if f["key"] == "note")["visible_when"]
    for rule in definition["rules"]:
        rule["when"] = rule["when"].replace('priority = "rush"', "FALSE")
    definition["routing"]["rules"] = []
    response = client.post(REPLAY, headers=published,
                           json={"count": 3, "definition": definition})
    assert response.status_code == 200, response.get_json()
    result = response.get_json()
    assert result["summary"]["by_aspect"]["refused"] == 0, result
    assert result["summary"]["changed"] == 0


@pytest.mark.parametrize("body, pointer", [
    ({"count": 0}, "/count"), ({"count": 201}, "/count"), ({}, "count"),
    ({"count": 5, "definition": {**retail(), "key": "other"}}, "/definition/key"),
])
def test_bad_requests_are_refused_at_their_place(client, published, body, pointer):
    problem = assert_problem(client.post(REPLAY, headers=published, json=body), 422)
    assert pointer in str(problem)


def test_a_broken_draft_points_at_its_problem(client, published):
    definition = retail()
    definition["rules"][0]["when"] = "priorty = \"rush\""
    problem = assert_problem(client.post(REPLAY, headers=published,
                                         json={"count": 5, "definition": definition}), 422)
    assert any(e["pointer"] == "/definition/rules/0/when" for e in problem["errors"])


def test_only_designers_replay_and_an_unknown_type_is_404(client, published, token_for):
    assert_problem(client.post(REPLAY, headers=bearer(token_for("staff")),
                               json={"count": 5}), 403)
    assert_problem(client.post("/api/v1/order-types/nope/replay", headers=published,
                               json={"count": 5}), 404)

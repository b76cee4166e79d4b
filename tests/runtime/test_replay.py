"""Replaying the newest real orders against a draft shows what the draft would change
per order, compared with the published version, and writes nothing."""
from __future__ import annotations

import sqlite3
import sys

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


def test_replay_needs_the_right_to_see_orders(client, published, token_for):
    """Once, anyone who could edit definitions saw what orders became, without orders.view."""
    admin = bearer(token_for("admin"))
    response = client.post("/api/v1/roles", headers=admin, json={
        "name": "form_builder", "permissions": ["definitions.view", "definitions.edit"]})
    assert response.status_code == 201, response.get_json()
    problem = assert_problem(client.post(REPLAY, headers=bearer(token_for("form_builder")),
                                         json={"count": 5}), 403)
    assert "orders.view" in problem["detail"]


def test_replay_takes_only_the_orders_the_row_rule_lets_through(
        client, published, orders, token_for):
    admin = bearer(token_for("admin"))
    response = client.post("/api/v1/roles", headers=admin, json={
        "name": "own_designer", "row_rule": "mine",
        "permissions": ["definitions.view", "definitions.edit", "orders.view"]})
    assert response.status_code == 201, response.get_json()
    result = client.post(REPLAY, headers=bearer(token_for("own_designer")),
                         json={"count": 10}).get_json()
    assert result["summary"]["orders"] == 0 and result["orders"] == []


def secret_retail():
    """The retail type with a field only admin sees, and a computed share of the total
    only admin sees."""
    definition = retail()
    definition["form"]["fields"] += [
        {"key": "cost", "type": "money", "label": {"en": "Cost"},
         "access": {"see": ["admin"]}},
        {"key": "share", "type": "computed", "label": {"en": "Share"},
         "formula": "ROUND(total * 0.1, 2)", "result_type": "money",
         "access": {"see": ["admin"]}}]
    return definition


@pytest.fixture
def secret(client, token_for):
    """A published type with hidden values, and one order whose cost is 777.77."""
    designer = bearer(token_for("designer"))
    response = client.post("/api/v1/import", headers=designer, json={
        "format": "orderloom-package/1", "order_types": [secret_retail()]})
    assert response.status_code == 201, response.get_json()
    created = create(client, bearer(token_for("admin")), {**SAMPLE, "cost": "777.77"})
    assert created.status_code == 201, created.get_json()
    return designer


def test_a_draft_copying_a_hidden_field_is_refused_where_it_reads_it(client, secret):
    """Once, a computed field copying a hidden field showed its value to the designer."""
    definition = secret_retail()
    definition["form"]["fields"].append(
        {"key": "leak", "type": "computed", "label": {"en": "Leak"}, "formula": "cost",
         "result_type": "money"})
    definition["rules"].append({"key": "cheap", "when": "cost < 800",
                                "then": [{"type": "add_tag", "tag": "cheap"}]})
    response = client.post(REPLAY, headers=secret, json={"count": 5, "definition": definition})
    problem = assert_problem(response, 422)
    assert "777.77" not in response.get_data(as_text=True)
    pointers = {e["pointer"]: e["detail"] for e in problem["errors"]}
    leak = len(definition["form"]["fields"]) - 1
    assert pointers[f"/definition/form/fields/{leak}/formula"] == \
        "reads 'cost', which you may not see"
    assert f"/definition/rules/{len(definition['rules']) - 1}/when" in pointers


def test_a_hidden_computed_field_is_left_out_of_both_sides(client, secret, token_for):
    result = client.post(REPLAY, headers=secret, json={"count": 5}).get_json()
    order = result["orders"][0]
    assert set(order["published"]["computed"]) == {"total", "discount"}
    assert set(order["draft"]["computed"]) == {"total", "discount"}
    # Someone who sees it gets it.
    admin = client.post(REPLAY, headers=bearer(token_for("admin")),
                        json={"count": 5}).get_json()
    assert admin["orders"][0]["published"]["computed"]["share"] is not None


def test_a_refusal_naming_a_hidden_field_does_not_name_it(client, secret):
    definition = secret_retail()
    cost = next(f for f in definition["form"]["fields"] if f["key"] == "cost")
    cost["max"] = "1"
    result = client.post(REPLAY, headers=secret,
                         json={"count": 5, "definition": definition}).get_json()
    refused = result["orders"][0]["draft"]["refused"]
    assert refused == ["a value you may not see is refused"]
    assert "cost" not in str(result) and "777.77" not in str(result)


# SQLite only: PostgreSQL readers hold no write lock.
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_regression_the_dry_run_held_sqlite_s_write_lock(client, published, orders, app):
    """Once, the replay read the orders in a write transaction and kept it open through
    the whole dry run, so every other writer of a SQLite database waited for it."""
    url = app.extensions["orderloom.db"].engine.url
    locked: list[bool] = []

    def look_at_the_lock(frame, event, _arg):
        if event == "call" and frame.f_code.co_name == "dry_run" \
                and frame.f_globals.get("__name__") == "orderloom.runtime.engine.replay":
            other = sqlite3.connect(url.database, timeout=0, isolation_level=None)
            try:
                other.execute("BEGIN IMMEDIATE")
                other.execute("ROLLBACK")
                locked.append(False)
            except sqlite3.OperationalError:
                locked.append(True)
            finally:
                other.close()

    sys.setprofile(look_at_the_lock)
    try:
        response = client.post(REPLAY, headers=published, json={"count": 3})
    finally:
        sys.setprofile(None)
    assert response.status_code == 200, response.get_json()
    assert locked == [False] * 6  # each order, on both sides


def test_regression_a_held_order_took_automatic_moves_in_the_replay(client, published, orders):
    """Once, the replay's own copy of entering a state ignored holds: an order a rule
    held at creation moved on in the replay, while the engine keeps it where it is."""
    definition = draft_that_sends_orders_to_review()
    definition["rules"].append({"key": "hold_big", "when": "total > 2000", "then": [
        {"type": "hold", "reason": {"en": "Check big orders first"}}]})
    result = client.post(REPLAY, headers=published,
                         json={"count": 3, "definition": definition}).get_json()
    small, big, gold = (next(o for o in result["orders"] if o["number"] == n) for n in orders)
    assert small["draft"]["state"] == "confirmed"
    assert big["draft"]["state"] == "draft" and big["draft"]["approvals"] == []
    assert gold["draft"]["state"] == "draft"


def test_refusals_come_in_the_language_asked_with_the_published_labels(client, published,
                                                                      orders):
    """Once, the Chinese designer page showed the draft's refusals in English."""
    definition = retail()
    items = next(f for f in definition["form"]["fields"] if f["key"] == "items")
    qty = next(c for c in items["fields"] if c["key"] == "qty")
    qty["validation"] = {"formula": "qty <= 5", "message": {"en": "Too many", "zh": "数量太多"}}
    definition["workflow"]["states"][0]["label"] = {"en": "Renamed", "zh": "改名"}
    result = client.post(REPLAY, headers=published, json={
        "count": 3, "definition": definition, "language": "zh"}).get_json()
    big = next(o for o in result["orders"] if o["number"] == orders[1])
    assert big["draft"]["refused"] == ["/items/0/qty: 数量太多"]
    # The published side is named as the published version names it.
    assert result["labels"]["states"]["draft"] == retail()["workflow"]["states"][0]["label"]
    assert set(result["labels"]["computed"]) == {"total", "discount"}


def test_an_edited_order_replays_from_what_was_entered(client, published, staff, db):
    """Replays once started from the stored values, so an order edited after creation
    was replayed as if the edit had been entered."""
    entered = {**SAMPLE, "items": [{"sku": "TEA-01", "qty": 1, "price": "100.00"}]}
    number = create(client, staff, entered).get_json()["number"]
    edited = client.patch(f"/api/v1/orders/{number}", headers=staff, json={
        "data": {"items": [{"sku": "TEA-01", "qty": 10, "price": "900.00"}]}})
    assert edited.status_code == 200, edited.get_json()
    assert edited.get_json()["data"]["total"] == "9000.00"
    result = client.post(REPLAY, headers=published,
                         json={"count": 1, "definition": draft_that_sends_orders_to_review()}
                         ).get_json()
    (order,) = result["orders"]
    # 100 as entered: under the draft it goes on to confirmed with no approval, where the
    # edited 9000 would have waited in review for the manager.
    assert order["published"]["computed"]["total"] == "100.00"
    assert order["draft"]["computed"]["total"] == "100.00"
    assert order["draft"]["state"] == "confirmed" and order["draft"]["approvals"] == []
    assert "vip" not in order["draft"]["tags"]


def test_an_order_from_before_entered_values_were_kept_replays_from_its_stored_values(
        client, published, staff, db):
    from orderloom.runtime.orders.models import Order
    number = create(client, staff, SAMPLE).get_json()["number"]
    db.execute(Order.__table__.update().where(Order.number == number).values(entered=None))
    db.commit()
    result = client.post(REPLAY, headers=published, json={"count": 1}).get_json()
    (order,) = result["orders"]
    assert order["published"]["computed"]["total"] == "2560.70"
    assert order["changes"] == []

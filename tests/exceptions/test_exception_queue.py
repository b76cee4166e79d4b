"""The exception queue over the API: a designer's rule sends an order there, it waits
until a person resolves it, and release, hold and cancel do what staff expect."""
from __future__ import annotations

import pytest

from orderloom.designer.validation import validate_order_type
from tests.designer.samples import retail
from tests.runtime.support import SAMPLE, create
from tests.runtime.test_approvals import people as people  # noqa: F401 - a fixture
from tests.runtime.test_approvals import publish, state, timeline

SILVER = {**SAMPLE, "customer": {"code": "C9", "name": "Sun Li", "tier": "silver"}}


def checking_gold_customers(definition):
    definition["rules"].append({"key": "gold_check", "when": 'customer.tier = "gold"',
                                "then": [{"type": "raise_exception", "reason": "rule",
                                          "message": {"en": "Gold customer: call first",
                                                      "zh": "金牌客户：请先致电"}}]})
    definition["workflow"]["automatic"].append(
        {"key": "fast_track", "from": "draft", "to": "review", "when": "total > 0"})


def queue(client, headers, query=""):
    response = client.get(f"/api/v1/exceptions{query}", headers=headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()["exceptions"]


def resolve(client, headers, exception_id, resolution, **body):
    return client.post(f"/api/v1/exceptions/{exception_id}/resolve", headers=headers,
                       json={"resolution": resolution, **body})


def held_order(client, token_for, people):
    publish(client, token_for, checking_gold_customers)
    number = create(client, people["staff"], SAMPLE).get_json()["number"]
    [found] = [e for e in queue(client, people["staff"]) if e["order"] == number]
    return number, found


def test_a_rule_sends_the_order_to_the_queue_and_it_waits_there(client, token_for, people):
    number, found = held_order(client, token_for, people)
    free = create(client, people["staff"], SILVER).get_json()["number"]
    assert state(client, people["staff"], number) == "draft"  # fast_track waits
    assert state(client, people["staff"], free) == "confirmed"  # on, and approved
    assert (found["reason"], found["message"]["en"], found["status"], found["overdue"]) == (
        "rule", "Gold customer: call first", "open", False)
    assert found["resolutions"] == ["release", "hold", "cancel"]
    counts = client.get("/api/v1/exceptions/counts", headers=people["staff"]).get_json()
    assert counts["rule"] == {"open": 1, "overdue": 0}
    assert counts["unknown_sku"] == {"open": 0, "overdue": 0}
    raised = [e for e in timeline(client, people["staff"], number) if e["kind"] == "exception"]
    assert raised[0]["details"]["step"] == "raised"


def test_release_lets_the_order_flow_on_and_the_timeline_says_who(client, token_for, people):
    number, found = held_order(client, token_for, people)
    assigned = client.post(f"/api/v1/exceptions/{found['id']}/assign",
                           headers=people["staff"], json={"assignee": "li.wei"})
    assert assigned.status_code == 200, assigned.get_json()
    assert queue(client, people["staff"], "?assignee=li.wei")[0]["id"] == found["id"]
    response = resolve(client, people["li"], found["id"], "release", note="called, fine")
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["order_state"] == "confirmed"
    assert state(client, people["staff"], number) == "confirmed"
    assert queue(client, people["staff"]) == []
    steps = [(e["actor"], e["details"]["step"]) for e in
             timeline(client, people["staff"], number) if e["kind"] == "exception"]
    assert steps == [("zhao.lei", "raised"), ("zhao.lei", "assigned"), ("li.wei", "resolved")]


def test_hold_keeps_the_order_until_a_person_moves_it(client, token_for, people):
    number, found = held_order(client, token_for, people)
    assert resolve(client, people["staff"], found["id"], "hold").status_code == 200
    assert state(client, people["staff"], number) == "draft"
    assert client.get(f"/api/v1/orders/{number}", headers=people["staff"]) \
        .get_json()["state"] == "draft"
    taken = client.post(f"/api/v1/orders/{number}/transitions/submit", headers=people["staff"])
    assert taken.status_code == 200, taken.get_json()


def test_cancel_takes_the_way_into_a_cancelled_state(client, token_for, people):
    number, found = held_order(client, token_for, people)
    response = resolve(client, people["staff"], found["id"], "cancel")
    assert response.status_code == 200, response.get_json()
    assert state(client, people["staff"], number) == "cancelled"


def test_resolving_twice_is_refused_and_says_how_it_was_resolved(client, token_for, people):
    _number, found = held_order(client, token_for, people)
    assert resolve(client, people["staff"], found["id"], "release").status_code == 200
    again = resolve(client, people["staff"], found["id"], "cancel")
    assert again.status_code == 409
    problem = again.get_json()
    assert problem["errors"][0]["pointer"] == "/resolution"
    assert "resolved already (release by zhao.lei)" in problem["errors"][0]["detail"]


def test_a_resolution_the_reason_does_not_allow_is_refused(client, token_for, people):
    number, found = held_order(client, token_for, people)
    wrong = resolve(client, people["staff"], found["id"], "fix_sku", fixes={"A": "B"})
    assert wrong.status_code == 422
    assert wrong.get_json()["errors"][0] == {
        "pointer": "/resolution",
        "detail": "an exception of reason 'rule' cannot be resolved by 'fix_sku'; it can be "
                  "resolved by release, hold, cancel"}
    unknown = resolve(client, people["staff"], found["id"], "ignore")
    assert unknown.status_code == 422
    assert "there is no resolution 'ignore'" in unknown.get_json()["errors"][0]["detail"]
    assert state(client, people["staff"], number) == "draft"
    assert queue(client, people["staff"])[0]["status"] == "open"


def test_an_unknown_reason_is_refused_where_it_is_given(client, token_for, people):
    publish(client, token_for)
    number = create(client, people["staff"], SILVER).get_json()["number"]
    raised = client.post("/api/v1/exceptions", headers=people["staff"],
                         json={"order": number, "reason": "weather"})
    assert raised.status_code == 422
    assert raised.get_json()["errors"][0]["pointer"] == "/reason"
    assert "there is no reason 'weather'" in raised.get_json()["errors"][0]["detail"]
    listed = client.get("/api/v1/exceptions?reason=weather", headers=people["staff"])
    assert listed.status_code == 400
    assert client.get("/api/v1/exceptions/counts", headers=people["staff"]) \
        .get_json()["rule"]["open"] == 0
    unknown_person = client.post("/api/v1/exceptions", headers=people["staff"],
                                 json={"order": number, "reason": "buyer_note",
                                       "message": "asked for gift wrap"})
    assert unknown_person.status_code == 201
    assigned = client.post(f"/api/v1/exceptions/{unknown_person.get_json()['id']}/assign",
                           headers=people["staff"], json={"assignee": "nobody.here"})
    assert (assigned.status_code, assigned.get_json()["errors"][0]["pointer"]) == (
        422, "/assignee")


def test_the_designer_is_told_of_an_unknown_reason_when_saving():
    definition = retail()
    definition["rules"].append({"key": "odd", "when": "total > 0",
                                "then": [{"type": "raise_exception", "reason": "weather"}]})
    problems = validate_order_type(definition)
    assert [p.pointer for p in problems] == [
        f"/rules/{len(definition['rules']) - 1}/then/0/reason"]
    assert problems[0].message.startswith("must be one of \"unknown_sku\", \"out_of_stock\"")


def test_an_overdue_exception_is_shown_as_overdue(client, token_for, people, db):
    from datetime import timedelta

    from sqlalchemy import update

    from orderloom.db import utcnow
    from orderloom.runtime.exception_queue.models import OrderException

    _number, found = held_order(client, token_for, people)
    db.execute(update(OrderException).values(due_at=utcnow() - timedelta(minutes=1)))
    db.commit()
    assert queue(client, people["staff"], "?overdue=true")[0]["overdue"] is True
    counts = client.get("/api/v1/exceptions/counts", headers=people["staff"]).get_json()
    assert counts["rule"] == {"open": 1, "overdue": 1}


def test_settings_refuse_a_wrong_value_at_its_place(client, token_for, people):
    admin = people["admin"]
    wrong = client.put("/api/v1/exception-settings", headers=admin,
                       json={"sla_hours": {"buyer_note": 0}})
    assert (wrong.status_code, wrong.get_json()["errors"][0]["pointer"]) == (
        422, "/sla_hours/buyer_note")
    floor = client.put("/api/v1/exception-settings", headers=admin,
                       json={"floors": {"TEA-01": "abc"}})
    assert (floor.status_code, floor.get_json()["errors"][0]["pointer"]) == (
        422, "/floors/TEA-01")
    refused = client.put("/api/v1/exception-settings", headers=people["staff"],
                         json={"sla_hours": {"buyer_note": 2}})
    assert refused.status_code == 403
    stored = client.put("/api/v1/exception-settings", headers=admin,
                        json={"sla_hours": {"buyer_note": 2}, "discount_limit": "10"})
    assert stored.status_code == 200, stored.get_json()
    assert client.get("/api/v1/exception-settings", headers=people["staff"]) \
        .get_json()["sla_hours"]["buyer_note"] == 2


def gold_customers_wait(definition):
    """The rule's exception without a ``when`` move: the order waits where it is."""
    definition["rules"].append({"key": "gold_check", "when": 'customer.tier = "gold"',
                                "then": [{"type": "raise_exception", "reason": "rule",
                                          "message": {"en": "Gold customer: call first",
                                                      "zh": "金牌客户：请先致电"}}]})


def test_release_takes_the_approval_the_exception_kept_from_waving_through(
        client, token_for, people):
    """Once, an order held in a state whose approval is waved through stayed there
    after its release, because only ``when`` moves were looked at."""
    publish(client, token_for, gold_customers_wait)
    number = create(client, people["staff"], SAMPLE).get_json()["number"]
    submitted = client.post(f"/api/v1/orders/{number}/transitions/submit",
                            headers=people["staff"])
    assert submitted.status_code == 200, submitted.get_json()
    assert state(client, people["staff"], number) == "review"  # total 2560.70, held
    [found] = queue(client, people["staff"])
    assert resolve(client, people["staff"], found["id"], "release").status_code == 200
    assert state(client, people["staff"], number) == "confirmed"


def test_release_takes_a_timed_move_whose_time_passed_while_held(
        client, token_for, people, db):
    """Once, the timer of a timed move fired while the order was held, was used up,
    and the released order stayed where it was for good."""
    from datetime import timedelta

    from sqlalchemy import update

    from orderloom.db import utcnow
    from orderloom.runtime.engine.timer_firing import fire_due_timers
    from orderloom.runtime.engine.timers import Timer

    publish(client, token_for, gold_customers_wait)  # auto_cancel: draft, after 24 h
    number = create(client, people["staff"], SAMPLE).get_json()["number"]
    db.execute(update(Timer).values(fire_at=utcnow() - timedelta(minutes=1)))
    db.commit()
    fire_due_timers(db)
    assert state(client, people["staff"], number) == "draft"
    [found] = queue(client, people["staff"])
    assert resolve(client, people["staff"], found["id"], "release").status_code == 200
    assert state(client, people["staff"], number) == "cancelled"


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_two_people_resolving_one_exception_at_once_exactly_one_wins(
        app, client, token_for, people):
    """Once, two resolutions sent together both succeeded: the order was released and
    held, and the timeline said it was resolved twice."""
    from tests.runtime.test_concurrency import run_together

    number, found = held_order(client, token_for, people)
    clients = [app.test_client() for _ in range(2)]
    kinds = ["release", "hold"]
    statuses = run_together(2, lambda i: resolve(clients[i], people["staff"], found["id"],
                                                 kinds[i]).status_code)
    assert sorted(statuses) == [200, 409]
    steps = [e["details"]["step"] for e in timeline(client, people["staff"], number)
             if e["kind"] == "exception"]
    assert steps == ["raised", "resolved"]


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_one_reason_raised_twice_at_once_is_open_once(app, client, token_for, people):
    """Once, two people raising the same reason on one order at the same moment opened
    it twice, and the queue listed the order twice."""
    from tests.runtime.test_concurrency import run_together

    publish(client, token_for)
    number = create(client, people["staff"], SILVER).get_json()["number"]
    clients = [app.test_client() for _ in range(4)]
    responses = run_together(4, lambda i: clients[i].post(
        "/api/v1/exceptions", headers=people["staff"],
        json={"order": number, "reason": "buyer_note", "message": f"note {i}"}))
    assert [r.status_code for r in responses] == [201] * 4
    assert len({r.get_json()["id"] for r in responses}) == 1
    assert len(queue(client, people["staff"])) == 1


def test_price_floors_are_shown_only_to_whom_manages_the_queue(client, people):
    """Once, anyone who could see orders could read every product's price floor and the
    discount limit."""
    stored = client.put("/api/v1/exception-settings", headers=people["admin"],
                        json={"floors": {"TEA-01": "12.00"}, "discount_limit": "10"})
    assert stored.status_code == 200, stored.get_json()
    staff = client.get("/api/v1/exception-settings", headers=people["staff"]).get_json()
    assert "floors" not in staff and "discount_limit" not in staff
    assert staff["duplicate_window_hours"] == 24
    admin = client.get("/api/v1/exception-settings", headers=people["admin"]).get_json()
    assert admin["floors"] == {"TEA-01": "12.00"}


def test_an_order_cancelled_by_hand_leaves_no_open_exception(client, token_for, people):
    """Once, an order cancelled by hand stayed in the queue as open for good."""
    number, found = held_order(client, token_for, people)
    submitted = client.post(f"/api/v1/orders/{number}/transitions/submit",
                            headers=people["staff"])
    assert submitted.status_code == 200, submitted.get_json()
    assert [e["id"] for e in queue(client, people["staff"])] == [found["id"]]  # still open
    cancelled = client.post(f"/api/v1/orders/{number}/transitions/cancel",
                            headers=people["staff"])
    assert cancelled.status_code == 200, cancelled.get_json()
    assert queue(client, people["staff"]) == []
    [closed] = queue(client, people["staff"], "?status=resolved")
    assert (closed["resolution"], closed["resolved_by"]) == ("closed_by_move", "zhao.lei")
    steps = [(e["actor"], e["details"]["step"]) for e in
             timeline(client, people["staff"], number) if e["kind"] == "exception"]
    assert steps == [("zhao.lei", "raised"), ("zhao.lei", "resolved")]


def test_cancel_takes_a_cancellation_the_person_may_take(client, token_for, people):
    """Once, cancel took the first cancelling transition by key, one for another role,
    and the staff member resolving was refused."""
    def two_ways_to_cancel(definition):
        checking_gold_customers(definition)
        definition["workflow"]["transitions"].append(
            {"key": "abort_by_admin", "from": ["draft"], "to": "cancelled",
             "label": {"en": "Abort"}, "roles": ["admin"]})

    publish(client, token_for, two_ways_to_cancel)
    number = create(client, people["staff"], SAMPLE).get_json()["number"]
    [found] = queue(client, people["staff"])
    response = resolve(client, people["staff"], found["id"], "cancel")
    assert response.status_code == 200, response.get_json()
    moves = [e["details"].get("transition") or e.get("transition") for e in
             timeline(client, people["staff"], number) if e["to_state"] == "cancelled"]
    assert state(client, people["staff"], number) == "cancelled"
    assert moves == ["cancel"]


def test_a_wrong_floor_of_a_sku_with_a_slash_is_pointed_at_exactly(client, people):
    """Once, pointers were pasted together, and a SKU with a slash pointed at a place
    that is not in the request."""
    wrong = client.put("/api/v1/exception-settings", headers=people["admin"],
                       json={"floors": {"TEA/01~A": "abc"}})
    assert (wrong.status_code, wrong.get_json()["errors"][0]["pointer"]) == (
        422, "/floors/TEA~101~0A")


def test_an_exception_is_not_given_to_a_person_who_cannot_act_on_orders(
        client, token_for, people, make_user, actions):
    """Once, an exception could be assigned to a viewer, who could never resolve it."""
    make_user("viewer", username="read.only")
    _number, found = held_order(client, token_for, people)
    refused = client.post(f"/api/v1/exceptions/{found['id']}/assign",
                          headers=people["staff"], json={"assignee": "read.only"})
    assert refused.status_code == 422
    assert refused.get_json()["errors"][0] == {
        "pointer": "/assignee",
        "detail": "read.only cannot act on orders (their roles lack orders.act), so they "
                  "could not resolve it"}
    actions.login_as("staff")
    page = client.post(f"/exceptions/{found['id']}/assign", follow_redirects=True,
                       data={"csrf_token": actions.csrf("/exceptions"),
                             "assignee": "read.only"})
    assert "read.only cannot act on orders" in page.get_data(as_text=True)
    assert queue(client, people["staff"])[0]["assignee"] is None

"""Timers as people notice them: an SLA breach notifies, an escalation adds a task, a
timed move moves, and firing twice (or from two sweepers at once) acts once."""
from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from orderloom.db import make_engine, make_session_factory, utcnow
from orderloom.runtime.engine.timer_firing import fire_due_timers, run_due_timers
from orderloom.runtime.engine.timers import SLA, Timer
from orderloom.runtime.orders.models import Order
from tests.runtime.support import create
from tests.runtime.test_approvals import (
    BIG,
    inbox,
    publish,
    state,
    submitted,
    timeline,
    with_approval,
)
from tests.runtime.test_approvals import people as people  # noqa: F401 - a fixture

ON_POSTGRESQL = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)


def later(hours: float):
    return utcnow() + timedelta(hours=hours)


def notifications(client, headers, query=""):
    return client.get(f"/api/v1/notifications{query}", headers=headers).get_json()


def test_escalation_adds_a_task_for_the_escalation_role(client, token_for, people, db):
    publish(client, token_for, with_approval(approvers={"users": ["li.wei"]}))
    number = submitted(client, people["staff"])
    assert inbox(client, people["admin"]) == []
    assert fire_due_timers(db, later(3)) == 0  # not due before 4 hours
    fire_due_timers(db, later(4.5))
    (extra,) = inbox(client, people["admin"])
    assert (extra["assignee"], extra["step"]) == ({"role": "admin"}, -1)
    (original,) = inbox(client, people["li"])
    assert original["escalated_at"] is not None
    escalated = [e for e in timeline(client, people["staff"], number)
                 if e["details"].get("outcome") == "escalated"]
    assert escalated[0]["details"]["to_role"] == "admin"
    # the escalation task decides the approval on its own
    client.post(f"/api/v1/approvals/{extra['id']}/approve", headers=people["admin"])
    assert state(client, people["staff"], number) == "confirmed"
    assert inbox(client, people["li"]) == []


def test_a_reminder_reaches_the_approvers_who_have_not_decided(client, token_for, people, db):
    publish(client, token_for, with_approval(approvers={"users": ["li.wei"]},
                                             remind_after_hours=2))
    number = submitted(client, people["staff"])
    assert fire_due_timers(db, later(1)) == 0
    assert fire_due_timers(db, later(2.5)) == 1
    (note,) = [n for n in notifications(client, people["li"]) if "Reminder" in n["title"]]
    assert note["title"] == f"Reminder: order {number} has waited 2 h for your approval"
    assert fire_due_timers(db, later(3)) == 0  # once
    reminded = [e for e in timeline(client, people["staff"], number)
                if e["details"].get("outcome") == "reminded"]
    assert len(reminded) == 1


def test_no_reminder_once_the_approval_is_decided(client, token_for, people, db):
    publish(client, token_for, with_approval(approvers={"users": ["li.wei"]},
                                             remind_after_hours=2))
    number = submitted(client, people["staff"])
    (task,) = inbox(client, people["li"])
    client.post(f"/api/v1/approvals/{task['id']}/approve", headers=people["li"])
    fire_due_timers(db, later(3))
    assert [n for n in notifications(client, people["li"]) if "Reminder" in n["title"]] == []
    assert state(client, people["staff"], number) == "confirmed"


def test_an_sla_breach_is_recorded_and_notifies_the_roles_that_can_move_on(
        client, token_for, people, db):
    publish(client, token_for)  # review: sla_hours 4; cancel (staff) leaves it
    number = submitted(client, people["staff"])
    fire_due_timers(db, later(5))
    assert state(client, people["staff"], number) == "review"  # no state change
    kinds = [e["kind"] for e in timeline(client, people["staff"], number)]
    assert kinds.count("sla_breached") == 1
    (note,) = [n for n in notifications(client, people["staff"]) if "SLA" in n["title"]]
    assert (note["order"], note["to_role"]) == (number, "staff")
    assert "longer than its 4 h SLA" in note["title"]


def test_an_after_hours_move_happens_when_its_time_comes(client, token_for, people, db):
    publish(client, token_for)  # auto_cancel: draft -> cancelled after 24 h
    number = create(client, people["staff"], BIG).get_json()["number"]
    fire_due_timers(db, later(23))
    assert state(client, people["staff"], number) == "draft"
    assert fire_due_timers(db, later(25)) == 1
    assert state(client, people["staff"], number) == "cancelled"
    entry = timeline(client, people["staff"], number)[-1]
    assert (entry["kind"], entry["actor"], entry["transition"]) == ("automatic", "system",
                                                                    "auto_cancel")


def test_a_timer_does_nothing_once_the_order_left_its_state(client, token_for, people, db):
    publish(client, token_for)
    number = submitted(client, people["staff"])  # left draft: auto_cancel must not fire
    fire_due_timers(db, later(25))
    assert state(client, people["staff"], number) == "review"
    # even a timer nobody cancelled does nothing in a state it was not made for
    order = db.scalar(select(Order).where(Order.number == number))
    db.add(Timer(order_id=order.id, kind=SLA, key="draft", state="draft", fire_at=later(1)))
    db.commit()
    assert fire_due_timers(db, later(26)) == 0
    assert db.scalar(select(Timer).where(Timer.key == "draft", Timer.kind == SLA)).fired_at
    db.rollback()
    assert [e["kind"] for e in timeline(client, people["staff"], number)].count(
        "sla_breached") == 1


def test_firing_the_same_due_timers_twice_acts_once(client, token_for, people, db):
    publish(client, token_for)
    number = submitted(client, people["staff"])
    first = fire_due_timers(db, later(5))
    assert first == 2  # the SLA and the escalation
    assert fire_due_timers(db, later(5)) == 0
    entries = timeline(client, people["staff"], number)
    assert [e["kind"] for e in entries].count("sla_breached") == 1
    assert len(inbox(client, people["admin"])) == 2  # the role's task and the escalation


@ON_POSTGRESQL
def test_two_sweepers_at_once_fire_each_timer_once(app, client, token_for, people,
                                                   database_url):
    publish(client, token_for)
    numbers = [submitted(client, people["staff"]) for _ in range(5)]
    engines = [make_engine(database_url) for _ in range(2)]
    barrier = threading.Barrier(2)
    fired = [0, 0]

    def sweep(index):
        barrier.wait()
        fired[index] = run_due_timers(make_session_factory(engines[index]), later(5))

    threads = [threading.Thread(target=sweep, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    for engine in engines:
        engine.dispose()
    assert sum(fired) == 10  # an SLA and an escalation per order, each once
    for number in numbers:
        kinds = [e["kind"] for e in timeline(client, people["staff"], number)]
        assert kinds.count("sla_breached") == 1
    assert len(inbox(client, people["admin"])) == 10

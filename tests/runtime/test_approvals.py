"""Approvals as the people involved see them: who gets a task, what deciding does
to the order, delegation while away, and the inbox."""
from __future__ import annotations

from datetime import timedelta

import pytest

from orderloom.db import utcnow
from orderloom.platform import accounts
from orderloom.runtime.audit import SYSTEM
from tests.designer.samples import retail
from tests.platform.test_api_tokens import assert_problem, bearer
from tests.runtime.support import SAMPLE, create

# Over the 5000 of manager_review's `when`, so the approval needs people.
BIG = {**SAMPLE, "items": [{"sku": "TEA-01", "qty": 5, "price": "1250.50"}]}  # 6252.50


def person(db, make_user, role: str | None, username: str) -> dict[str, str]:
    """Headers of a new user with a known name."""
    user = make_user(role, username=username)
    _token, secret = accounts.issue_token(db, SYSTEM, user, "test")
    db.commit()
    return bearer(secret)


def publish(client, token_for, change=None, role="designer") -> None:
    definition = retail()
    if change is not None:
        change(definition)
    response = client.post("/api/v1/import", headers=bearer(token_for(role)), json={
        "format": "orderloom-package/1", "order_types": [definition]})
    assert response.status_code == 201, response.get_json()


def approvers(approval: dict, **members) -> None:
    approval.update(members)


def with_approval(**members):
    def change(definition):
        definition["workflow"]["approvals"][0].update(members)
    return change


def submitted(client, staff, data=BIG) -> str:
    number = create(client, staff, data).get_json()["number"]
    response = client.post(f"/api/v1/orders/{number}/transitions/submit", headers=staff)
    assert response.status_code == 200, response.get_json()
    return number


def state(client, headers, number) -> str:
    return client.get(f"/api/v1/orders/{number}", headers=headers).get_json()["state"]


def inbox(client, headers, query="") -> list[dict]:
    response = client.get(f"/api/v1/approvals{query}", headers=headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def timeline(client, headers, number) -> list[dict]:
    return client.get(f"/api/v1/orders/{number}/timeline", headers=headers).get_json()


@pytest.fixture
def people(client, db, make_user, token_for):
    """A staff member, an administrator and two approvers known by name."""
    return {"staff": person(db, make_user, "staff", "zhao.lei"),
            "admin": person(db, make_user, "admin", "boss"),
            "li": person(db, make_user, "staff", "li.wei"),
            "wang": person(db, make_user, "staff", "wang.fang")}


def test_an_order_under_the_threshold_is_approved_automatically(client, token_for, people):
    publish(client, token_for)
    number = submitted(client, people["staff"], SAMPLE)  # total 2560.70
    assert state(client, people["staff"], number) == "confirmed"
    entry = timeline(client, people["staff"], number)[-1]
    assert (entry["kind"], entry["actor"], entry["from_state"], entry["to_state"]) == (
        "approval", "system", "review", "confirmed")
    assert entry["details"]["automatic"] is True
    assert "total > 5000" in entry["details"]["reason"]
    assert inbox(client, people["admin"]) == []


def test_over_the_threshold_the_role_gets_a_task_and_its_approval_confirms(
        client, token_for, people):
    publish(client, token_for)
    number = submitted(client, people["staff"])
    assert state(client, people["staff"], number) == "review"
    (task,) = inbox(client, people["admin"])
    assert (task["order"], task["approval"], task["assignee"], task["status"]) == (
        number, "manager_review", {"role": "admin"}, "open")
    assert task["due_at"] is not None  # escalates after 4 hours
    response = client.post(f"/api/v1/approvals/{task['id']}/approve", headers=people["admin"],
                           json={"comment": "fine"})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["status"] == "approved"
    assert state(client, people["staff"], number) == "confirmed"
    entry = timeline(client, people["staff"], number)[-1]
    assert (entry["kind"], entry["actor"], entry["to_state"]) == ("approval", "boss",
                                                                   "confirmed")
    assert entry["details"]["decision"] == "approved"
    assert entry["details"]["comment"] == "fine"


def test_mode_any_the_first_approval_wins_and_the_other_tasks_are_cancelled(
        client, token_for, people):
    publish(client, token_for, with_approval(
        approvers={"roles": ["admin"], "users": ["li.wei"]}, mode="any"))
    number = submitted(client, people["staff"])
    (mine,) = inbox(client, people["li"])
    assert mine["assignee"] == {"user": "li.wei"}
    assert len(inbox(client, people["admin"])) == 1
    client.post(f"/api/v1/approvals/{mine['id']}/approve", headers=people["li"])
    assert state(client, people["staff"], number) == "confirmed"
    assert inbox(client, people["admin"]) == []
    (cancelled,) = inbox(client, people["admin"], "?status=cancelled")
    assert cancelled["assignee"] == {"role": "admin"}


def test_mode_all_waits_for_every_approver(client, token_for, people):
    publish(client, token_for, with_approval(
        approvers={"users": ["li.wei", "wang.fang"]}, mode="all"))
    number = submitted(client, people["staff"])
    (li_task,) = inbox(client, people["li"])
    (wang_task,) = inbox(client, people["wang"])
    client.post(f"/api/v1/approvals/{li_task['id']}/approve", headers=people["li"])
    assert state(client, people["staff"], number) == "review"
    client.post(f"/api/v1/approvals/{wang_task['id']}/approve", headers=people["wang"])
    assert state(client, people["staff"], number) == "confirmed"


def test_mode_sequence_asks_one_approver_after_the_other(client, token_for, people):
    publish(client, token_for, with_approval(
        approvers={"users": ["li.wei", "wang.fang"]}, mode="sequence"))
    number = submitted(client, people["staff"])
    assert inbox(client, people["wang"]) == []
    (waiting,) = inbox(client, people["wang"], "?status=waiting")
    body = assert_problem(client.post(f"/api/v1/approvals/{waiting['id']}/approve",
                                      headers=people["wang"]), 409)
    assert "not its turn" in body["detail"]
    (first,) = inbox(client, people["li"])
    client.post(f"/api/v1/approvals/{first['id']}/approve", headers=people["li"])
    assert state(client, people["staff"], number) == "review"
    (second,) = inbox(client, people["wang"])
    assert second["id"] == waiting["id"]
    client.post(f"/api/v1/approvals/{second['id']}/approve", headers=people["wang"])
    assert state(client, people["staff"], number) == "confirmed"


def test_a_rejection_needs_a_comment_and_sends_the_order_to_rejected(client, token_for,
                                                                    people):
    publish(client, token_for)
    number = submitted(client, people["staff"])
    (task,) = inbox(client, people["admin"])
    body = assert_problem(client.post(f"/api/v1/approvals/{task['id']}/reject",
                                      headers=people["admin"], json={"comment": "  "}), 422)
    assert body["errors"][0]["pointer"] == "/comment"
    assert_problem(client.post(f"/api/v1/approvals/{task['id']}/reject",
                               headers=people["admin"]), 422)
    response = client.post(f"/api/v1/approvals/{task['id']}/reject", headers=people["admin"],
                           json={"comment": "customer is over the credit limit"})
    assert response.status_code == 200, response.get_json()
    assert state(client, people["staff"], number) == "cancelled"
    entry = timeline(client, people["staff"], number)[-1]
    assert entry["actor"] == "boss"
    assert entry["details"]["decision"] == "rejected"
    assert entry["details"]["comment"] == "customer is over the credit limit"
    (decided,) = inbox(client, people["admin"], "?status=rejected")
    assert decided["decided_by"] == "boss"


def test_someone_not_assigned_gets_403_and_deciding_twice_gets_409(client, token_for,
                                                                  people):
    publish(client, token_for)
    submitted(client, people["staff"])
    (task,) = inbox(client, people["admin"])
    assert inbox(client, people["staff"]) == []
    body = assert_problem(client.post(f"/api/v1/approvals/{task['id']}/approve",
                                      headers=people["staff"]), 403)
    assert "admin" in body["detail"]
    assert client.post(f"/api/v1/approvals/{task['id']}/approve",
                       headers=people["admin"]).status_code == 200
    body = assert_problem(client.post(f"/api/v1/approvals/{task['id']}/approve",
                                      headers=people["admin"]), 409)
    assert "approved by boss already" in body["detail"]
    assert_problem(client.post("/api/v1/approvals/99999/approve", headers=people["admin"]),
                   404)


def test_a_task_of_an_order_that_moved_on_cannot_be_decided(client, token_for, people):
    publish(client, token_for)
    number = submitted(client, people["staff"])
    (task,) = inbox(client, people["admin"])
    client.post(f"/api/v1/orders/{number}/transitions/cancel", headers=people["staff"])
    assert inbox(client, people["admin"]) == []
    assert_problem(client.post(f"/api/v1/approvals/{task['id']}/approve",
                               headers=people["admin"]), 409)


def test_delegation_sends_tasks_to_the_delegate_who_may_decide_them(client, token_for,
                                                                   people):
    publish(client, token_for, with_approval(
        approvers={"users": ["li.wei"]}, allow_delegation=True))
    before = submitted(client, people["staff"])
    (task,) = inbox(client, people["li"])
    soon = (utcnow() + timedelta(days=7)).isoformat()
    response = client.post("/api/v1/delegations", headers=people["li"],
                           json={"delegate": "wang.fang", "ends_at": soon})
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["from"] == "li.wei"
    assert response.get_json()["to"] == "wang.fang"
    assert response.get_json()["active"] is True
    # an open task of li.wei's may now be decided by wang.fang, on li.wei's behalf
    assert [t["id"] for t in inbox(client, people["wang"])] == [task["id"]]
    assert client.post(f"/api/v1/approvals/{task['id']}/approve",
                       headers=people["wang"]).status_code == 200
    assert state(client, people["staff"], before) == "confirmed"
    entry = timeline(client, people["staff"], before)[-1]
    assert (entry["actor"], entry["details"]["on_behalf_of"]) == ("wang.fang", "li.wei")
    # a task made while li.wei is away goes to wang.fang
    submitted(client, people["staff"])
    (new,) = inbox(client, people["wang"])
    assert (new["assignee"], new["delegated_from"]) == ({"user": "wang.fang"}, "li.wei")
    assert inbox(client, people["li"]) == []
    listed = client.get("/api/v1/delegations", headers=people["wang"]).get_json()
    assert [(d["from"], d["to"]) for d in listed] == [("li.wei", "wang.fang")]


def test_without_allow_delegation_the_delegate_may_not_decide(client, token_for, people):
    publish(client, token_for, with_approval(approvers={"users": ["li.wei"]}))
    submitted(client, people["staff"])
    (task,) = inbox(client, people["li"])
    client.post("/api/v1/delegations", headers=people["li"], json={
        "delegate": "wang.fang", "ends_at": (utcnow() + timedelta(days=1)).isoformat()})
    assert inbox(client, people["wang"]) == []
    assert_problem(client.post(f"/api/v1/approvals/{task['id']}/approve",
                               headers=people["wang"]), 403)


def test_bad_delegations_are_refused_with_a_pointer(client, token_for, people):
    later = (utcnow() + timedelta(days=2)).isoformat()
    earlier = (utcnow() + timedelta(days=1)).isoformat()
    cases = [({"delegate": "nobody.here", "ends_at": later}, "/delegate"),
             ({"delegate": "li.wei", "ends_at": later}, "/delegate"),
             ({"delegate": "wang.fang", "starts_at": later, "ends_at": earlier}, "/ends_at"),
             ({"delegate": "wang.fang", "ends_at": "next week"}, "/ends_at"),
             ({"delegate": "wang.fang", "ends_at": "2030-01-01T00:00:00"}, "/ends_at"),
             ({"ends_at": later}, "/delegate")]
    for body, pointer in cases:
        problem = assert_problem(client.post("/api/v1/delegations", headers=people["li"],
                                             json=body), 422)
        assert problem["errors"][0]["pointer"] == pointer, body
    assert client.get("/api/v1/delegations", headers=people["li"]).get_json() == []


def test_a_formula_names_the_approver(client, token_for, people):
    publish(client, token_for, with_approval(
        approvers={"formula": 'IF(total > 6000, "wang.fang", "li.wei")'}))
    submitted(client, people["staff"])  # 6252.50
    assert inbox(client, people["li"]) == []
    (task,) = inbox(client, people["wang"])
    assert task["assignee"] == {"user": "wang.fang"}


def test_an_approver_who_does_not_exist_leaves_the_task_to_whoever_may_override(
        client, token_for, people, db, make_user):
    # Publishing refuses a name nobody has; a person who has left is still found.
    ghost = make_user("staff", username="ghost")
    db.commit()
    publish(client, token_for, with_approval(approvers={"users": ["ghost"]}))
    ghost.active = False
    db.commit()
    number = submitted(client, people["staff"])
    (task,) = inbox(client, people["admin"])
    assert task["assignee"] == {"permission": "orders.override"}
    requested = timeline(client, people["staff"], number)[-1]
    assert "there is no active user 'ghost'" in requested["details"]["notes"]
    assert inbox(client, people["staff"]) == []
    assert client.post(f"/api/v1/approvals/{task['id']}/approve",
                       headers=people["staff"]).status_code == 403


def test_publishing_refuses_an_approver_who_is_neither_a_user_nor_a_role(client, token_for,
                                                                         people):
    # Once "manger1" published with "No problems", and its tasks went to admin.
    definition = retail()
    definition["workflow"]["approvals"][0]["approvers"] = {"users": ["li.wei", "li.we"]}
    response = client.post("/api/v1/import", headers=bearer(token_for("designer")), json={
        "format": "orderloom-package/1", "order_types": [definition]})
    problem = assert_problem(response, 422)
    assert [(e["pointer"], e["detail"]) for e in problem["errors"]] == [(
        "/workflow/approvals/0/approvers/users/1",
        "there is no user 'li.we'; did you mean 'li.wei'?")]


def test_require_approval_asks_for_the_approval_even_under_its_threshold(client, token_for,
                                                                        people):
    def change(definition):
        definition["workflow"]["approvals"][0]["when"] = "total > 50000"
    publish(client, token_for, change)
    # the rule big_order (total > 20000) requires manager_review
    forced = submitted(client, people["staff"], {**SAMPLE, "items": [
        {"sku": "TEA-01", "qty": 30, "price": "1000"}]})
    assert state(client, people["staff"], forced) == "review"
    assert [t["order"] for t in inbox(client, people["admin"])] == [forced]
    waved = submitted(client, people["staff"])  # 6252.50: no rule asks, the when is false
    assert state(client, people["staff"], waved) == "confirmed"


def test_the_inbox_holds_what_is_yours_by_name_or_role(client, token_for, people, db,
                                                       make_user):
    other_admin = person(db, make_user, "admin", "chen.jing")
    publish(client, token_for, with_approval(
        approvers={"roles": ["admin"], "users": ["li.wei"]}, mode="all"))
    number = submitted(client, people["staff"])
    assert [t["assignee"] for t in inbox(client, people["admin"])] == [{"role": "admin"}]
    assert [t["assignee"] for t in inbox(client, other_admin)] == [{"role": "admin"}]
    assert [t["assignee"] for t in inbox(client, people["li"])] == [{"user": "li.wei"}]
    assert inbox(client, people["wang"]) == []
    assert inbox(client, people["staff"]) == []
    assert all(t["order"] == number for t in inbox(client, people["admin"], "?status=all"))
    assert_problem(client.get("/api/v1/approvals?status=maybe", headers=people["li"]), 422)

"""Comments on orders and the notifications their mentions send."""
from __future__ import annotations

from tests.platform.test_api_tokens import assert_problem
from tests.runtime.support import create
from tests.runtime.test_approvals import people as people  # noqa: F401 - a fixture
from tests.runtime.test_approvals import publish, timeline


def notifications(client, headers, query=""):
    response = client.get(f"/api/v1/notifications{query}", headers=headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_a_mention_notifies_the_mentioned_person_only(client, token_for, people):
    publish(client, token_for)
    number = create(client, people["staff"]).get_json()["number"]
    response = client.post(f"/api/v1/orders/{number}/comments", headers=people["staff"],
                           json={"body": "@li.wei please call the customer; cc "
                                         "@nobody.here, mail li@example.com."})
    assert response.status_code == 201, response.get_json()
    comment = response.get_json()
    assert (comment["author"], comment["mentions"]) == ("zhao.lei", ["li.wei"])
    (note,) = notifications(client, people["li"])
    assert note["order"] == number
    assert note["title"] == f"zhao.lei mentioned you on order {number}"
    assert notifications(client, people["wang"]) == []
    assert notifications(client, people["staff"]) == []
    listed = client.get(f"/api/v1/orders/{number}/comments", headers=people["staff"])
    assert [c["body"] for c in listed.get_json()] == [comment["body"]]
    entry = timeline(client, people["staff"], number)[-1]
    assert (entry["kind"], entry["actor"]) == ("comment", "zhao.lei")
    assert entry["details"]["mentions"] == ["li.wei"]


def test_notifications_are_read_one_by_one_and_only_by_their_addressee(client, token_for,
                                                                     people):
    publish(client, token_for)
    number = create(client, people["staff"]).get_json()["number"]
    client.post(f"/api/v1/orders/{number}/comments", headers=people["staff"],
                json={"body": "@li.wei first"})
    client.post(f"/api/v1/orders/{number}/comments", headers=people["staff"],
                json={"body": "@li.wei second"})
    newest, oldest = notifications(client, people["li"], "?unread=1")
    assert_problem(client.post(f"/api/v1/notifications/{oldest['id']}/read",
                               headers=people["wang"]), 404)
    read = client.post(f"/api/v1/notifications/{oldest['id']}/read", headers=people["li"])
    assert read.status_code == 200
    assert read.get_json()["read_at"] is not None
    assert [n["id"] for n in notifications(client, people["li"], "?unread=1")] == [newest["id"]]
    assert len(notifications(client, people["li"])) == 2


def test_bad_comments_are_refused(client, token_for, people):
    publish(client, token_for)
    number = create(client, people["staff"]).get_json()["number"]
    body = assert_problem(client.post(f"/api/v1/orders/{number}/comments",
                                      headers=people["staff"], json={"body": "   "}), 422)
    assert body["errors"][0]["pointer"] == "/body"
    assert_problem(client.post(f"/api/v1/orders/{number}/comments", headers=people["staff"],
                               json={}), 422)
    assert_problem(client.post("/api/v1/orders/SO-999999/comments", headers=people["staff"],
                               json={"body": "hello"}), 404)
    assert_problem(client.get("/api/v1/notifications?unread=maybe", headers=people["staff"]),
                   422)

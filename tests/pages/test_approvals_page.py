"""Deciding approvals from the inbox page and from the order's page."""
from __future__ import annotations

import html
import re

from sqlalchemy import update

from orderloom.runtime.orders.models import Order
from tests.pages.conftest import BIG, errors, notices


def task_ids(page: str) -> list[int]:
    return [int(i) for i in re.findall(r'action="/approvals/(\d+)/approve"', page)]


def test_the_inbox_lists_tasks_and_an_approval_by_form_moves_the_order(console, actions):
    number = console.submitted(BIG)
    actions.login_as("staff")
    assert task_ids(console.page("/approvals")) == []  # the admin role's task, not staff's
    assert "Nothing is waiting for you." in console.page("/approvals")

    console.log_out()
    actions.login_as("admin")
    inbox = html.unescape(console.page("/approvals"))
    (task,) = task_ids(inbox)
    assert f">{number}</a> · Manager review</h2>" in inbox
    assert "the admin role" in inbox and "6,252.50 CNY" in inbox
    response = console.post(f"/approvals/{task}/approve",
                            {"comment": "Fine.", "back": "/approvals",
                             "revision": console.read(number)["revision"]}, page="/approvals")
    assert response.headers["Location"] == "/approvals"
    page = console.page("/approvals")
    assert notices(page) == [f"You approved “Manager review” on order {number}; it is now "
                             "Confirmed."]
    assert task_ids(page) == []
    assert console.read(number)["state"] == "confirmed"
    detail = html.unescape(console.page(f"/orders/{number}"))
    assert "approved “Manager review”. The order moved from In review to Confirmed." in detail
    assert "<blockquote>Fine.</blockquote>" in detail


def test_a_rejection_needs_a_comment_and_then_cancels_the_order(console, actions):
    number = console.submitted(BIG)
    actions.login_as("admin")
    detail = console.page(f"/orders/{number}")
    (task,) = task_ids(detail)  # the approval box on the order's page
    assert "Your approval: Manager review" in detail
    console.post(f"/approvals/{task}/reject", {"comment": " ", "back": f"/orders/{number}"},
                 page=f"/orders/{number}")
    assert errors(console.page(f"/orders/{number}")) == [
        "To reject, write a comment saying why; nothing was done."]
    assert console.read(number)["state"] == "review"

    console.post(f"/approvals/{task}/reject", {"comment": "Customer over credit.",
                                               "back": f"/orders/{number}"},
                 page=f"/orders/{number}")
    page = console.page(f"/orders/{number}")
    assert notices(page) == [f"You rejected “Manager review” on order {number}; it is now "
                             "Cancelled."]
    assert console.read(number)["state"] == "cancelled"
    assert "Customer over credit." in page


def test_deciding_on_a_stale_page_or_twice_is_explained(console, actions):
    number = console.submitted(BIG)
    actions.login_as("admin")
    (task,) = task_ids(console.page("/approvals"))
    old = console.read(number)["revision"] - 1
    console.post(f"/approvals/{task}/approve", {"revision": old}, page="/approvals")
    (message,) = errors(console.page("/approvals"))
    assert message.startswith(f"Someone changed order {number} while you had it open")

    console.post(f"/approvals/{task}/approve", {}, page="/approvals")
    console.post(f"/approvals/{task}/approve", {}, page="/approvals")
    assert errors(console.page("/approvals")) == [
        f"Could not approve: approval task {task} is approved by "
        f"{console.client.get('/api/v1/me').get_json()['username']} already."]
    console.post("/approvals/999999/approve", {}, page="/approvals")
    assert errors(console.page("/approvals")) == [
        "Could not approve: there is no approval task 999999."]


def test_a_viewer_sees_the_inbox_but_cannot_decide(console, actions):
    number = console.submitted(BIG)
    actions.login_as("admin")
    (task,) = task_ids(console.page("/approvals"))
    console.log_out()
    actions.login_as("viewer")
    token = actions.csrf("/approvals")
    response = console.client.post(f"/approvals/{task}/approve", data={"csrf_token": token})
    assert response.status_code == 403
    assert console.read(number)["state"] == "review"


def test_ticked_approvals_are_approved_together_and_one_that_cannot_be_is_named(
        console, actions):
    first, second, third = (console.submitted(BIG) for _ in range(3))
    actions.login_as("admin")
    inbox = console.page("/approvals")
    assert 'form="approve-selected"' in inbox
    tasks = task_ids(inbox)
    assert len(tasks) == 3
    # The third is decided on its own page first: ticked in a stale inbox, it is refused.
    (third_task,) = task_ids(console.page(f"/orders/{third}"))
    console.post(f"/approvals/{third_task}/approve", {"back": "/approvals"},
                 page="/approvals")
    console.page("/approvals")  # read the notice away
    response = console.post("/approvals/approve-selected",
                            {"task_ids": [str(t) for t in tasks], "comment": "Batch ok.",
                             "back": "/approvals"}, page="/approvals")
    assert response.headers["Location"] == "/approvals"
    page = html.unescape(console.page("/approvals"))
    assert notices(page)[0] == (f"You approved 2: {first} (Manager review), "
                                f"{second} (Manager review).")
    (refused,) = errors(page)
    assert refused.startswith(f"Not approved (1): {third}: ")
    assert [console.read(n)["state"] for n in (first, second, third)] == ["confirmed"] * 3
    assert "<blockquote>Batch ok.</blockquote>" in html.unescape(console.page(f"/orders/{first}"))

    console.post("/approvals/approve-selected", {"task_ids": ["x"], "back": "/approvals"},
                 page="/approvals")
    assert errors(console.page("/approvals")) == [
        "The form was damaged (a task is not a number). Nothing was done."]


def test_an_approver_reading_chinese_is_answered_in_chinese_while_the_api_stays_english(
        console, actions, client, token_for):
    """The runtime refuses with a code (runtime/errors.py); the pages say it in the
    reader's language, the API keeps its English detail for the clients that read it."""
    number = console.submitted(BIG)
    me = actions.login_as("admin").username
    (task,) = task_ids(console.page("/approvals"))
    zh = {"Accept-Language": "zh-CN"}

    def decide(verb: str, **form) -> list[str]:
        client.post(f"/approvals/{task}/{verb}", headers=zh,
                    data={"csrf_token": actions.csrf("/approvals"), **form})
        page = console.page("/approvals", headers=zh)
        return errors(page) or notices(page)

    assert decide("reject", comment=" ") == ["驳回时请填写原因；未执行任何操作。"]
    assert decide("approve") == [f"您批准了订单 {number} 的“Manager review”；订单现为Confirmed。"]
    assert decide("approve") == [f"无法批准：审批任务 {task} 已由 {me} 批准。"]
    api = client.post(f"/api/v1/approvals/{task}/approve", json={},
                      headers={"Authorization": f"Bearer {token_for('admin')}", **zh})
    assert api.status_code == 409, api.get_json()
    assert api.get_json()["detail"].startswith(f"approval task {task} is approved by")


def test_an_order_that_moved_on_is_named_by_its_state_s_label(console, actions, client, db):
    """Once, the refusal said the state's key (“confirmed”) where the page names states
    by their labels."""
    number = console.submitted(BIG)
    actions.login_as("admin")
    (task,) = task_ids(console.page("/approvals"))
    # Another process moved the order on before this task was cancelled.
    db.execute(update(Order).where(Order.number == number).values(state="confirmed"))
    db.commit()
    zh = {"Accept-Language": "zh-CN"}
    client.post(f"/approvals/{task}/approve", headers=zh,
                data={"csrf_token": actions.csrf("/approvals")})
    (refused,) = errors(console.page("/approvals", headers=zh))
    assert "Confirmed" in refused and "confirmed" not in refused, refused
    assert number in refused

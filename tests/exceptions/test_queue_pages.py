"""The queue page and the dashboard, in English and Chinese: counts per reason, the
order waiting, assigning and resolving from the page, and a refusal said in words."""
from __future__ import annotations

import re

from tests.exceptions.test_exception_queue import checking_gold_customers
from tests.platform.test_api_tokens import bearer
from tests.runtime.support import SAMPLE, create
from tests.runtime.test_approvals import publish, state

CHINESE = {"Accept-Language": "zh-CN,zh;q=0.9"}


def waiting(client, token_for):
    publish(client, token_for, checking_gold_customers)
    admin = bearer(token_for("admin"))
    number = create(client, admin, SAMPLE).get_json()["number"]
    found = client.get("/api/v1/exceptions", headers=admin).get_json()["exceptions"][0]
    return admin, number, found["id"]


def count_of(page: str, reason: str) -> str:
    row = re.search(rf'<tr data-reason="{reason}">.*?<td>(\d+)</td>', page, re.S)
    return row.group(1)


def test_the_queue_counts_and_lists_in_both_languages(client, token_for, actions):
    _admin, number, _id = waiting(client, token_for)
    actions.login_as("admin")
    english = client.get("/exceptions").get_data(as_text=True)
    assert count_of(english, "rule") == "1" and count_of(english, "unknown_sku") == "0"
    assert number in english and "Gold customer: call first" in english
    chinese = client.get("/exceptions", headers=CHINESE).get_data(as_text=True)
    assert "异常订单" in chinese and "各原因待处理的异常订单" in chinese
    assert "金牌客户：请先致电" in chinese and "放行" in chinese
    board = client.get("/dashboards").get_data(as_text=True)
    assert re.search(r'<li data-reason="rule">.*?Raised by a rule</a>: 1</li>', board)
    order_page = client.get(f"/orders/{number}").get_data(as_text=True)
    assert "Exception: Raised by a rule" in order_page


def test_assign_and_resolve_from_the_page(client, token_for, actions, make_user):
    admin, number, exception_id = waiting(client, token_for)
    make_user("staff", username="li.wei")
    actions.login_as("staff")
    csrf = actions.csrf("/exceptions")
    assigned = client.post(f"/exceptions/{exception_id}/assign", follow_redirects=True,
                           data={"csrf_token": csrf, "assignee": "li.wei"})
    assert f"The exception on order {number} is assigned to li.wei." in \
        assigned.get_data(as_text=True)
    nobody = client.post(f"/exceptions/{exception_id}/assign", follow_redirects=True,
                         data={"csrf_token": csrf, "assignee": "no.such.person"})
    assert "no.such.person is no active user who may see order" in \
        nobody.get_data(as_text=True)
    refused = client.post(f"/exceptions/{exception_id}/resolve", follow_redirects=True,
                          data={"csrf_token": csrf, "resolution": "fix_sku"})
    assert "cannot be resolved by &#39;fix_sku&#39;" in refused.get_data(as_text=True)
    assert state(client, admin, number) == "draft"
    held = client.post(f"/exceptions/{exception_id}/resolve", follow_redirects=True,
                       data={"csrf_token": csrf, "resolution": "hold", "note": "wait"})
    assert f"The exception on order {number} is resolved; the order is now Draft." in \
        held.get_data(as_text=True)
    resolved = client.get("/exceptions?status=resolved").get_data(as_text=True)
    assert number in resolved and "Hold" in resolved and "wait" in resolved
    order_page = client.get(f"/orders/{number}").get_data(as_text=True)
    assert "On hold: held after the exception Raised by a rule" in order_page


def test_a_refusal_on_the_chinese_page_is_said_in_chinese(client, token_for, actions):
    """Once, the Chinese queue page flashed the English refusal."""
    _admin, number, exception_id = waiting(client, token_for)
    actions.login_as("staff")
    csrf = actions.csrf("/exceptions")
    refused = client.post(f"/exceptions/{exception_id}/resolve", follow_redirects=True,
                          headers=CHINESE, data={"csrf_token": csrf, "resolution": "fix_sku"})
    page = refused.get_data(as_text=True)
    assert "「规则触发」异常不能以「修正商品编码」处理，可选：放行、暂停、取消订单" in page
    assert "cannot be resolved by" not in page
    assert state(client, bearer(token_for("admin")), number) == "draft"

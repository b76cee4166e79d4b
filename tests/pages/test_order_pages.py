"""The order list and the order page, as staff use them through the browser's forms."""
from __future__ import annotations

import html
import re

from sqlalchemy import select

from orderloom.platform.pages import orders as order_pages
from orderloom.runtime.notify.in_app import Notification
from tests.pages.conftest import BIG, errors, notices
from tests.runtime.support import SAMPLE

CHEN = {**SAMPLE, "customer": {"code": "C2", "name": "Chen Jing", "tier": "silver"}}
HUGE = {**SAMPLE, "items": [{"sku": "TEA-01", "qty": 100, "price": "1250.50"}]}  # 125050


def numbers_on(page: str) -> list[str]:
    return re.findall(r'<a href="/orders/(SO-\d+)">', page)


def counts_on(page: str) -> dict[str, int]:
    return {state: int(count) for state, count in re.findall(
        r'data-state="(\w+)"[^>]*>[^<]*<span class="count">(\d+)</span>', page)}


def timeline_of(page: str) -> list[str]:
    section = page.split('id="timeline"', 1)[1]
    return [html.unescape(re.sub(r"\s+", " ", p)).strip()
            for p in re.findall(r"<li data-kind=\"\w+\">\s*<p>(.*?)</p>", section, re.S)]


def test_the_list_filters_orders_and_counts_them_per_state(console, actions):
    first, second = console.order(), console.order()
    chen = console.submitted(CHEN)  # under 5000: confirmed at once
    actions.login_as("staff")
    page = console.page("/orders")
    assert numbers_on(page) == [chen, second, first]  # newest first
    assert counts_on(page) == {"draft": 2, "confirmed": 1}
    assert "Li Wei" in page and "2,560.70 CNY" in page and "Retail order" in page

    drafts = console.page("/orders?state=draft")
    assert numbers_on(drafts) == [second, first]
    assert counts_on(drafts) == {"draft": 2, "confirmed": 1}  # counts ignore the state
    assert numbers_on(console.page("/orders?customer=chen")) == [chen]
    assert counts_on(console.page("/orders?customer=chen")) == {"confirmed": 1}
    assert numbers_on(console.page(f"/orders?q={first}")) == [first]
    assert numbers_on(console.page("/orders?order_type=retail_order&channel=web")) == []
    assert numbers_on(console.page("/orders?tag=free_shipping")) == [chen, second, first]


def test_bad_filters_are_explained_on_the_page_not_refused(console, actions):
    console.order()
    actions.login_as("viewer")
    page = console.page("/orders?created_from=yesterday&order_type=nope&before=x")
    text = html.unescape(page)
    assert "Created from: “yesterday” is not a date; use the form 2026-11-25." in text
    assert "Order type: there is no order type “nope”." in text
    assert "The page link is broken" in text


def test_the_older_link_pages_back_through_the_orders(console, actions, monkeypatch):
    monkeypatch.setattr(order_pages, "PAGE_SIZE", 2)
    made = [console.order() for _ in range(3)]
    actions.login_as("viewer")
    page = console.page("/orders?state=draft")
    assert numbers_on(page) == [made[2], made[1]]
    older = html.unescape(re.search(r'<a href="([^"]+)" rel="next">Older</a>', page).group(1))
    assert "state=draft" in older
    last = console.page(older)
    assert numbers_on(last) == [made[0]]
    assert 'rel="next"' not in last


def test_the_order_page_shows_its_form_line_items_and_timeline(console, actions):
    number = console.order()
    actions.login_as("viewer")
    page = console.page(f"/orders/{number}")
    text = html.unescape(page)
    for label in ("Customer", "Ship to", "Priority", "Items", "Total", "Discount"):
        assert f"<dt>{label}" in text
    assert "Li Wei (C1) · gold" in text
    assert "Hangzhou, Zhejiang, CN" in text
    # Line items as a table, with the computed column marked.
    assert re.search(r"<th>Amount <span class=\"computed\"", text)
    assert "<td>TEA-01</td><td>2</td><td>1,250.50 CNY</td><td>2,501.00 CNY</td>" in text
    assert "2,560.70 CNY" in text
    assert timeline_of(page)[0].endswith("created the order in Draft (version 1).")
    assert f"/api/v1/orders/{number}/documents/packing_slip?format=pdf" in page
    assert "data-transition" not in page  # a viewer gets no buttons

    chinese = html.unescape(console.page(f"/orders/{number}",
                                         headers={"Accept-Language": "zh-CN,zh;q=0.9"}))
    assert "<dt>客户" in chinese and "<dt>合计" in chinese and "零售订单" in chinese
    assert "<dt>Discount" in chinese  # no Chinese label: the English one


def test_a_transition_by_form_redirects_back_with_a_message(console, actions):
    number = console.order()
    actions.login_as("staff")
    revision = console.read(number)["revision"]
    response = console.post(f"/orders/{number}/transitions/submit", {"revision": revision},
                            page=f"/orders/{number}")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/orders/{number}"
    page = console.page(f"/orders/{number}")
    assert notices(page) == [f"“Submit” done: order {number} is now Confirmed."]
    assert console.read(number)["state"] == "confirmed"
    assert any("took “Submit”: Draft → In review." in line for line in timeline_of(page))
    assert "approval “Manager review” was given automatically" in " ".join(
        timeline_of(page)).replace("Approval", "approval")
    assert notices(console.page(f"/orders/{number}")) == []  # shown once


def test_a_stale_page_is_told_someone_changed_the_order(console, actions):
    number = console.order()
    actions.login_as("staff")
    page = console.page(f"/orders/{number}")
    seen = int(re.search(r'name="revision" value="(\d+)"', page).group(1))
    console.client.post(f"/api/v1/orders/{number}/transitions/submit", headers=console.staff)
    response = console.post(f"/orders/{number}/transitions/cancel", {"revision": seen},
                            page=f"/orders/{number}")
    assert response.status_code == 302
    (message,) = errors(console.page(f"/orders/{number}"))
    assert message.startswith(f"Someone changed order {number} while you had it open")
    assert "nothing was done" in message
    assert console.read(number)["state"] == "confirmed"


def test_a_blocked_transition_is_disabled_with_its_reason(console, actions):
    number = console.order(HUGE)
    actions.login_as("staff")
    page = html.unescape(console.page(f"/orders/{number}"))
    assert re.search(r'<button type="submit" disabled data-blocked title="Not now: its '
                     r'condition is not met: total < 100000"[^>]*>Cancel</button>', page)
    # Posting it anyway (an old page, a crafted form) gets the runtime's reason.
    console.post(f"/orders/{number}/transitions/cancel", {}, page=f"/orders/{number}")
    (message,) = errors(console.page(f"/orders/{number}"))
    assert message.startswith("“Cancel” was not taken: 'cancel' is not allowed now")
    assert console.read(number)["state"] == "draft"


def test_a_comment_with_a_mention_notifies_that_person(console, actions, make_user, db):
    li = make_user("staff", username="li.wei")
    number = console.order()
    actions.login_as("staff")
    console.post(f"/orders/{number}/comments", {"body": "Call @li.wei about the cups."},
                 page=f"/orders/{number}")
    page = console.page(f"/orders/{number}")
    assert notices(page) == ["Your comment is on the timeline. Notified: @li.wei."]
    assert "Call @li.wei about the cups." in page
    assert "Notified: @li.wei" in page
    (note,) = db.scalars(select(Notification).where(Notification.user_id == li.id))
    assert note.title.endswith(f"mentioned you on order {number}")
    db.rollback()  # SQLite: the read above holds the write lock until it ends

    console.post(f"/orders/{number}/comments", {"body": "   "}, page=f"/orders/{number}")
    assert errors(console.page(f"/orders/{number}")) == [
        "The comment was not added: a comment needs some text."]


def test_bulk_transition_reports_each_order(console, actions):
    first, second = console.order(), console.order()
    done = console.submitted()
    actions.login_as("staff")
    response = console.post("/orders/bulk", {
        "numbers": [first, second, done], "transition": "submit",
        "back": "/orders?state=draft"}, page="/orders")
    assert response.headers["Location"] == "/orders?state=draft"
    page = console.page("/orders")
    shown = notices(page)
    assert shown[0] == "“Submit” on 3 selected: 2 moved, 1 refused."
    assert shown[1] == f"Moved: {first} → Confirmed; {second} → Confirmed."
    assert errors(page) == [f"Not moved: {done}: 'submit' cannot be taken from state "
                            "'confirmed'; it starts from draft."]
    assert {console.read(n)["state"] for n in (first, second)} == {"confirmed"}

    console.post("/orders/bulk", {"transition": "submit"}, page="/orders")
    assert errors(console.page("/orders")) == ["Select at least one order for the bulk action."]
    console.post("/orders/bulk", {"numbers": [first], "back": "https://evil.example/"},
                 page="/orders")
    assert errors(console.page("/orders")) == [
        "Choose the transition to take on the selected orders."]


def test_a_viewer_cannot_act_on_orders(console, actions):
    number = console.order(BIG)
    actions.login_as("viewer")
    token = actions.csrf(f"/orders/{number}")
    for path in (f"/orders/{number}/transitions/submit", f"/orders/{number}/comments",
                 "/orders/bulk"):
        response = console.client.post(path, data={"csrf_token": token, "body": "x",
                                                   "numbers": [number], "transition": "submit"})
        assert response.status_code == 403, path
        assert "orders.act" in response.get_data(as_text=True)
    assert console.read(number)["state"] == "draft"


def test_a_form_without_its_csrf_token_is_refused(console, actions):
    number = console.order()
    actions.login_as("staff")
    response = console.client.post(f"/orders/{number}/transitions/submit", data={})
    assert response.status_code == 403
    assert "did not come from this site" in response.get_data(as_text=True)
    assert console.read(number)["state"] == "draft"


def test_an_unknown_order_is_a_404_page(console, actions):
    actions.login_as("staff")
    response = console.client.get("/orders/SO-999999")
    assert response.status_code == 404
    assert "there is no order SO-999999" in response.get_data(as_text=True)
    token = actions.csrf("/orders")
    response = console.client.post("/orders/SO-999999/transitions/submit",
                                   data={"csrf_token": token})
    assert response.status_code == 404


def test_orders_and_approvals_are_in_the_navigation(console, actions):
    actions.login_as("viewer")
    page = console.page("/")
    assert 'href="/orders">Orders</a>' in page and 'href="/approvals">Approvals</a>' in page


def test_the_list_and_the_inbox_read_total_and_customer_by_type_not_by_name(
        client, token_for, actions):
    # Once both pages read data["total"] and data["customer"]: a form that called them
    # otherwise showed orders without customer or total.
    import json

    from tests.designer.samples import retail
    from tests.platform.test_api_tokens import bearer

    text = re.sub(r"\btotal\b", "grand", json.dumps(retail()))
    text = re.sub(r'"key": "customer"', '"key": "buyer"', text)
    text = re.sub(r"\bcustomer\.", "buyer.", text)
    text = re.sub(r'(?:(?<=\[)|(?<=, ))"customer"(?=[,\]])', '"buyer"', text)
    definition = {**json.loads(text), "total_field": "grand"}
    designer = bearer(token_for("designer"))
    imported = client.post("/api/v1/import", headers=designer, json={
        "format": "orderloom-package/1", "order_types": [definition]})
    assert imported.status_code == 201, imported.get_json()
    staff = bearer(token_for("staff"))
    data = {**{k: v for k, v in HUGE.items() if k != "customer"},
            "buyer": {"code": "C2", "name": "Chen Jing", "tier": "silver"}}
    created = client.post("/api/v1/orders", headers=staff,
                          json={"order_type": "retail_order", "data": data})
    assert created.status_code == 201, created.get_json()
    number = created.get_json()["number"]
    assert client.post(f"/api/v1/orders/{number}/transitions/submit",
                       headers=staff).status_code == 200
    actions.login_as("admin")
    for url in ("/orders", "/approvals"):
        page = actions.client.get(url).get_data(as_text=True)
        assert number in page and "Chen Jing" in page and "125,050.00 CNY" in page, url

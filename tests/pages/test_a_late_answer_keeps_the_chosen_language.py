"""A language chosen with the switch, and logging out, survive the answers to requests
a browser sent before.

The order form once showed the server's date refusal in English on a page written in
Chinese: a file the previous page had asked for was answered after the form's own page,
and every answer wrote the whole session cookie again, as the request carrying it had
it, without the language chosen since. The browser keeps the last cookie it is sent."""
from __future__ import annotations

from tests.pages.test_order_form import send, spec_of

COOKIE = "orderloom_session"


def answered_late(app, console, cookie: str) -> None:
    """The previous page's stylesheet, asked for with ``cookie`` and answered now:
    whatever cookie that answer sets, the browser keeps."""
    late = app.test_client()
    late.set_cookie(COOKIE, cookie)
    answer = late.get("/static/app.css")
    assert answer.status_code == 200
    if any(c.startswith(f"{COOKIE}=") for c in answer.headers.getlist("Set-Cookie")):
        console.client.set_cookie(COOKIE, late.get_cookie(COOKIE).value)


def test_a_late_answer_to_an_earlier_request_keeps_chinese(console, actions, app):
    actions.login_as("staff")
    console.page("/")
    before = console.client.get_cookie(COOKIE).value  # what the previous page's files carry
    spec = spec_of(console.page("/orders/new/retail_order?lang=zh"))

    answered_late(app, console, before)

    refused = send(console.client, spec, {
        "ship_to": {"country": "CN", "province": "Zhejiang"},
        "items": [{"sku": "TEA-01", "qty": 0, "price": "100"}]})
    assert refused.status_code == 422, refused.get_json()
    assert {e["pointer"]: e["detail"] for e in refused.get_json()["errors"]} == {
        "/data/customer": "为必填项", "/data/items/0/qty": "不能小于 1"}
    # And the pages after it are still Chinese.
    assert 'lang="zh-CN"' in console.page("/orders")


def test_a_late_answer_to_an_earlier_request_does_not_undo_logging_out(console, actions, app):
    actions.login_as("staff")
    before = console.client.get_cookie(COOKIE).value
    console.log_out()
    answered_late(app, console, before)
    assert console.client.get("/orders").status_code == 302  # to the login page

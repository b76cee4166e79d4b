"""How the order list reads: a state's badge and chip carry the state's meaning (its
category, whatever the business named it), the chips follow the workflow, channels
show their names, and an empty list says what to do next."""
from __future__ import annotations

import html
import re

from tests.designer.samples import retail
from tests.platform.test_api_tokens import bearer
from tests.runtime.support import create


def chips_on(page: str) -> list[tuple[str, str]]:
    nav = page.split('class="state-counts"', 1)[1].split("</nav>", 1)[0]
    return re.findall(r'data-state="(\w+)" data-category="(\w*)"', nav)


def badges_on(page: str) -> list[tuple[str, str]]:
    return re.findall(r'<span class="state" data-state="(\w+)" data-category="(\w*)">', page)


def test_chips_follow_the_workflow_and_badges_carry_the_states_meaning(console, actions):
    first = console.order()
    console.submitted()  # under 5000: confirmed at once
    cancelled = console.order()
    response = console.client.post(f"/api/v1/orders/{cancelled}/transitions/cancel",
                                   headers=console.staff)
    assert response.status_code == 200, response.get_json()
    actions.login_as("staff")
    page = console.page("/orders")
    # Workflow order (draft, ..., confirmed, ..., cancelled), not by count or name.
    assert chips_on(page) == [("draft", "open"), ("confirmed", "open"),
                              ("cancelled", "cancelled")]
    assert set(badges_on(page)) == {("draft", "open"), ("confirmed", "open"),
                                    ("cancelled", "cancelled")}
    assert first in page


def test_a_badge_is_coloured_by_its_category_not_its_name(client, token_for, actions):
    definition = retail()
    # The business calls its cancelled state "done": it still reads as cancelled.
    for state in definition["workflow"]["states"]:
        if state["key"] == "cancelled":
            state["label"] = {"en": "Done"}
    designer = bearer(token_for("designer"))
    assert client.post("/api/v1/import", headers=designer, json={
        "format": "orderloom-package/1", "order_types": [definition]}).status_code == 201
    staff = bearer(token_for("staff"))
    number = create(client, staff).get_json()["number"]
    assert client.post(f"/api/v1/orders/{number}/transitions/cancel",
                       headers=staff).status_code == 200
    actions.login_as("staff")
    page = client.get("/orders").get_data(as_text=True)
    assert badges_on(page) == [("cancelled", "cancelled")]
    assert '>Done</span>' in page


def test_channels_show_their_names_and_hand_entry_reads_as_such(console, client, token_for,
                                                                actions):
    admin = bearer(token_for("admin"))
    assert client.post("/api/v1/channels", headers=admin, json={
        "key": "store_pos", "name": "Store counter", "kind": "manual",
        "order_type": "retail_order"}).status_code == 201
    counter = console.order(channel="store_pos")
    console.order()
    actions.login_as("staff")
    page = html.unescape(console.page("/orders"))
    assert "Store counter" in page and "store_pos</td>" not in page
    assert "Entered by hand" in page
    order_page = console.page(f"/orders/{counter}")
    assert "<dt>Channel</dt><dd>Store counter</dd>" in order_page


def test_an_empty_list_says_what_to_do_next(console, actions):
    actions.login_as("staff")
    page = html.unescape(console.page("/orders"))
    assert "No orders yet." in page and "Enter the first order" in page
    assert "No orders match these filters." not in page
    # With a filter set, the filter is what hides the orders.
    console.order()
    filtered = html.unescape(console.page("/orders?customer=nobody"))
    assert "No orders match these filters." in filtered and "Show all orders" in filtered
    assert "No orders yet." not in filtered


def test_an_empty_list_in_chinese(console, actions):
    actions.login_as("viewer")
    page = html.unescape(console.page("/orders?lang=zh"))
    assert "还没有订单。" in page
    assert "录入第一张订单" not in page  # a viewer cannot enter orders

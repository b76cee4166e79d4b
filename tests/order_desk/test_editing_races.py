"""Edits racing other orders for the same SKU on PostgreSQL, where requests really run
in parallel: the held stock never goes beyond what is on hand, and the edit that finds
the stock gone is refused with what is missing."""
from __future__ import annotations

import re

from orderloom.runtime.stock import keeping
from tests.order_desk.test_editing_placed_orders import items, placed
from tests.platform.test_api_tokens import bearer
from tests.runtime.support import SAMPLE, create
from tests.runtime.test_concurrency import ON_POSTGRESQL, run_together
from tests.runtime.test_stock_actions import levels, shop  # noqa: F401

SHORT = re.compile(r"CUP-02: (\d+) more wanted but only (\d+) available in HZ; (\d+) short")


def cups(quantity):
    return {**SAMPLE, "items": [{"sku": "CUP-02", "qty": quantity, "price": "19.90"}]}


@ON_POSTGRESQL
def test_an_edit_racing_another_order_for_the_same_cups_only_one_gets_them(
        app, shop, token_for, db):  # noqa: F811
    # Sized so the race decides: the edit's 6 more cups fit only if it runs before the
    # other order's 2, and the 2 only if they come first (7 of the 10 are free).
    client = app.test_client()
    staff = bearer(token_for("staff"))
    editing = placed(client, staff)  # holds 3 of the 10 cups
    other = create(client, staff, cups(2)).get_json()["number"]
    clients = [app.test_client() for _ in range(2)]
    edit, submit = run_together(2, lambda i: (
        clients[0].patch(f"/api/v1/orders/{editing}", headers=staff,
                         json={"data": {"items": items(2, 9)}}) if i == 0 else
        clients[1].post(f"/api/v1/orders/{other}/transitions/submit", headers=staff)))
    statuses = (edit.status_code, submit.status_code)
    assert statuses in ((200, 409), (409, 200)), (edit.get_json(), submit.get_json())
    if edit.status_code == 200:
        assert levels(client, shop)[("CUP-02", "HZ")] == (10, 9)
    else:
        (fault,) = edit.get_json()["errors"]
        assert fault["pointer"] == "/data/items/1/qty"
        assert SHORT.fullmatch(fault["detail"]).groups() == ("6", "5", "1")
        assert levels(client, shop)[("CUP-02", "HZ")] == (10, 5)
    assert keeping.verify(db) == []


@ON_POSTGRESQL
def test_an_edit_and_another_order_for_the_last_units_one_wins(app, shop, token_for, db):  # noqa: F811
    client = app.test_client()
    staff = bearer(token_for("staff"))
    client.post("/api/v1/stock/receipts", headers=shop,
                json={"sku": "CUP-02", "warehouse": "HZ", "quantity": 3})
    editing = placed(client, staff)  # holds 3 of the 13 cups: 10 left
    others = [create(client, staff, cups(10)).get_json()["number"] for _ in range(3)]
    clients = [app.test_client() for _ in range(4)]
    responses = run_together(4, lambda i: (
        clients[0].patch(f"/api/v1/orders/{editing}", headers=staff,
                         json={"data": {"items": items(2, 4)}}) if i == 0 else
        clients[i].post(f"/api/v1/orders/{others[i - 1]}/transitions/submit",
                        headers=staff)))
    # The edit's one more cup and another order's ten cannot both fit beside the 3
    # held: exactly one of the four gets its stock.
    assert [r.status_code for r in responses].count(200) == 1
    assert levels(client, shop)[("CUP-02", "HZ")] in ((13, 4), (13, 13))
    if responses[0].status_code == 409:
        assert SHORT.fullmatch(responses[0].get_json()["errors"][0]["detail"])
    assert keeping.verify(db) == []


@ON_POSTGRESQL
def test_two_people_editing_one_order_at_once_one_wins_and_the_stock_is_the_winner_s(
        app, shop, token_for, db):  # noqa: F811
    # Once the second edit answered 500: it found the order changed only when saving,
    # inside the edit's savepoint.
    client = app.test_client()
    staff = bearer(token_for("staff"))
    number = placed(client, staff)  # holds 3 cups
    revision = client.get(f"/api/v1/orders/{number}", headers=staff).get_json()["revision"]
    clients = [app.test_client() for _ in range(2)]
    wanted = [5, 1]
    responses = run_together(2, lambda i: clients[i].patch(
        f"/api/v1/orders/{number}", headers={**staff, "If-Match": f'"{revision}"'},
        json={"data": {"items": items(2, wanted[i])}}))
    statuses = [r.status_code for r in responses]
    assert sorted(statuses) == [200, 409], [r.get_json() for r in responses]
    winner = wanted[statuses.index(200)]
    assert levels(client, shop)[("CUP-02", "HZ")] == (10, winner)
    assert keeping.verify(db) == []

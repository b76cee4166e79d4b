"""Editing an order after it was placed: staff change lines, quantities, address and
discount of an open order; the held stock follows by the difference, the rules run
again, the money owed is worked out again, and the timeline says what changed. Each
test runs on SQLite and on PostgreSQL."""
from __future__ import annotations

import pytest

from orderloom.runtime import hooks
from orderloom.runtime.stock import keeping
from tests.conftest import Actions
from tests.designer.samples import retail
from tests.platform.test_api_tokens import assert_problem, bearer
from tests.runtime.support import SAMPLE, create
from tests.runtime.test_stock_actions import levels, shop  # noqa: F401


@pytest.fixture
def staff(client, token_for, shop):  # noqa: F811
    return bearer(token_for("staff"))


def placed(client, staff, data=None):
    """An order submitted (its stock held) and confirmed under the 5000 threshold."""
    number = create(client, staff, data).get_json()["number"]
    submitted = client.post(f"/api/v1/orders/{number}/transitions/submit", headers=staff)
    assert submitted.status_code == 200, submitted.get_json()
    return number


def edit(client, staff, number, data):
    return client.patch(f"/api/v1/orders/{number}", headers=staff, json={"data": data})


def items(tea, cups):
    return [{"sku": "TEA-01", "qty": tea, "price": "1250.50"},
            {"sku": "CUP-02", "qty": cups, "price": "19.90"}]


def last(client, staff, number, kind):
    timeline = client.get(f"/api/v1/orders/{number}/timeline", headers=staff).get_json()
    return [e for e in timeline if e["kind"] == kind][-1]


def test_a_raised_quantity_holds_only_the_extra_units(client, shop, staff):  # noqa: F811
    number = placed(client, staff)
    assert levels(client, shop)[("CUP-02", "HZ")] == (10, 3)
    response = edit(client, staff, number, {"items": items(2, 5)})
    assert response.status_code == 200, response.get_json()
    assert levels(client, shop)[("CUP-02", "HZ")] == (10, 5)
    assert levels(client, shop)[("TEA-01", "HZ")] == (3, 2)
    movements = client.get("/api/v1/stock/movements?limit=1", headers=shop).get_json()
    assert (movements[0]["kind"], movements[0]["reserved_change"]) == ("reservation", 2)
    entry = last(client, staff, number, "edit_difference")
    assert entry["details"]["lines"] == [{
        "field": "items", "line": 2,
        "before": {"sku": "CUP-02", "qty": 3, "price": "19.90"},
        "after": {"sku": "CUP-02", "qty": 5, "price": "19.90"}}]
    assert entry["details"]["stock"] == [{"sku": "CUP-02", "warehouse": "HZ", "change": 2}]
    assert entry["details"]["total"] == ["2560.70", "2600.50"]


def test_a_lowered_or_removed_line_gives_its_units_back(client, shop, staff, db):  # noqa: F811
    number = placed(client, staff)
    response = edit(client, staff, number,
                    {"items": [{"sku": "TEA-01", "qty": 1, "price": "1250.50"}]})
    assert response.status_code == 200, response.get_json()
    assert levels(client, shop)[("TEA-01", "HZ")] == (3, 1)
    assert levels(client, shop)[("CUP-02", "HZ")] == (10, 0)
    entry = last(client, staff, number, "edit_difference")
    assert sorted((m["sku"], m["change"]) for m in entry["details"]["stock"]) == \
        [("CUP-02", -3), ("TEA-01", -1)]
    assert entry["details"]["lines"][1] == {
        "field": "items", "line": 2, "before": {"sku": "CUP-02", "qty": 3, "price": "19.90"},
        "after": None}
    # Raised again afterwards, only the difference is held once more.
    assert edit(client, staff, number, {"items": items(3, 1)}).status_code == 200
    assert levels(client, shop)[("TEA-01", "HZ")] == (3, 3)
    assert levels(client, shop)[("CUP-02", "HZ")] == (10, 1)
    assert keeping.verify(db) == []  # every level still equals its ledger


def test_a_quantity_beyond_stock_is_refused_with_the_shortfall(client, shop, staff):  # noqa: F811
    number = placed(client, staff)
    before = client.get(f"/api/v1/orders/{number}", headers=staff).get_json()
    body = assert_problem(edit(client, staff, number, {"items": items(6, 3)}), 409)
    assert body["errors"] == [{"pointer": "/data/items/0/qty", "detail":
                               "TEA-01: 4 more wanted but only 1 available in HZ; 3 short"}]
    after = client.get(f"/api/v1/orders/{number}", headers=staff).get_json()
    assert (after["revision"], after["data"]["items"]) == (before["revision"],
                                                           before["data"]["items"])
    assert levels(client, shop)[("TEA-01", "HZ")] == (3, 2)
    timeline = client.get(f"/api/v1/orders/{number}/timeline", headers=staff).get_json()
    assert [e["kind"] for e in timeline].count("edited") == 0


def test_a_new_product_is_held_in_the_order_s_warehouse(client, shop, staff):  # noqa: F811
    number = placed(client, staff, {**SAMPLE, "items": [
        {"sku": "TEA-01", "qty": 1, "price": "1250.50"}]})
    response = edit(client, staff, number, {"items": items(1, 4)})
    assert response.status_code == 200, response.get_json()
    assert levels(client, shop)[("CUP-02", "HZ")] == (10, 4)


def test_address_and_note_change_without_touching_stock(client, shop, staff):  # noqa: F811
    number = placed(client, staff)
    response = edit(client, staff, number, {
        "ship_to": {"country": "CN", "province": "Zhejiang", "city": "Ningbo"},
        "note": "deliver after 6 pm"})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["data"]["ship_to"]["city"] == "Ningbo"
    assert levels(client, shop)[("TEA-01", "HZ")] == (3, 2)
    entry = last(client, staff, number, "edited")
    assert entry["details"]["changes"]["ship_to"][1]["city"] == "Ningbo"
    # The total did not change: no difference to settle.
    timeline = client.get(f"/api/v1/orders/{number}/timeline", headers=staff).get_json()
    assert "edit_difference" not in [e["kind"] for e in timeline]


def test_an_edit_that_crosses_the_threshold_again_reopens_the_approval(
        client, shop, staff, token_for):  # noqa: F811
    number = placed(client, staff)
    assert client.get(f"/api/v1/orders/{number}", headers=staff).get_json()["state"] == \
        "confirmed"
    client.post("/api/v1/stock/receipts", headers=shop,
                json={"sku": "TEA-01", "warehouse": "HZ", "quantity": 20})
    # 17 teas: over the sample's 20000 of its big_order rule, which asks for the review.
    response = edit(client, staff, number, {"items": items(17, 3)})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["state"] == "review"
    admin = bearer(token_for("admin"))
    tasks = client.get("/api/v1/approvals", headers=admin).get_json()
    assert [t["order"] for t in tasks] == [number]
    assert levels(client, shop)[("TEA-01", "HZ")] == (23, 17)


def test_the_payment_difference_is_shown_and_recorded(client, shop, staff, token_for):  # noqa: F811
    finance = bearer(token_for("admin"))
    number = placed(client, staff)
    paid = client.post(f"/api/v1/orders/{number}/payments", headers=finance,
                       json={"amount": "2560.70", "method": "alipay"})
    assert paid.status_code == 201, paid.get_json()
    assert edit(client, staff, number, {"items": items(2, 5)}).status_code == 200
    entry = last(client, staff, number, "edit_difference")
    assert entry["details"]["to_collect"] == "39.80"
    order = client.get(f"/api/v1/orders/{number}", headers=staff).get_json()
    assert order["payment_status"] == "partly_paid"
    client.post(f"/api/v1/orders/{number}/payments", headers=finance,
                json={"amount": entry["details"]["to_collect"], "method": "alipay"})
    assert client.get(f"/api/v1/orders/{number}", headers=staff).get_json()[
        "payment_status"] == "paid"
    # Lowered below what was paid: what is to be given back.
    assert edit(client, staff, number, {"items": items(2, 1)}).status_code == 200
    assert last(client, staff, number, "edit_difference")["details"]["to_collect"] == "-79.60"


def test_a_shipped_order_is_refused_at_each_changed_field(client, shop, staff):  # noqa: F811
    number = placed(client, staff)
    assert client.post(f"/api/v1/orders/{number}/transitions/ship",
                       headers=staff).status_code == 200
    body = assert_problem(edit(client, staff, number, {"items": items(1, 3),
                                                       "note": "fewer"}), 409)
    assert {e["pointer"] for e in body["errors"]} == {"/data/items", "/data/note"}
    assert "has shipped" in body["detail"]
    assert levels(client, shop)[("TEA-01", "HZ")] == (1, 0)


def test_a_finished_order_is_refused(client, shop, staff):  # noqa: F811
    number = placed(client, staff)
    client.post(f"/api/v1/orders/{number}/transitions/cancel", headers=staff)
    body = assert_problem(edit(client, staff, number, {"note": "too late"}), 409)
    assert body["errors"] == [{"pointer": "/data/note", "detail":
                               f"order {number} is finished (cancelled); it can no longer "
                               "be changed"}]


def test_someone_who_may_not_edit_orders_is_refused(client, shop, staff, token_for):  # noqa: F811
    number = placed(client, staff)
    viewer = bearer(token_for("viewer"))
    assert edit(client, viewer, number, {"items": items(1, 3)}).status_code == 403
    assert levels(client, shop)[("TEA-01", "HZ")] == (3, 2)


def test_a_subscriber_to_edited_lines_adds_a_line_and_the_total_and_stock_follow_it(
        client, shop, staff):  # noqa: F811
    heard = []

    def add_on_with_tea(session, order, before, *, actor_name):
        # A subscriber's turn: it sees the lines before and after, and adds a cup at an
        # add-on price, leaving its amount and the total to the edit.
        heard.append((before["items"][0]["qty"], order.data["items"][0]["qty"]))
        lines = [dict(line) for line in order.data["items"]]
        lines.append({"sku": "CUP-02", "qty": 1, "price": "9.90"})
        order.data = {**order.data, "items": lines}

    number = placed(client, staff)
    hooks.ORDER_LINES_EDITED.subscribe(add_on_with_tea)
    try:
        assert edit(client, staff, number, {"items": items(3, 3)}).status_code == 200
    finally:
        hooks.ORDER_LINES_EDITED.subscribers.remove(add_on_with_tea)
    assert heard == [(2, 3)]
    assert levels(client, shop)[("TEA-01", "HZ")] == (3, 3)
    assert levels(client, shop)[("CUP-02", "HZ")] == (10, 4)
    order = client.get(f"/api/v1/orders/{number}", headers=staff).get_json()
    assert order["data"]["items"][2]["amount"] == "9.90"
    # 3 x 1250.50 + 3 x 19.90 + 9.90
    assert order["data"]["total"] == "3821.10"
    assert last(client, staff, number, "edit_difference")["details"]["total"][1] == "3821.10"


def test_a_line_column_the_role_may_not_edit_stays_as_it_was(client, shop, staff):  # noqa: F811
    # The designer lets only admin change prices: staff change quantities, not prices.
    definition = retail()
    definition["key"] = "priced_by_admin"
    definition["workflow"]["transitions"][0]["actions"] = [{"type": "reserve_stock"}]
    items_field = next(f for f in definition["form"]["fields"] if f["key"] == "items")
    next(c for c in items_field["fields"] if c["key"] == "price")["access"] = {
        "edit": ["admin"]}
    assert client.post("/api/v1/import", headers=shop, json={
        "format": "orderloom-package/1", "order_types": [definition]}).status_code == 201
    number = client.post("/api/v1/orders", headers=shop, json={
        "order_type": "priced_by_admin", "data": SAMPLE}).get_json()["number"]
    assert client.post(f"/api/v1/orders/{number}/transitions/submit",
                       headers=staff).status_code == 200
    stored = client.get(f"/api/v1/orders/{number}", headers=staff).get_json()["data"]["items"]
    cheaper = [dict(line) for line in stored]
    cheaper[1]["price"] = "9.90"
    body = assert_problem(edit(client, staff, number, {"items": cheaper}), 422)
    assert [e["pointer"] for e in body["errors"]] == ["/data/items/1/price"]
    assert levels(client, shop)[("CUP-02", "HZ")] == (10, 3)
    more = [dict(line) for line in stored]
    more[1]["qty"] = 4
    assert edit(client, staff, number, {"items": more}).status_code == 200
    assert levels(client, shop)[("CUP-02", "HZ")] == (10, 4)



def _hiding_from_viewers(client, shop, key, field):  # noqa: F811
    """The retail sample, holding stock, with ``field`` seen only by admin and staff."""
    definition = retail()
    definition["key"] = key
    definition["workflow"]["transitions"][0]["actions"] = [{"type": "reserve_stock"}]
    next(f for f in definition["form"]["fields"] if f["key"] == field)["access"] = {
        "see": ["admin", "staff"]}
    answer = client.post("/api/v1/import", headers=shop, json={
        "format": "orderloom-package/1", "order_types": [definition]})
    assert answer.status_code == 201, answer.get_json()
    number = client.post("/api/v1/orders", headers=shop, json={
        "order_type": key, "data": SAMPLE}).get_json()["number"]
    assert client.post(f"/api/v1/orders/{number}/transitions/submit",
                       headers=shop).status_code == 200
    return number


def _viewer_page(app, make_user, number):
    actions = Actions(app.test_client(), make_user)
    actions.login_as("viewer")
    page = actions.client.get(f"/orders/{number}")
    assert page.status_code == 200
    return page.get_data(as_text=True)


def test_an_edit_does_not_show_a_hidden_total_or_what_is_owed(
        app, client, make_user, shop, staff, token_for):  # noqa: F811
    # Once the edit's entry quoted the total and the money owed to a role that may not
    # see the total field, on the timeline and in the order page's "After the edit" box.
    number = _hiding_from_viewers(client, shop, "total_hidden", "total")
    assert edit(client, staff, number, {"items": items(2, 5)}).status_code == 200
    viewer = bearer(token_for("viewer"))
    entry = last(client, viewer, number, "edit_difference")
    assert "total" not in entry["details"] and "to_collect" not in entry["details"]
    assert entry["details"]["lines"][0]["after"]["qty"] == 5
    page = _viewer_page(app, make_user, number)
    assert "edit-difference" not in page and "the total went from" not in page
    assert "changed 1 line." in page
    assert last(client, staff, number, "edit_difference")["details"]["total"] == \
        ["2560.70", "2600.50"]


def test_an_edit_does_not_show_hidden_lines_or_the_stock_they_moved(
        app, client, make_user, shop, staff, token_for):  # noqa: F811
    # Once the entry listed the SKUs and units held for lines the reader may not see.
    number = _hiding_from_viewers(client, shop, "items_hidden", "items")
    assert edit(client, staff, number, {"items": items(2, 5)}).status_code == 200
    viewer = bearer(token_for("viewer"))
    entry = last(client, viewer, number, "edit_difference")
    assert entry["details"]["lines"] == [] and "stock" not in entry["details"]
    page = _viewer_page(app, make_user, number)
    assert "CUP-02" not in page and "more held in" not in page
    assert last(client, staff, number, "edit_difference")["details"]["stock"] == [
        {"sku": "CUP-02", "warehouse": "HZ", "change": 2}]


def test_the_payments_box_and_the_edit_agree_on_what_is_owed_after_a_refund(
        app, client, make_user, shop, staff, token_for):  # noqa: F811
    # Once the payments box said 39.80 was still owed (the total less what was paid,
    # forgetting the refund) while the edit's box said 79.60.
    finance = bearer(token_for("admin"))
    number = placed(client, staff)
    paid = client.post(f"/api/v1/orders/{number}/payments", headers=finance,
                       json={"amount": "2560.70", "method": "alipay"})
    assert paid.status_code == 201, paid.get_json()
    assert edit(client, staff, number, {"items": items(2, 1)}).status_code == 200
    refunded = client.post(f"/api/v1/orders/{number}/refunds", headers=finance,
                           json={"amount": "39.80", "reason": "two cups fewer"})
    assert refunded.status_code == 201, refunded.get_json()
    assert edit(client, staff, number, {"items": items(2, 5)}).status_code == 200
    money = client.get(f"/api/v1/orders/{number}/payments", headers=finance).get_json()
    entry = last(client, staff, number, "edit_difference")
    assert (money["outstanding"], entry["details"]["to_collect"]) == ("79.60", "79.60")
    page = _viewer_page(app, make_user, number)
    assert '<dt>Still owed</dt><dd id="payments-owed">79.60 CNY</dd>' in page
    assert "The customer owes 79.60 CNY more." in page


def test_a_refused_edit_points_only_at_the_fields_it_would_change(client, shop, staff):  # noqa: F811
    # Once prices sent back as JSON numbers (1250.50) counted as changes of the stored
    # "1250.50", so a shipped order's refusal pointed at lines nobody changed.
    number = placed(client, staff)
    assert client.post(f"/api/v1/orders/{number}/transitions/ship",
                       headers=staff).status_code == 200
    body = ('{"data": {"note": "fewer", "items": ['
            '{"sku": "TEA-01", "qty": 2, "price": 1250.50}, '
            '{"sku": "CUP-02", "qty": 3, "price": 19.90}]}}')
    refused = client.patch(f"/api/v1/orders/{number}", headers=staff, data=body,
                           content_type="application/json")
    assert [e["pointer"] for e in assert_problem(refused, 409)["errors"]] == ["/data/note"]

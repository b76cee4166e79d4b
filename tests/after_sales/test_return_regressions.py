"""Known failures of returns and exchanges, each named after what once went wrong."""
from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select, update

from orderloom.db import utcnow
from orderloom.runtime.after_sales.models import ReturnRequest
from orderloom.runtime.orders.models import Order
from tests.after_sales.test_returns import inspected, open_return, shipped_order, step
from tests.designer.samples import retail
from tests.platform.test_api_tokens import assert_problem, bearer
from tests.runtime.support import SAMPLE, create
from tests.security.test_data_permissions import add_role, headers_of, scope
from tests.templates.samples import sample

RETURNS_DESK = ["orders.view", "orders.act", "orders.override", "after_sales.manage"]


def test_a_return_refund_needs_payments_manage_like_a_refund_by_hand(
        client, shop, staff, db, make_user, actions):
    # A role handling returns but not money once refunded through a return.
    made = client.post("/api/v1/roles", headers=shop, json={
        "name": "returns_desk", "permissions": RETURNS_DESK, "row_rule": "all"})
    assert made.status_code == 201, made.get_json()
    order = shipped_order(client, staff, admin=shop)
    number = inspected(client, staff, order, [{"sku": "CUP-02", "quantity": 1}],
                       {"CUP-02": {"disposition": "write_off"}})
    desk = headers_of(db, make_user("returns_desk"))
    refused = assert_problem(client.post(f"/api/v1/returns/{number}/close", headers=desk,
                                         json={"outcome": "refund"}), 403)
    assert "payments.manage" in refused["detail"]
    actions.login(make_user("returns_desk", username="desk.clerk").username)
    page = client.get(f"/returns/{number}").get_data(as_text=True)
    assert 'value="exchange"' in page and 'value="refund"' not in page
    csrf = actions.csrf(f"/returns/{number}")
    said = client.post(f"/returns/{number}/close", data={"csrf_token": csrf,
                                                         "outcome": "refund"})
    assert said.status_code == 422 and "payments.manage" in said.get_data(as_text=True)
    assert client.get(f"/api/v1/orders/{order}", headers=staff).get_json()[
        "payment_status"] == "paid"
    assert step(client, shop, number, "close", {"outcome": "refund"})["refunded"] == "19.9"


def retail_shipped(client, admin, **money) -> str:
    """A built-in retail order of 2 T-shirts and a mug with its money fields, shipped."""
    imported = client.post("/api/v1/templates/retail/import", headers=admin, json={})
    assert imported.status_code == 201, imported.get_json()
    taken = sample("retail")
    data = {**taken["data"], "carrier": "sf", "tracking_no": "SF100", **money}
    made = client.post("/api/v1/orders", headers=admin,
                       json={"order_type": taken["order_type"], "data": data})
    assert made.status_code == 201, made.get_json()
    number = made.get_json()["number"]
    for move in ("route", "pack", "ship"):
        moved = client.post(f"/api/v1/orders/{number}/transitions/{move}", headers=admin)
        assert moved.status_code == 200, moved.get_json()
    return number


def test_a_reshipment_charges_no_shipping_fee_or_tax_of_the_original(client, shop, staff):
    # It once copied the original's shipping fee and tax: a free re-shipment charged them.
    definition = retail()
    definition["key"] = "parcel_order"
    definition["workflow"]["transitions"][0]["actions"] = [{"type": "reserve_stock"}]
    form = definition["form"]["fields"]
    form += [{"key": "shipping_fee", "meaning": "shipping_fee", "type": "money",
              "label": {"en": "Shipping"}},
             {"key": "tax", "meaning": "tax", "type": "money", "label": {"en": "Tax"}}]
    total = next(field for field in form if field["key"] == "total")
    total["formula"] = "SUM(items.amount) + COALESCE(shipping_fee, 0) + COALESCE(tax, 0)"
    imported = client.post("/api/v1/import", headers=shop, json={
        "format": "orderloom-package/1", "order_types": [definition]})
    assert imported.status_code == 201, imported.get_json()
    made = create(client, staff, {**SAMPLE, "shipping_fee": "10.00", "tax": "3.00"},
                  order_type="parcel_order")
    assert made.status_code == 201, made.get_json()
    order = made.get_json()["number"]
    for move in ("submit", "ship"):
        moved = client.post(f"/api/v1/orders/{order}/transitions/{move}", headers=staff)
        assert moved.status_code == 200, moved.get_json()
    number = open_return(client, staff, order, [{"sku": "CUP-02", "quantity": 1}],
                         reason="missing_items")["number"]
    step(client, staff, number, "approve")
    new = step(client, staff, number, "close", {"outcome": "reship"})["replacement_order"]
    data = client.get(f"/api/v1/orders/{new}", headers=staff).get_json()
    assert data["total"] in ("0", "0.00")
    assert not {"shipping_fee", "tax"} & set(data["data"])


def test_an_exchange_on_the_retail_template_takes_neither_discount_nor_refund_amount(
        client, token_for):
    # It once gave the exchange the original's whole discount, and a refund_amount typed
    # on the original failed "refund_amount <= total" at the odd pointer /lines/...
    admin = bearer(token_for("admin"))
    order = retail_shipped(client, admin, refund_amount="150.00")
    number = inspected(client, admin, order, [{"sku": "TSHIRT-WHT-M", "quantity": 1}],
                       {"TSHIRT-WHT-M": {"disposition": "write_off"}})
    new = step(client, admin, number, "close", {"outcome": "exchange"})["replacement_order"]
    data = client.get(f"/api/v1/orders/{new}", headers=admin).get_json()
    assert data["total"] in ("79", "79.00")
    assert not {"shipping_fee", "discount", "refund_amount"} & set(data["data"])


def test_a_return_shows_no_line_price_or_line_a_reader_may_not_see(
        client, shop, staff, db, make_user, token_for, actions):
    # The returns API once gave each line's unit price to a role the form hides it from.
    add_role(client, shop, "courier_desk", "all")
    definition = retail()
    definition["key"] = "guarded_order"
    definition["workflow"]["transitions"][0]["actions"] = [{"type": "reserve_stock"}]
    items = next(f for f in definition["form"]["fields"] if f["key"] == "items")
    items["access"] = {"see": ["admin", "staff", "viewer"]}
    next(c for c in items["fields"] if c["key"] == "price")["access"] = {
        "see": ["admin", "staff"]}
    imported = client.post("/api/v1/import", headers=shop, json={
        "format": "orderloom-package/1", "order_types": [definition]})
    assert imported.status_code == 201, imported.get_json()
    made = create(client, staff, order_type="guarded_order")
    assert made.status_code == 201, made.get_json()
    order = made.get_json()["number"]
    for move in ("submit", "ship"):
        moved = client.post(f"/api/v1/orders/{order}/transitions/{move}", headers=staff)
        assert moved.status_code == 200, moved.get_json()
    number = open_return(client, staff, order, [{"sku": "CUP-02", "quantity": 1}])["number"]
    assert client.get(f"/api/v1/returns/{number}", headers=staff).get_json()[
        "lines"][0]["unit_price"] == "19.9"
    viewer = bearer(token_for("viewer"))
    seen = client.get(f"/api/v1/returns/{number}", headers=viewer).get_json()["lines"]
    assert seen == [{"sku": "CUP-02", "quantity": 1, "unit_price": None, "received": None,
                     "disposition": None, "warehouse": None}]
    assert client.get(f"/api/v1/returns?order={order}", headers=viewer).get_json()[
        "returns"][0]["lines"][0]["unit_price"] is None
    desk = headers_of(db, make_user("courier_desk"))
    assert client.get(f"/api/v1/returns/{number}", headers=desk).get_json()["lines"] == []
    actions.login(make_user("courier_desk", username="courier.clerk").username)
    page = client.get(f"/returns/{number}").get_data(as_text=True)
    assert 'id="return-lines"' in page and 'data-sku="CUP-02"' not in page


def test_an_exchange_hidden_by_row_rules_does_not_show_its_number_nor_its_original(
        client, shop, staff, db, make_user, actions):
    # A my_channels clerk once read the number of an exchange order (manual channel) on
    # the store order's timeline and return, and the other way round.
    order = shipped_order(client, staff, paid=False)
    db.execute(update(Order).where(Order.number == order).values(channel="tmall"))
    db.commit()
    number = inspected(client, staff, order, [{"sku": "CUP-02", "quantity": 1}],
                       {"CUP-02": {"disposition": "write_off"}})
    new = step(client, staff, number, "close", {"outcome": "exchange"})["replacement_order"]
    connected = client.post("/api/v1/channels", headers=shop, json={
        "key": "tmall", "name": "Store", "kind": "shopify", "order_type": "retail_order",
        "webhook_secret": "s3cret-s3cret", "store_url": "https://ours.myshopify.com"})
    assert connected.status_code == 201, connected.get_json()
    add_role(client, shop, "channel_desk", "my_channels")
    store_clerk = make_user("channel_desk", username="tmall.clerk")
    scope(client, shop, store_clerk, channels=["tmall"])
    hand_clerk = make_user("channel_desk", username="manual.clerk")
    scope(client, shop, hand_clerk, channels=["manual"])

    store = headers_of(db, store_clerk)
    seen = client.get(f"/api/v1/returns/{number}", headers=store).get_json()
    assert seen["replacement_order"] is None
    assert new not in str(seen["log"]) and new not in str(client.get(
        f"/api/v1/orders/{order}/timeline", headers=store).get_json())
    hand = headers_of(db, hand_clerk)
    linked = client.get(f"/api/v1/orders/{new}/timeline", headers=hand).get_json()
    back = [e["details"] for e in linked if e["kind"] == "after_sales"]
    assert back[0] == {"return": number, "step": "replacement_for", "state": "inspected",
                       "outcome": "exchange"}
    assert client.get(f"/api/v1/returns/{number}", headers=staff).get_json()[
        "replacement_order"] == new

    actions.login("tmall.clerk")
    for page in (f"/orders/{order}", f"/returns/{number}"):
        shown = client.get(page)
        assert shown.status_code == 200 and new not in shown.get_data(as_text=True)
    assert "was closed with an exchange order." in client.get(
        f"/orders/{order}").get_data(as_text=True)


def test_a_reshipment_sends_only_the_returned_skus_up_to_their_quantity(
        client, shop, staff):
    # A re-shipment once sent any SKU in any quantity at no charge.
    order = shipped_order(client, staff, paid=False)
    number = open_return(client, staff, order, [{"sku": "CUP-02", "quantity": 1}],
                         reason="missing_items")["number"]
    step(client, staff, number, "approve")
    other = assert_problem(client.post(f"/api/v1/returns/{number}/close", headers=staff, json={
        "outcome": "reship", "lines": [{"sku": "CUP-02", "quantity": 1},
                                       {"sku": "TEA-01", "quantity": 1}]}), 422)
    assert other["errors"][0]["pointer"] == "/lines/1/sku"
    more = assert_problem(client.post(f"/api/v1/returns/{number}/close", headers=staff, json={
        "outcome": "reship", "lines": [{"sku": "CUP-02", "quantity": 2}]}), 422)
    assert more["errors"][0]["pointer"] == "/lines/0/quantity"
    assert "at most the 1 of CUP-02" in more["detail"]
    assert len(client.get("/api/v1/orders", headers=staff).get_json()["orders"]) == 1
    step(client, staff, number, "close", {"outcome": "reship",
                                          "lines": [{"sku": "CUP-02", "quantity": 1}]})


def test_a_refund_of_a_discounted_order_gives_back_what_was_paid_for_the_lines(
        client, token_for):
    # The refund once gave back the full unit price of a line the buyer got 5.00 off.
    admin = bearer(token_for("admin"))
    order = retail_shipped(client, admin)  # 2 x 79.00 + 39.00, 5.00 off, 10.00 shipping
    paid = client.post(f"/api/v1/orders/{order}/payments", headers=admin,
                       json={"amount": "202.00", "method": "bank"})
    assert paid.status_code == 201, paid.get_json()
    number = inspected(client, admin, order, [{"sku": "TSHIRT-WHT-M", "quantity": 1}],
                       {"TSHIRT-WHT-M": {"disposition": "restock", "warehouse": "SH"}})
    # 79.00 less its share of the discount: 79 x 192 / 197 = 76.994...
    assert step(client, admin, number, "close", {"outcome": "refund"})["refunded"] == "76.99"


def test_a_return_past_its_time_limit_is_late_in_the_list_counts_and_filter(
        client, shop, staff, db, actions):
    order = shipped_order(client, staff, paid=False)
    late = open_return(client, staff, order, [{"sku": "TEA-01", "quantity": 1}])["number"]
    on_time = open_return(client, staff, order, [{"sku": "CUP-02", "quantity": 1}])["number"]
    db.execute(update(ReturnRequest).where(ReturnRequest.number == late)
               .values(due_at=utcnow() - timedelta(hours=1)))
    db.commit()
    assert client.get("/api/v1/returns/counts", headers=staff).get_json()["late"] == 1
    listed = client.get("/api/v1/returns?late=true", headers=staff).get_json()["returns"]
    assert [(r["number"], r["late"]) for r in listed] == [(late, True)]
    actions.login_as("staff")
    page = client.get("/returns").get_data(as_text=True)
    row = re.search(rf'<tr[^>]*>(?:(?!</tr>).)*{late}(?:(?!</tr>).)*</tr>', page, re.S)
    assert row and "Late" in row.group(0)
    other = re.search(rf'<tr[^>]*>(?:(?!</tr>).)*{on_time}(?:(?!</tr>).)*</tr>', page, re.S)
    assert other and "Late" not in other.group(0)
    only = client.get("/returns?late=true").get_data(as_text=True)
    assert late in only and on_time not in only


def test_one_of_two_received_is_what_is_refunded_or_exchanged(client, shop, staff):
    order = shipped_order(client, staff, admin=shop)
    refunded = open_return(client, staff, order, [{"sku": "CUP-02", "quantity": 2}])["number"]
    exchanged = open_return(client, staff, order, [{"sku": "TEA-01", "quantity": 2}])["number"]
    for number, sku in ((refunded, "CUP-02"), (exchanged, "TEA-01")):
        step(client, staff, number, "approve")
        got = step(client, staff, number, "receive", {"received": {sku: 1}})
        assert [(line["quantity"], line["received"]) for line in got["lines"]] == [(2, 1)]
        step(client, staff, number, "inspect", {"lines": {sku: {"disposition": "write_off"}}})
    assert step(client, shop, refunded, "close", {"outcome": "refund"})["refunded"] == "19.9"
    new = step(client, staff, exchanged, "close", {"outcome": "exchange"})[
        "replacement_order"]
    lines = client.get(f"/api/v1/orders/{new}", headers=staff).get_json()["data"]["items"]
    assert [(line["sku"], line["qty"]) for line in lines] == [("TEA-01", 1)]


def test_an_exchange_reserved_by_its_workflow_keeps_the_warehouse_routing_chose(
        client, shop, staff, db):
    # The exchange once pointed the new order at the warehouse typed on the close,
    # while its workflow had reserved its stock where routing chose.
    definition = retail()
    definition["key"] = "routed_order"
    definition["workflow"]["automatic"] = [{
        "key": "auto_reserve", "from": "draft", "to": "confirmed", "when": "total > 0",
        "actions": [{"type": "route"}, {"type": "reserve_stock"}]}]
    imported = client.post("/api/v1/import", headers=shop, json={
        "format": "orderloom-package/1", "order_types": [definition]})
    assert imported.status_code == 201, imported.get_json()
    made = create(client, staff, order_type="routed_order")
    assert made.status_code == 201, made.get_json()
    order = made.get_json()["number"]
    moved = client.post(f"/api/v1/orders/{order}/transitions/ship", headers=staff)
    assert moved.status_code == 200, moved.get_json()
    number = inspected(client, staff, order, [{"sku": "CUP-02", "quantity": 1}],
                       {"CUP-02": {"disposition": "write_off"}})
    new = step(client, staff, number, "close", {"outcome": "exchange",
                                                "warehouse": "SH"})["replacement_order"]
    assert db.scalar(select(Order.warehouse).where(Order.number == new)) == "HZ"

"""Orders take their prices from the price lists: a line entered or received without a
unit price gets the one that applies to its buyer, a line priced below it is flagged
on the timeline, and a designer's rule reads the list price with LISTPRICE."""
from __future__ import annotations

import pytest

from tests.channels.support import create_channel, deliver
from tests.designer.samples import retail
from tests.platform.test_api_tokens import bearer
from tests.runtime.support import SAMPLE, create


def _retail_reading_list_prices() -> dict:
    definition = retail()
    definition["rules"].append(
        {"key": "under_list", "when": "ANY(items, price < LISTPRICE(sku, qty))",
         "then": [{"type": "add_tag", "tag": "under_list"}]})
    review = definition["workflow"]["approvals"][0]
    review["when"] = "total > 5000 OR ANY(items, price < LISTPRICE(sku, qty))"
    return definition


SECRETS: dict[str, str] = {}


@pytest.fixture
def admin(client, token_for):
    designer = bearer(token_for("designer"))
    assert client.post("/api/v1/import", headers=designer, json={
        "format": "orderloom-package/1",
        "order_types": [_retail_reading_list_prices()]}).status_code == 201
    admin = bearer(token_for("admin"))
    for sku, price in (("TEA-01", "1250.50"), ("CUP-02", "19.90"), ("FAN-09", None)):
        assert client.post("/api/v1/products", headers=admin, json={
            "sku": sku, "name": sku, "attributes": {"price": price} if price else {}
        }).status_code == 201
    SECRETS["shop"] = create_channel(client, admin)["secret"]
    for body in (
            {"code": "gold", "currency": "CNY", "customer_tier": "gold",
             "prices": [{"sku": "TEA-01", "price": "1100.00"},
                        {"sku": "TEA-01", "min_quantity": 10, "price": "990.00"}]},
            {"code": "shop", "currency": "CNY", "channel": "shop",
             "prices": [{"sku": "CUP-02", "price": "15.00"}]}):
        assert client.post("/api/v1/price-lists", headers=admin, json=body).status_code == 201
    return admin


def _lines(order):
    return [(line["sku"], line["qty"], line["price"]) for line in order["data"]["items"]]


def _flags(client, headers, number):
    timeline = client.get(f"/api/v1/orders/{number}/timeline", headers=headers).get_json()
    return [e["details"]["lines"] for e in timeline if e["kind"] == "price_below_list"]


def test_lines_entered_without_a_price_get_the_one_that_applies(client, token_for, admin):
    staff = bearer(token_for("staff"))
    response = create(client, staff, {**SAMPLE, "items": [
        {"sku": "TEA-01", "qty": 2}, {"sku": "TEA-01", "qty": 12, "price": None},
        {"sku": "CUP-02", "qty": 3, "price": ""}, {"sku": "TEA-01", "qty": 1,
                                                   "price": "1200.00"}]})
    assert response.status_code == 201, response.get_json()
    order = response.get_json()
    # Li Wei is a gold customer: the gold list; ten or more from its break; the cup is
    # on no list for the order's (manual) channel, so its own catalog price.
    assert _lines(order) == [("TEA-01", 2, "1100.00"), ("TEA-01", 12, "990.00"),
                             ("CUP-02", 3, "19.90"), ("TEA-01", 1, "1200.00")]
    assert order["data"]["total"] == "15339.70"
    assert _flags(client, staff, order["number"]) == []
    assert "under_list" not in order["tags"]


def test_a_line_no_price_applies_to_stays_empty_and_is_refused(client, token_for, admin):
    staff = bearer(token_for("staff"))
    response = create(client, staff, {**SAMPLE, "items": [{"sku": "FAN-09", "qty": 1}]})
    assert response.status_code == 422
    assert {"pointer": "/data/items/0/price", "detail": "is required"} in \
        response.get_json()["errors"]


def test_a_line_priced_below_its_list_price_is_flagged_and_a_rule_sees_it(
        client, token_for, admin):
    staff = bearer(token_for("staff"))
    order = create(client, staff, {**SAMPLE, "items": [
        {"sku": "TEA-01", "qty": 12, "price": "980.00"},
        {"sku": "CUP-02", "qty": 1, "price": "19.90"}]}).get_json()
    assert _flags(client, staff, order["number"]) == [[
        {"lines": "items", "line": 0, "sku": "TEA-01", "quantity": 12, "price": "980.00",
         "list_price": "990.00", "price_list": "gold"}]]
    assert "under_list" in order["tags"]
    # A buyer of no tier pays the catalog's price: 1200 is below it.
    plain = create(client, staff, {**SAMPLE, "customer": {"code": "C2", "name": "Wu"},
                                   "items": [{"sku": "TEA-01", "qty": 12,
                                              "price": "1200.00"}]}).get_json()
    assert _flags(client, staff, plain["number"])[0][0]["price_list"] == "product"
    assert "under_list" in plain["tags"]


def test_the_tier_kept_on_the_customer_record_counts_when_the_order_names_none(
        client, token_for, admin):
    assert client.post("/api/v1/customers", headers=admin, json={
        "code": "C-88", "name": "Qian", "attributes": {"tier": "gold"}}).status_code == 201
    order = create(client, bearer(token_for("staff")), {
        **SAMPLE, "customer": {"code": "C-88", "name": "Qian"},
        "items": [{"sku": "TEA-01", "qty": 1}]}).get_json()
    assert _lines(order) == [("TEA-01", 1, "1100.00")]


def test_a_channel_order_without_prices_is_priced_by_its_channels_list(client, admin):
    secret = SECRETS["shop"]
    payload = {"id": "A-7", "buyer": {"id": "C9", "name": "Chen Jing"},
               "province": "Zhejiang", "speed": "slow",
               "lines": [{"sku": "CUP-02", "n": 4}, {"sku": "TEA-01", "n": 1,
                                                     "price": "1000.00"}]}
    response = deliver(client, "shop", payload, secret)
    assert response.status_code == 201, response.get_json()
    number = response.get_json()["order"]
    order = client.get(f"/api/v1/orders/{number}", headers=admin).get_json()
    assert _lines(order) == [("CUP-02", 4, "15.00"), ("TEA-01", 1, "1000.00")]
    assert order["channel"] == "shop"
    # The store sold the tea below the catalog's price: flagged, and taken all the same.
    assert _flags(client, admin, number) == [[
        {"lines": "items", "line": 1, "sku": "TEA-01", "quantity": 1, "price": "1000.00",
         "list_price": "1250.50", "price_list": "product"}]]


def test_the_unit_price_answers_what_a_line_would_get(client, token_for, admin):
    staff = bearer(token_for("staff"))
    asked = client.get("/api/v1/products/TEA-01/unit-price?quantity=10&tier=gold&currency=CNY",
                       headers=staff)
    assert asked.get_json() == {"sku": "TEA-01", "quantity": 10, "price": "990.00",
                                "price_list": "gold", "min_quantity": 10}
    assert client.get("/api/v1/products/FAN-09/unit-price", headers=staff).status_code == 404
    assert client.post("/api/v1/customers", headers=admin, json={
        "code": "C-88", "name": "Qian", "attributes": {"tier": "gold"}}).status_code == 201
    kept = client.get("/api/v1/products/TEA-01/unit-price?customer=C-88&currency=CNY",
                      headers=staff).get_json()
    assert (kept["price"], kept["price_list"]) == ("1100.00", "gold")
    bad = client.get("/api/v1/products/TEA-01/unit-price?on=2026-13-01", headers=staff)
    assert bad.status_code == 422


def test_an_edited_order_prices_new_lines_and_flags_a_price_lowered_below_the_list(
        client, token_for, admin):
    staff = bearer(token_for("staff"))
    order = create(client, staff).get_json()
    assert _flags(client, staff, order["number"]) == []
    edited = client.patch(f"/api/v1/orders/{order['number']}", headers=staff, json={
        "data": {"items": [{"sku": "TEA-01", "qty": 2, "price": "1000.00"},
                           {"sku": "TEA-01", "qty": 10}]}})
    assert edited.status_code == 200, edited.get_json()
    assert _lines(edited.get_json()) == [("TEA-01", 2, "1000.00"), ("TEA-01", 10, "990.00")]
    assert "under_list" in edited.get_json()["tags"]
    assert _flags(client, staff, order["number"]) == [[
        {"lines": "items", "line": 0, "sku": "TEA-01", "quantity": 2, "price": "1000.00",
         "list_price": "1100.00", "price_list": "gold"}]]
    # An edit of another field does not flag the same lines again.
    other = client.patch(f"/api/v1/orders/{order['number']}", headers=staff,
                         json={"data": {"priority": "rush"}})
    assert other.status_code == 200, other.get_json()
    assert other.get_json()["data"]["priority"] == "rush"
    assert len(_flags(client, staff, order["number"])) == 1


def test_a_low_price_approval_reads_the_list_price_when_the_order_enters_its_state(
        client, token_for, admin):
    # LISTPRICE was NULL once the order was saved, so the approval was waived.
    staff = bearer(token_for("staff"))
    states = []
    for price in ("1000.00", "1100.00"):
        order = create(client, staff, {**SAMPLE, "items": [
            {"sku": "TEA-01", "qty": 1, "price": price}]}).get_json()
        taken = client.post(f"/api/v1/orders/{order['number']}/transitions/submit",
                            headers=staff, json={})
        assert taken.status_code == 200, taken.get_json()
        states.append(client.get(f"/api/v1/orders/{order['number']}",
                                 headers=staff).get_json()["state"])
    assert states == ["review", "confirmed"]


def test_a_price_raised_to_the_list_is_no_longer_flagged(client, token_for, admin, actions):
    # Once flagged, an order stayed flagged (and the page marked the old line) after an
    # edit fixed the price, as an edit leaving no line below the list recorded nothing.
    staff = bearer(token_for("staff"))
    order = create(client, staff, {**SAMPLE, "items": [
        {"sku": "CUP-02", "qty": 1, "price": "19.90"},
        {"sku": "TEA-01", "qty": 1, "price": "1000.00"}]}).get_json()
    assert [line["line"] for line in _flags(client, staff, order["number"])[-1]] == [1]
    fixed = client.patch(f"/api/v1/orders/{order['number']}", headers=staff, json={
        "data": {"items": [{"sku": "TEA-01", "qty": 1, "price": "1100.00"}]}})
    assert fixed.status_code == 200, fixed.get_json()
    assert _flags(client, staff, order["number"])[-1] == []
    actions.login_as("staff")
    page = client.get(f"/orders/{order['number']}").get_data(as_text=True)
    assert 'id="below-list"' not in page and 'class="below-list"' not in page
    assert "No line is priced below its list price any more." in page


def test_an_odd_catalog_price_is_no_price(client, token_for, admin):
    # A price typed by hand in a product's attributes once failed the order with a 500.
    staff = bearer(token_for("staff"))
    for n, odd in enumerate(["1e40", "Infinity", "NaN", "12.345", "-5"]):
        sku = f"ODD-{n}"
        assert client.post("/api/v1/products", headers=admin, json={
            "sku": sku, "name": "Odd", "attributes": {"price": odd}}).status_code == 201
        unpriced = create(client, staff, {**SAMPLE, "items": [{"sku": sku, "qty": 1}]})
        assert unpriced.status_code == 422, odd
        assert {"pointer": "/data/items/0/price", "detail": "is required"} in \
            unpriced.get_json()["errors"]
        priced = create(client, staff, {**SAMPLE, "items": [
            {"sku": sku, "qty": 1, "price": "3.00"}]})
        assert priced.status_code == 201, (odd, priced.get_json())
        assert _flags(client, staff, priced.get_json()["number"]) == []
        asked = client.get(f"/api/v1/products/{sku}/unit-price?currency=CNY", headers=staff)
        assert asked.status_code == 404, odd


def test_a_tier_typed_on_the_order_does_not_change_a_known_customers_prices(
        client, token_for, admin):
    # A tier typed on the order once bought a known gold customer the silver prices.
    assert client.post("/api/v1/price-lists", headers=admin, json={
        "code": "silver", "currency": "CNY", "customer_tier": "silver",
        "prices": [{"sku": "TEA-01", "price": "500.00"}]}).status_code == 201
    assert client.post("/api/v1/customers", headers=admin, json={
        "code": "C-88", "name": "Qian", "attributes": {"tier": "gold"}}).status_code == 201
    staff = bearer(token_for("staff"))
    known = create(client, staff, {**SAMPLE, "customer": {
        "code": "C-88", "name": "Qian", "tier": "silver"},
        "items": [{"sku": "TEA-01", "qty": 1}]}).get_json()
    assert _lines(known) == [("TEA-01", 1, "1100.00")]
    new = create(client, staff, {**SAMPLE, "customer": {
        "code": "C-99", "name": "Sun", "tier": "silver"},
        "items": [{"sku": "TEA-01", "qty": 1}]}).get_json()
    assert _lines(new) == [("TEA-01", 1, "500.00")]
    asked = client.get("/api/v1/products/TEA-01/unit-price?currency=CNY&customer=C-88"
                       "&tier=silver", headers=staff).get_json()
    assert (asked["price"], asked["price_list"]) == ("1100.00", "gold")


def test_a_rule_over_every_line_prices_the_order_at_once(app, client, token_for, admin):
    # LISTPRICE once sent two queries for each line each time a formula ran.
    from sqlalchemy import event

    engine = app.extensions["orderloom.db"].engine
    seen: list[str] = []

    def note(_conn, _cursor, statement, *_args) -> None:
        if "price_breaks" in statement:
            seen.append(statement)

    items = [{"sku": "TEA-01", "qty": n, "price": "1100.00"} for n in range(1, 13)]
    event.listen(engine, "before_cursor_execute", note)
    try:
        created = create(client, bearer(token_for("staff")), {**SAMPLE, "items": items})
    finally:
        event.remove(engine, "before_cursor_execute", note)
    assert created.status_code == 201, created.get_json()
    assert "under_list" not in created.get_json()["tags"]  # 10 and more: 990.00
    # One to flag the lines below the list, one for the rule's LISTPRICE of every line.
    assert len(seen) == 2, seen


def test_a_replay_keeps_the_price_the_list_gave_when_the_order_was_created(
        client, token_for, admin):
    """A line entered without a price takes the list's price at creation; a replay after
    the list changed must price it as it was taken, not at today's list price."""
    staff = bearer(token_for("staff"))
    created = create(client, staff, {**SAMPLE, "items": [{"sku": "TEA-01", "qty": 2}]})
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["data"]["total"] == "2200.00"
    changed = client.put("/api/v1/price-lists/gold", headers=admin, json={
        "code": "gold", "currency": "CNY", "customer_tier": "gold",
        "prices": [{"sku": "TEA-01", "price": "1500.00"}]})
    assert changed.status_code == 200, changed.get_json()
    replay = client.post("/api/v1/order-types/retail_order/replay",
                         headers=bearer(token_for("designer")), json={"count": 1})
    assert replay.status_code == 200, replay.get_json()
    (order,) = replay.get_json()["orders"]
    assert order["number"] == created.get_json()["number"]
    assert order["published"]["computed"]["total"] == "2200.00"
    assert order["draft"]["computed"]["total"] == "2200.00"
    assert order["changes"] == []

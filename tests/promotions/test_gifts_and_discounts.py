"""Promotion rules set over the API give arriving orders gift lines, their stock
reserved until it runs out, and discounts off the total; each said on the timeline.
On SQLite and PostgreSQL; two orders racing for the last gift unit on PostgreSQL."""
from __future__ import annotations

import pytest

from tests.designer.samples import retail
from tests.platform.test_api_tokens import assert_problem, bearer
from tests.runtime.support import SAMPLE, create
from tests.runtime.test_concurrency import ON_POSTGRESQL, run_together


@pytest.fixture
def admin(client, token_for, published):
    headers = bearer(token_for("admin"))
    for sku, name in (("TEA-01", "Longjing tea"), ("CUP-02", "Tea cup"),
                      ("GIFT-FAN", "Paper fan")):
        assert client.post("/api/v1/products", headers=headers, json={
            "sku": sku, "name": name, "attributes": {"price": "12.00"}}).status_code == 201
    assert client.post("/api/v1/warehouses", headers=headers, json={
        "code": "HZ", "name": "Hangzhou", "priority": 1}).status_code == 201
    for sku, quantity in (("TEA-01", 50), ("CUP-02", 50), ("GIFT-FAN", 1)):
        assert client.post("/api/v1/stock/receipts", headers=headers, json={
            "sku": sku, "warehouse": "HZ", "quantity": quantity}).status_code == 201
    return headers


def shop_order() -> dict:
    """The sample order type with a discount staff may type, which its total subtracts:
    where a promotion's discount goes."""
    definition = retail()
    definition["key"] = "shop_order"
    definition.pop("routing", None)  # its warehouses are not those of these tests
    fields = definition["form"]["fields"]
    for index, field in enumerate(fields):
        if field["key"] == "discount":
            fields[index] = {"key": "discount", "type": "money", "meaning": "discount",
                             "label": {"en": "Discount"}}
        if field["key"] == "total":
            field["formula"] = "SUM(items.amount) - COALESCE(discount, 0)"
    return definition


@pytest.fixture
def shop(client, token_for, admin):
    imported = client.post("/api/v1/import", headers=bearer(token_for("designer")), json={
        "format": "orderloom-package/1", "order_types": [shop_order()]})
    assert imported.status_code == 201, imported.get_json()
    return admin


def create_shop_order(client, headers, data=None):
    return client.post("/api/v1/orders", headers=headers,
                       json={"order_type": "shop_order", "data": data or SAMPLE})


def promotions(client, headers, number):
    timeline = client.get(f"/api/v1/orders/{number}/timeline", headers=headers).get_json()
    return [e["details"] for e in timeline if e["kind"] == "promotion"]


def available(client, headers, sku):
    return client.get(f"/api/v1/stock?sku={sku}", headers=headers).get_json()[0]["available"]


FAN_FOR_TEA = {"code": "fan-for-tea", "name": "A fan with tea", "active": True,
               "skus": ["TEA-01"], "gift_sku": "GIFT-FAN", "gift_quantity": 1}


def test_an_order_with_the_rules_sku_gets_the_gift_reserved(client, admin):
    assert client.post("/api/v1/promotions", headers=admin, json=FAN_FOR_TEA
                       ).status_code == 201
    number = create(client, admin).get_json()["number"]
    assert promotions(client, admin, number) == [
        {"step": "gift", "rule": "fan-for-tea", "name": "A fan with tea", "sku": "GIFT-FAN",
         "quantity": 1, "warehouse": "HZ"}]
    assert available(client, admin, "GIFT-FAN") == 0
    # The next order qualifies too, but the fan is gone: it is told, and still placed.
    second = create(client, admin)
    assert second.status_code == 201
    assert promotions(client, admin, second.get_json()["number"]) == [
        {"step": "gift_out_of_stock", "rule": "fan-for-tea", "name": "A fan with tea",
         "sku": "GIFT-FAN", "quantity": 1}]


def test_a_cancelled_order_gives_its_gift_back(client, admin):
    client.post("/api/v1/promotions", headers=admin, json=FAN_FOR_TEA)
    number = create(client, admin).get_json()["number"]
    assert client.post(f"/api/v1/orders/{number}/transitions/cancel",
                       headers=admin).status_code == 200
    assert available(client, admin, "GIFT-FAN") == 1


def test_a_draft_rule_and_one_for_another_channel_give_nothing(client, admin):
    """Each rule misses on one condition alone: a draft, another channel than the
    order's, a tier the buyer does not have. The channel rule gives on its channel."""
    assert client.post("/api/v1/channels", headers=admin, json={
        "key": "shop", "name": "Shop", "kind": "manual", "order_type": "retail_order"}
                       ).status_code == 201
    for rule in ({**FAN_FOR_TEA, "active": False},
                 {**FAN_FOR_TEA, "code": "shop-only", "channels": ["shop"]},
                 {**FAN_FOR_TEA, "code": "vip-only", "customer_tiers": ["vip"]}):
        assert client.post("/api/v1/promotions", headers=admin, json=rule).status_code == 201
    number = create(client, admin).get_json()["number"]  # manual, a gold buyer
    assert promotions(client, admin, number) == []
    assert available(client, admin, "GIFT-FAN") == 1
    on_shop = create(client, admin, channel="shop")
    assert on_shop.status_code == 201, on_shop.get_json()
    assert [p["rule"] for p in promotions(client, admin, on_shop.get_json()["number"])] == [
        "shop-only"]


def test_a_discount_over_a_threshold_comes_off_the_total(client, shop):
    assert client.post("/api/v1/promotions", headers=shop, json={
        "code": "ten-off", "active": True, "min_amount": "2000", "discount_percent": "10",
        "customer_tiers": ["gold"]}).status_code == 201
    order = create_shop_order(client, shop).get_json()  # 2 x 1250.50 + 3 x 19.90 = 2560.70
    assert (order["data"]["discount"], order["total"]) == ("256.07", "2304.63")
    assert promotions(client, shop, order["number"]) == [
        {"step": "discount", "rule": "ten-off", "name": "ten-off", "amount": "256.07",
         "total_before": "2560.70", "total": "2304.63", "currency": "CNY"}]
    small = create_shop_order(client, shop, {**SAMPLE, "items": [
        {"sku": "CUP-02", "qty": 1, "price": "19.90"}]}).get_json()
    assert small["total"] == "19.90"


def test_a_discount_stays_when_the_order_moves_on(client, shop):
    """A transition computes the order's values again: a discount once kept beside
    them was lost at the first move."""
    client.post("/api/v1/promotions", headers=shop, json={
        "code": "fifty-off", "active": True, "discount_amount": "50"})
    number = create_shop_order(client, shop).get_json()["number"]
    moved = client.post(f"/api/v1/orders/{number}/transitions/submit", headers=shop)
    assert moved.status_code == 200, moved.get_json()
    assert moved.get_json()["total"] == "2510.70"


def test_a_form_without_a_discount_field_keeps_its_total_and_says_why(client, admin):
    client.post("/api/v1/promotions", headers=admin, json={
        "code": "fifty-off", "active": True, "discount_amount": "50"})
    order = create(client, admin).get_json()
    assert order["total"] == "2560.70"
    assert promotions(client, admin, order["number"])[0]["step"] == "discount_no_field"


def test_a_line_discount_counts_only_the_rules_skus(client, shop):
    client.post("/api/v1/promotions", headers=shop, json={
        "code": "cups", "active": True, "skus": ["CUP-02"], "min_quantity": 3,
        "discount_on": "lines", "discount_amount": "5", "discount_percent": "50"})
    order = create_shop_order(client, shop).get_json()
    # Half of the cups' 59.70, and 5 more.
    assert promotions(client, shop, order["number"])[0]["amount"] == "34.85"


def test_bad_rules_are_refused_at_their_pointer_and_nothing_is_stored(client, admin):
    for body, pointer in (
            ({"code": "x", "skus": ["NOPE"], "gift_sku": "GIFT-FAN"}, "/skus/0"),
            ({"code": "x", "gift_sku": "NOPE"}, "/gift_sku"),
            ({"code": "x"}, "/gift_sku"),
            ({"code": "x", "discount_percent": "120"}, "/discount_percent"),
            ({"code": "x", "discount_amount": "5", "channels": ["mars"]}, "/channels/0"),
            ({"code": "x", "discount_amount": "5", "starts_on": "2026-12-09",
              "ends_on": "2026-12-01"}, "/ends_on"),
            ({"code": "a/b", "discount_amount": "5"}, "/code"),
            ({"code": "x", "discount_amount": "0.00001"}, "/discount_amount"),
            ({"code": "x", "discount_percent": "2.50001"}, "/discount_percent"),
            ({"code": "x", "gift_sku": "GIFT-FAN", "min_amount": "99.00009"}, "/min_amount")):
        problem = assert_problem(client.post("/api/v1/promotions", headers=admin,
                                             json=body), 422)
        assert problem["errors"][0]["pointer"] == pointer, body
    assert client.get("/api/v1/promotions", headers=admin).get_json() == []


def test_staff_may_not_set_promotions(client, token_for, admin):
    assert_problem(client.get("/api/v1/promotions", headers=bearer(token_for("staff"))), 403)


@ON_POSTGRESQL
def test_two_orders_racing_for_the_last_gift_unit_one_gets_it(app, admin):
    client = app.test_client()
    assert client.post("/api/v1/promotions", headers=admin, json=FAN_FOR_TEA
                       ).status_code == 201
    clients = [app.test_client() for _ in range(2)]
    responses = run_together(2, lambda i: create(clients[i], admin))
    assert [r.status_code for r in responses] == [201, 201]
    steps = sorted(promotions(client, admin, r.get_json()["number"])[0]["step"]
                   for r in responses)
    assert steps == ["gift", "gift_out_of_stock"]
    assert available(client, admin, "GIFT-FAN") == 0


def test_the_promotions_page_says_beside_the_box_what_is_wrong_and_saves_nothing(
        client, admin, actions):
    actions.login_as("admin")
    refused = client.post("/admin/promotions", headers={"Accept-Language": "zh-CN"}, data={
        "csrf_token": actions.csrf("/admin/promotions"), "code": "fan", "gift_sku": "NOPE",
        "do": "save"})
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert 'id="gift_sku-error"' in page and "目录中没有商品 NOPE" in page
    assert client.get("/api/v1/promotions", headers=admin).get_json() == []


def test_the_order_created_webhook_carries_the_discounted_total(client, shop, db,
                                                                 outbound_to_loopback):
    """Promotions once ran among the order-created subscribers, after the webhook had
    taken its snapshot of the order: the ERP saw the total before the discount."""
    from sqlalchemy import select

    from orderloom.runtime.notify.webhooks import WebhookDelivery
    from tests.webhooks.test_delivery import subscribe

    subscribe(client, shop, "http://127.0.0.1:9/hook")
    client.post("/api/v1/promotions", headers=shop, json={
        "code": "fifty-off", "active": True, "discount_amount": "50"})
    create_shop_order(client, shop)
    payloads = [d.payload for d in db.scalars(select(WebhookDelivery))]
    db.rollback()
    assert [p["data"]["order"]["total"] for p in payloads] == ["2510.70"]


def test_a_reader_who_may_not_see_the_total_is_not_told_it_by_a_discount(client, token_for,
                                                                          admin, actions):
    """The timeline's discount entry once quoted the amount and the totals before and
    after to readers from whom the form hides the total."""
    definition = shop_order()
    total = next(f for f in definition["form"]["fields"] if f["key"] == "total")
    total["access"] = {"see": ["admin"]}
    assert client.post("/api/v1/import", headers=bearer(token_for("designer")), json={
        "format": "orderloom-package/1", "order_types": [definition]}).status_code == 201
    client.post("/api/v1/promotions", headers=admin, json={
        "code": "fifty-off", "active": True, "discount_amount": "50"})
    number = create_shop_order(client, admin).get_json()["number"]
    assert promotions(client, admin, number)[0]["total"] == "2510.70"
    viewer = bearer(token_for("viewer"))
    assert client.get(f"/api/v1/orders/{number}", headers=viewer).get_json()["total"] is None
    [seen] = promotions(client, viewer, number)
    assert (seen["amount"], seen["total_before"], seen["total"]) == (None, None, None)
    actions.login_as("viewer")
    page = client.get(f"/orders/{number}").get_data(as_text=True)
    assert "gave the order a discount" in page and "off the total" not in page


def test_two_discounts_of_sixty_percent_take_the_total_to_zero_not_below(client, shop):
    """Each discount was capped at the total the order arrived with and the two were
    added up: two rules of 60% made the total negative."""
    for code in ("sixty-a", "sixty-b"):
        assert client.post("/api/v1/promotions", headers=shop, json={
            "code": code, "active": True, "discount_percent": "60"}).status_code == 201
    order = create_shop_order(client, shop).get_json()  # 2560.70
    assert (order["data"]["discount"], order["total"]) == ("2560.70", "0.00")
    assert [(p["amount"], p["total"]) for p in promotions(client, shop, order["number"])] == [
        ("1536.42", "1024.28"), ("1024.28", "0.00")]


def test_a_discount_of_more_places_than_are_kept_is_refused_not_stored_as_nothing(client,
                                                                                 admin):
    """0.00001 was stored as 0 by the four places the database keeps: an active rule
    that gave every order nothing."""
    problem = assert_problem(client.post("/api/v1/promotions", headers=admin, json={
        "code": "tiny", "active": True, "discount_amount": "0.00001"}), 422)
    assert problem["errors"][0] == {"pointer": "/discount_amount",
                                    "detail": "at most 4 decimal places"}
    assert client.post("/api/v1/promotions", headers=admin, json={
        "code": "fine", "active": True, "discount_percent": "2.5000"}).status_code == 201

"""Shopify and WooCommerce channels: connected with what the merchant has, their own
signatures, pings and retries, every field of their orders, and what the store's
later changes, cancellations and refunds do here."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from orderloom.runtime import sealing
from orderloom.runtime.channels.models import (
    DEAD_LETTER,
    HELD,
    Channel,
    InboundOrder,
)
from orderloom.runtime.engine.actions import standing_notes
from orderloom.runtime.orders.models import Order
from orderloom.runtime.payments.received import Payment
from tests.channels.store_payloads import (
    SHOPIFY_REFUND,
    SHOPIFY_SECRET,
    WOOCOMMERCE_SECRET,
    shopify_delivery,
    shopify_order,
    woocommerce_delivery,
    woocommerce_order,
    woocommerce_ping,
)
from tests.channels.support import count
from tests.platform.test_api_tokens import assert_problem, bearer


@pytest.fixture
def merchant(client, token_for):
    """An administrator of a workspace with nothing in it yet."""
    return bearer(token_for("admin"))


@pytest.fixture
def retail(client, merchant):
    """The built-in retail template, as a new merchant imports it."""
    response = client.post("/api/v1/templates/retail/import", headers=merchant)
    assert response.status_code == 201, response.get_json()
    return merchant


def connect_shopify(client, headers, key="shopify_cn", order_type="retail_order", **more):
    response = client.post("/api/v1/channels", headers=headers, json={
        "key": key, "name": "Our Shopify store", "kind": "shopify", "order_type": order_type,
        "webhook_secret": SHOPIFY_SECRET, "store_url": "https://orderloom-test.myshopify.com",
        "credentials": {"access_token": "shpat_4f3c2b1a0987654321fedcba"}, **more})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def connect_woocommerce(client, headers, key="woo_cn", **more):
    response = client.post("/api/v1/channels", headers=headers, json={
        "key": key, "name": "Our WooCommerce store", "kind": "woocommerce",
        "order_type": "retail_order", "webhook_secret": WOOCOMMERCE_SECRET,
        "store_url": "https://shop.example.cn",
        "credentials": {"consumer_key": "ck_6a1b2c3d4e5f", "consumer_secret": "cs_9f8e7d6c5b4a"},
        **more})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def order_of(client, headers, number):
    response = client.get(f"/api/v1/orders/{number}", headers=headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


# --- connecting ---------------------------------------------------------------------------

def test_a_store_connects_with_its_own_secret_which_is_kept_encrypted_and_never_shown(
        client, db, retail):
    created = connect_shopify(client, retail)
    assert "secret" not in created
    assert created["webhook_secret"] == "••••••••"
    assert created["credentials"] == {"access_token": "••••••••"}
    assert created["endpoint"] == "/api/v1/channels/shopify_cn/orders"
    # No mapping was written: the store order's mapping fits the retail form.
    assert created["mapping"]["fields"]["channel_order_no"] == "$.orderloom.name"
    shown = client.get("/api/v1/channels/shopify_cn", headers=retail).get_data(as_text=True)
    listed = client.get("/api/v1/channels", headers=retail).get_data(as_text=True)
    stored = db.scalar(select(Channel).where(Channel.key == "shopify_cn"))
    for text in (shown, listed, stored.secret, stored.credentials):
        assert SHOPIFY_SECRET not in text and "shpat_4f3c2b1a0987654321fedcba" not in text
    assert stored.secret.startswith("fernet:") and stored.credentials.startswith("fernet:")
    db.rollback()


def test_a_store_channel_needs_its_webhook_secret_and_knows_its_credentials(client, retail):
    missing = client.post("/api/v1/channels", headers=retail, json={
        "key": "shop", "name": "Shop", "kind": "shopify", "order_type": "retail_order"})
    assert assert_problem(missing, 422)["errors"][0]["pointer"] == "/webhook_secret"
    wrong = client.post("/api/v1/channels", headers=retail, json={
        "key": "woo", "name": "Woo", "kind": "woocommerce", "order_type": "retail_order",
        "webhook_secret": "s", "credentials": {"access_token": "x"}})
    assert assert_problem(wrong, 422)["errors"][0]["pointer"] == "/credentials/access_token"
    generic = client.post("/api/v1/channels", headers=retail, json={
        "key": "own", "name": "Own", "kind": "webhook", "order_type": "retail_order",
        "mapping": {"external_id": "$.id"}, "webhook_secret": "mine"})
    assert assert_problem(generic, 422)["errors"][0]["pointer"] == "/webhook_secret"


def test_a_changed_credential_replaces_only_itself_and_null_removes_one(client, db, app,
                                                                        retail):
    connect_woocommerce(client, retail)
    changed = client.patch("/api/v1/channels/woo_cn", headers=retail,
                           json={"credentials": {"consumer_key": "ck_new"}})
    assert changed.status_code == 200, changed.get_json()
    assert sorted(changed.get_json()["credentials"]) == ["consumer_key", "consumer_secret"]
    stored = db.scalar(select(Channel).where(Channel.key == "woo_cn"))
    assert sealing.unseal_json(app.config["SECRET_KEY"], stored.credentials) == {
        "consumer_key": "ck_new", "consumer_secret": "cs_9f8e7d6c5b4a"}
    db.rollback()
    removed = client.patch("/api/v1/channels/woo_cn", headers=retail,
                           json={"credentials": {"consumer_secret": None}})
    assert sorted(removed.get_json()["credentials"]) == ["consumer_key"]


def test_a_changed_store_secret_is_taken_with_patch_and_the_old_one_stops_working(
        client, db, retail):
    connect_shopify(client, retail)
    assert_problem(client.post("/api/v1/channels/shopify_cn/secret", headers=retail), 409)
    changed = client.patch("/api/v1/channels/shopify_cn", headers=retail,
                           json={"webhook_secret": "shpss_new_secret_after_rotation"})
    assert changed.status_code == 200 and changed.get_json()["webhook_secret"] == "••••••••"
    assert_problem(shopify_delivery(client, "shopify_cn", shopify_order()), 401)
    assert shopify_delivery(client, "shopify_cn", shopify_order(),
                            secret="shpss_new_secret_after_rotation").status_code == 201


# --- signatures, pings, retries -----------------------------------------------------------

def test_shopify_signatures_good_bad_and_missing(client, db, retail):
    connect_shopify(client, retail)
    assert_problem(shopify_delivery(client, "shopify_cn", shopify_order(), secret=None), 401)
    assert_problem(shopify_delivery(client, "shopify_cn", shopify_order(),
                                    secret="not-the-secret"), 401)
    # The generic channel's header is not Shopify's.
    assert_problem(shopify_delivery(client, "shopify_cn", shopify_order(),
                                    signature="sha256=" + "0" * 64), 401)
    assert count(db, InboundOrder) == 0 and count(db, Order) == 0
    assert shopify_delivery(client, "shopify_cn", shopify_order()).status_code == 201


def test_woocommerce_ping_is_answered_and_stores_nothing(client, db, retail):
    connect_woocommerce(client, retail)
    ping = woocommerce_ping(client, "woo_cn")
    assert ping.status_code == 200 and ping.get_json()["ping"] is True
    assert count(db, InboundOrder) == 0 and count(db, Order) == 0
    # A body that merely looks like a ping but carries more is an unsigned delivery.
    forged = client.post("/api/v1/channels/woo_cn/orders", data="webhook_id=12&id=727",
                         headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert_problem(forged, 401)
    assert_problem(woocommerce_delivery(client, "woo_cn", woocommerce_order(),
                                        secret="wrong"), 401)
    assert count(db, InboundOrder) == 0


def test_a_retried_delivery_answers_200_and_stores_nothing_new(client, db, retail):
    connect_shopify(client, retail)
    connect_woocommerce(client, retail)
    first = shopify_delivery(client, "shopify_cn", shopify_order())
    again = shopify_delivery(client, "shopify_cn", shopify_order())
    assert first.status_code == 201
    assert again.status_code == 200 and again.get_json()["duplicate"] is True
    assert again.get_json()["order"] == first.get_json()["order"]
    woo_first = woocommerce_delivery(client, "woo_cn", woocommerce_order())
    woo_again = woocommerce_delivery(client, "woo_cn", woocommerce_order())
    assert woo_first.status_code == 201 and woo_again.status_code == 200
    assert count(db, InboundOrder) == 2 and count(db, Order) == 2


def test_a_topic_the_channel_does_not_act_on_is_answered_and_ignored(client, db, retail):
    connect_shopify(client, retail)
    answer = shopify_delivery(client, "shopify_cn", shopify_order(), topic="products/update")
    assert answer.status_code == 200 and answer.get_json()["ignored"] is True
    assert count(db, InboundOrder) == 0


# --- mapping ------------------------------------------------------------------------------

def test_a_shopify_order_arrives_with_every_field_and_the_stores_total(client, db, retail):
    connect_shopify(client, retail)
    answer = shopify_delivery(client, "shopify_cn", shopify_order())
    assert answer.status_code == 201, answer.get_json()
    order = order_of(client, retail, answer.get_json()["order"])
    data = order["data"]
    assert data["channel_order_no"] == "#1001"
    assert data["customer"]["name"] == "Bob Norman"
    assert data["customer"]["email"] == "bob.norman@mail.example.com"
    assert data["recipient"] == "Mei Chen" and data["recipient_phone"] == "13900139000"
    # Shopify sent only the province code: it becomes the name routing reads.
    assert data["ship_to"]["province"] == "Guangdong"
    assert data["ship_to"]["street"] == "天河路 385 号 太古汇 2 座 18 楼"
    assert [(i["sku"], i["qty"], i["price"]) for i in data["items"]] == [
        ("HOODIE-GRY-M", 1, "199.00"), ("JEANS-32", 2, "199.00")]
    assert (data["shipping_fee"], data["discount"], data["tax"]) == ("20.00", "10.00", "11.94")
    assert data["note"] == "请工作日送货"
    assert data["total"] == "618.94" == shopify_order()["total_price"]
    assert order["payment_status"] == "paid"
    payment = db.scalar(select(Payment))
    assert str(payment.amount.normalize()) == "618.94" and payment.method == "alipay"
    db.rollback()


def test_a_paid_order_with_taxes_in_its_prices_is_paid_not_overpaid(client, retail):
    connect_shopify(client, retail)
    payload = shopify_order(taxes_included=True, total_tax="11.70", total_price="607.00")
    number = shopify_delivery(client, "shopify_cn", payload).get_json()["order"]
    order = order_of(client, retail, number)
    assert order["data"]["total"] == "607.00"
    assert order["data"].get("tax") in (None, "0.00")
    assert order["payment_status"] == "paid"


def test_a_woocommerce_order_arrives_with_every_field(client, db, retail):
    connect_woocommerce(client, retail)
    answer = woocommerce_delivery(client, "woo_cn", woocommerce_order())
    assert answer.status_code == 201, answer.get_json()
    order = order_of(client, retail, answer.get_json()["order"])
    data = order["data"]
    # CN20 is Guangdong: the order routes to the Guangzhou warehouse, not Shanghai.
    assert data["ship_to"]["province"] == "Guangdong"
    assert data["channel_order_no"] == "#727"
    assert data["recipient"] == "Lei Zhang" and data["recipient_phone"] == "13700137002"
    assert data["customer"]["name"] == "Fang Wang"
    # The line's price came as the JSON number 3; it keeps its places.
    assert [(i["sku"], i["qty"], i["price"]) for i in data["items"]] == [
        ("TSHIRT-WHT-M", 2, "3.00"), ("JEANS-32", 1, "12.00")]
    assert (data["shipping_fee"], data["tax"]) == ("10.00", "1.35")
    assert data["note"] == "门口保安室代收"
    assert data["total"] == "29.35"
    assert order["payment_status"] == "paid"
    unpaid = woocommerce_delivery(client, "woo_cn", woocommerce_order(
        id=728, number="728", date_paid=None, date_paid_gmt=None, status="pending"),
        delivery_id="e1b3b5c3")
    assert order_of(client, retail, unpaid.get_json()["order"])["payment_status"] == "unpaid"


def test_a_woocommerce_line_whose_subtotal_does_not_divide_keeps_the_stores_total(
        client, retail):
    # Three shirts for 10.00 together: the unit price is 3.33 in the currency's places,
    # and the order's total is still the store's to the cent.
    connect_woocommerce(client, retail)
    payload = woocommerce_order()
    payload["line_items"][0].update(quantity=3, subtotal="10.00", total="10.00", price=3.3333)
    payload["total"] = "33.35"
    answer = woocommerce_delivery(client, "woo_cn", payload)
    assert answer.status_code == 201, answer.get_json()
    data = order_of(client, retail, answer.get_json()["order"])["data"]
    assert [(i["qty"], i["price"]) for i in data["items"]] == [(3, "3.33"), (1, "12.00")]
    assert data["total"] == "33.35"


@pytest.mark.parametrize("code, name", [("CN2", "Beijing"), ("CN21", "Guangxi"),
                                        ("CN32", "Xinjiang")])
def test_woocommerce_state_codes_become_province_names(client, retail, code, name):
    connect_woocommerce(client, retail)
    payload = woocommerce_order()
    payload["shipping"]["state"] = code
    number = woocommerce_delivery(client, "woo_cn", payload).get_json()["order"]
    assert order_of(client, retail, number)["data"]["ship_to"]["province"] == name


def test_the_stores_order_name_finds_the_order(client, retail):
    connect_shopify(client, retail)
    number = shopify_delivery(client, "shopify_cn", shopify_order()).get_json()["order"]
    found = client.get("/api/v1/orders", headers=retail, query_string={"q": "#1001"})
    assert [o["number"] for o in found.get_json()["orders"]] == [number]


def test_an_order_in_another_currency_is_refused_whole_with_its_reason(client, db, retail):
    connect_shopify(client, retail)
    answer = shopify_delivery(client, "shopify_cn", shopify_order(currency="USD"))
    assert answer.status_code == 202
    assert "USD" in answer.get_json()["error"]["detail"]
    assert "CNY" in answer.get_json()["error"]["detail"]
    assert count(db, Order) == 0 and count(db, Payment) == 0
    assert count(db, InboundOrder, InboundOrder.status == DEAD_LETTER) == 1


# --- after the order is here --------------------------------------------------------------

def test_an_address_change_before_picking_is_applied(client, db, retail):
    connect_shopify(client, retail)
    number = shopify_delivery(client, "shopify_cn", shopify_order()).get_json()["order"]
    changed = shopify_order()
    changed["shipping_address"]["address2"] = "太古汇 1 座 3 楼"
    answer = shopify_delivery(client, "shopify_cn", changed, topic="orders/updated",
                              webhook_id="2f6e0f1c-update")
    assert answer.status_code == 200 and answer.get_json()["status"] == "applied"
    data = order_of(client, retail, number)["data"]
    assert data["ship_to"]["street"] == "天河路 385 号 太古汇 1 座 3 楼"
    # The same bytes again under a new delivery id: a repeat, nothing stored.
    again = shopify_delivery(client, "shopify_cn", changed, topic="orders/updated",
                             webhook_id="2f6e0f1c-again")
    assert again.status_code == 200 and again.get_json()["duplicate"] is True
    assert count(db, InboundOrder) == 2
    # An update of a member the order does not keep changes nothing here.
    unchanged = shopify_delivery(client, "shopify_cn", {**changed, "tags": "vip"},
                                 topic="orders/updated", webhook_id="2f6e0f1c-tags")
    assert unchanged.get_json()["status"] == "unchanged"


def test_a_channel_that_holds_changes_holds_the_order_instead(client, db, retail):
    connect_shopify(client, retail, store_update_policy="hold")
    number = shopify_delivery(client, "shopify_cn", shopify_order()).get_json()["order"]
    changed = shopify_order()
    changed["shipping_address"]["address2"] = "太古汇 1 座 3 楼"
    answer = shopify_delivery(client, "shopify_cn", changed, topic="orders/updated",
                              webhook_id="2f6e0f1c-update")
    assert answer.get_json()["status"] == HELD
    assert order_of(client, retail, number)["data"]["ship_to"]["street"].endswith("18 楼")
    order = db.scalar(select(Order).where(Order.number == number))
    [note] = standing_notes(db, [order])[order.id]
    assert "ship_to" in note.text["en"] and note.text["zh"].startswith("暂停")
    db.rollback()


@pytest.mark.parametrize("topic, payload", [
    ("orders/cancelled", shopify_order(cancelled_at="2026-12-06T12:00:00+08:00",
                                       cancel_reason="customer")),
    ("refunds/create", SHOPIFY_REFUND)])
def test_a_cancellation_or_refund_before_shipment_holds_the_order_and_tells_staff(
        client, db, retail, token_for, topic, payload):
    connect_shopify(client, retail)
    number = shopify_delivery(client, "shopify_cn", shopify_order()).get_json()["order"]
    state = order_of(client, retail, number)["state"]
    answer = shopify_delivery(client, "shopify_cn", payload, topic=topic,
                              webhook_id="c0ffee-" + topic)
    assert answer.status_code == 200 and answer.get_json()["status"] == HELD
    assert order_of(client, retail, number)["state"] == state
    order = db.scalar(select(Order).where(Order.number == number))
    [note] = standing_notes(db, [order])[order.id]
    assert note.holds_automatic_moves and "before it ships" in note.text["en"]
    db.rollback()
    # Customer service can cancel from here, so they are told.
    told = client.get("/api/v1/notifications", headers=bearer(token_for("customer_service")))
    assert any(number in n["title"] for n in told.get_json())


def test_a_woocommerce_deletion_before_shipment_holds_the_order(client, db, retail):
    connect_woocommerce(client, retail)
    number = woocommerce_delivery(client, "woo_cn", woocommerce_order()).get_json()["order"]
    answer = woocommerce_delivery(client, "woo_cn", {"id": 727}, topic="order.deleted",
                                  delivery_id="e1b3b5d0")
    assert answer.get_json()["status"] == HELD and answer.get_json()["order"] == number


# --- after shipment -----------------------------------------------------------------------

def store_order_type(with_return: bool) -> dict:
    """A small order type whose shipped orders may (or may not) be taken back."""
    line = {"key": "items", "type": "line_items", "label": {"en": "Items"}, "fields": [
        {"key": "sku", "type": "product", "label": {"en": "SKU"}},
        {"key": "qty", "type": "integer", "label": {"en": "Qty"}},
        {"key": "price", "type": "money", "label": {"en": "Price"}},
        {"key": "amount", "type": "computed", "label": {"en": "Amount"},
         "formula": "qty * price", "result_type": "money"}]}
    transitions = [{"key": "dispatch", "from": ["new"], "to": "on_its_way",
                    "label": {"en": "Dispatch"}}]
    if with_return:
        transitions.append({"key": "take_back", "from": ["on_its_way"], "to": "given_back",
                            "label": {"en": "Take back"}})
    else:
        # Money can come back before dispatch, but nothing leads back once shipped.
        transitions.append({"key": "refund", "from": ["new"], "to": "given_back",
                            "label": {"en": "Refund"}})
    key = "web_return" if with_return else "web_final"
    return {
        "key": key, "name": {"en": key}, "number_prefix": "WR" if with_return else "WF",
        "currency": "CNY",
        "form": {"fields": [
            {"key": "channel_order_no", "type": "text", "label": {"en": "Store no."},
             "meaning": "order_number"},
            {"key": "customer", "type": "customer", "label": {"en": "Customer"}},
            {"key": "ship_to", "type": "address", "label": {"en": "Ship to"}}, line,
            {"key": "shipping_fee", "type": "money", "label": {"en": "Shipping"},
             "meaning": "shipping_fee"},
            {"key": "discount", "type": "money", "label": {"en": "Discount"},
             "meaning": "discount"},
            {"key": "total", "type": "computed", "label": {"en": "Total"},
             "formula": "SUM(items.amount) + COALESCE(shipping_fee, 0) - "
                        "COALESCE(discount, 0)", "result_type": "money"}]},
        "workflow": {
            "states": [
                {"key": "new", "label": {"en": "New"}, "kind": "start", "category": "open"},
                {"key": "on_its_way", "label": {"en": "On its way"}, "kind": "normal",
                 "category": "shipped"},
                {"key": "given_back", "label": {"en": "Given back"}, "kind": "terminal",
                 "category": "returned"},
                {"key": "kept", "label": {"en": "Kept"}, "kind": "terminal",
                 "category": "fulfilled"}],
            "transitions": transitions + [{"key": "arrive", "from": ["on_its_way"],
                                           "to": "kept", "label": {"en": "Arrived"}}],
        },
    }


@pytest.mark.parametrize("with_return", [True, False])
def test_a_cancellation_after_shipment_opens_a_return_or_holds_without_one(
        client, db, merchant, token_for, with_return):
    admin = merchant
    designer = bearer(token_for("designer"))
    imported = client.post("/api/v1/import", headers=designer, json={
        "format": "orderloom-package/1", "order_types": [store_order_type(with_return)]})
    assert imported.status_code == 201, imported.get_json()
    order_type = "web_return" if with_return else "web_final"
    connect_shopify(client, admin, order_type=order_type)
    payload = shopify_order(taxes_included=True, total_price="607.00")
    number = shopify_delivery(client, "shopify_cn", payload).get_json()["order"]
    order = order_of(client, admin, number)
    assert order["data"]["total"] == "607.00"
    moved = client.post(f"/api/v1/orders/{number}/transitions/dispatch", headers=admin,
                        json={"revision": order["revision"]})
    assert moved.status_code == 200, moved.get_json()
    answer = shopify_delivery(client, "shopify_cn", SHOPIFY_REFUND, topic="refunds/create",
                              webhook_id="refund-after-shipping")
    assert answer.status_code == 200
    after = order_of(client, admin, number)
    if with_return:
        assert answer.get_json()["status"] == "applied"
        assert after["state"] == "given_back"
    else:
        assert answer.get_json()["status"] == HELD
        assert after["state"] == "on_its_way"
        stored = db.scalar(select(Order).where(Order.number == number))
        [note] = standing_notes(db, [stored])[stored.id]
        assert "no return path" in note.text["en"]
        db.rollback()


def test_odd_bodies_with_a_good_signature_are_kept_with_their_reason(client, db, retail):
    connect_shopify(client, retail)
    as_update = shopify_delivery(client, "shopify_cn", [1, 2], topic="orders/updated",
                                 webhook_id="odd-1")
    assert as_update.status_code == 202 and as_update.get_json()["error"]["detail"]
    as_cancel = shopify_delivery(client, "shopify_cn", {"cancelled_at": "x"},
                                 topic="orders/cancelled", webhook_id="odd-2")
    assert as_cancel.status_code == 200
    assert "no order here" in as_cancel.get_json()["error"]["detail"]
    assert count(db, Order) == 0


@pytest.mark.parametrize("change", [{"shipping_address": "Guangzhou"}, {"customer": ["x"]},
                                    {"customer": "Fang Wang"}])
def test_a_member_that_is_not_the_object_the_api_documents_reads_as_absent(
        client, retail, change):
    connect_shopify(client, retail)
    answer = shopify_delivery(client, "shopify_cn", {**shopify_order(), **change})
    assert answer.status_code == 201, answer.get_json()
    data = order_of(client, retail, answer.get_json()["order"])["data"]
    assert data["total"] == shopify_order()["total_price"]


@pytest.mark.parametrize("change", [
    {"line_items": [{"sku": "S", "quantity": "1e999999", "price": "1"}]},
    {"line_items": [{"sku": "S", "quantity": 1, "price": {"amount": "1"}}]},
    {"total_price": "NaN"}, {"shipping_lines": [{"price": "abc"}]}])
def test_a_signed_body_that_is_not_a_stores_order_is_kept_with_its_reason(
        client, db, retail, change):
    connect_shopify(client, retail)
    answer = shopify_delivery(client, "shopify_cn", {**shopify_order(), **change})
    assert answer.status_code == 202, answer.get_json()
    kept = db.get(InboundOrder, answer.get_json()["id"])
    assert kept.status == DEAD_LETTER and kept.order_id is None
    assert "amount" in kept.error["detail"]
    db.rollback()


def test_an_update_that_says_cancelled_holds_like_a_cancellation(client, db, retail):
    connect_woocommerce(client, retail)
    number = woocommerce_delivery(client, "woo_cn", woocommerce_order()).get_json()["order"]
    answer = woocommerce_delivery(client, "woo_cn", woocommerce_order(status="cancelled"),
                                  topic="order.updated", delivery_id="e1b3b5d1")
    assert answer.get_json()["status"] == HELD and answer.get_json()["order"] == number


def test_a_payment_the_store_reports_later_is_recorded_once(client, db, retail):
    connect_shopify(client, retail)
    pending = shopify_order(financial_status="pending")
    number = shopify_delivery(client, "shopify_cn", pending).get_json()["order"]
    assert order_of(client, retail, number)["payment_status"] == "unpaid"
    for webhook_id in ("paid-1", "paid-2"):
        shopify_delivery(client, "shopify_cn", shopify_order(), topic="orders/updated",
                         webhook_id=webhook_id)
    assert order_of(client, retail, number)["payment_status"] == "paid"
    assert count(db, Payment) == 1


def test_a_payment_that_cannot_be_recorded_holds_the_order_with_the_reason(client, db, retail):
    connect_shopify(client, retail)
    pending = shopify_order(financial_status="pending")
    number = shopify_delivery(client, "shopify_cn", pending).get_json()["order"]
    paid = shopify_order(processed_at="yesterday at noon")
    answer = shopify_delivery(client, "shopify_cn", paid, topic="orders/updated",
                              webhook_id="paid-odd")
    assert answer.status_code == 200 and answer.get_json()["status"] == HELD
    assert "payment" in answer.get_json()["error"]["detail"]
    assert order_of(client, retail, number)["payment_status"] == "unpaid"
    assert count(db, Payment) == 0


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_parallel_retries_of_one_cancellation_hold_the_order_once(app, client, db, retail):
    """Shopify retries a delivery it got no answer for: both may arrive at once."""
    import threading

    from orderloom.runtime.orders.models import OrderEvent

    connect_shopify(client, retail)
    number = shopify_delivery(client, "shopify_cn", shopify_order()).get_json()["order"]
    cancelled = shopify_order(cancelled_at="2026-12-06T12:00:00+08:00")
    barrier = threading.Barrier(3)
    answers = []

    def send():
        sender = app.test_client()
        barrier.wait()
        answers.append(shopify_delivery(sender, "shopify_cn", cancelled,
                                        topic="orders/cancelled", webhook_id="race-1"))

    threads = [threading.Thread(target=send) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(a.status_code for a in answers) == [200, 200, 200]
    assert count(db, InboundOrder, InboundOrder.delivery_id == "race-1") == 1
    order = db.scalar(select(Order).where(Order.number == number))
    assert count(db, OrderEvent, OrderEvent.order_id == order.id,
                 OrderEvent.kind == "held") == 1

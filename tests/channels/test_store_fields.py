"""A store connects with no mapping to write to an order type whose fields the business
named in its own words: each part of a store's order goes to the field that declares
what it holds (its type, or its meaning), never to a field because of its key; and the
merchant is told on connecting what the order type has no field for."""
from __future__ import annotations

import pytest

from tests.channels.store_payloads import SHOPIFY_SECRET, shopify_delivery, shopify_order
from tests.platform.test_api_tokens import assert_problem, bearer


def label(en: str, zh: str | None = None) -> dict:
    return {"en": en, **({"zh": zh} if zh else {})}


def order_type(key: str, fields: list[dict], prefix: str) -> dict:
    return {
        "key": key, "name": label(key), "number_prefix": prefix, "currency": "CNY",
        "form": {"fields": fields},
        "workflow": {
            "states": [{"key": "received", "label": label("Received"), "kind": "start",
                        "category": "open"},
                       {"key": "closed", "label": label("Closed"), "kind": "terminal",
                        "category": "fulfilled"}],
            "transitions": [{"key": "close", "from": ["received"], "to": "closed",
                             "label": label("Close")}]},
    }


def web_shop_order() -> dict:
    """Every part of a store order, in fields named the business's own way."""
    lines = {"key": "articles", "type": "line_items", "label": label("Articles"), "fields": [
        {"key": "article", "type": "product", "label": label("Article")},
        {"key": "pieces", "type": "integer", "label": label("Pieces")},
        {"key": "each", "type": "money", "label": label("Each")},
        {"key": "line_value", "type": "computed", "label": label("Value"),
         "formula": "pieces * each", "result_type": "money"}]}
    return order_type("web_shop_order", [
        {"key": "web_ref", "type": "text", "label": label("Web ref"), "meaning": "order_number"},
        {"key": "buyer", "type": "customer", "label": label("Buyer")},
        {"key": "deliver_to", "type": "address", "label": label("Deliver to")},
        {"key": "addressee", "type": "text", "label": label("Addressee"),
         "meaning": "recipient_name"},
        {"key": "addressee_tel", "type": "phone", "label": label("Tel"),
         "meaning": "recipient_phone"},
        lines,
        {"key": "freight", "type": "money", "label": label("Freight"), "meaning": "shipping_fee"},
        {"key": "rebate", "type": "money", "label": label("Rebate"), "meaning": "discount"},
        {"key": "vat", "type": "money", "label": label("VAT"), "meaning": "tax"},
        {"key": "gift_wrap_text", "type": "long_text", "label": label("Gift wrap text")},
        {"key": "remarks", "type": "long_text", "label": label("Remarks"), "meaning": "note"},
        {"key": "grand_total", "type": "computed", "label": label("Grand total"),
         "formula": "SUM(articles.line_value) + COALESCE(freight, 0) + COALESCE(vat, 0) "
                    "- COALESCE(rebate, 0)", "result_type": "money"}], "WS")


def dianpu_order() -> dict:
    """A Chinese shop's order type: pinyin keys (keys are ASCII), Chinese labels, no
    recipient or tax fields, and money fields named like the retail template's that
    declare no meaning."""
    lines = {"key": "shangpin", "type": "line_items", "label": label("Goods", "商品"),
             "fields": [
                 {"key": "huohao", "type": "product", "label": label("SKU", "货号")},
                 {"key": "shuliang", "type": "integer", "label": label("Qty", "数量")},
                 {"key": "danjia", "type": "money", "label": label("Price", "单价")},
                 {"key": "jine", "type": "computed", "label": label("Amount", "金额"),
                  "formula": "shuliang * danjia", "result_type": "money"}]}
    return order_type("dianpu_dingdan", [
        {"key": "dingdanhao", "type": "text", "label": label("Order no.", "订单号"),
         "meaning": "order_number"},
        {"key": "kehu", "type": "customer", "label": label("Customer", "客户")},
        {"key": "shouhuo_dizhi", "type": "address", "label": label("Ship to", "收货地址")},
        lines,
        {"key": "yunfei", "type": "money", "label": label("Freight", "运费"),
         "meaning": "shipping_fee"},
        {"key": "youhui", "type": "money", "label": label("Discount", "优惠"),
         "meaning": "discount"},
        {"key": "shipping_fee", "type": "money", "label": label("Insurance", "保价费")},
        {"key": "tax", "type": "money", "label": label("Deposit", "定金")},
        {"key": "beizhu", "type": "long_text", "label": label("Note", "备注"),
         "meaning": "note"}], "DP")


@pytest.fixture
def merchant(client, token_for):
    return bearer(token_for("admin"))


def publish(client, token_for, definition) -> None:
    designer = bearer(token_for("designer"))
    response = client.post("/api/v1/import", headers=designer, json={
        "format": "orderloom-package/1", "order_types": [definition]})
    assert response.status_code == 201, response.get_json()


def connect(client, headers, order_type_key):
    response = client.post("/api/v1/channels", headers=headers, json={
        "key": "shop", "name": "Our Shopify store", "kind": "shopify",
        "order_type": order_type_key, "webhook_secret": SHOPIFY_SECRET,
        "store_url": "https://orderloom-test.myshopify.com"})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def arrived(client, headers) -> dict:
    answer = shopify_delivery(client, "shop", shopify_order())
    assert answer.status_code == 201, answer.get_json()
    number = answer.get_json()["order"]
    return client.get(f"/api/v1/orders/{number}", headers=headers).get_json()["data"]


def test_a_store_fills_fields_the_business_named_its_own_way(client, token_for, merchant):
    publish(client, token_for, web_shop_order())
    connected = connect(client, merchant, "web_shop_order")
    assert connected["not_carried"] == []
    data = arrived(client, merchant)
    assert data["web_ref"] == "#1001"
    assert data["buyer"]["name"] == "Bob Norman"
    assert data["deliver_to"]["province"] == "Guangdong"
    assert (data["addressee"], data["addressee_tel"]) == ("Mei Chen", "13900139000")
    assert [(a["article"], a["pieces"], a["each"]) for a in data["articles"]] == [
        ("HOODIE-GRY-M", 1, "199.00"), ("JEANS-32", 2, "199.00")]
    assert (data["freight"], data["rebate"], data["vat"]) == ("20.00", "10.00", "11.94")
    assert data["remarks"] == "请工作日送货" and "gift_wrap_text" not in data
    assert data["grand_total"] == shopify_order()["total_price"]


def test_a_chinese_shops_order_type_is_filled_and_told_what_it_cannot_hold(
        client, token_for, merchant):
    publish(client, token_for, dianpu_order())
    connected = connect(client, merchant, "dianpu_dingdan")
    told = " | ".join(connected["not_carried"])
    assert "the recipient's name" in told and "the recipient's phone" in told
    assert "the tax added" in told and "meaning tax" in told
    assert len(connected["not_carried"]) == 3
    data = arrived(client, merchant)
    assert data["dingdanhao"] == "#1001" and data["kehu"]["name"] == "Bob Norman"
    assert data["shouhuo_dizhi"]["street"] == "天河路 385 号 太古汇 2 座 18 楼"
    assert [(s["huohao"], s["shuliang"], s["danjia"]) for s in data["shangpin"]] == [
        ("HOODIE-GRY-M", 1, "199.00"), ("JEANS-32", 2, "199.00")]
    assert (data["yunfei"], data["youhui"], data["beizhu"]) == ("20.00", "10.00", "请工作日送货")
    # Named like the retail template's fields but meaning something else: left alone.
    assert "shipping_fee" not in data and "tax" not in data


def test_an_order_type_without_lines_or_addresses_connects_and_says_so(
        client, token_for, merchant):
    publish(client, token_for, order_type("callback_request", [
        {"key": "caller", "type": "customer", "label": label("Caller")},
        {"key": "first_address", "type": "address", "label": label("Home")},
        {"key": "second_address", "type": "address", "label": label("Work")}], "CB"))
    told = connect(client, merchant, "callback_request")["not_carried"]
    assert any(t.startswith("the ordered lines") for t in told)
    # Two addresses and neither says it is where parcels go: neither is guessed.
    assert any(t.startswith("the ship-to address") for t in told)
    data = arrived(client, merchant)
    assert data["caller"]["email"] == "bob.norman@mail.example.com"
    assert "first_address" not in data and "second_address" not in data


@pytest.mark.parametrize(("field", "detail"), [
    ({"key": "web_ref", "type": "money", "label": label("Ref"), "meaning": "order_number"},
     "a field that means order_number is text; this one is money"),
    ({"key": "pieces", "type": "integer", "label": label("Pieces"), "meaning": "quantity"},
     "'quantity' is not a meaning a field of the order can have"),
    ({"key": "freight_two", "type": "money", "label": label("Freight"),
      "meaning": "shipping_fee"}, "'freight' already means shipping_fee"),
])
def test_a_meaning_that_does_not_fit_is_refused_at_its_field(client, token_for, field,
                                                              detail):
    definition = web_shop_order()
    definition["form"]["fields"].append(field)
    designer = bearer(token_for("designer"))
    response = client.post("/api/v1/import", headers=designer, json={
        "format": "orderloom-package/1", "order_types": [definition]})
    errors = assert_problem(response, 422)["errors"]
    index = len(definition["form"]["fields"]) - 1
    [error] = [e for e in errors if e["pointer"].endswith(f"/form/fields/{index}/meaning")]
    assert detail in error["detail"]

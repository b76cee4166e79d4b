"""Store payloads and deliveries as Shopify and WooCommerce send them.

Shopify's order is the REST Admin API ``Order`` resource as in Shopify's own test
fixture (github.com/Shopify/shopify_python_api, test/fixtures/order.json: order
450789469 "#1001", three IPod Nano lines at "199.00", discount code TENOFF, a
shipping line, taxes not included) with its amounts made to add up, moved to a
Chinese address and CNY and given a paid ``financial_status``; its webhook headers
are those of shopify.dev's "Deliver webhooks through HTTPS" (X-Shopify-Topic,
X-Shopify-Hmac-Sha256, X-Shopify-Webhook-Id, X-Shopify-Shop-Domain). Refunds are the
``Refund`` resource (``order_id``, ``refund_line_items``, ``transactions``).

WooCommerce's order is REST API v3's "Retrieve an order" example
(woocommerce.github.io/woocommerce-rest-api-docs, order 727: two lines with
``price`` as a JSON number and ``subtotal`` as text, a flat-rate shipping line,
tax added on top, paid by bank transfer) moved to Guangzhou (state ``CN20`` from
WooCommerce's i18n/states.php) and CNY; its headers are those WC_Webhook::deliver
sends (X-WC-Webhook-Topic, -Resource, -Event, -Signature, -ID, -Delivery-ID) and its
ping the form body WC_Webhook::deliver_ping posts (``webhook_id=<id>``).
"""
from __future__ import annotations

import base64
import copy
import hashlib
import hmac
import json

SHOPIFY_SECRET = "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"
WOOCOMMERCE_SECRET = "wc-webhook-secret-2b7f9c"

SHOPIFY_ORDER = {
    "id": 450789469,
    "admin_graphql_api_id": "gid://shopify/Order/450789469",
    "buyer_accepts_marketing": False,
    "cancel_reason": None,
    "cancelled_at": None,
    "closed_at": None,
    "confirmed": True,
    "created_at": "2026-12-06T11:00:00+08:00",
    "currency": "CNY",
    "email": "bob.norman@mail.example.com",
    "financial_status": "paid",
    "fulfillment_status": None,
    "gateway": "alipay",
    "payment_gateway_names": ["alipay"],
    "name": "#1001",
    "note": "请工作日送货",
    "number": 1,
    "order_number": 1001,
    "processed_at": "2026-12-06T11:00:05+08:00",
    "subtotal_price": "587.00",
    "taxes_included": False,
    "test": False,
    "total_discounts": "10.00",
    "total_line_items_price": "597.00",
    "total_outstanding": "0.00",
    "total_price": "618.94",
    "total_tax": "11.94",
    "discount_codes": [{"code": "TENOFF", "amount": "10.00", "type": "fixed_amount"}],
    "tax_lines": [{"price": "11.94", "rate": 0.02, "title": "VAT"}],
    "line_items": [
        {"id": 466157049, "fulfillment_service": "manual", "grams": 200, "price": "199.00",
         "product_id": 632910392, "quantity": 1, "requires_shipping": True,
         "sku": "HOODIE-GRY-M", "title": "IPod Nano - 8gb", "variant_id": 39072856,
         "variant_title": "green", "name": "IPod Nano - 8gb - green", "taxable": True},
        {"id": 518995019, "fulfillment_service": "manual", "grams": 200, "price": "199.00",
         "product_id": 632910392, "quantity": 2, "requires_shipping": True,
         "sku": "JEANS-32", "title": "IPod Nano - 8gb", "variant_id": 49148385,
         "variant_title": "red", "name": "IPod Nano - 8gb - red", "taxable": True},
    ],
    "shipping_lines": [{"id": 369256396, "code": "SF Express", "price": "20.00",
                        "source": "shopify", "title": "顺丰速运", "discounted_price": "20.00"}],
    "billing_address": {"first_name": "Bob", "last_name": "Norman", "name": "Bob Norman",
                        "address1": "天河路 385 号", "address2": "", "city": "Guangzhou",
                        "province": "Guangdong", "province_code": "GD", "country": "China",
                        "country_code": "CN", "zip": "510620", "phone": "13800138000",
                        "company": None},
    "shipping_address": {"first_name": "Mei", "last_name": "Chen", "name": "Mei Chen",
                         "address1": "天河路 385 号", "address2": "太古汇 2 座 18 楼",
                         "city": "Guangzhou", "province": None, "province_code": "GD",
                         "country": "China", "country_code": "CN", "zip": "510620",
                         "phone": "13900139000", "company": None},
    "customer": {"id": 207119551, "email": "bob.norman@mail.example.com",
                 "first_name": "Bob", "last_name": "Norman", "phone": "+8613800138000",
                 "state": "enabled", "verified_email": True, "tags": ""},
    "fulfillments": [],
    "refunds": [],
}

SHOPIFY_REFUND = {
    "id": 509562969,
    "order_id": 450789469,
    "created_at": "2026-12-06T15:00:00+08:00",
    "note": "it broke during testing",
    "restock": True,
    "user_id": 548380009,
    "refund_line_items": [{"id": 104689539, "line_item_id": 466157049, "quantity": 1,
                           "restock_type": "return", "subtotal": 199.0, "total_tax": 3.98}],
    "transactions": [{"id": 245135218, "order_id": 450789469, "kind": "refund",
                      "gateway": "alipay", "status": "success", "amount": "202.98",
                      "currency": "CNY"}],
}

WOOCOMMERCE_ORDER = {
    "id": 727,
    "parent_id": 0,
    "number": "727",
    "order_key": "wc_order_58d2d042d1d",
    "created_via": "rest-api",
    "version": "3.0.0",
    "status": "processing",
    "currency": "CNY",
    "date_created": "2026-12-06T16:28:02",
    "date_created_gmt": "2026-12-06T08:28:02",
    "discount_total": "0.00",
    "discount_tax": "0.00",
    "shipping_total": "10.00",
    "shipping_tax": "0.00",
    "cart_tax": "1.35",
    "total": "29.35",
    "total_tax": "1.35",
    "prices_include_tax": False,
    "customer_id": 0,
    "customer_ip_address": "",
    "customer_user_agent": "",
    "customer_note": "门口保安室代收",
    "billing": {"first_name": "Fang", "last_name": "Wang", "company": "",
                "address_1": "天河路 208 号", "address_2": "", "city": "Guangzhou",
                "state": "CN20", "postcode": "510620", "country": "CN",
                "email": "wang.fang@mail.example.com", "phone": "13800138001"},
    "shipping": {"first_name": "Lei", "last_name": "Zhang", "company": "",
                 "address_1": "天河路 208 号", "address_2": "粤海天河城 5 楼",
                 "city": "Guangzhou", "state": "CN20", "postcode": "510620",
                 "country": "CN", "phone": "13700137002"},
    "payment_method": "bacs",
    "payment_method_title": "Direct Bank Transfer",
    "transaction_id": "",
    "date_paid": "2026-12-06T16:28:08",
    "date_paid_gmt": "2026-12-06T08:28:08",
    "date_completed": None,
    "date_completed_gmt": None,
    "cart_hash": "",
    "meta_data": [],
    "line_items": [
        {"id": 315, "name": "Woo Single #1", "product_id": 93, "variation_id": 0,
         "quantity": 2, "tax_class": "", "subtotal": "6.00", "subtotal_tax": "0.45",
         "total": "6.00", "total_tax": "0.45",
         "taxes": [{"id": 75, "total": "0.45", "subtotal": "0.45"}], "meta_data": [],
         "sku": "TSHIRT-WHT-M", "price": 3},
        {"id": 316, "name": "Ship Your Idea &ndash; Color: Black, Size: M Test",
         "product_id": 22, "variation_id": 23, "quantity": 1, "tax_class": "",
         "subtotal": "12.00", "subtotal_tax": "0.90", "total": "12.00", "total_tax": "0.90",
         "taxes": [{"id": 75, "total": "0.90", "subtotal": "0.90"}], "meta_data": [],
         "sku": "JEANS-32", "price": 12},
    ],
    "tax_lines": [{"id": 318, "rate_code": "CN-VAT-1", "rate_id": 75, "label": "VAT",
                   "compound": False, "tax_total": "1.35", "shipping_tax_total": "0.00",
                   "meta_data": []}],
    "shipping_lines": [{"id": 317, "method_title": "Flat Rate", "method_id": "flat_rate",
                        "total": "10.00", "total_tax": "0.00", "taxes": [],
                        "meta_data": []}],
    "fee_lines": [],
    "coupon_lines": [],
    "refunds": [],
}


def shopify_order(**changes) -> dict:
    return {**copy.deepcopy(SHOPIFY_ORDER), **changes}


def woocommerce_order(**changes) -> dict:
    return {**copy.deepcopy(WOOCOMMERCE_ORDER), **changes}


def base64_signature(secret: str, body: bytes) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def shopify_delivery(client, key, payload, topic="orders/create",
                     webhook_id="b54557e4-bdd9-4b37-8a5f-bf7d70bcd043", secret=SHOPIFY_SECRET,
                     signature=None):
    body = json.dumps(payload).encode()
    headers = {"Content-Type": "application/json", "X-Shopify-Topic": topic,
               "X-Shopify-Shop-Domain": "orderloom-test.myshopify.com",
               "X-Shopify-API-Version": "2024-10",
               "X-Shopify-Triggered-At": "2026-12-06T03:00:05.123Z"}
    if webhook_id is not None:
        headers["X-Shopify-Webhook-Id"] = webhook_id
    if signature is None and secret is not None:
        signature = base64_signature(secret, body)
    if signature is not None:
        headers["X-Shopify-Hmac-Sha256"] = signature
    return client.post(f"/api/v1/channels/{key}/orders", data=body, headers=headers)


def woocommerce_delivery(client, key, payload, topic="order.created", delivery_id="e1b3b5c2",
                         secret=WOOCOMMERCE_SECRET, signature=None):
    body = json.dumps(payload).encode()
    resource, _, event = topic.partition(".")
    headers = {"Content-Type": "application/json", "User-Agent": "WooCommerce/9.4.2 "
               "Hookshot (WordPress/6.7.1)", "X-WC-Webhook-Source": "https://shop.example.cn/",
               "X-WC-Webhook-Topic": topic, "X-WC-Webhook-Resource": resource,
               "X-WC-Webhook-Event": event, "X-WC-Webhook-ID": "12"}
    if delivery_id is not None:
        headers["X-WC-Webhook-Delivery-ID"] = delivery_id
    if signature is None and secret is not None:
        signature = base64_signature(secret, body)
    if signature is not None:
        headers["X-WC-Webhook-Signature"] = signature
    return client.post(f"/api/v1/channels/{key}/orders", data=body, headers=headers)


def woocommerce_ping(client, key, webhook_id=12):
    return client.post(f"/api/v1/channels/{key}/orders", data=f"webhook_id={webhook_id}",
                       headers={"Content-Type": "application/x-www-form-urlencoded",
                                "User-Agent": "WooCommerce/9.4.2 Hookshot (WordPress/6.7.1)"})

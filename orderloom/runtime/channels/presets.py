"""Mapping templates for payload shapes most shops meet, onto the retail form
(``customer``, ``ship_to`` and ``items`` with ``sku``, ``qty``, ``price``).

A preset is a starting point: copied into a channel and then edited, never
referenced, so changing a preset changes no existing channel. The marketplace
export presets (marketplace_presets.py) map onto the retail template's form.
"""
from __future__ import annotations

from typing import Any

from orderloom.runtime.channels.marketplace_presets import MARKETPLACE_PRESETS

PRESETS: list[dict[str, Any]] = [
    {
        "key": "shopify",
        "name": "Shopify-style order JSON",
        "kind": "webhook",
        "description": "An orders/create webhook: customer, shipping_address, line_items",
        "mapping": {
            "external_id": "$.id",
            "fields": {
                "customer.code": "$.customer.id",
                "customer.name": {"path": "$.customer",
                                  "formula": "TRIM(value.first_name & \" \" & value.last_name)"},
                "customer.email": "$.email",
                "customer.phone": "$.shipping_address.phone",
                "ship_to.country": "$.shipping_address.country_code",
                "ship_to.province": "$.shipping_address.province",
                "ship_to.city": "$.shipping_address.city",
                "ship_to.street": {"path": "$.shipping_address",
                                   "formula": "TRIM(value.address1 & \" \" & value.address2)"},
                "ship_to.postcode": "$.shipping_address.zip",
            },
            "lines": {"items": {"from": "$.line_items[*]",
                                "fields": {"sku": "$.sku", "qty": "$.quantity",
                                           "price": "$.price"}}},
        },
    },
    {
        "key": "woocommerce",
        "name": "WooCommerce-style order JSON",
        "kind": "webhook",
        "description": "An order.created webhook: billing, shipping, line_items",
        "mapping": {
            "external_id": "$.id",
            "fields": {
                "customer.code": "$.customer_id",
                "customer.name": {"path": "$.billing",
                                  "formula": "TRIM(value.first_name & \" \" & value.last_name)"},
                "customer.email": "$.billing.email",
                "customer.phone": "$.billing.phone",
                "ship_to.country": "$.shipping.country",
                "ship_to.province": "$.shipping.state",
                "ship_to.city": "$.shipping.city",
                "ship_to.street": {"path": "$.shipping",
                                   "formula": "TRIM(value.address_1 & \" \" & value.address_2)"},
                "ship_to.postcode": "$.shipping.postcode",
            },
            "lines": {"items": {"from": "$.line_items[*]",
                                "fields": {"sku": "$.sku", "qty": "$.quantity",
                                           "price": "$.price"}}},
        },
    },
    {
        "key": "marketplace_export",
        "name": "Own order spreadsheet (one row per line)",
        "kind": "file",
        "description": "A spreadsheet of your own with one row per order line and separate "
                       "province, city and district columns; rows with the same 订单编号 are "
                       "one order. For a marketplace's own export use its preset (tmall_orders, "
                       "jd_orders, pinduoduo_orders, douyin_orders)",
        "mapping": {
            "external_id": "$.订单编号",
            "fields": {
                "customer.name": "$.买家",
                "customer.phone": "$.联系电话",
                "ship_to.country": {"formula": "\"CN\""},
                "ship_to.province": "$.收货省份",
                "ship_to.city": "$.收货城市",
                "ship_to.district": "$.收货区县",
                "ship_to.street": "$.收货地址",
            },
            "lines": {"items": {"from": "$.rows[*]",
                                "fields": {"sku": "$.商品编码", "qty": "$.数量",
                                           "price": "$.单价"}}},
        },
    },
    *MARKETPLACE_PRESETS,
]

"""Realistic payloads of common web shops and helpers to set channels up over the API."""
from __future__ import annotations

import json

from sqlalchemy import func, select

from orderloom.runtime.channels.ingestion import signature

SHOPIFY_ORDER = {
    "id": 5823761041,
    "name": "#1042",
    "email": "li.wei@example.com",
    "currency": "CNY",
    "total_price": "2570.90",
    "customer": {"id": 7012345, "first_name": "Wei", "last_name": "Li"},
    "shipping_address": {"first_name": "Wei", "last_name": "Li", "address1": "文三路 90 号",
                         "address2": "3 楼", "city": "Hangzhou", "province": "Zhejiang",
                         "country_code": "CN", "zip": "310012", "phone": "13800138000"},
    "line_items": [
        {"id": 1, "sku": "TEA-01", "title": "Longjing tea", "quantity": 2, "price": "1250.50"},
        {"id": 2, "sku": "CUP-02", "title": "Tea cup", "quantity": 1, "price": "69.90"},
    ],
}

WOOCOMMERCE_ORDER = {
    "id": 727,
    "status": "processing",
    "currency": "CNY",
    "customer_id": 26,
    "billing": {"first_name": "Fang", "last_name": "Wang", "email": "wang.fang@example.com",
                "phone": "13800138001"},
    "shipping": {"first_name": "Fang", "last_name": "Wang", "address_1": "南京东路 100 号",
                 "address_2": "", "city": "Shanghai", "state": "Shanghai", "postcode": "200001",
                 "country": "CN"},
    "line_items": [{"id": 315, "name": "Mug", "sku": "MUG-350", "quantity": 3,
                    "price": 39, "total": "117.00"}],
}

MARKETPLACE_ROWS = [
    {"订单编号": "TM20261125001", "买家": "张伟", "联系电话": "13800138003", "收货省份": "Jiangsu",
     "收货城市": "Nanjing", "收货区县": "Gulou", "收货地址": "中山路 1 号", "商品编码": "TEA-01",
     "数量": "1", "单价": "1250.50"},
    {"订单编号": "TM20261125001", "买家": "张伟", "联系电话": "13800138003", "收货省份": "Jiangsu",
     "收货城市": "Nanjing", "收货区县": "Gulou", "收货地址": "中山路 1 号", "商品编码": "CUP-02",
     "数量": "4", "单价": "19.90"},
    {"订单编号": "TM20261125002", "买家": "刘洋", "联系电话": "13800138005",
     "收货省份": "Guangdong", "收货城市": "Shenzhen", "收货区县": "Nanshan",
     "收货地址": "科技园 8 号", "商品编码": "MUG-350", "数量": "2", "单价": "39.00"},
]

SIMPLE_MAPPING = {
    "external_id": "$.id",
    "fields": {"customer.code": "$.buyer.id", "customer.name": "$.buyer.name",
               "ship_to.country": {"formula": "\"CN\""}, "ship_to.province": "$.province",
               "priority": {"path": "$.speed", "formula": "IF(value = \"fast\", \"rush\", "
                                                          "\"normal\")"}},
    "lines": {"items": {"from": "$.lines[*]",
                        "fields": {"sku": "$.sku", "qty": "$.n", "price": "$.price"}}},
}

SIMPLE_ORDER = {"id": "A-1001", "buyer": {"id": "C9", "name": "Chen Jing"}, "province": "Zhejiang",
                "speed": "slow", "lines": [{"sku": "TEA-01", "n": 2, "price": "10.50"}]}


def create_channel(client, headers, key="shop", kind="webhook", mapping=None,
                   order_type="retail_order"):
    response = client.post("/api/v1/channels", headers=headers, json={
        "key": key, "name": key.title(), "kind": kind, "order_type": order_type,
        "mapping": SIMPLE_MAPPING if mapping is None else mapping})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def deliver(client, key, payload, secret=None, headers=None, raw=None):
    body = raw if raw is not None else json.dumps(payload).encode()
    sent = {"Content-Type": "application/json", **(headers or {})}
    if secret is not None:
        sent["X-Orderloom-Signature"] = signature(secret, body)
    return client.post(f"/api/v1/channels/{key}/orders", data=body, headers=sent)


def count(session, model, *where) -> int:
    value = session.scalar(select(func.count()).select_from(model).where(*where))
    session.rollback()  # end the read: on SQLite it holds the write lock
    return value

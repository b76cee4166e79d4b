"""A small, valid order type for the designer tests to copy and break."""
from __future__ import annotations

import copy
from typing import Any

RETAIL: dict[str, Any] = {
    "key": "retail_order",
    "name": {"en": "Retail order", "zh": "零售订单"},
    "number_prefix": "SO",
    "currency": "CNY",
    "form": {
        "fields": [
            {"key": "customer", "type": "customer", "label": {"en": "Customer", "zh": "客户"},
             "required": True},
            {"key": "ship_to", "type": "address", "label": {"en": "Ship to", "zh": "收货地址"},
             "required": True},
            {"key": "priority", "type": "choice", "label": {"en": "Priority", "zh": "优先级"},
             "options": [{"value": "normal", "label": {"en": "Normal", "zh": "普通"}},
                         {"value": "rush", "label": {"en": "Rush", "zh": "加急"}}],
             "default": "normal"},
            {"key": "items", "type": "line_items", "label": {"en": "Items", "zh": "商品"},
             "required": True,
             "fields": [
                 {"key": "sku", "type": "product", "label": {"en": "SKU"}, "required": True},
                 {"key": "qty", "type": "integer", "label": {"en": "Quantity", "zh": "数量"},
                  "required": True, "min": 1,
                  "validation": {"formula": "qty <= 1000",
                                 "message": {"en": "At most 1000 per line"}}},
                 {"key": "price", "type": "money", "label": {"en": "Unit price"},
                  "required": True},
                 {"key": "amount", "type": "computed", "label": {"en": "Amount"},
                  "formula": "qty * price", "result_type": "money"},
             ]},
            {"key": "total", "type": "computed", "label": {"en": "Total", "zh": "合计"},
             "formula": "SUM(items.amount)", "result_type": "money"},
            {"key": "discount", "type": "computed", "label": {"en": "Discount"},
             "formula": "IF(customer.tier = \"gold\", ROUND(total * 0.05, 2), 0)",
             "result_type": "money"},
            {"key": "note", "type": "long_text", "label": {"en": "Note"},
             "visible_when": "priority = \"rush\""},
        ],
        "layout": [
            {"title": {"en": "Customer"}, "columns": 2, "fields": ["customer", "ship_to"]},
            {"title": {"en": "Order"}, "fields": ["priority", "items", "total", "discount",
                                                 "note"]},
        ],
    },
    "workflow": {
        "states": [
            {"key": "draft", "label": {"en": "Draft"}, "kind": "start", "category": "open"},
            {"key": "review", "label": {"en": "In review"}, "kind": "normal", "sla_hours": 4,
             "category": "open"},
            {"key": "confirmed", "label": {"en": "Confirmed"}, "kind": "normal",
             "category": "open"},
            {"key": "shipped", "label": {"en": "Shipped"}, "kind": "normal",
             "category": "shipped"},
            {"key": "delivered", "label": {"en": "Delivered"}, "kind": "terminal",
             "category": "fulfilled"},
            {"key": "cancelled", "label": {"en": "Cancelled"}, "kind": "terminal",
             "category": "cancelled"},
        ],
        "transitions": [
            {"key": "submit", "from": ["draft"], "to": "review", "label": {"en": "Submit"},
             "roles": ["staff"], "required_fields": ["customer", "items"]},
            {"key": "ship", "from": ["confirmed"], "to": "shipped", "label": {"en": "Ship"},
             "roles": ["staff"], "actions": [{"type": "deduct_stock"}]},
            {"key": "deliver", "from": ["shipped"], "to": "delivered",
             "label": {"en": "Delivered"}},
            {"key": "cancel", "from": ["draft", "review", "confirmed"], "to": "cancelled",
             "label": {"en": "Cancel"}, "roles": ["staff"], "condition": "total < 100000",
             "actions": [{"type": "release_stock"}]},
        ],
        "approvals": [
            {"key": "manager_review", "state": "review", "approvers": {"roles": ["admin"]},
             "mode": "any", "when": "total > 5000", "approved": "confirmed",
             "rejected": "cancelled", "escalate_after_hours": 4, "escalate_to": "admin"},
        ],
        "automatic": [
            {"key": "auto_cancel", "from": "draft", "to": "cancelled", "after_hours": 24},
        ],
    },
    "rules": [
        {"key": "rush_tag", "when": "priority = \"rush\"", "then": [{"type": "add_tag",
                                                                    "tag": "rush"}]},
        {"key": "big_order", "when": "total > 20000",
         "then": [{"type": "require_approval", "approval": "manager_review"}]},
    ],
    "decision_tables": [
        {"key": "shipping_class", "hit": "first", "inputs": ["total", "ship_to.province"],
         "rows": [
             {"conditions": ["value > 1000", "value IN [\"Zhejiang\", \"Jiangsu\"]"],
              "then": [{"type": "add_tag", "tag": "free_shipping"}]},
             {"conditions": ["", ""], "then": [{"type": "add_tag", "tag": "standard"}]},
         ]},
    ],
    "routing": {
        "rules": [{"when": "priority = \"rush\"", "warehouse": "SH"}],
        "strategy": "region",
        "regions": {"Zhejiang": ["HZ", "SH"], "Shanghai": ["SH"]},
        "allow_split": True,
        "backorder": "refuse",
    },
    "print_templates": [
        {"key": "pick_list", "document": "pick_list",
         "template": "<h1>{{ order.number }}</h1>{% for line in order.items %}"
                     "<p>{{ line.sku }} x {{ line.qty }}</p>{% endfor %}"},
    ],
}


def retail() -> dict[str, Any]:
    return copy.deepcopy(RETAIL)

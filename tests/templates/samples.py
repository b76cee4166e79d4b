"""One sample order per built-in template, with what the server must compute for it."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

TEMPLATE_KEYS = ("catering", "manufacturing", "retail", "returns", "wholesale")


def _today() -> date:
    return datetime.now(UTC).date()


def _day(offset: int) -> str:
    return (_today() + timedelta(days=offset)).isoformat()


def sample(key: str) -> dict[str, Any]:
    """``order_type``, the ``data`` to post, the ``computed`` values and line ``amounts``
    the answer must hold, and the ``state`` the order ends up in."""
    return SAMPLES[key]()


def _retail() -> dict[str, Any]:
    return {
        "order_type": "retail_order",
        "data": {
            "channel_order_no": "TM-20240501-0001",
            "customer": {"code": "C-1002", "name": "李明 Li Ming", "tier": "regular",
                         "email": "li.ming@example.com", "phone": "13800138002"},
            "ship_to": {"country": "CN", "province": "Zhejiang", "city": "Hangzhou",
                        "district": "Xihu", "street": "文三路 90 号", "postcode": "310012"},
            "items": [{"sku": "TSHIRT-WHT-M", "qty": 2, "price": "79.00"},
                      {"sku": "MUG-350", "qty": 1, "price": "39.00"}],
            "shipping_fee": "10.00", "discount": "5.00",
        },
        # 2 x 79 + 39 + 10 shipping - 5 discount
        "computed": {"item_count": 3, "total": "202.00"},
        "amounts": ["158.00", "39.00"],
        # paid -> review (automatic) -> risk review not needed -> ready
        "state": "ready",
    }


def _wholesale() -> dict[str, Any]:
    return {
        "order_type": "wholesale_order",
        "data": {
            "customer": {"code": "B-2002", "name": "广州顺达五金批发", "tier": "standard",
                         "credit_limit": "100000.00"},
            "po_number": "PO-88123",
            "ship_to": {"country": "CN", "province": "Guangdong", "city": "Guangzhou",
                        "street": "广园中路 1 号"},
            "items": [{"sku": "BOLT-M8-100", "qty": 100, "price": "45.00", "discount_pct": 10},
                      {"sku": "DRILL-18V", "qty": 10, "price": "699.00"}],
        },
        # 4,500 less 10% = 4,050; 6,990; VAT 13% of 11,040 = 1,435.20
        "computed": {"subtotal": "11040.00", "tax": "1435.20", "total": "12475.20",
                     "credit_available": "100000.00", "over_credit": False,
                     "units_ordered": 110, "units_shipped": 0, "fulfilment": "none",
                     "payment_terms": "net30", "invoice_status": "not_invoiced"},
        "amounts": ["4050.00", "6990.00"],
        "state": "draft",
    }


def _manufacturing() -> dict[str, Any]:
    return {
        "order_type": "production_order",
        "data": {
            "customer": {"code": "M-3003", "name": "杭州木语家居", "tier": "standard"},
            "project_name": "Showroom kitchen 展厅厨房",
            "ship_to": {"country": "CN", "province": "Zhejiang", "city": "Hangzhou",
                        "street": "莫干山路 100 号"},
            "requested_delivery": _day(60),
            "items": [{"sku": "CAB-600-OAK", "qty": 4, "price": "1280.00",
                       "spec": "oak, matt finish"},
                      {"sku": "HANDLE-SS", "qty": 8, "price": "25.00"}],
        },
        # 30% deposit of 5,320; 12 units: the 15-day lead time; quotes last 30 days
        "computed": {"units": 12, "total": "5320.00", "deposit_percent": 30,
                     "deposit_due": "1596.00", "balance_due": "5320.00",
                     "lead_time_days": 15, "quote_valid_until": _day(30),
                     "deposit_paid": False},
        "amounts": ["5120.00", "200.00"],
        "state": "quote",
    }


def _catering() -> dict[str, Any]:
    return {
        "order_type": "catering_order",
        "data": {
            "customer": {"code": "F-4001", "name": "张江科技园行政部", "tier": "corporate"},
            "contact_phone": "021-50801234",
            "delivery_address": {"country": "CN", "province": "Shanghai", "city": "Shanghai",
                                 "district": "Pudong", "street": "张江路 500 号"},
            "delivery_date": _day(2),
            "time_slot": "lunch",
            "headcount": 20,
            "dietary": ["vegetarian"],
            "items": [{"sku": "BENTO-CHK", "qty": 15, "price": "38.00"},
                      {"sku": "BENTO-VEG", "qty": 5, "price": "35.00",
                       "kitchen_note": "no onion"}],
        },
        # 570 + 175 under 1,000: 50 delivery; 795 / 20 guests
        "computed": {"portions": 20, "subtotal": "745.00", "delivery_fee": "50.00",
                     "total": "795.00", "per_head": "39.75"},
        "amounts": ["570.00", "175.00"],
        # received -> event review (automatic) -> not a large event -> confirmed
        "state": "confirmed",
    }


def _returns() -> dict[str, Any]:
    return {
        "order_type": "return_request",
        "data": {
            "customer": {"code": "R-5001", "name": "孙丽 Sun Li", "tier": "gold",
                         "email": "sun.li@example.com"},
            "original_order_no": "RT-000123",
            "purchase_date": _day(-10),
            "reason": "defective",
            "resolution": "refund",
            "description": "Left earbud does not charge",
            "ship_from": {"country": "CN", "province": "Shanghai", "city": "Shanghai",
                          "street": "南京西路 1 号"},
            "items": [{"sku": "EARBUDS-PRO", "qty": 1, "price": "899.00"}],
        },
        "computed": {"days_since_purchase": 10, "total": "899.00",
                     "restocking_fee": "0.00", "refund_amount": "899.00"},
        "amounts": ["899.00"],
        # requested -> review (automatic) -> under 1,000 and defective: authorised
        "state": "awaiting_return",
    }


SAMPLES = {"retail": _retail, "wholesale": _wholesale, "manufacturing": _manufacturing,
           "catering": _catering, "returns": _returns}

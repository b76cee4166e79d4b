"""The kinds of exception, what each means to staff, how long one may wait before it
is overdue (unless settings say otherwise) and the resolutions that fit it.

A reason is a fixed word because code raises it; its label is for people.
"""
from __future__ import annotations

from dataclasses import dataclass

from orderloom.designer.actions.raise_exception import REASON_LABELS

RELEASE, HOLD, CANCEL, FIX_SKU = "release", "hold", "cancel", "fix_sku"
RESOLUTIONS = (RELEASE, HOLD, CANCEL, FIX_SKU)
# Not a person's choice: the order was moved on by hand past what the exception waited
# for (closing.py).
CLOSED_BY_MOVE = "closed_by_move"


@dataclass(frozen=True)
class Reason:
    key: str
    label: dict[str, str]
    sla_hours: int
    resolutions: tuple[str, ...]


# Hours an exception of each reason may wait, unless settings say otherwise.
SLA_HOURS = {"unknown_sku": 4, "out_of_stock": 24, "address": 8, "buyer_note": 4,
             "refund_request": 2, "price": 8, "duplicate": 8, "rule": 24, "short_pick": 4}
# Reasons only Orderloom raises, never a designer's rule: the warehouse floor reports a
# stop whose units were not on the shelf (floor/short_picks.py). Staff release the
# order once the shelf is restocked (it is planned into a wave again), hold or cancel it.
RAISED_BY_THE_FLOOR: dict[str, tuple[str, str]] = {"short_pick": ("Short pick", "拣货短缺")}
# Release is not offered for an unknown SKU: the order cannot be routed until the
# line names a product the catalog has.
ALLOWED = {"unknown_sku": (FIX_SKU, HOLD, CANCEL)}

REASONS: dict[str, Reason] = {
    key: Reason(key, {"en": en, "zh": zh}, SLA_HOURS[key],
                ALLOWED.get(key, (RELEASE, HOLD, CANCEL)))
    for key, (en, zh) in {**REASON_LABELS, **RAISED_BY_THE_FLOOR}.items()}

RESOLUTION_LABELS: dict[str, dict[str, str]] = {
    RELEASE: {"en": "Release", "zh": "放行"},
    HOLD: {"en": "Hold", "zh": "暂停"},
    CANCEL: {"en": "Cancel the order", "zh": "取消订单"},
    FIX_SKU: {"en": "Fix the SKU", "zh": "修正商品编码"},
    CLOSED_BY_MOVE: {"en": "Closed: the order was moved on", "zh": "订单已流转，自动关闭"},
}

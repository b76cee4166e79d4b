"""Send the order to the exception queue with a reason: it waits there, its automatic
moves held, until a person resolves the exception (docs/exceptions.md)."""
from __future__ import annotations

from orderloom.designer.actions import ActionType

# The reasons an exception can have, as the designer offers them; the runtime's
# exception queue (runtime/exception_queue/reasons.py) adds what each allows.
REASON_LABELS: dict[str, tuple[str, str]] = {
    "unknown_sku": ("Unknown SKU", "未知商品编码"),
    "out_of_stock": ("Out of stock", "缺货"),
    "address": ("Address incomplete or unroutable", "地址不全或无法分仓"),
    "buyer_note": ("Buyer note to read", "买家留言待阅"),
    "refund_request": ("Platform refund or cancellation request", "平台退款或取消申请"),
    "price": ("Price below the floor or discount beyond the limit", "低于底价或折扣超限"),
    "duplicate": ("Suspected duplicate", "疑似重复订单"),
    "rule": ("Raised by a rule", "规则触发"),
}


class RaiseException(ActionType):
    name = "raise_exception"
    position = 36
    labels = ("Send to the exception queue", "转入异常订单")
    members = {"reason": {"enum": list(REASON_LABELS)},
               "message": {"$ref": "#/$defs/label"}}
    required = ("reason",)
    starting = {"reason": "rule", "message": {"en": "", "zh": ""}}

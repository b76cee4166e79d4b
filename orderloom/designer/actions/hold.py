"""Hold the order with a reason: it stays in its state, and automatic moves out of it
wait, until a person moves it on."""
from __future__ import annotations

from orderloom.designer.actions import ActionType


class Hold(ActionType):
    name = "hold"
    position = 35
    labels = ("Hold the order", "暂停订单")
    members = {"reason": {"$ref": "#/$defs/label"}}
    required = ("reason",)
    starting = {"reason": {"en": "", "zh": ""}}

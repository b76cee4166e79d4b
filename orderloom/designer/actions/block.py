"""Refuse the order (or the transition) with a message."""
from __future__ import annotations

from orderloom.designer.actions import ActionType


class Block(ActionType):
    name = "block"
    position = 30
    labels = ("Refuse the order", "拒绝订单")
    members = {"message": {"$ref": "#/$defs/label"}}
    required = ("message",)
    starting = {"message": {"en": "", "zh": ""}}

"""Tell people (roles, users, the customer) about the order with a message template."""
from __future__ import annotations

from typing import Any

from orderloom.designer.actions import ActionType, Checker


class Notify(ActionType):
    name = "notify"
    position = 50
    labels = ("Notify", "通知")
    members = {
        "to": {"type": "object", "minProperties": 1, "additionalProperties": False,
               "properties": {"roles": {"type": "array", "items": {"$ref": "#/$defs/role"}},
                              "users": {"type": "array", "items": {"type": "string"}},
                              "customer": {"type": "boolean"}}},
        "template": {"type": "string", "minLength": 1, "maxLength": 20000},
        "subject": {"type": "string", "maxLength": 500},
    }
    required = ("to", "template")
    starting = {"to": {"roles": ["admin"]}, "template": "Order {{ order.number }}"}

    def check(self, checker: Checker, path: tuple, action: dict[str, Any]) -> None:
        checker.roles((*path, "to", "roles"), action["to"].get("roles", []))
        checker.template((*path, "template"), action["template"])

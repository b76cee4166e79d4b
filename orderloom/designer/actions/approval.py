"""Ask for a named approval even when its ``when`` is not TRUE."""
from __future__ import annotations

from typing import Any

from orderloom.designer.actions import ActionType, Checker


class RequireApproval(ActionType):
    name = "require_approval"
    position = 40
    labels = ("Require an approval", "需要审批")
    members = {"approval": {"$ref": "#/$defs/key"}}
    required = ("approval",)
    starting = {"approval": ""}

    def check(self, checker: Checker, path: tuple, action: dict[str, Any]) -> None:
        approvals = {a["key"] for a in checker.definition["workflow"].get("approvals", [])}
        if action["approval"] not in approvals:
            checker.missing((*path, "approval"), "approval", action["approval"], approvals)
